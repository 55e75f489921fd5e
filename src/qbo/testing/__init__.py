"""Helpers for testing integrations against the emulator (used by qbo's own tests too)."""

from qbo.testing.server import ServerThread, loopback_socket

__all__ = ["ServerThread", "loopback_socket"]
