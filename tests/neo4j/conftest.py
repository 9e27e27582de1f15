"""A real Neo4j for the backend tests, found through GRAPHSCOPE_NEO4J_URI.

tests/neo4j/run-server starts one and prints its URI. Without it the tests fail under CI (a
missing server must never pass as green) and are skipped on a developer's machine.
"""

from __future__ import annotations

import fcntl
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.workspace import Sources

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "incident"
EXAMPLE_SOURCES = Sources.of_case_folder(EXAMPLE)
"""The bundled incident, as Workspace sources and (EXAMPLE_FLAGS) as command-line flags."""
EXAMPLE_FLAGS = EXAMPLE_SOURCES.as_flags()


def same_json(a: object, b: object, where: str = "$") -> None:
    """Field by field (types and key order too), so a difference names the first place it
    appears: the networkx and Neo4j backends must give exactly the same JSON."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert isinstance(b, dict)
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            same_json(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list)
        assert len(a) == len(b), f"{where}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_json(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


ORG_SNAPSHOT = REPO / "tests" / "inventory" / "data" / "org-snapshot"
INCIDENT = REPO / "tests" / "activity" / "data" / "incident"


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    uri = os.environ.get("GRAPHSCOPE_NEO4J_URI")
    if not uri:
        msg = "GRAPHSCOPE_NEO4J_URI is not set: start a server with tests/neo4j/run-server"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return uri


@pytest.fixture(scope="session")
def _shared_store(neo4j_uri: str) -> Iterator[Neo4jGraphStore]:
    store = Neo4jGraphStore(neo4j_uri)
    yield store
    with exclusive_database():
        store.clear()
    store.close()


@contextmanager
def exclusive_database() -> Iterator[None]:
    """One test at a time owns the database, also under pytest-xdist (Community has one)."""
    path = os.path.join(tempfile.gettempdir(), "graphscope-neo4j-tests.lock")
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def empty(store: Neo4jGraphStore) -> Neo4jGraphStore:
    store.clear()  # batched: a benchmark-sized graph does not fit one transaction
    store.driver.execute_query("MATCH (n) DETACH DELETE n")  # anything else a test left
    store.written.clear()
    return store


@pytest.fixture()
def neo(_shared_store: Neo4jGraphStore) -> Iterator[Neo4jGraphStore]:
    """An empty database: every test starts from nothing (the server is the tests' own)."""
    with exclusive_database():
        yield empty(_shared_store)


@pytest.fixture(scope="session")
def synth_org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small seeded synthetic organisation (benchmarks/synth_org.py at 1% scale)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import synth_org as gen

    out = tmp_path_factory.mktemp("synth-org")
    gen.generate(out, seed=11, scale=0.01)
    return out / "snapshot"
