"""The drawable graph behind a view, built from the JSON contract models only.

The view reads the same ScopeReport / WhoCanReport / PathReport the CLI prints, so what a
responder sees in the picture is exactly what the JSON says. Tooltips are lists of plain-text
lines; the page turns them into DOM text nodes, never into markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graphscope.arn import kind_for_arn, parse_arn
from graphscope.queries.contract import (
    ElementItem,
    HopOut,
    PathReport,
    PotentialResource,
    ScopeReport,
    WhoCanReport,
)
from graphscope.schema import ELEMENTS, NODE_KINDS, Component

COMPONENTS = frozenset(c.value for c in Component)
MAX_TIP_PATHS = 5
MAX_TIP_LINES = 40

# Where an action that names no resource is drawn: the component its element is about.
ELEMENT_COMPONENT: dict[str, Component] = {
    "Access": Component.USERS,
    "Computing changes": Component.COMPUTING,
    "AI changes": Component.AI_ML,
    "Data store changes": Component.PRIVATE_DATA,
    "Invocation": Component.AI_ML,
    "Private data": Component.PRIVATE_DATA,
    "Proxy": Component.AI_ML,
}

# Node roles decide styling and what the node budget may fold away.
SUBJECT, SESSION, RESOURCE, ACTION, GROUP = "subject", "session", "resource", "action", "group"
# Edge families as drawn: potential (dashed), observed (solid), denied (every call failed).
POTENTIAL, OBSERVED, DENIED = "potential", "observed", "denied"


@dataclass(slots=True)
class VNode:
    id: str
    label: str
    kind: str
    component: str
    role: str = RESOURCE
    tip: list[str] = field(default_factory=list)
    observed: bool = False
    potential: bool = False
    members: int = 1  # > 1 for a collapsed group
    group_key: tuple[str, str] | None = None  # (account, service) a group stands for

    @property
    def account(self) -> str:
        if self.group_key:
            return self.group_key[0]
        arn = parse_arn(self.id)
        return arn.account if arn and arn.account else "(no account in ARN)"

    @property
    def service(self) -> str:
        if self.group_key:
            return self.group_key[1]
        arn = parse_arn(self.id)
        return arn.service if arn else self.kind


@dataclass(slots=True)
class VEdge:
    src: str
    dst: str
    family: str
    kind: str
    elements: set[str] = field(default_factory=set)
    count: int = 0
    error_count: int = 0
    tip: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.src, self.dst, self.family, self.kind)


@dataclass
class VGraph:
    """Nodes and edges of one view; `focus` are the highlighted ids (subject, or src/dst)."""

    title: str
    subtitle: str
    nodes: dict[str, VNode] = field(default_factory=dict)
    edges: dict[tuple[str, str, str, str], VEdge] = field(default_factory=dict)
    focus: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def node(self, node_id: str, **kw: object) -> VNode:
        """The node with this id, created on first sight with its kind and component from the ARN."""
        kind, comp, label = kw.pop("kind", None), kw.pop("component", None), kw.pop("label", None)
        n = self.nodes.get(node_id)
        if n is None:
            k = str(kind or _kind_of(node_id))
            c = str(comp or NODE_KINDS[k].component.value)
            n = VNode(node_id, str(label or short_label(node_id)), k, c)
            self.nodes[node_id] = n
        else:  # a later, better source (the report's own type) refines the guess from the ARN
            n.kind = str(kind or n.kind)
            n.component = str(comp or n.component)
            n.label = str(label or n.label)
        for k, v in kw.items():
            setattr(n, k, v)
        return n

    def edge(self, src: str, dst: str, family: str, kind: str) -> VEdge:
        e = VEdge(src, dst, family, kind)
        return self.edges.setdefault(e.key, e)


def short_label(node_id: str, *, with_account: bool = True) -> str:
    """A readable label: the ARN's last segment, with its account when it has one."""
    arn = parse_arn(node_id)
    if arn is None:
        return node_id
    tail = arn.resource.rsplit("/", 1)[-1] or arn.resource
    return f"{tail}\n{arn.account}" if arn.account and with_account else tail


def _kind_of(node_id: str) -> str:
    if node_id.startswith("arn:"):
        kind = kind_for_arn(node_id)
        return "external_principal" if kind == "resource" and ":sts:" in node_id else kind
    if node_id[:4] in ("AKIA", "ASIA"):
        return "access_key"
    if node_id.endswith(".amazonaws.com"):
        return "service_principal"
    return "external_principal"


def _hop_text(path: list[HopOut]) -> str:
    if not path:
        return ""
    parts = [path[0].from_]
    parts += [f"-[{h.edge}]-> {h.to}" for h in path]
    return " ".join(parts)


def _path_lines(paths: list[list[HopOut]]) -> list[str]:
    lines = []
    for i, p in enumerate(paths[:MAX_TIP_PATHS], 1):
        lines.append(f"path {i}: {_hop_text(p)}")
        lines += [f"  {h.edge} granted by {h.granted_by}" for h in p]
    if len(paths) > MAX_TIP_PATHS:
        lines.append(f"... and {len(paths) - MAX_TIP_PATHS} more paths")
    return lines


def add_hops(g: VGraph, paths: Iterable[list[HopOut]]) -> None:
    """Draw every hop of every path as a dashed potential edge carrying its granting statements."""
    for path in paths:
        for hop in path:
            g.node(hop.from_).potential = True
            g.node(hop.to).potential = True
            e = g.edge(hop.from_, hop.to, POTENTIAL, hop.edge)
            if not e.tip:
                e.tip.append(f"{hop.from_} -[{hop.edge}]-> {hop.to} (potential)")
            line = f"granted by {hop.granted_by}"
            if line not in e.tip:
                e.tip.append(line)


def _resource_tip(r: PotentialResource) -> list[str]:
    tip = [r.arn, f"{r.type} · {r.component}"]
    tip.append(f"actions ({len(r.actions)}): {', '.join(r.actions[:12])}")
    if len(r.actions) > 12:
        tip[-1] += f" ... and {len(r.actions) - 12} more"
    tip.append(f"access levels: {', '.join(r.access_levels)}")
    if r.conditional:
        tip.append("conditional: only if these conditions hold")
    tip += [f"  {c.polarity}: {c.condition} ({c.statement})" for c in r.conditions[:5]]
    return tip + _path_lines(r.paths)


def _add_potential(g: VGraph, resources: list[PotentialResource]) -> None:
    for r in resources:
        known = r.type in NODE_KINDS and r.component in COMPONENTS
        n = g.node(r.arn, kind=r.type if known else None, component=r.component if known else None)
        n.potential = True
        n.tip = _resource_tip(r)
        add_hops(g, r.paths)


def _add_sessions(g: VGraph, report: ScopeReport, subject: str) -> None:
    for s in report.observed.sessions:
        n = g.node(s.access_key_id, kind="access_key", role=SESSION)
        n.label = f"{s.access_key_id}\n{short_label(s.principal_arn, with_account=False)}"
        n.observed = True
        n.tip = [
            f"credential {s.access_key_id}",
            f"principal {s.principal_arn}",
            f"issued by {s.issued_by or '(the subject)'}",
            f"first seen {s.first_seen}",
            f"last seen {s.last_seen}",
            f"source IPs: {', '.join(s.source_ips) or '-'}",
            *(f"user agent: {ua}" for ua in s.user_agents[:10]),
        ]
        parent = s.issued_by or subject
        if parent == s.access_key_id:
            continue
        g.node(parent).observed = True
        e = g.edge(parent, s.access_key_id, OBSERVED, "issued_session")
        e.elements.add("Access")
        e.count = max(e.count, 1)
        e.tip = [f"{parent} issued {s.access_key_id} (observed)", f"at {s.first_seen}"]


def _model_node(model_id: str, g: VGraph) -> str:
    """A model id from the logs, matched to a drawn ARN when one ends with it."""
    if model_id.startswith("arn:"):
        return model_id
    for nid in g.nodes:
        if nid.startswith("arn:") and nid.endswith(f"/{model_id}"):
            return nid
    return f"arn:aws:bedrock:::foundation-model/{model_id}"


def _item_line(element: str, it: ElementItem, n_resources: int) -> str:
    share = f" (item across {n_resources} resources)" if n_resources > 1 else ""
    denied = f", {it.error_count} failed" if it.error_count else ""
    return (
        f"{element}: {it.event_source.split('.', 1)[0]}:{it.event_name} ×{it.count}{denied}"
        f"{share}, {it.first_seen} .. {it.last_seen}"
    )


def _add_observed(g: VGraph, report: ScopeReport, subject: str) -> None:
    """One edge per (resource, element): solid when a call succeeded, 'denied' when none did."""
    ok = set(report.observed.resources)
    for element in ELEMENTS:
        for it in report.observed.elements.get(element, []):
            targets = it.resources or [f"action:{it.event_source}:{it.event_name}"]
            for r in targets:
                if r.startswith("action:"):
                    n = g.node(
                        r,
                        kind="resource",
                        component=ELEMENT_COMPONENT[element].value,
                        label=f"{it.event_source.split('.', 1)[0]}:{it.event_name}",
                        role=ACTION,
                    )
                    n.tip = [
                        f"{it.event_source} {it.event_name}",
                        "(no resource named in the event)",
                    ]
                    denied = it.error_count == it.count
                else:
                    n = g.node(r)
                    denied = r not in ok
                n.observed = True
                e = g.edge(subject, r, DENIED if denied else OBSERVED, "performed")
                e.elements.add(element)
                e.count += it.count
                e.error_count += it.error_count
                if len(e.tip) < MAX_TIP_LINES:
                    e.tip.append(_item_line(element, it, len(targets)))
    for inv in report.observed.invocations:
        target = _model_node(inv.model_id, g)
        g.node(target).observed = True
        e = g.edge(subject, target, OBSERVED, f"invoked:{inv.source}")
        e.elements.add("Invocation")
        e.count += inv.count
        tokens = (
            "tokens unknown"
            if inv.input_tokens is None
            else f"{inv.input_tokens} input / {inv.output_tokens} output tokens"
        )
        cost = (
            f", estimated ${inv.estimated_cost_usd:.2f}"
            if inv.estimated_cost_usd is not None
            else ""
        )
        e.tip.append(f"Invocation: {inv.model_id} ×{inv.count} from {inv.source}, {tokens}{cost}")


def _finish_tips(g: VGraph) -> None:
    for e in g.edges.values():
        if e.family != POTENTIAL and e.kind == "performed":
            head = "denied: every call failed" if e.family == DENIED else "observed"
            e.tip.insert(0, f"{e.src} -> {e.dst} ({head}; {e.count} calls, {e.error_count} failed)")
    for n in g.nodes.values():
        if not n.tip:
            n.tip = [n.id, f"{n.kind} · {n.component}"]


def scope_graph(report: ScopeReport) -> VGraph:
    """Potential paths (dashed), observed sessions and calls (solid), denied calls apart."""
    s = report.subject
    subject = s.principal_arn or s.access_key_id or s.input
    window = f"{report.window.since or '-'} .. {report.window.until or '-'}"
    g = VGraph(
        title=f"Scope of {s.input}",
        subtitle=f"principal {s.principal_arn or 'unknown'} · window {window}",
        focus=[subject],
    )
    g.node(subject, role=SUBJECT)
    _add_potential(g, report.potential.resources)
    _add_sessions(g, report, subject)
    _add_observed(g, report, subject)
    g.nodes[subject].role = SUBJECT
    g.nodes[subject].tip = [
        f"subject {s.input}",
        f"principal {s.principal_arn or 'unknown'}",
        f"{len(report.potential.resources)} resources reachable (potential)",
        f"{len(report.observed.resources)} resources touched (observed)",
        *(f"coverage gap ({gap.source}): {gap.detail}" for gap in report.coverage.gaps[:10]),
    ]
    _finish_tips(g)
    return g


def who_can_graph(report: WhoCanReport) -> VGraph:
    """Every principal that reaches one resource, with the hops and statements that let it."""
    g = VGraph(
        title=f"Who can reach {report.resource}",
        subtitle=f"{len(report.principals)} principals",
        focus=[report.resource],
    )
    g.node(report.resource, role=SUBJECT, potential=True)
    for p in report.principals:
        n = g.node(p.arn, potential=True)
        n.tip = [
            p.arn,
            f"actions ({len(p.actions)}): {', '.join(p.actions[:12])}",
            *(["conditional: only if these conditions hold"] if p.conditional else []),
            *(f"  {c.polarity}: {c.condition} ({c.statement})" for c in p.conditions[:5]),
            *_path_lines(p.paths),
        ]
        add_hops(g, p.paths)
    g.nodes[report.resource].role = SUBJECT
    _finish_tips(g)
    return g


def paths_graph(report: PathReport, src: str, dst: str) -> VGraph:
    """All paths between two ARNs, shortest first in the tooltips."""
    g = VGraph(
        title=f"Paths from {src} to {dst}",
        subtitle=f"{len(report.paths)} paths",
        focus=[src, dst],
    )
    for end in (src, dst):
        g.node(end, role=SUBJECT, potential=True)
    add_hops(g, report.paths)
    g.nodes[dst].tip = [dst, *_path_lines(report.paths)]
    _finish_tips(g)
    return g
