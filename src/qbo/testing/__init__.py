"""Helpers for testing integrations against the emulator (used by qbo's own tests too)."""

from qbo.testing.process import EmulatorProcess
from qbo.testing.server import ServerThread, loopback_socket

__all__ = ["EmulatorProcess", "ServerThread", "loopback_socket"]
