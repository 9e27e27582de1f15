"""The API over real HTTP: uvicorn on a free loopback port in a thread, httpx as the client."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from graphscope.api import ApiSettings, create_app
from graphscope.workspace import Sources

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "incident"
ORG = REPO / "tests" / "inventory" / "data" / "org-snapshot"
TOKEN = "test-token-0123456789abcdef"
EXAMPLE_SOURCES = Sources.of_case_folder(EXAMPLE)
# the same inputs as command-line flags, for the CLI-parity tests
EXAMPLE_FLAGS = EXAMPLE_SOURCES.as_flags()


class LiveServer:
    """One uvicorn server in a daemon thread, stopped at teardown."""

    def __init__(self, app: object) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(sources: Sources = EXAMPLE_SOURCES, **settings: object) -> LiveServer:
        settings.setdefault("token", SecretStr(TOKEN))
        s = LiveServer(create_app(sources, ApiSettings(**settings)))  # type: ignore[arg-type]
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


@pytest.fixture(scope="session")
def live(serve: Callable[..., LiveServer]) -> LiveServer:
    """The example incident served with the default settings."""
    return serve()


@pytest.fixture()
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    ) as c:
        yield c
