"""The GraphStore boundary: queries use only this, so networkx and Neo4j are interchangeable."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Protocol, runtime_checkable

from graphscope.model import Edge, Node


@runtime_checkable
class GraphStore(Protocol):
    """Read and write access to one graph.

    Upserts merge: a node's props are updated key by key (a placeholder node of kind
    'resource' or 'external_principal' may be refined to a specific kind); an edge with the same
    (src, dst, kind, key) has its props updated. Edges to unknown nodes are refused.
    """

    def upsert_nodes(self, nodes: Iterable[Node]) -> int: ...

    def upsert_edges(self, edges: Iterable[Edge]) -> int: ...

    def node(self, node_id: str) -> Node | None: ...

    def nodes(self, kinds: Collection[str] | None = None) -> Iterator[Node]: ...

    def edges(self, kinds: Collection[str] | None = None) -> Iterator[Edge]: ...

    def out_edges(self, node_id: str, kinds: Collection[str] | None = None) -> Iterator[Edge]: ...

    def in_edges(self, node_id: str, kinds: Collection[str] | None = None) -> Iterator[Edge]: ...

    def counts(self) -> dict[str, int]:
        """Number of nodes and edges per kind."""
        ...
