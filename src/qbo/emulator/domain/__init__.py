"""The emulator's domain layer: entity rules, independent of HTTP."""
