"""Shared test fixtures: where ../shared lives, and a clear failure when it does not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ../shared folder beside the project root."""
    if not (SHARED / "README.md").is_file():
        pytest.fail(f"../shared is missing (looked for {SHARED}); tests need its data")
    return SHARED


FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def fake_aws_env() -> dict[str, str]:
    """Credentials that only a moto server accepts: real AWS is never reached from tests."""
    return dict(FAKE_AWS_ENV)


@pytest.fixture(scope="session")
def start_moto() -> Iterator[Callable[[], str]]:
    """Start a moto server on a free loopback port and return its URL; all stop at session end."""
    servers: list[ThreadedMotoServer] = []

    def start() -> str:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        servers.append(server)
        return f"http://127.0.0.1:{server._server.server_address[1]}"

    yield start
    for server in servers:
        server.stop()
