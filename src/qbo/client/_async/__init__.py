"""The async client: the single source of both clients (``tools/unasync.py`` makes ``_sync``)."""
