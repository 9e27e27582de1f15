"""Identity -> identity hops of the whole organisation, as data: what the reach walk follows.

Role assumption, iam:PassRole escalation, AI applications (or taken-over compute) acting with
their own role, and credentials minted for another user are the only ways one identity becomes
another. The reach engine derives them lazily per identity; this module lists every one of them
(for graph databases, reverse who-can searches and reviews) from the very same derivation, so
the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphscope.access.reach import ReachEngine
from graphscope.access.walk import NO_LIMIT, Hop, Limit, Move
from graphscope.iam import Decision
from graphscope.model import Edge
from graphscope.schema import EdgeFamily, edge_kind
from graphscope.store import GraphStore

ANY_ACTION = "*"  # `limit` of an identity reached with every action but no further hops


@dataclass(frozen=True, slots=True)
class IdentityHop:
    """One way `src` becomes `dst` (a role, or a user it mints credentials for).

    `edge` is the potential-family kind of the first step (can_assume, can_pass_role_to, or
    can_access for an AI application / compute resource acting with its role, or for the user
    whose access key, password or service credential it creates); `via` lists the
    nodes in between and `steps` the walk's own hops, src to dst. `limit`: the actions `dst` may
    then use for the subject (sorted, lower-case; ("*",) every action; () no limit, and only
    then does the walk go on from `dst`); `limit_resources`: where (empty: anywhere).
    """

    src: str
    dst: str
    edge: str
    granted_by: str
    conditional: bool
    conditions: tuple[str, ...]
    limit: tuple[str, ...]
    limit_resources: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    steps: tuple[Hop, ...] = ()
    note: str = ""

    @property
    def walks_on(self) -> bool:
        """Whether the walk continues from `dst` (no limit on what it does for the subject)."""
        return not self.limit


def identity_hops(engine: ReachEngine) -> list[IdentityHop]:
    """Every identity -> identity hop in the organisation, from every user and role.

    Sorted by (src, dst, edge, granted_by, via). Computing them fills the engine's per-identity
    cache, which later reach, who-can and path queries reuse.
    """
    out: list[IdentityHop] = []
    for node in engine.inputs.principals():
        out += hops_of(engine, node.id)
    out.sort(key=lambda h: (h.src, h.dst, h.edge, h.granted_by, h.via))
    return out


def hops_of(engine: ReachEngine, identity: str) -> list[IdentityHop]:
    """The hops one identity can take on its own, in the walk's order (each once: an agent
    listing one knowledge base under two versions yields one hop)."""
    out: dict[tuple[tuple[Hop, ...], Limit], IdentityHop] = {}
    for m in engine.moves(identity).moves:
        out.setdefault((m.hops, m.limit), identity_hop(identity, m))
    return list(out.values())


def identity_hop(src: str, move: Move) -> IdentityHop:
    first = move.hops[0]
    via: list[str] = []
    for h in move.hops:
        for n in (h.src, h.dst):
            if n not in (src, move.dst) and n not in via:
                via.append(n)
    decision = move.outcome.decision
    return IdentityHop(
        src=src,
        dst=move.dst,
        edge=first.edge,
        granted_by=first.granted_by,
        conditional=decision is Decision.CONDITIONAL,
        conditions=tuple(str(c) for c in move.outcome.conditions),
        limit=_limit_actions(move.limit),
        limit_resources=tuple(sorted(move.limit.resources or ())),
        via=tuple(via),
        steps=move.hops,
        note=move.limit.note,
    )


def _limit_actions(limit: Limit) -> tuple[str, ...]:
    if limit is NO_LIMIT:
        return ()
    if limit.actions is None:
        return (ANY_ACTION,)
    return tuple(sorted(limit.actions))


def hop_edge(hop: IdentityHop) -> Edge:
    """The hop as a potential-family edge from `src` to the first node it reaches.

    For an assumption, a pass-role or credentials minted for a user that is the identity itself
    (`limit` says when a credential works for some services only); for an AI application or a
    taken-over compute resource it is that resource, and `identity` names the role it yields (the
    rest of the way is structural: runs_as, uses_knowledge_base, ...). Properties are strings,
    booleans and lists of strings, which any GraphStore (Neo4j included) can hold.
    """
    first = hop.steps[0] if hop.steps else Hop(hop.src, hop.dst, hop.edge, hop.granted_by)
    if edge_kind(hop.edge).family is not EdgeFamily.POTENTIAL:
        raise ValueError(f"identity hop {hop.src} -> {hop.dst}: {hop.edge} is not a potential edge")
    # the escalation path's id: two paths into one identity (an access key and a Bedrock API
    # key for the same user) are two edges, each with its own limit
    single = hop.edge == "can_access" and len(hop.steps) <= 1
    key = hop.granted_by.split(" ", 1)[0] if hop.edge == "can_pass_role_to" or single else ""
    if hop.via:  # one entry hop may yield several roles, each its own way
        key = f"{hop.dst}|{'>'.join(hop.via)}|{hop.granted_by}"
    return Edge(
        first.src,
        first.dst,
        hop.edge,
        key=key,
        props={
            "granted_by": hop.granted_by,
            "conditional": hop.conditional,
            "conditions": list(hop.conditions),
            "limit": list(hop.limit),
            "limit_resources": list(hop.limit_resources),
            "limit_note": hop.note,
            "identity": hop.dst,
            "via": list(hop.via),
            "steps": [f"{h.src} -[{h.edge}]-> {h.dst}" for h in hop.steps],
        },
    )


def materialise_identity_edges(engine: ReachEngine, store: GraphStore) -> int:
    """Write every identity hop into `store` as a potential-family edge; returns how many.

    Streamed one identity at a time: a permissive organisation has millions of hops."""
    written = 0
    for node in sorted(engine.inputs.principals(), key=lambda n: n.id):
        edges = _edges(hops_of(engine, node.id))
        if edges:
            written += store.upsert_edges(edges)
    return written


def _edges(hops: Iterable[IdentityHop]) -> list[Edge]:
    seen: dict[tuple[str, str, str, str], Edge] = {}
    for hop in hops:
        edge = hop_edge(hop)
        seen.setdefault(edge.ident, edge)
    return list(seen.values())


__all__ = ["ANY_ACTION", "IdentityHop", "hop_edge", "hops_of", "identity_hops",
           "materialise_identity_edges"]  # fmt: skip
