"""The same query on networkx and on Neo4j gives the same JSON, field by field.

The graph is pushed to Neo4j, then read back through `open_store("neo4j", ...)` (what
`--backend neo4j` uses) by a fresh store with nothing cached; both answer through the same
ReachEngine code over the GraphStore boundary.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.ingest.inventory import load_inventory
from graphscope.queries.potential import paths_between, reach_report, resolve_subject, who_can
from graphscope.store import GraphStore, MemoryGraphStore
from graphscope.store.backend import BackendError, open_query_store, open_store
from graphscope.store.neo4j import Neo4jGraphStore

from .conftest import ORG_SNAPSHOT, same_json


def _same(a: object, b: object) -> None:
    ja = json.loads(a.model_dump_json(by_alias=True))  # type: ignore[attr-defined]
    jb = json.loads(b.model_dump_json(by_alias=True))  # type: ignore[attr-defined]
    same_json(ja, jb)


def _pair(neo: Neo4jGraphStore, uri: str, snapshot: Path) -> tuple[GraphStore, GraphStore]:
    mem = load_inventory([snapshot], []).store
    neo.upsert_nodes(mem.nodes())
    neo.upsert_edges(mem.edges())
    return mem, open_store("neo4j", uri)


def _engines(mem: GraphStore, neo: GraphStore) -> tuple[ReachEngine, ReachEngine]:
    return ReachEngine(AccessInputs(mem)), ReachEngine(AccessInputs(neo))


def _check(mem: GraphStore, back: GraphStore, principals: list[str], resources: list[str]) -> int:
    em, en = _engines(mem, back)
    compared = 0
    for p in principals:
        rm = reach_report(em, resolve_subject(mem, p, None))
        _same(rm, reach_report(en, resolve_subject(back, p, None)))
        compared += 1
        for r in [x.arn for x in rm.potential.resources][:3]:
            _same(paths_between(em, p, r), paths_between(en, p, r))
    for r in resources:
        _same(who_can(em, r), who_can(en, r))
        _same(who_can(em, r, access_level="Write"), who_can(en, r, access_level="Write"))
    return compared


def test_org_snapshot_reach_who_can_and_path(neo: Neo4jGraphStore, neo4j_uri: str) -> None:
    mem, back = _pair(neo, neo4j_uri, ORG_SNAPSHOT)
    principals = [n.id for n in mem.nodes({"user", "role"})]
    resources = [n.id for n in mem.nodes({"s3_bucket", "secret", "kms_key", "foundation_model"})]
    assert len(principals) >= 10 and resources
    assert _check(mem, back, principals, resources) == len(principals)
    for key in ("AKIAPRODALICE0000001",):
        _same(
            reach_report(ReachEngine(AccessInputs(mem)), resolve_subject(mem, None, key)),
            reach_report(ReachEngine(AccessInputs(back)), resolve_subject(back, None, key)),
        )


def test_synthetic_org_reach_who_can_and_path(
    neo: Neo4jGraphStore, neo4j_uri: str, synth_org: Path
) -> None:
    mem, back = _pair(neo, neo4j_uri, synth_org)
    assert back.counts() == mem.counts()
    rng = random.Random(5)
    users = [n.id for n in mem.nodes({"user"})]
    roles = [n.id for n in mem.nodes({"role"})]
    buckets = [n.id for n in mem.nodes({"s3_bucket"})]
    principals = rng.sample(users, 4) + rng.sample(roles, 4)
    _check(mem, back, principals, rng.sample(buckets, 2))


def test_a_reached_resource_differs_when_the_graph_differs(
    neo: Neo4jGraphStore, neo4j_uri: str
) -> None:
    """The comparison can fail: drop one policy attachment from Neo4j and reach changes."""
    mem, back = _pair(neo, neo4j_uri, ORG_SNAPSHOT)
    neo.driver.execute_query(
        "MATCH (:GsNode {id: $u})-[e:ATTACHED_POLICY]->() DELETE e",
        u="arn:aws:iam::111111111111:user/ops-admin",
    )
    back = open_store("neo4j", neo4j_uri)
    p = "arn:aws:iam::111111111111:user/ops-admin"
    em, en = _engines(mem, back)
    with pytest.raises(AssertionError):
        _same(
            reach_report(em, resolve_subject(mem, p, None)),
            reach_report(en, resolve_subject(back, p, None)),
        )


def test_open_store_options() -> None:
    assert isinstance(open_store("networkx"), MemoryGraphStore)
    with pytest.raises(BackendError, match="needs --uri"):
        open_store("neo4j")
    with pytest.raises(BackendError, match="unknown backend"):
        open_store("oracle")
    with pytest.raises(BackendError, match="GS_UNSET_VAR_FOR_TEST is not set"):
        open_store(
            "neo4j", "bolt://127.0.0.1:1", user="neo4j", password_env="GS_UNSET_VAR_FOR_TEST"
        )


def test_query_store_reads_a_pushed_graph_without_inputs(
    neo: Neo4jGraphStore, neo4j_uri: str
) -> None:
    """`reach --backend neo4j --uri ...` with no --snapshot answers from what was pushed."""
    mem = load_inventory([ORG_SNAPSHOT], []).store
    neo.upsert_nodes(mem.nodes())
    neo.upsert_edges(mem.edges())
    from_db = open_query_store("neo4j", neo4j_uri)
    with_inputs = open_query_store("neo4j", neo4j_uri, snapshots=[ORG_SNAPSHOT])
    assert not with_inputs.written  # type: ignore[attr-defined]  # merged: nothing changed
    for back in (from_db, with_inputs):
        _check(mem, back, ["arn:aws:iam::222222222222:user/dev-alice"], [])
    embedded = open_query_store("networkx", snapshots=[ORG_SNAPSHOT])
    assert embedded.counts() == mem.counts()
