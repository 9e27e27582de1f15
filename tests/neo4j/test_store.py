"""Neo4jGraphStore keeps the GraphStore contract exactly as the networkx store does."""

from __future__ import annotations

import json

import pytest

from graphscope.ingest.inventory import load_inventory
from graphscope.model import Edge, Node
from graphscope.schema import EDGE_KINDS, NODE_KINDS
from graphscope.store import GraphStore, MemoryGraphStore
from graphscope.store.cypher import BASE_LABEL, component_label
from graphscope.store.neo4j import Neo4jGraphStore

from .conftest import ORG_SNAPSHOT


def _dump_nodes(store: GraphStore) -> list[str]:
    return [json.dumps([n.id, n.kind, n.name, n.account, n.region, n.props]) for n in store.nodes()]


def _dump_edges(store: GraphStore) -> list[str]:
    return [json.dumps([e.src, e.dst, e.kind, e.key, e.props]) for e in store.edges()]


def _copy(src: GraphStore, dst: GraphStore) -> None:
    dst.upsert_nodes(src.nodes())
    dst.upsert_edges(src.edges())


def test_is_a_graph_store(neo: Neo4jGraphStore) -> None:
    assert isinstance(neo, GraphStore)


def test_the_org_snapshot_round_trips_in_order(neo: Neo4jGraphStore) -> None:
    mem = load_inventory([ORG_SNAPSHOT], []).store
    _copy(mem, neo)
    assert neo.counts() == mem.counts()
    assert _dump_nodes(neo) == _dump_nodes(mem)  # props, key order and node order included
    assert _dump_edges(neo) == _dump_edges(mem)
    for node in mem.nodes():
        assert [e.ident for e in neo.out_edges(node.id)] == [
            e.ident for e in mem.out_edges(node.id)
        ]
        assert sorted(e.ident for e in neo.in_edges(node.id)) == sorted(
            e.ident for e in mem.in_edges(node.id)
        )
        kinds = {"attached_policy", "member_of"}
        assert [e.ident for e in neo.out_edges(node.id, kinds)] == [
            e.ident for e in mem.out_edges(node.id, kinds)
        ]
    assert [n.id for n in neo.nodes({"role", "user"})] == [
        n.id for n in mem.nodes({"role", "user"})
    ]
    assert neo.node("arn:aws:iam::222222222222:user/dev-alice") == mem.node(
        "arn:aws:iam::222222222222:user/dev-alice"
    )
    assert neo.node("arn:aws:iam::222222222222:user/nobody") is None


def test_labels_follow_the_schema(neo: Neo4jGraphStore) -> None:
    mem = load_inventory([ORG_SNAPSHOT], []).store
    _copy(mem, neo)
    rows = neo.driver.execute_query(
        f"MATCH (n:{BASE_LABEL}) RETURN n.id AS id, n.kind AS kind, labels(n) AS labels"
    ).records
    assert len(rows) == len(list(mem.nodes()))
    for r in rows:
        nk = NODE_KINDS[r["kind"]]
        assert set(r["labels"]) == {BASE_LABEL, nk.label, component_label(nk.component)}, r["id"]
    types = neo.driver.execute_query("MATCH ()-[e]->() RETURN DISTINCT type(e) AS t").records
    assert {r["t"] for r in types} == {EDGE_KINDS[e.kind].rel_type for e in mem.edges()}


def test_pushing_twice_writes_nothing(neo: Neo4jGraphStore) -> None:
    mem = load_inventory([ORG_SNAPSHOT], []).store
    _copy(mem, neo)
    first = dict(neo.written)
    assert first == {"nodes": len(list(mem.nodes())), "edges": len(list(mem.edges()))}
    before = _dump_edges(neo)
    _copy(mem, neo)
    assert dict(neo.written) == first  # no node or edge written the second time
    assert _dump_edges(neo) == before
    assert neo.counts() == mem.counts()


def test_upserts_merge_props_and_refine_placeholders(neo: Neo4jGraphStore) -> None:
    mem = MemoryGraphStore()
    batches = [
        [Node("arn:aws:s3:::b", "resource", props={"a": 1, "seen": ["x"]})],
        [Node("arn:aws:s3:::b", "s3_bucket", name="b", account="1", props={"b": {"n": None}})],
        [Node("arn:aws:s3:::b", "resource", props={"a": 2})],  # a placeholder never demotes
    ]
    for batch in batches:
        mem.upsert_nodes(batch)
        neo.upsert_nodes(batch)
    assert neo.node("arn:aws:s3:::b") == mem.node("arn:aws:s3:::b")
    got = neo.node("arn:aws:s3:::b")
    assert (
        got is not None
        and got.kind == "s3_bucket"
        and got.props
        == {
            "a": 2,
            "seen": ["x"],
            "b": {"n": None},
        }
    )
    labels = neo.driver.execute_query(
        "MATCH (n {id: $id}) RETURN labels(n) AS l", id="arn:aws:s3:::b"
    ).records[0]["l"]
    assert sorted(labels) == sorted([BASE_LABEL, "S3Bucket", "PrivateDataComponent"])
    with pytest.raises(ValueError, match="already a s3_bucket"):
        neo.upsert_nodes([Node("arn:aws:s3:::b", "role")])
    assert neo.node("arn:aws:s3:::b") == mem.node("arn:aws:s3:::b")


def test_same_node_twice_in_one_batch_is_merged_in_order(neo: Neo4jGraphStore) -> None:
    nodes = [
        Node("k", "access_key", props={"x": 1}),
        Node("k", "access_key", props={"x": 2, "y": 3}),
    ]
    mem = MemoryGraphStore()
    mem.upsert_nodes(nodes)
    neo.upsert_nodes(nodes)
    assert neo.node("k") == mem.node("k")


def test_edges_merge_and_unknown_ends_are_refused(neo: Neo4jGraphStore) -> None:
    nodes = [Node("u", "user"), Node("r", "role")]
    neo.upsert_nodes(nodes)
    neo.upsert_edges([Edge("u", "r", "can_assume", props={"via": "a"})])
    neo.upsert_edges([Edge("u", "r", "can_assume", props={"why": ["s1"]})])
    neo.upsert_edges([Edge("u", "r", "can_assume", key="other")])
    got = list(neo.out_edges("u"))
    assert [(e.key, e.props) for e in got] == [("", {"via": "a", "why": ["s1"]}), ("other", {})]
    with pytest.raises(KeyError, match="unknown node 'ghost'"):
        neo.upsert_edges([Edge("u", "r", "trusts"), Edge("u", "ghost", "trusts")])
    assert list(neo.out_edges("u", {"trusts"})) == []  # the whole batch was refused
    assert neo.counts() == {"edge:can_assume": 2, "node:role": 1, "node:user": 1}


@pytest.mark.parametrize(
    "props",
    [
        {"id": "shadow", "kind": "role", "name": "n", "_json": ["x"], "_keys": 1, "_seq": -1},
        {"p:id": 1, "p:p:x": [1, 2], "": "empty key", "with space": True, "nul\x00": 0},
        {"none": None, "mixed": [1, "a"], "tuple": (1, 2), "nested": [{"a": [None]}]},
        {"float": 1.5, "int64": 2**63 - 1, "big": 2**70, "neg": -(2**63), "empty": []},
        {"bools": [True, False], "floats": [0.5, 1.0], "strs": ["a", ""], "ints": [1, 2]},
    ],
)
def test_props_round_trip_exactly(neo: Neo4jGraphStore, props: dict) -> None:
    neo.upsert_nodes([Node("n1", "secret", props=props), Node("n2", "kms_key")])
    neo.upsert_edges([Edge("n1", "n2", "encrypted_by", key="k", props=props)])
    expected = json.loads(json.dumps(props))  # tuples read back as lists
    got = neo.node("n1")
    assert got is not None and got.props == expected and list(got.props) == list(props)
    assert got.name == "n1" and got.kind == "secret"
    (edge,) = neo.out_edges("n1")
    assert edge.props == expected and edge.key == "k"


def test_a_second_store_sees_what_the_first_wrote(neo: Neo4jGraphStore, neo4j_uri: str) -> None:
    neo.upsert_nodes([Node("a", "user"), Node("b", "role")])
    neo.upsert_edges([Edge("a", "b", "can_assume")])
    with Neo4jGraphStore(neo4j_uri, ensure_schema=False) as other:
        other.upsert_nodes([Node("c", "role")])
        other.upsert_edges([Edge("a", "c", "can_assume")])
        assert [e.dst for e in other.out_edges("a")] == ["b", "c"]
    neo.refresh()
    assert [n.id for n in neo.nodes()] == ["a", "b", "c"]


def test_the_inventory_view_hides_what_only_the_logs_know(
    neo: Neo4jGraphStore, neo4j_uri: str
) -> None:
    neo.upsert_nodes([Node("AKIAX", "access_key"), Node("arn:aws:s3:::kept", "s3_bucket")])
    neo.upsert_nodes([Node("arn:aws:s3:::seen", "s3_bucket")], observed_only=True)
    neo.upsert_nodes([Node("arn:aws:s3:::kept", "s3_bucket")], observed_only=True)  # stays
    neo.upsert_edges(
        [
            Edge("AKIAX", "arn:aws:s3:::seen", "performed", key="s3:GetObject"),
            Edge("AKIAX", "arn:aws:s3:::kept", "performed", key="s3:GetObject"),
            Edge("AKIAX", "arn:aws:s3:::kept", "can_access"),  # derived: hidden too
            Edge("AKIAX", "arn:aws:s3:::kept", "in_account"),
        ]
    )
    with Neo4jGraphStore(neo4j_uri, ensure_schema=False, hide_observed=True) as view:
        assert [n.id for n in view.nodes()] == ["AKIAX", "arn:aws:s3:::kept"]
        assert view.node("arn:aws:s3:::seen") is None
        assert [(e.dst, e.kind) for e in view.out_edges("AKIAX")] == [
            ("arn:aws:s3:::kept", "in_account")
        ]
        assert [e.kind for e in view.edges()] == ["in_account"]
        assert list(view.out_edges("AKIAX", {"can_access", "performed"})) == []
        assert view.counts() == {"edge:in_account": 1, "node:access_key": 1, "node:s3_bucket": 1}
        neo.upsert_nodes([Node("arn:aws:s3:::seen", "s3_bucket")])  # the inventory now has it
        view.refresh()
        assert view.node("arn:aws:s3:::seen") is not None
    assert neo.counts()["edge:performed"] == 2
