"""`graphscope serve --backend neo4j` over real HTTP: every route answers from the database with the
same JSON as the networkx server over the same inputs, compared field by field.

The Neo4j server is the real command (`graphscope serve --backend neo4j --uri ...`) in a child
process over a database `neo4j push` filled (so /v1/path runs its walk in Cypher); the networkx
one is the same app in this process. Both load the bundled example.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from graphscope.api import ApiSettings, create_app
from graphscope.push import push
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.workspace import Workspace

from .conftest import EXAMPLE_FLAGS, EXAMPLE_SOURCES, same_json

FLAGS = EXAMPLE_FLAGS
SOURCES = EXAMPLE_SOURCES
KEY = "AKIAIOSFODNN7EXAMPLE"
PRINCIPAL = "arn:aws:iam::444455556666:user/ci-runner"
BUCKET = "arn:aws:s3:::examplecorp-training-data"
# scope reports carry the time they were made; everything else must be equal
SCOPE_BLOCKS = ("subject", "window", "potential", "observed", "coverage", "headline", "containment")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen[bytes] | None = None, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:g} s")


@pytest.fixture(scope="module")
def servers(_shared_store: Neo4jGraphStore, neo4j_uri: str) -> Iterator[tuple[str, str]]:
    """(networkx URL, Neo4j URL): the Neo4j one serves the pushed example (merging its inputs
    writes nothing)."""
    from .conftest import empty, exclusive_database

    with exclusive_database():
        pushed = Workspace.load(SOURCES)  # `neo4j push` first: `path` then searches in Cypher
        push(pushed, empty(_shared_store))
        pushed.close()
        port = _free_port()
        cmd = [sys.executable, "-c", "from graphscope.cli import app; app()", "serve", *FLAGS]
        cmd += ["--backend", "neo4j", "--uri", neo4j_uri, "--insecure-local", "--port", str(port)]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ), cwd="/"
        )
        neo_url = f"http://127.0.0.1:{port}"
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        nx_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = create_app(SOURCES, ApiSettings(insecure_local=True))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            _wait(neo_url, proc)
            _wait(nx_url)
            yield nx_url, neo_url
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            server.should_exit = True
            thread.join(timeout=30)
            sock.close()
            empty(_shared_store)


def _timeless(value: Any, since: str) -> Any:
    """Containment revokes sessions issued before "now": times from this run may differ."""
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    text = stamp.sub(lambda m: "NOW" if m.group() >= since else m.group(), json.dumps(value))
    return json.loads(text)


def _get(base: str, path: str, **params: Any) -> tuple[Any, httpx.Headers]:
    r = httpx.get(base + path, params=params, timeout=120)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return r.json(), r.headers


QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("/v1/who-can", {"resource": BUCKET}),
    ("/v1/who-can", {"resource": BUCKET, "access_level": "Write"}),
    ("/v1/path", {"from": PRINCIPAL, "to": BUCKET}),
    ("/v1/path", {"from": PRINCIPAL, "to": BUCKET, "max_depth": 1}),
    ("/v1/reach", {"access_key_id": KEY}),
    ("/v1/reach", {"principal_arn": PRINCIPAL}),
    ("/v1/exposure", {"tag_sensitive": "classification=restricted"}),
    ("/v1/graph", {"limit": 50, "props": True}),
    ("/v1/graph", {"center": BUCKET, "depth": 2, "props": True}),
]


@pytest.mark.parametrize(("path", "params"), QUERIES, ids=[f"{p}{sorted(q)}" for p, q in QUERIES])
def test_neo4j_server_answers_like_networkx(
    servers: tuple[str, str], path: str, params: dict[str, Any]
) -> None:
    nx_url, neo_url = servers
    a, ha = _get(nx_url, path, **params)
    b, hb = _get(neo_url, path, **params)
    assert a, "the query has an answer to compare"
    same_json(a, b)
    assert ha.get("x-total-count") == hb.get("x-total-count")


def test_neo4j_server_scope_and_health(servers: tuple[str, str]) -> None:
    nx_url, neo_url = servers
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 5))
    reports = []
    for base in (nx_url, neo_url):
        r = httpx.post(f"{base}/v1/scope", json={"access_key_id": KEY}, timeout=120)
        while r.status_code == 202:
            time.sleep(0.2)
            r = httpx.get(base + r.headers["location"], timeout=60)
            if r.status_code == 200 and "status" in r.json() and "subject" not in r.json():
                r = httpx.get(f"{base}/v1/scope/{r.json()['id']}", timeout=60)
        assert r.status_code == 200, r.text[:500]
        reports.append(r.json())
    a, b = reports
    assert a["potential"]["resources"], "the example key reaches something"
    for block in SCOPE_BLOCKS:
        same_json(_timeless(a[block], since), _timeless(b[block], since), block)
    same_json(_get(nx_url, "/healthz")[0], _get(neo_url, "/healthz")[0])


def test_neo4j_server_errors_match(servers: tuple[str, str]) -> None:
    """Unknown nodes and hostile ids are data on both backends: the same problem answer."""
    nx_url, neo_url = servers
    for params in (
        {"resource": "arn:aws:s3:::nope'}) DETACH DELETE n //"},
        {"resource": "`x` {y}"},
    ):
        a = httpx.get(f"{nx_url}/v1/who-can", params=params, timeout=60)
        b = httpx.get(f"{neo_url}/v1/who-can", params=params, timeout=60)
        assert a.status_code == b.status_code == 404
        assert json.loads(a.text) == json.loads(b.text)


def test_serve_without_a_reachable_neo4j_is_a_clear_error() -> None:
    from typer.testing import CliRunner

    from graphscope.cli import app

    base = ["serve", *FLAGS[:2], "--backend", "neo4j", "--insecure-local", "--port", "0"]
    for extra, says in (([], "needs --uri"), (["--uri", "bolt://127.0.0.1:9"], "cannot use Neo4j")):
        out = CliRunner().invoke(app, [*base, *extra])
        assert out.exit_code == 2, out.output
        assert says in out.output and "Traceback" not in out.output
