"""schemathesis hooks for ``tools/fuzz_api.py`` (loaded through its config's ``hooks``).

``POST /query`` takes its query as ``application/text``, QBO's own media type, which
schemathesis has no serializer for: the body is plain text, so the text/plain one fits.
"""

import schemathesis

schemathesis.serializer.alias("application/text", "text/plain")
