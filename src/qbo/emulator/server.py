"""Serve the emulator over HTTP with uvicorn.

The socket is bound before uvicorn starts, so ``--port 0`` can report the port it got:
the first line on stdout is ``{"base_url": ..., "realms": [...]}`` and every log line goes
to stderr, so scripts can read the address without parsing logs.
"""

from __future__ import annotations

import json
import logging
import logging.config
import socket
import sys
from typing import Any

import uvicorn

from qbo.emulator.config import AuthMode, EmulatorConfig
from qbo.emulator.core import Emulator
from qbo.emulator.http.app import create_app
from qbo.emulator.oauth.server import startup_message
from qbo.emulator.tls import TlsFiles

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "qbo": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on accepted
    # sockets whose proto says TCP; with proto 0 every keep-alive response waited ~40 ms
    # for the client's delayed ACK between its header and body writes.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(host: str, port: int, *, tls: bool = False) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"


def serve(
    config: EmulatorConfig,
    host: str = "127.0.0.1",
    port: int = 8555,
    access_log: bool = False,
    tls: TlsFiles | None = None,
) -> None:
    logging.config.dictConfig(LOG_CONFIG)
    log = logging.getLogger("qbo.emulator")
    emulator = Emulator.open(config)
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    realms = [r.realm_id for r in emulator.realms.list()]
    url = base_url(host, actual_port, tls=tls is not None)
    announced: dict[str, Any] = {"base_url": url, "realms": realms}
    if tls is not None:
        announced["ca_file"] = str(tls.ca_cert)
    sys.stdout.write(json.dumps(announced) + "\n")
    sys.stdout.flush()
    log.info(
        "emulator listening on %s (auth=%s, realms=%s)",
        url,
        config.auth.value,
        ", ".join(realms),
    )
    if config.auth is AuthMode.OAUTH:
        log.info("%s", startup_message(emulator.oauth))
    if tls is not None:
        log.info("%s", tls.trust_hint())
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(emulator),
            log_config=LOG_CONFIG,
            access_log=access_log,
            lifespan="off",
            timeout_graceful_shutdown=5,
            ssl_certfile=str(tls.server_cert) if tls else None,
            ssl_keyfile=str(tls.server_key) if tls else None,
        )
    )
    dispatcher = emulator.webhooks
    dispatcher.start()  # webhook delivery runs in its own thread, beside uvicorn's loop
    try:
        server.run(sockets=[sock])
    finally:
        dispatcher.stop()
        emulator.close()
