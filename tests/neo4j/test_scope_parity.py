"""`scope` and `exposure` on the bundled example: networkx and Neo4j give the same JSON.

The Neo4j side is what `--backend neo4j` does: the graph was pushed first (with the observed
overlay), then the workspace loads the same inputs through `open_store("neo4j", ...)`, which
re-merges the snapshot (no writes: nothing changed) and answers from the database.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from graphscope.push import push
from graphscope.queries.exposure import build_exposure
from graphscope.queries.scope import build_scope
from graphscope.store.backend import open_store
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.workspace import Workspace

from .conftest import EXAMPLE, EXAMPLE_SOURCES
from .test_parity import _same

SOURCES = EXAMPLE_SOURCES
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture()
def workspaces(neo: Neo4jGraphStore, neo4j_uri: str):
    pushed = Workspace.load(SOURCES)
    push(pushed, neo)
    pushed.close()
    written = dict(neo.written)
    mem = Workspace.load(SOURCES)
    back = open_store("neo4j", neo4j_uri)
    on_neo = Workspace.load(SOURCES, store=back)
    assert not back.written, "re-loading pushed inputs writes nothing"  # type: ignore[attr-defined]
    assert written["nodes"] > 0
    yield mem, on_neo
    mem.close()
    on_neo.close()


def test_scope_of_the_example_key(workspaces) -> None:
    mem, on_neo = workspaces
    subject = json.loads((EXAMPLE / "expected.json").read_text())["subject"]
    key = subject["access_key_id"]
    a = build_scope(mem, access_key=key, now=NOW).report
    b = build_scope(on_neo, access_key=key, now=NOW).report
    assert a.potential.resources, "the example key reaches something"
    _same(a, b)
    principal = subject["principal_arn"]
    _same(
        build_scope(mem, principal=principal, now=NOW).report,
        build_scope(on_neo, principal=principal, now=NOW).report,
    )


def test_exposure_of_the_example(workspaces) -> None:
    mem, on_neo = workspaces
    a, b = build_exposure(mem), build_exposure(on_neo)
    assert a.report.targets
    _same(a.report, b.report)
