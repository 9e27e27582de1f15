"""Long lists many relationships share (an identity hop's `limit`) are stored once, in a GsList
node keyed by their content, and read back in place: the GraphStore view never shows them."""

from __future__ import annotations

from graphscope.model import Edge, Node
from graphscope.store import MemoryGraphStore
from graphscope.store.cypher import LIST_LABEL, LISTS, SHARED_MIN, list_key
from graphscope.store.neo4j import Neo4jGraphStore

HOSTILE = ["x'}) MATCH (n) DETACH DELETE n //", "`a`|b {c: 1}", 'q"uote', "list:forged"]
ACTIONS = sorted(f"s3:action{i:03d}" for i in range(3 * SHARED_MIN)) + HOSTILE
OTHER = [*ACTIONS[:-1], "bedrock:invokemodel"]


def _graph() -> tuple[list[Node], list[Edge]]:
    nodes = [Node(f"arn:aws:iam::1:role/r{i}", "role", name=f"r{i}") for i in range(4)]
    edges = [
        Edge(nodes[0].id, n.id, "can_assume", key=f"k{i}", props={"limit": ACTIONS, "n": i})
        for i, n in enumerate(nodes[1:])
    ]
    edges.append(Edge(nodes[1].id, nodes[2].id, "can_assume", props={"limit": ["s3:getobject"]}))
    edges.append(Edge(nodes[2].id, nodes[3].id, "can_assume", props={"numbers": list(range(40))}))
    # a structural relationship keeps its long list in place, readable as it is in Browser
    nodes.append(Node("arn:aws:iam::1:group/g", "group", name="g"))
    edges.append(Edge(nodes[1].id, nodes[4].id, "member_of", props={"long": ACTIONS}))
    return nodes, edges


def _lists(neo: Neo4jGraphStore) -> dict[str, list]:
    rows = neo._read(f"MATCH (l:{LIST_LABEL}) RETURN l.id AS id, l.items AS items")
    return {r["id"]: r["items"] for r in rows}


def _fresh(neo: Neo4jGraphStore) -> Neo4jGraphStore:
    return Neo4jGraphStore("", driver=neo.driver, ensure_schema=False)


def _state(store) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(e.ident, e.props) for e in store.edges()]


def test_a_shared_list_is_stored_once_and_read_back_in_place(neo: Neo4jGraphStore) -> None:
    nodes, edges = _graph()
    mem = MemoryGraphStore()
    for store in (mem, neo):
        store.upsert_nodes(nodes)
        store.upsert_edges(edges)
    assert _state(neo) == _state(mem)
    stored = _lists(neo)
    # the action list once for three edges, the 40 numbers, and the 5-key property order
    # is below the threshold (short lists stay on the relationship)
    assert stored[list_key(ACTIONS)] == ACTIONS
    assert stored[list_key(list(range(40)))] == list(range(40))
    assert len(stored) == 2
    raw = neo._read("MATCH ()-[r:CAN_ASSUME {key: 'k0'}]->() RETURN r.limit AS l, r._lists AS s")
    assert raw == [{"l": list_key(ACTIONS), "s": ["limit"]}]
    raw = neo._read("MATCH ()-[r:MEMBER_OF]->() RETURN r.long AS l, r._lists AS s")
    assert raw == [{"l": ACTIONS, "s": None}]
    # a fresh store (nothing cached; the driver is shared, so not closed) reads them back
    cold = _fresh(neo)
    assert _state(cold) == _state(mem)
    assert [e.props["limit"] for e in cold.out_edges(nodes[0].id)] == [ACTIONS] * 3

    before = neo.written["edges"]
    neo.upsert_edges(edges)  # unchanged: nothing written, no list added
    assert neo.written["edges"] == before and _lists(neo) == stored


def test_a_changed_list_gets_its_own_node(neo: Neo4jGraphStore) -> None:
    nodes, edges = _graph()
    neo.upsert_nodes(nodes)
    neo.upsert_edges(edges)
    changed = Edge(edges[0].src, edges[0].dst, "can_assume", key="k0", props={"limit": OTHER})
    neo.upsert_edges([changed])
    assert neo.written["edges"] == len(edges) + 1
    got = {e.key: e.props for e in neo.out_edges(nodes[0].id)}
    assert got["k0"] == {"limit": OTHER, "n": 0}
    assert got["k1"]["limit"] == ACTIONS
    assert set(_lists(neo)) == {list_key(ACTIONS), list_key(OTHER), list_key(list(range(40)))}
    # a list no longer referenced is harmless (content-addressed) and cleared with the graph
    neo.clear()
    assert _lists(neo) == {}


def test_a_property_named_like_the_bookkeeping_is_data(neo: Neo4jGraphStore) -> None:
    nodes, _ = _graph()
    neo.upsert_nodes(nodes[:2])
    props = {LISTS: ["limit"], "limit": list_key(ACTIONS), "long": ACTIONS}
    neo.upsert_edges([Edge(nodes[0].id, nodes[1].id, "can_assume", props=props)])
    assert [e.props for e in _fresh(neo).edges()] == [props]


def test_the_saved_browser_query_reads_a_shared_limit_back(neo: Neo4jGraphStore) -> None:
    from .test_saved_queries import _saved

    nodes, _ = _graph()
    neo.upsert_nodes(nodes[:3])
    hop = {"identity": nodes[1].id, "move": 0, "limit": ACTIONS, "step_dst": [nodes[1].id]}
    hop |= {"step_src": [nodes[0].id], "step_edge": ["can_assume"], "step_by": ["trust"]}
    short = {**hop, "identity": nodes[2].id, "step_dst": [nodes[2].id], "limit": ["s3:get"]}
    neo.upsert_edges(
        [
            Edge(nodes[0].id, nodes[1].id, "can_assume", props=hop),
            Edge(nodes[0].id, nodes[2].id, "can_assume", props={**short, "move": 1}),
        ]
    )
    query = _saved()["identities a principal can become"]
    rows = neo.driver.execute_query(query, {"principal": nodes[0].id}).records
    assert [(r["becomes"], r["limit"]) for r in rows] == [
        (nodes[1].id, ACTIONS),
        (nodes[2].id, ["s3:get"]),
    ]
