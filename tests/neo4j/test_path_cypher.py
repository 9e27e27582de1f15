"""`path --backend neo4j` runs the identity walk in Cypher over the hops `neo4j push` wrote, and
answers exactly as the networkx engine: the bundled example and a seeded synthetic organisation,
many (from, to) pairs, field by field; and through the CLI."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.access.resource_actions import KIND_TARGETS
from graphscope.cli import app
from graphscope.push import push
from graphscope.queries.potential import paths_between
from graphscope.schema import EDGE_KINDS, EdgeFamily
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.store.paths import (
    cypher_walk,
    hop_kinds,
    hops_written,
    mark_hops_written,
    neo4j_path_report,
    path_report,
    walkable_hop_edges,
)
from graphscope.workspace import Sources, Workspace

from .conftest import EXAMPLE_SOURCES, REPO, same_json

EXAMPLE = EXAMPLE_SOURCES.snapshots[0]


def _pairs(ws: Workspace, n_src: int, n_dst: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    srcs = sorted(n.id for n in ws.store.nodes({"user", "role"}))
    dsts = sorted(n.id for n in ws.store.nodes({*KIND_TARGETS, "role"}))
    srcs = srcs if len(srcs) <= n_src else rng.sample(srcs, n_src)
    dsts = dsts if len(dsts) <= n_dst else rng.sample(dsts, n_dst)
    return [(s, d) for s in srcs for d in dsts]


def _compare(ws: Workspace, uri: str, pairs: list[tuple[str, str]]) -> tuple[int, int]:
    """(pairs with a path, pairs whose longest path is several identity hops)."""
    view = Neo4jGraphStore(uri, ensure_schema=False, hide_observed=True)
    try:
        assert hops_written(view)
        on_mem = ReachEngine(AccessInputs(ws.store))
        on_neo = ReachEngine(AccessInputs(view))
        found = multi = 0
        for src, dst in pairs:
            a = paths_between(on_mem, src, dst).model_dump(by_alias=True)
            b = neo4j_path_report(on_neo, src, dst).model_dump(by_alias=True)
            same_json(a, b, f"path {src} -> {dst}")
            found += bool(a["paths"])
            multi += any(len(p) > 2 for p in a["paths"])
        return found, multi
    finally:
        view.close()


def test_example_paths_equal_networkx(neo: Neo4jGraphStore, neo4j_uri: str) -> None:
    ws = Workspace.load(Sources(snapshots=(str(EXAMPLE),)))
    result = push(ws, neo)
    assert result.identity_edges > 0
    found, multi = _compare(ws, neo4j_uri, _pairs(ws, 100, 200, seed=1))
    assert found > 20 and multi > 0, (found, multi)  # proxies and role chains are compared
    ws.close()


def test_synthetic_org_paths_equal_networkx(
    neo: Neo4jGraphStore, neo4j_uri: str, synth_org: Path
) -> None:
    ws = Workspace.load(Sources(snapshots=(str(synth_org),)))
    push(ws, neo)
    found, _ = _compare(ws, neo4j_uri, _pairs(ws, 12, 40, seed=2))
    assert found > 0
    ws.close()


def test_the_cypher_walk_is_the_engine_walk(neo: Neo4jGraphStore, neo4j_uri: str) -> None:
    """Edge kinds come from the schema; from every principal the walk finds the engine's
    identities in its order, with its first paths and limits, AI applications' roles included."""
    kinds = hop_kinds()
    assert set(kinds) == {k for k, e in EDGE_KINDS.items() if e.family is EdgeFamily.POTENTIAL}
    ws = Workspace.load(Sources(snapshots=(str(EXAMPLE),)))
    push(ws, neo)
    engine = ReachEngine(AccessInputs(ws.store))
    through_apps = 0
    for src in sorted(n.id for n in ws.store.nodes({"user", "role"})):
        want = [(w.arn, w.path, w.limit) for w in engine.walk(src)]
        got = [(f.walker.arn, f.walker.path, f.walker.limit) for f in cypher_walk(neo, src, "")]
        assert got == want, src
        through_apps += sum(any(h.edge == "runs_as" for h in path) for _, path, _ in got)
    assert through_apps > 0, "some identity is reached through an application's role"
    ws.close()


def test_cli_path_on_neo4j_uses_pushed_hops(neo: Neo4jGraphStore, neo4j_uri: str) -> None:
    ws = Workspace.load(Sources(snapshots=(str(EXAMPLE),)))
    principal = "arn:aws:iam::444455556666:user/ci-runner"
    bucket = "arn:aws:s3:::examplecorp-training-data"
    runner = CliRunner()
    snap = ["--snapshot", str(EXAMPLE)]
    ends = ["--from", principal, "--to", bucket, "--format", "json"]
    want = runner.invoke(app, ["path", *snap, *ends])
    assert want.exit_code == 0, want.output
    # before a push the database has no hops: the engine's own walk answers, the same
    early = runner.invoke(app, ["path", *snap, *ends, "--backend", "neo4j", "--uri", neo4j_uri])
    assert early.exit_code == 0, early.output
    assert json.loads(early.stdout) == json.loads(want.stdout)
    push(ws, neo)
    got = runner.invoke(app, ["path", *ends, "--backend", "neo4j", "--uri", neo4j_uri])
    assert got.exit_code == 0, got.output
    assert json.loads(want.stdout)["paths"], "the example principal reaches the bucket"
    same_json(json.loads(want.stdout), json.loads(got.stdout))
    ws.close()


def test_hostile_ids_are_parameters(neo: Neo4jGraphStore, neo4j_uri: str) -> None:
    ws = Workspace.load(Sources(snapshots=(str(EXAMPLE),)))
    push(ws, neo)
    before = neo.counts()
    view = Neo4jGraphStore(neo4j_uri, ensure_schema=False, hide_observed=True)
    engine = ReachEngine(AccessInputs(view))
    for hostile in ("x'}) DETACH DELETE n //", "`a`|b {c: 1}", '"); MATCH (n) DELETE n;'):
        assert path_report(engine, hostile, hostile + "2").paths == []
        assert [f.walker.arn for f in cypher_walk(view, hostile, "t")] == [hostile]
    view.close()
    assert neo.counts() == before
    ws.close()


@pytest.mark.parametrize("seed", [3])
def test_stale_hops_are_not_used(neo: Neo4jGraphStore, neo4j_uri: str, seed: int) -> None:
    """A database the inputs just changed may hold stale hops: the engine's walk answers."""
    ws = Workspace.load(Sources(snapshots=(str(EXAMPLE),)))
    view = Neo4jGraphStore(neo4j_uri, ensure_schema=False, hide_observed=True)
    ws2 = Workspace.load(Sources(snapshots=(str(EXAMPLE),)), store=view)
    assert view.written and not hops_written(view)
    src, dst = _pairs(ws, 3, 3, seed)[0]
    same_json(
        paths_between(ReachEngine(AccessInputs(ws.store)), src, dst).model_dump(),
        path_report(ReachEngine(AccessInputs(view)), src, dst).model_dump(),
    )
    ws.close()
    ws2.close()
    view.close()


def test_a_repush_drops_hops_the_inventory_no_longer_gives(neo: Neo4jGraphStore) -> None:
    """A hop an earlier push wrote (a trust since removed) must not stay a path."""
    from graphscope.model import Edge

    ws = Workspace.load(Sources(snapshots=(str(EXAMPLE),)))
    push(ws, neo)
    user = "arn:aws:iam::444455556666:user/ci-runner"
    role = sorted(n.id for n in ws.store.nodes({"role"}))[-1]
    old = Edge(user, role, "can_assume", "gone", {"identity": role, "move": 99, "limit": []})
    neo.upsert_edges([old])
    assert neo._read("MATCH ()-[r {key: $k}]->() RETURN count(r) AS c", k="gone")[0]["c"] == 1
    again = push(ws, neo)
    assert neo._read("MATCH ()-[r {key: $k}]->() RETURN count(r) AS c", k="gone")[0]["c"] == 0
    assert (again.nodes_written, again.edges_written) == (0, 1)
    third = push(ws, neo)
    assert (third.nodes_written, third.edges_written) == (0, 0)
    ws.close()


def _identities_org():  # type: ignore[no-untyped-def]
    """The hand-built organisation of tests/access/test_reach_identities.py (loaded by path:
    test folders are not packages)."""
    import importlib.util

    path = REPO / "tests" / "access" / "test_reach_identities.py"
    spec = importlib.util.spec_from_file_location("_reach_identities_org", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_conditional_hop_then_a_free_one_walk_like_the_engine(neo: Neo4jGraphStore) -> None:
    """alice becomes ops only with MFA, and freely through svc-bot (whose key she can mint):
    the engine walks ops twice (conditionally, then freely); the Cypher walk must too."""
    org = _identities_org()
    alice = [
        org._allow("Ops", "sts:AssumeRole", org.OPS),
        org._allow("Keys", "iam:CreateAccessKey", f"arn:aws:iam::{org.DEV}:user/svc-*"),
    ]
    engine = org.build(alice, ops_trust=org.MFA_TRUST)
    store = engine.inputs.store
    neo.upsert_nodes(store.nodes())
    neo.upsert_edges(store.edges())
    hops = [e for p in engine.inputs.principals() for e in walkable_hop_edges(engine, p.id)]
    neo.upsert_edges(hops)
    mark_hops_written(neo, len(hops))
    want = [(w.arn, w.path, w.limit) for w in engine.walk(org.ALICE)]
    got = [(f.walker.arn, f.walker.path, f.walker.limit) for f in cypher_walk(neo, org.ALICE, "")]
    assert [arn for arn, _, _ in want].count(org.OPS) == 2  # the case this test is about
    assert got == want
