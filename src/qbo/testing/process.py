"""``qbo emulator serve`` in a subprocess: the real server, as a user would run it.

It listens on a free loopback port (``--port 0``); its first stdout line,
``{"base_url": ..., "realms": [...]}``, says where. Stopping sends SIGTERM, then SIGKILL
if the server has not exited in time.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any


class EmulatorProcess:
    """Start with ``with EmulatorProcess("--db", path, "--seed", "demo") as emu:``."""

    def __init__(
        self,
        *args: str,
        stderr: IO[Any] | int = subprocess.DEVNULL,
        cwd: Path | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.command = [
            sys.executable,
            "-m",
            "qbo.cli.main",
            "emulator",
            "serve",
            "--port",
            "0",
            *args,
        ]
        self.stderr = stderr
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    @property
    def base_url(self) -> str:
        return str(self.info["base_url"])

    @property
    def realms(self) -> list[str]:
        return [str(r) for r in self.info["realms"]]

    def start(self) -> EmulatorProcess:
        self.proc = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=self.stderr, cwd=self.cwd, text=True
        )
        stdout = self.proc.stdout
        assert stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        if not lines or not lines[0]:
            self.stop()
            raise RuntimeError(f"the emulator did not start: {' '.join(self.command)}")
        self.info = json.loads(lines[0])
        return self

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
