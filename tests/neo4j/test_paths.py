"""Identity-path search in Cypher agrees with the same search walked in Python."""

from __future__ import annotations

import json
import random

import pytest

from graphscope.model import Edge, Node
from graphscope.store import MemoryGraphStore
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.store.paths import identity_paths, neo4j_paths

HOPS = ("can_assume", "can_pass_role_to", "runs_as")


def _random_org(seed: int) -> tuple[list[Node], list[Edge]]:
    """Users and roles wired by identity hops, with cycles, parallel keys and decoy edges."""
    rng = random.Random(seed)
    users = [Node(f"arn:aws:iam::1:user/u{i}", "user") for i in range(4)]
    roles = [Node(f"arn:aws:iam::1:role/r{i}'`{{}}", "role") for i in range(12)]
    fns = [Node(f"arn:aws:lambda:us-east-1:1:function:f{i}", "lambda_function") for i in range(3)]
    edges = []
    for _ in range(40):
        a = rng.choice(users + roles)
        b = rng.choice(roles)
        if a.id != b.id:
            edges.append(
                Edge(a.id, b.id, "can_assume", key=rng.choice(["", "k1"]), props={"why": a.id})
            )
    for f in fns:
        edges.append(
            Edge(rng.choice(users).id, rng.choice(roles).id, "can_pass_role_to", key="lambda")
        )
        # a proxy hop ends at the application, not at the identity it yields: not followed
        edges.append(
            Edge(rng.choice(users).id, f.id, "can_access", props={"identity": roles[0].id})
        )
        edges.append(Edge(f.id, rng.choice(roles).id, "runs_as"))
        edges.append(Edge(rng.choice(users).id, f.id, "trusts"))  # not an identity hop
    for e in rng.sample(edges[:40], 8):  # limited identities: the walk stops there
        e.props["limit"] = ["bedrock:invokemodel"]
    return users + roles + fns, edges


def _ident(paths: list[list[Edge]]) -> list[str]:
    return [json.dumps([[e.src, e.dst, e.kind, e.key, e.props] for e in p]) for p in paths]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cypher_paths_equal_python_paths(neo: Neo4jGraphStore, seed: int) -> None:
    nodes, edges = _random_org(seed)
    mem = MemoryGraphStore()
    for store in (mem, neo):
        store.upsert_nodes(nodes)
        store.upsert_edges(edges)
    rng = random.Random(seed)
    roles = [n.id for n in nodes if n.kind == "role"]
    compared = 0
    for src in [n.id for n in nodes if n.kind == "user"]:
        for depth in (1, 2, 4):
            targets = rng.sample(roles, 3)
            a = identity_paths(mem, src, targets, depth)
            b = identity_paths(neo, src, targets, depth)
            assert _ident(a) == _ident(b), (src, targets, depth)
            assert all(len(p) <= depth and p[0].src == src and p[-1].dst in targets for p in b)
            assert all(len({e.dst for e in p} | {src}) == len(p) + 1 for p in b)  # simple paths
            compared += len(b)
    assert compared > 0, "the random org has some paths to compare"


def test_limits_and_hostile_ids(neo: Neo4jGraphStore) -> None:
    neo.upsert_nodes([Node("u", "user"), Node("r' }) DETACH DELETE n //", "role")])
    neo.upsert_edges([Edge("u", "r' }) DETACH DELETE n //", "can_assume")])
    (path,) = neo4j_paths(neo, "u", ["r' }) DETACH DELETE n //"], 3)
    assert [e.dst for e in path] == ["r' }) DETACH DELETE n //"]
    assert neo4j_paths(neo, "u", [], 3) == []
    assert identity_paths(neo, "u", ["u"], 3) == []
    with pytest.raises(ValueError, match="max_depth"):
        identity_paths(neo, "u", ["x"], 0)
    with pytest.raises(ValueError, match="max_depth"):
        neo4j_paths(neo, "u", ["x"], 99)
    assert neo.counts() == {"edge:can_assume": 1, "node:role": 1, "node:user": 1}


def test_paths_over_materialised_identity_hops(neo: Neo4jGraphStore) -> None:
    """On the bundled example's real hops (graphscope.access.identity_edges), pushed to Neo4j."""
    from graphscope.push import push
    from graphscope.workspace import Sources, Workspace

    from .conftest import REPO

    ws = Workspace.load(Sources(snapshots=(str(REPO / "examples/incident/snapshot"),)))
    result = push(ws, neo)
    assert result.identity_edges > 0
    mem = MemoryGraphStore()  # the same push into the embedded store
    assert push(ws, mem).identity_edges == result.identity_edges
    roles = [n.id for n in mem.nodes({"role"})]
    total = 0
    for src in [n.id for n in mem.nodes({"user", "role"})]:
        a = identity_paths(mem, src, roles, 4)
        b = identity_paths(neo, src, roles, 4)
        assert _ident(a) == _ident(b), src
        total += len(b)
        for path in b:  # every identity on a path is one the engine's walk reaches too
            reached = ws.engine.reach(src, only=frozenset({path[-1].dst}))  # type: ignore[union-attr]
            assert path[-1].dst in reached, (src, path[-1].dst)
    assert total > 0
