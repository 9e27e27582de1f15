"""Attacker-controlled strings are data: they never become Cypher text.

Ids, names, props (keys and values) and edge keys full of quotes, backticks, braces, comments,
parameters and whole Cypher statements go in; the database afterwards holds exactly the intended
nodes and relationships, a node graphscope does not own is untouched, and every string reads
back unchanged.
"""

from __future__ import annotations

import pytest

from graphscope.model import Edge, Node
from graphscope.store import MemoryGraphStore
from graphscope.store.neo4j import Neo4jGraphStore

HOSTILE = [
    "x' }) MATCH (n) DETACH DELETE n //",
    'x" }) MATCH (n) DETACH DELETE n //',
    "`) MATCH (n) DETACH DELETE n //",
    "MATCH (n) DETACH DELETE n",
    "}]->(b) WITH 1 AS x MATCH (n) DETACH DELETE n RETURN x //",
    "$rows",
    "${id}",
    "{id: 'evil'}",
    "// comment",
    "/* open comment",
    "\\' escaped quote",
    "line\nbreak\r\n; CREATE (:Evil)",
    ":Evil:`Label`",
    "CALL db.clearQueryCaches()",
    "arn:aws:iam::123456789012:role/ro'le`with\"all{}$",
    "ünïcødé ✓ 🙂",
    "nul\x00byte",
    "",
]


def _hostile_graph() -> tuple[list[Node], list[Edge]]:
    nodes = [
        Node(
            f"id-{i}-{s}",
            "role" if i % 2 else "s3_bucket",
            name=s or "empty",
            account=s or None,
            region=s or None,
            props={s: s, "tags": {s: [s, {"k": s}]}, "list": [s, s]},
        )
        for i, s in enumerate(HOSTILE)
    ]
    edges = [
        Edge(a.id, b.id, "can_access", key=s, props={s: s, "why": [s]})
        for a, b, s in zip(nodes, nodes[1:], HOSTILE, strict=False)
    ]
    return nodes, edges


def test_hostile_strings_change_nothing_but_the_intended_data(neo: Neo4jGraphStore) -> None:
    neo.driver.execute_query("CREATE (:Sentinel {id: 'keep-me'})-[:KEEP]->(:Sentinel {id: 'too'})")
    nodes, edges = _hostile_graph()
    mem = MemoryGraphStore()
    for store in (mem, neo):
        store.upsert_nodes(nodes)
        store.upsert_edges(edges)
        store.upsert_nodes(nodes)  # and again: merges, still nothing else
        store.upsert_edges(edges)

    totals = neo.driver.execute_query(
        "MATCH (n) RETURN count(n) AS n, "
        "COUNT { MATCH ()-[r]->() } AS r, "
        "COUNT { MATCH (s:Sentinel) } AS s, "
        "COUNT { MATCH (:Sentinel {id: 'keep-me'})-[:KEEP]->(:Sentinel {id: 'too'}) } AS k"
    ).records[0]
    assert (totals["n"], totals["r"], totals["s"], totals["k"]) == (
        len(nodes) + 2,
        len(edges) + 1,
        2,
        1,
    )
    labels = neo.driver.execute_query("MATCH (n) UNWIND labels(n) AS l RETURN DISTINCT l").records
    assert {r["l"] for r in labels} == {
        "Sentinel",
        "GsNode",
        "Role",
        "S3Bucket",
        "UsersComponent",
        "PrivateDataComponent",
    }
    types = neo.driver.execute_query("MATCH ()-[r]->() RETURN DISTINCT type(r) AS t").records
    assert {r["t"] for r in types} == {"KEEP", "CAN_ACCESS"}
    # every hostile string reads back unchanged, through every read
    for node in nodes:
        assert neo.node(node.id) == mem.node(node.id)
        assert [(e.dst, e.key, e.props) for e in neo.out_edges(node.id)] == [
            (e.dst, e.key, e.props) for e in mem.out_edges(node.id)
        ]
    assert [n.id for n in neo.nodes()] == [n.id for n in nodes]
    assert neo.counts() == mem.counts()


@pytest.mark.parametrize("kind", ["role) DETACH DELETE n //", "Role`", "role|Sentinel"])
def test_kind_filters_outside_the_schema_match_nothing(neo: Neo4jGraphStore, kind: str) -> None:
    neo.driver.execute_query("CREATE (:Sentinel {id: 'keep-me'})")
    neo.upsert_nodes([Node("r", "role"), Node("u", "user")])
    neo.upsert_edges([Edge("u", "r", "can_assume")])
    assert list(neo.nodes({kind})) == []
    assert list(neo.out_edges("u", {kind})) == []
    assert list(neo.edges({kind})) == []
    with pytest.raises(KeyError):
        Node("x", kind)
    n = neo.driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"]
    assert n == 3
