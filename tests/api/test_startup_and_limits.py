"""Refusing to start unsafely, the loopback-only mode, and the per-request time budget."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from graphscope.api.settings import TOKEN_ENV, ApiSettings, ConfigError, read_token
from graphscope.cli import app as cli
from graphscope.workspace import Sources

from .conftest import ORG

ORG_SOURCES = Sources(snapshots=(str(ORG),))
BUCKET = "arn:aws:s3:::acme-training-data"


def test_no_token_no_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        ApiSettings().check()
    with pytest.raises(ConfigError, match="at least 16"):
        ApiSettings(token=SecretStr("short")).check()
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    runner = CliRunner()
    res = runner.invoke(cli, ["serve", "--snapshot", str(ORG)])
    assert res.exit_code == 2 and TOKEN_ENV in res.output
    res = runner.invoke(
        cli, ["serve", "--snapshot", str(ORG), "--insecure-local", "--host", "0.0.0.0"]
    )
    assert res.exit_code == 2 and "127.0.0.1 only" in res.output
    empty = tmp_path / "token"
    empty.write_text("\n")
    res = runner.invoke(cli, ["serve", "--snapshot", str(ORG), "--token-file", str(empty)])
    assert res.exit_code == 2 and "empty" in res.output
    res = runner.invoke(cli, ["serve", "--snapshot", str(tmp_path / "nope"), "--insecure-local"])
    assert res.exit_code == 2 and "no such file" in res.output


def test_token_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    f = tmp_path / "token"
    f.write_text("from-the-file-0123456789\nignored\n")
    monkeypatch.setenv(TOKEN_ENV, "from-the-env-0123456789")
    assert read_token(f).get_secret_value() == "from-the-file-0123456789"
    assert read_token(None).get_secret_value() == "from-the-env-0123456789"
    monkeypatch.delenv(TOKEN_ENV)
    assert read_token(None) is None


def test_insecure_local_serves_without_auth(serve) -> None:
    s = serve(ORG_SOURCES, token=None, insecure_local=True)
    assert s.url.startswith("http://127.0.0.1:")
    r = httpx.get(s.url + "/v1/who-can", params={"resource": BUCKET})
    assert r.status_code == 200 and r.json()["resource"] == BUCKET


def test_time_budget_answers_503_problem(serve) -> None:
    s = serve(ORG_SOURCES, time_budget_s=0.000001)
    r = httpx.get(
        s.url + "/v1/who-can",
        params={"resource": BUCKET},
        headers={"Authorization": "Bearer test-token-0123456789abcdef"},
    )
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/time-budget")


def test_server_without_inventory_says_so(serve) -> None:
    s = serve(Sources(), token=None, insecure_local=True)
    r = httpx.get(s.url + "/v1/who-can", params={"resource": BUCKET})
    assert r.status_code == 409 and "without an inventory" in r.json()["detail"]
    assert httpx.get(s.url + "/healthz").json()["inventory"] is False


def test_graphscope_serve_command_end_to_end(tmp_path: Path) -> None:
    """The real command in a subprocess: token from a file, loopback, answers, stops on SIGTERM."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    token = tmp_path / "token"
    token.write_text("file-token-0123456789abcdef\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from graphscope.cli import main; main()", "serve",
         "--snapshot", str(ORG), "--port", str(port), "--token-file", str(token)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        params = {"resource": BUCKET}
        assert httpx.get(url + "/v1/who-can", params=params).status_code == 401
        ok = httpx.get(
            url + "/v1/who-can",
            params=params,
            headers={"Authorization": "Bearer file-token-0123456789abcdef"},
        )
        assert ok.status_code == 200 and ok.json()["resource"] == BUCKET
        assert "server" not in ok.headers  # no version banner
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert proc.returncode in (0, -signal.SIGTERM)
    assert b"Application shutdown complete" in err
