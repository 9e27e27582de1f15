"""`scope --backend neo4j` and `exposure --backend neo4j` through the CLI: the same JSON as the
embedded networkx backend (what `tests/neo4j/test_scope_parity.py` checks on the Python API)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from graphscope.cli import app
from graphscope.store.neo4j import Neo4jGraphStore

from .conftest import EXAMPLE, EXAMPLE_FLAGS

INPUTS = EXAMPLE_FLAGS


def _run(*args: str) -> dict:
    out = CliRunner().invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_scope_and_exposure_agree_across_backends(neo: Neo4jGraphStore, neo4j_uri: str) -> None:
    key = json.loads((EXAMPLE / "expected.json").read_text())["subject"]["access_key_id"]
    on_neo = ["--backend", "neo4j", "--uri", neo4j_uri]
    mem = _run("scope", "--access-key", key, *INPUTS, "--format", "json")
    neo_ = _run("scope", "--access-key", key, *INPUTS, *on_neo, "--format", "json")
    assert mem["potential"]["resources"], "the example key reaches something"
    for block in ("subject", "window", "potential", "observed", "coverage", "headline"):
        assert mem[block] == neo_[block], block
    assert [s["action"] for s in mem["containment"]] == [s["action"] for s in neo_["containment"]]
    assert neo.counts(), "the Neo4j run wrote the graph to the database"

    exp = ["exposure", *INPUTS[:2], "--format", "json"]
    assert _run(*exp) == _run(*exp, *on_neo)


def test_an_unreachable_server_is_a_clear_error() -> None:
    key = "AKIAIOSFODNN7EXAMPLE"
    args = ["scope", "--access-key", key, *INPUTS[:2], "--backend", "neo4j"]
    out = CliRunner().invoke(app, [*args, "--uri", "bolt://127.0.0.1:9"])
    assert out.exit_code == 2, out.output
    assert "error:" in out.output and "Traceback" not in out.output
