"""The ``qbo`` command."""
