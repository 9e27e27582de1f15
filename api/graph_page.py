"""`GET /v1/graph`: a subgraph of the inventory (and any overlay), paged by node id."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from graphscope.api.models import GraphEdge, GraphNode, GraphPage
from graphscope.model import Edge, Node
from graphscope.schema import edge_kind
from graphscope.store import GraphStore

MAX_NEIGHBOURHOOD = 50_000  # nodes a centred walk may visit before it stops widening


class UnknownNode(LookupError):
    pass


def _props(props: dict[str, Any]) -> dict[str, Any]:
    """Props as plain JSON (sets and other containers become lists or strings)."""
    return json.loads(
        json.dumps(props, default=lambda o: sorted(o) if isinstance(o, set | frozenset) else str(o))
    )


def _node_out(n: Node, with_props: bool) -> GraphNode:
    return GraphNode(
        id=n.id,
        kind=n.kind,
        component=n.component.value,
        name=n.name,
        account=n.account,
        region=n.region,
        props=_props(n.props) if with_props else None,
    )


def _edge_out(e: Edge, with_props: bool) -> GraphEdge:
    return GraphEdge(
        src=e.src,
        dst=e.dst,
        kind=e.kind,
        family=edge_kind(e.kind).family.value,
        key=e.key,
        props=_props(e.props) if with_props else None,
    )


def neighbourhood(store: GraphStore, center: str, depth: int) -> set[str]:
    """Ids within `depth` hops of center, following edges both ways."""
    if store.node(center) is None:
        raise UnknownNode(f"{center} is not in the graph")
    seen, queue = {center}, deque([(center, 0)])
    while queue and len(seen) < MAX_NEIGHBOURHOOD:
        nid, d = queue.popleft()
        if d >= depth:
            continue
        for e in [*store.out_edges(nid), *store.in_edges(nid)]:
            other = e.dst if e.src == nid else e.src
            if other not in seen:
                seen.add(other)
                queue.append((other, d + 1))
    return seen


def graph_page(
    store: GraphStore,
    *,
    center: str | None,
    depth: int,
    kinds: set[str] | None,
    offset: int,
    limit: int,
    with_props: bool,
) -> GraphPage:
    ids = neighbourhood(store, center, depth) if center else None
    nodes = sorted(
        (n for n in store.nodes(kinds) if ids is None or n.id in ids), key=lambda n: n.id
    )
    members = {n.id for n in nodes}
    page = nodes[offset : offset + limit]
    edges = [
        _edge_out(e, with_props) for n in page for e in store.out_edges(n.id) if e.dst in members
    ]
    more = offset + limit < len(nodes)
    return GraphPage(
        nodes=[_node_out(n, with_props) for n in page],
        edges=edges,
        total_nodes=len(nodes),
        next_cursor=str(offset + limit) if more else None,
    )
