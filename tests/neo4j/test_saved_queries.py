"""The saved Browser queries (examples/neo4j-queries.cypher) run on a pushed example and answer."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from graphscope.push import push
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.workspace import Workspace

from .conftest import EXAMPLE_SOURCES, REPO, empty, exclusive_database

QUERIES = REPO / "examples" / "neo4j-queries.cypher"
PARAMS = {
    "key": "AKIAIOSFODNN7EXAMPLE",
    "bucket": "arn:aws:s3:::examplecorp-training-data",
    "role": "arn:aws:iam::777788889999:role/ml-deployer",
    "principal": "arn:aws:iam::444455556666:user/ci-runner",
    "account": "777788889999",
}


def _saved() -> dict[str, str]:
    """name -> query text, from the `// name:` headers."""
    out: dict[str, str] = {}
    for block in QUERIES.read_text().split("// name: ")[1:]:
        name, _, body = block.partition("\n")
        out[name.strip()] = body.strip().rstrip(";")
    return out


@pytest.fixture(scope="module")
def pushed(_shared_store: Neo4jGraphStore) -> Iterator[Neo4jGraphStore]:
    with exclusive_database():
        yield _pushed(empty(_shared_store))


def _pushed(store: Neo4jGraphStore) -> Neo4jGraphStore:
    ws = Workspace.load(EXAMPLE_SOURCES)
    push(ws, store)
    ws.close()
    return store


def _run(store: Neo4jGraphStore, name: str) -> list[dict]:
    query = _saved()[name]
    used = set(re.findall(r"\$(\w+)", query))
    records = store.driver.execute_query(query, {k: PARAMS[k] for k in used}).records
    return [r.data() for r in records]


def test_every_saved_query_is_parameterised_and_runs(pushed: Neo4jGraphStore) -> None:
    saved = _saved()
    assert len(saved) >= 8
    for name, query in saved.items():
        code = "\n".join(x for x in query.splitlines() if not x.lstrip().startswith("//"))
        code = code.replace("'/'", "")  # the one constant: a key prefix separator
        assert "'" not in code and '"' not in code, f"{name}: literals belong in :param"
        _run(pushed, name)  # raises on a syntax or type error


def test_sessions_and_activity_of_the_example_key(pushed: Neo4jGraphStore) -> None:
    sessions = _run(pushed, "sessions derived from a key")
    assert len(sessions) >= 3
    did = _run(pushed, "what a key and its sessions did")
    creds = {r["credential"] for r in did}
    assert PARAMS["key"] in creds and any(c.startswith("ASIA") for c in creds)
    assert all(r["calls"] >= 1 for r in did)


def test_bucket_and_model_views(pushed: Neo4jGraphStore) -> None:
    touched = _run(pushed, "who touched this bucket (observed)")
    assert touched and all(
        r["resource"] == PARAMS["bucket"] or r["resource"].startswith(PARAMS["bucket"] + "/")
        for r in touched
    )
    invoked = _run(pushed, "model invocations (LLMjacking check)")
    assert any(r["input_tokens"] for r in invoked)
    scps = _run(pushed, "service control policies over an account")
    assert scps[0]["level"] == PARAMS["account"] and any(r["policies"] for r in scps)
    observed = _run(pushed, "known only from the logs")
    assert observed and all(r["id"] for r in observed)


def test_identity_hops_of_a_principal(pushed: Neo4jGraphStore) -> None:
    """The walk `path --backend neo4j` runs, readable in Browser: from the example's CI user."""
    hops = _run(pushed, "identities a principal can become")
    assert hops, "the example's CI user can become other identities"
    for h in hops:
        assert h["steps"][0][0] == PARAMS["principal"] and h["steps"][-1][2] == h["becomes"]
