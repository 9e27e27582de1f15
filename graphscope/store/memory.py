"""The embedded networkx implementation of GraphStore."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator

import networkx as nx

from graphscope.model import Edge, Node

# Kinds that stand for "known only by reference" and may be refined by a later, better source.
PLACEHOLDER_KINDS = frozenset({"resource", "external_principal"})


class MemoryGraphStore:
    """A MultiDiGraph holding Node and Edge objects on its node and edge attributes."""

    def __init__(self) -> None:
        self.g: nx.MultiDiGraph = nx.MultiDiGraph()

    # writes ---------------------------------------------------------------------------------
    def upsert_nodes(self, nodes: Iterable[Node]) -> int:
        n = 0
        for node in nodes:
            existing: Node | None = self.g.nodes[node.id]["obj"] if node.id in self.g else None
            if existing is None:
                self.g.add_node(node.id, obj=node)
            else:
                merge_node(existing, node)
            n += 1
        return n

    def upsert_edges(self, edges: Iterable[Edge]) -> int:
        n = 0
        for edge in edges:
            for end in (edge.src, edge.dst):
                if end not in self.g:
                    raise KeyError(f"edge {edge.kind} refers to unknown node {end!r}")
            data = self.g.get_edge_data(edge.src, edge.dst, key=(edge.kind, edge.key))
            if data is None:
                self.g.add_edge(edge.src, edge.dst, key=(edge.kind, edge.key), obj=edge)
            else:
                data["obj"].props.update(edge.props)
            n += 1
        return n

    # reads ----------------------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        return self.g.nodes[node_id]["obj"] if node_id in self.g else None

    def nodes(self, kinds: Collection[str] | None = None) -> Iterator[Node]:
        for _, data in self.g.nodes(data=True):
            obj: Node = data["obj"]
            if kinds is None or obj.kind in kinds:
                yield obj

    def edges(self, kinds: Collection[str] | None = None) -> Iterator[Edge]:
        for _, _, key, data in self.g.edges(keys=True, data=True):
            if kinds is None or key[0] in kinds:
                yield data["obj"]

    def out_edges(self, node_id: str, kinds: Collection[str] | None = None) -> Iterator[Edge]:
        if node_id not in self.g:
            return
        for _, _, key, data in self.g.out_edges(node_id, keys=True, data=True):
            if kinds is None or key[0] in kinds:
                yield data["obj"]

    def in_edges(self, node_id: str, kinds: Collection[str] | None = None) -> Iterator[Edge]:
        if node_id not in self.g:
            return
        for _, _, key, data in self.g.in_edges(node_id, keys=True, data=True):
            if kinds is None or key[0] in kinds:
                yield data["obj"]

    def counts(self) -> dict[str, int]:
        c: Counter[str] = Counter()
        for node in self.nodes():
            c[f"node:{node.kind}"] += 1
        for _, _, key in self.g.edges(keys=True):
            c[f"edge:{key[0]}"] += 1
        return dict(sorted(c.items()))


def merge_node(existing: Node, new: Node) -> None:
    """Fold a second sighting of a node into the first, refusing contradictory kinds."""
    if existing.kind != new.kind:
        if existing.kind in PLACEHOLDER_KINDS:
            existing.kind = new.kind
        elif new.kind not in PLACEHOLDER_KINDS:
            raise ValueError(f"node {existing.id!r} is already a {existing.kind}, not a {new.kind}")
    if new.name and (not existing.name or existing.name == existing.id):
        existing.name = new.name
    existing.account = existing.account or new.account
    existing.region = existing.region or new.region
    existing.props.update(new.props)
