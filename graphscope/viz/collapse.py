"""Keep a view under its node budget by folding resources into per-account/service groups.

A browser stays responsive with a few hundred nodes; an organisation-wide scope can reach
thousands. Folding is done in the order that loses the least: first leaf resources that were
only potentially reachable, then everything but the subject and its sessions, then whole
accounts; the page states what was folded so nothing disappears silently.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from graphscope.viz.graph import (
    GROUP,
    MAX_TIP_LINES,
    POTENTIAL,
    SESSION,
    SUBJECT,
    VEdge,
    VGraph,
    VNode,
)

MAX_GROUP_TIP_MEMBERS = 30
EDGES_PER_NODE = 4  # edge budget = node budget x this


def _fixed(g: VGraph, n: VNode) -> bool:
    return n.role in (SUBJECT, SESSION) or n.id in g.focus


def _leaves(g: VGraph) -> set[str]:
    """Nodes reached only potentially that lead nowhere further: the cheapest detail to fold."""
    onward = {e.src for e in g.edges.values() if e.family == POTENTIAL}
    return {n.id for n in g.nodes.values() if not n.observed and n.role != GROUP} - onward


def _group_node(key: tuple[str, str], members: list[VNode]) -> VNode:
    account, service = key
    total = sum(m.members for m in members)
    kind = Counter(m.kind for m in members).most_common(1)[0][0]
    component = Counter(m.component for m in members).most_common(1)[0][0]
    where = account if service == "*" else f"{account} · {service}"
    tip = [f"{total} nodes folded into one ({where}) to stay under the node budget"]
    names = [m.id for m in members if m.role != GROUP] + [
        f"{m.label} (group)" for m in members if m.role == GROUP
    ]
    tip += names[:MAX_GROUP_TIP_MEMBERS]
    if len(names) > MAX_GROUP_TIP_MEMBERS:
        tip.append(f"... and {len(names) - MAX_GROUP_TIP_MEMBERS} more")
    label = f"{total} × {service if service != '*' else 'resources'}\n{account}"
    return VNode(
        id=f"group:{account}:{service}",
        label=label,
        kind=kind,
        component=component,
        role=GROUP,
        tip=tip,
        observed=any(m.observed for m in members),
        potential=any(m.potential for m in members),
        members=total,
        group_key=key,
    )


def _merge_edge(into: VEdge, e: VEdge) -> None:
    into.elements |= e.elements
    into.count += e.count
    into.error_count += e.error_count
    for line in e.tip:
        if len(into.tip) >= MAX_TIP_LINES:
            break
        if line not in into.tip:
            into.tip.append(line)


def _rebuild(g: VGraph, where: dict[str, str], groups: dict[str, VNode]) -> VGraph:
    """The same view with every folded node replaced by its group and its edges merged."""
    out = VGraph(g.title, g.subtitle, focus=list(g.focus), notes=list(g.notes))
    for n in g.nodes.values():
        if n.id not in where:
            out.nodes[n.id] = n
    out.nodes.update(groups)
    for e in g.edges.values():
        src, dst = where.get(e.src, e.src), where.get(e.dst, e.dst)
        if src == dst:
            continue  # inside one group: summarised by the group's tooltip
        new = VEdge(src, dst, e.family, e.kind)
        merged = out.edges.setdefault(new.key, new)
        _merge_edge(merged, e)
    return out


def _fold(
    g: VGraph,
    budget: int,
    eligible: Callable[[VNode], bool],
    key: Callable[[VNode], tuple[str, str]],
) -> tuple[VGraph, int]:
    """Fold the biggest eligible groups first until the view fits; returns (view, nodes folded)."""
    buckets: dict[tuple[str, str], list[VNode]] = defaultdict(list)
    for n in g.nodes.values():
        if not _fixed(g, n) and eligible(n):
            buckets[key(n)].append(n)
    excess = len(g.nodes) - budget
    where: dict[str, str] = {}
    groups: dict[str, VNode] = {}
    folded = 0
    for k, members in sorted(buckets.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if excess <= 0:
            break
        if len(members) < 2:
            continue
        group = _group_node(k, members)
        groups[group.id] = group
        where.update((m.id, group.id) for m in members)
        excess -= len(members) - 1
        folded += sum(m.members for m in members)
    return (_rebuild(g, where, groups), folded) if groups else (g, 0)


def _truncate(g: VGraph, budget: int) -> VGraph:
    """Last resort when folding cannot fit: draw the first nodes, say how many were left out."""
    order = sorted(g.nodes.values(), key=lambda n: (not _fixed(g, n), not n.observed, n.id))
    keep = {n.id for n in order[:budget]}
    out = VGraph(g.title, g.subtitle, focus=list(g.focus), notes=list(g.notes))
    out.nodes = {i: n for i, n in g.nodes.items() if i in keep}
    out.edges = {k: e for k, e in g.edges.items() if e.src in keep and e.dst in keep}
    out.notes.append(
        f"{len(g.nodes) - len(keep)} nodes and {len(g.edges) - len(out.edges)} edges are not "
        "drawn even after folding (too many sessions or accounts); the JSON report lists them all."
    )
    return out


def _cap_edges(g: VGraph, max_edges: int) -> VGraph:
    if len(g.edges) <= max_edges:
        return g
    order = sorted(
        g.edges.values(),
        key=lambda e: (e.family == POTENTIAL, not (set(g.focus) & {e.src, e.dst}), -e.count),
    )
    g.edges = {e.key: e for e in order[:max_edges]}
    g.notes.append(
        f"{len(order) - max_edges} potential edges are not drawn (edge budget {max_edges}); "
        "the JSON report lists every path."
    )
    return g


def _by_service(n: VNode) -> tuple[str, str]:
    return (n.account, n.service)


def apply_budget(g: VGraph, node_budget: int) -> VGraph:
    """The view folded (and, only if unavoidable, cut) to at most `node_budget` nodes."""
    if node_budget < 1:
        raise ValueError("node budget must be at least 1")
    before = len(g.nodes)
    if before <= node_budget:
        return _cap_edges(g, node_budget * EDGES_PER_NODE)
    folded = 0
    leaves = _leaves(g)
    for eligible, key in (
        (lambda n: n.id in leaves, _by_service),
        (lambda n: n.role != GROUP, _by_service),
        (lambda n: True, lambda n: (n.account, "*")),
    ):
        if len(g.nodes) <= node_budget:
            break
        g, n = _fold(g, node_budget, eligible, key)
        folded += n
    groups = sum(1 for n in g.nodes.values() if n.role == GROUP)
    if folded:
        g.notes.append(
            f"{before} nodes exceed the node budget of {node_budget}: {folded} were folded into "
            f"{groups} groups by account and service (boxes with a dashed border; hover for members)."
        )
    if len(g.nodes) > node_budget:
        g = _truncate(g, node_budget)
    return _cap_edges(g, node_budget * EDGES_PER_NODE)
