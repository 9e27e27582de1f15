"""Queries on the potential-access graph: reach (blast radius), who-can, and path.

They read the graph only through the GraphStore boundary and the reach engine, and answer with
the pydantic models of the JSON contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphscope.access.caller_context import Outcome
from graphscope.access.reach import NO_LIMIT, Grant, Hop, Reached, ReachEngine
from graphscope.iam import ConditionRequirement, Decision
from graphscope.queries.contract import (
    ConditionOut,
    HopOut,
    PathReport,
    Potential,
    PotentialResource,
    ReachReport,
    Subject,
    WhoCanPrincipal,
    WhoCanReport,
)
from graphscope.schema import NODE_KINDS
from graphscope.store import GraphStore

SubjectOut = Subject  # the reach subject is the scope report's subject

ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


SUBJECT_KINDS = frozenset({"user", "role", "root_user"})  # where a reach walk may start


class SubjectNotFound(LookupError):
    """The subject is not in the inventory: say so rather than answer with an empty radius."""


def resolve_subject(store: GraphStore, principal: str | None, access_key: str | None) -> SubjectOut:
    """Find the principal behind an access key (through the inventory), or check a principal ARN."""
    if access_key:
        for edge in store.in_edges(access_key, {"has_access_key"}):
            return SubjectOut(input=access_key, access_key_id=access_key, principal_arn=edge.src)
        raise SubjectNotFound(f"access key {access_key} is not in the inventory")
    assert principal is not None
    node = store.node(principal)
    if node is None or node.kind not in SUBJECT_KINDS:
        raise SubjectNotFound(f"principal {principal} is not a user or role in the inventory")
    return SubjectOut(input=principal, access_key_id=None, principal_arn=principal)


def reach_report(engine: ReachEngine, subject: SubjectOut) -> ReachReport:
    reached = engine.reach(subject.principal_arn)
    proxies = _proxies(engine, subject.principal_arn)
    memo: dict[tuple[int, bool], tuple[Outcome, _Keys]] = {}
    resources = [_resource_out(r, proxies.get(r.node.id), memo) for r in reached.values()]
    resources.sort(key=lambda r: (r.conditional, NODE_ORDER.get(r.type, 99), r.arn))
    return ReachReport(subject=subject, potential=Potential(resources=resources))


def who_can(
    engine: ReachEngine,
    resource: str,
    action: str | None = None,
    access_level: str | None = None,
) -> WhoCanReport:
    """Every principal that reaches the resource, directly or through others, compute or AI apps.

    The engine walks the identity hops backwards from the identities that may hold access
    themselves, so only principals that can reach the resource are queried."""
    out = []
    for arn, reached in sorted(engine.who_reaches(resource).items()):
        grants = [
            g
            for g in reached.grants.values()
            if (action is None or g.action.lower() == action.lower())
            and (access_level is None or g.access_level == access_level)
        ]
        if not grants:
            continue
        conds = _conditions(grants)
        out.append(
            WhoCanPrincipal(
                arn=arn,
                actions=sorted(g.action for g in grants),
                conditional=all(g.outcome.decision is Decision.CONDITIONAL for g in grants),
                conditions=conds,
                paths=[path_out(p) for p in sorted(reached.paths, key=len)],
            )
        )
    return WhoCanReport(resource=resource, principals=out)


def paths_between(engine: ReachEngine, src: str, dst: str) -> PathReport:
    reached = engine.reach(src, only=frozenset({dst})).get(dst)
    paths = sorted(reached.paths, key=len) if reached else []
    return PathReport(paths=[path_out(p) for p in paths])


NODE_ORDER = {"role": 0, "user": 1}  # identities first: what else the subject can act as


@dataclass
class _Proxy:
    """How the subject uses an identity it never holds freely (see PotentialResource.proxy)."""

    via: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


def _proxies(engine: ReachEngine, subject: str) -> dict[str, _Proxy]:
    """Identities the walk enters only with a limit (an AI application or compute acting with
    its role, a service-only credential): never as themselves, so never a full identity hop."""
    free: set[str] = set()
    out: dict[str, _Proxy] = {}
    for walker in engine.walk(subject):
        if walker.limit is NO_LIMIT:
            free.add(walker.arn)
            continue
        proxy = out.setdefault(walker.arn, _Proxy())
        last = walker.path[-1] if walker.path else None
        if last is not None and last.edge == "runs_as" and last.src not in proxy.via:
            proxy.via.append(last.src)
        actions = walker.limit.actions
        note = walker.limit.note or ("only " + ", ".join(sorted(actions)) if actions else "limited")
        if note not in proxy.limits:
            proxy.limits.append(note)
    return {arn: p for arn, p in out.items() if arn not in free}


def _resource_out(
    r: Reached,
    proxy: _Proxy | None = None,
    memo: dict[tuple[int, bool], tuple[Outcome, _Keys]] | None = None,
) -> PotentialResource:
    grants = sorted(r.grants.values(), key=lambda g: g.action)
    levels = sorted({g.access_level for g in grants}, key=lambda lv: (*ACCESS_LEVELS, lv).index(lv))
    return PotentialResource(
        arn=r.node.id,
        type=r.node.kind,
        component=NODE_KINDS[r.node.kind].component.value,
        actions=[g.action for g in grants],
        access_levels=levels,
        conditional=r.conditional,
        conditions=_conditions(grants, memo=memo),
        paths=[path_out(p) for p in sorted(r.paths, key=len)],
        conditional_actions=[
            g.action for g in grants if g.outcome.decision is Decision.CONDITIONAL
        ],
        assumptions=_conditions(grants, assumed=True, memo=memo),
        proxy=proxy is not None,
        proxy_via=proxy.via if proxy else [],
        proxy_limits=proxy.limits if proxy else [],
    )


_Keys = list[tuple[str, str, str]]


def _conditions(
    grants: list[Grant],
    assumed: bool = False,
    memo: dict[tuple[int, bool], tuple[Outcome, _Keys]] | None = None,
) -> list[ConditionOut]:
    """`memo` (one report's): each outcome's condition texts, made once (resources of a group
    and the grants of one evaluation share their outcome objects)."""
    by_text: dict[tuple[str, str, str], list[str]] = {}
    for g in grants:
        o = g.outcome
        hit = memo.get((id(o), assumed)) if memo is not None else None
        if hit is None or hit[0] is not o:
            reqs: tuple[ConditionRequirement, ...] = o.assumptions if assumed else o.conditions
            hit = (o, [(str(c.statement), c.polarity.value, c.text) for c in reqs])
            if memo is not None:
                memo[(id(o), assumed)] = hit
        for key in hit[1]:
            by_text.setdefault(key, []).append(g.action)
    return [
        ConditionOut(statement=s, polarity=p, condition=t, actions=sorted(set(a)))
        for (s, p, t), a in sorted(by_text.items())
    ]


def path_out(path: tuple[Hop, ...]) -> list[HopOut]:
    return [HopOut(**{"from": h.src}, to=h.dst, edge=h.edge, granted_by=h.granted_by) for h in path]
