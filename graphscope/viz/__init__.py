"""Interactive, self-contained HTML views of a scope, a who-can answer or the paths between two
ARNs (vis-network through pyvis; no network fetches, every string rendered as text)."""

from __future__ import annotations

from graphscope.queries.contract import PathReport, ScopeReport, WhoCanReport
from graphscope.viz.collapse import apply_budget
from graphscope.viz.graph import paths_graph, scope_graph, who_can_graph
from graphscope.viz.page import render_page, script_hashes, view_script_sources

DEFAULT_NODE_BUDGET = 300

__all__ = [
    "DEFAULT_NODE_BUDGET",
    "render_paths",
    "render_scope",
    "render_who_can",
    "script_hashes",
    "view_script_sources",
]


def render_scope(report: ScopeReport, *, node_budget: int = DEFAULT_NODE_BUDGET) -> str:
    """The scope as one HTML document: potential paths, observed activity, denied attempts."""
    return render_page(apply_budget(scope_graph(report), node_budget))


def render_who_can(report: WhoCanReport, *, node_budget: int = DEFAULT_NODE_BUDGET) -> str:
    """Every principal that reaches one resource, and through what."""
    return render_page(apply_budget(who_can_graph(report), node_budget))


def render_paths(
    report: PathReport, src: str, dst: str, *, node_budget: int = DEFAULT_NODE_BUDGET
) -> str:
    """Every potential path from one principal to one resource or role."""
    return render_page(apply_budget(paths_graph(report, src, dst), node_budget))
