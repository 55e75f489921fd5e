"""A local server that behaves like QuickBooks Online.

>>> from qbo.emulator import Emulator, EmulatorConfig, create_app
>>> emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="demo"))
>>> app = create_app(emulator)  # serve with uvicorn, or test with httpx.ASGITransport
"""

from qbo.emulator.clock import Clock
from qbo.emulator.config import AuthMode, EmulatorConfig
from qbo.emulator.core import Emulator
from qbo.emulator.http.app import create_app

__all__ = ["AuthMode", "Clock", "Emulator", "EmulatorConfig", "create_app"]
