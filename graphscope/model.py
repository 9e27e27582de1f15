"""Typed nodes and edges of the graph.

Plain slotted dataclasses: the graph holds millions of them, so they stay cheap; pydantic
models live at the boundaries (CLI/API JSON), not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphscope.schema import Component, EdgeFamily, edge_kind, node_kind


@dataclass(slots=True)
class Node:
    """A graph node keyed by ARN, or by a stable synthetic id where AWS has none (access keys)."""

    id: str
    kind: str
    name: str = ""
    account: str | None = None
    region: str | None = None
    props: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        node_kind(self.kind)  # reject kinds the schema does not declare
        if not self.name:
            self.name = _short_name(self.id)

    @property
    def component(self) -> Component:
        return node_kind(self.kind).component


@dataclass(slots=True)
class Edge:
    """A directed edge; (src, dst, kind, key) identifies it, so one pair may carry several."""

    src: str
    dst: str
    kind: str
    key: str = ""
    props: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        edge_kind(self.kind)

    @property
    def family(self) -> EdgeFamily:
        return edge_kind(self.kind).family

    @property
    def ident(self) -> tuple[str, str, str, str]:
        return (self.src, self.dst, self.kind, self.key)


def _short_name(node_id: str) -> str:
    """A readable name from an ARN: its last path segment."""
    tail = node_id.rsplit(":", 1)[-1] if node_id.startswith("arn:") else node_id
    return tail.rsplit("/", 1)[-1] or node_id
