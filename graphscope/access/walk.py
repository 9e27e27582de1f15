"""What a potential-access walk is made of: hops, grants, reached nodes, limits, walkers, moves
and the classes of targets one evaluation answers for. Plain values, shared by the engine
(reach.py), grouped reach (groups.py), identity hops and the Neo4j path walk."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from graphscope.access.caller_context import Outcome
from graphscope.iam import ConditionRequirement, Decision
from graphscope.iam.policy import StatementRef
from graphscope.model import Node

MAX_PATHS = 5  # paths kept per reached node: enough to explain, bounded for large orgs


@dataclass(frozen=True, slots=True)
class Hop:
    src: str
    dst: str
    edge: str  # a schema edge kind, e.g. can_assume, can_pass_role_to, can_access, runs_as
    granted_by: str  # statement(s) or escalation path behind the hop


@dataclass(frozen=True, slots=True)
class Grant:
    """One action on one resource for one identity on the walk."""

    action: str
    access_level: str
    outcome: Outcome
    granted_by: tuple[str, ...]


@dataclass
class Reached:
    """A resource or role the subject can reach, with every action and path found."""

    node: Node
    grants: dict[str, Grant] = field(default_factory=dict)
    paths: list[tuple[Hop, ...]] = field(default_factory=list)

    @property
    def conditional(self) -> bool:
        """True when nothing here is reachable without an open condition."""
        return all(g.outcome.decision is Decision.CONDITIONAL for g in self.grants.values())

    def add(self, grant: Grant, path: tuple[Hop, ...]) -> None:
        old = self.grants.get(grant.action)
        if old is None or (
            old.outcome.decision is Decision.CONDITIONAL
            and grant.outcome.decision is Decision.ALLOW
        ):
            self.grants[grant.action] = grant
        if path not in self.paths and len(self.paths) < MAX_PATHS:
            self.paths.append(path)


@dataclass(frozen=True, slots=True)
class Limit:
    """What an identity reached through a proxy may do: AI services use their role narrowly."""

    actions: frozenset[str] | None = None  # lower-case action names; None: anything
    resources: frozenset[str] | None = None  # node ids; None: anywhere
    note: str = ""

    def allows(self, action: str, resource: str) -> bool:
        return (self.actions is None or action.lower() in self.actions) and (
            self.resources is None or resource in self.resources
        )


NO_LIMIT = Limit()


@dataclass(frozen=True, slots=True)
class Walker:
    """An identity on the walk: who, how we got there, and what it may do for the subject.

    `carried`: the open conditions of the path's conditional hops (an AssumeRole allowed only
    with MFA): everything recorded through this walker hangs on them too (`carry`)."""

    arn: str
    path: tuple[Hop, ...]
    limit: Limit
    carried: tuple[ConditionRequirement, ...] = ()
    _memo: dict[int, tuple[Outcome, Outcome]] | None = field(
        default=None, compare=False, hash=False, repr=False
    )  # carried outcomes, made on first use (most walkers carry nothing)

    def carry(self, grant: Grant) -> Grant:
        """The grant as the subject holds it through this path: conditional on the hops'
        conditions as well as its own (memoised per outcome: evaluations share them)."""
        if not self.carried:
            return grant
        o = grant.outcome
        memo = self._memo
        if memo is None:
            memo = {}
            object.__setattr__(self, "_memo", memo)  # a cache, not part of the value
        hit = memo.get(id(o))
        if hit is None or hit[0] is not o:
            conds = tuple(dict.fromkeys((*self.carried, *o.conditions)))
            hit = memo[id(o)] = (
                o,
                replace(o, decision=Decision.CONDITIONAL, conditions=conds),
            )
        return Grant(grant.action, grant.access_level, hit[1], grant.granted_by)


@dataclass(frozen=True, slots=True)
class Move:
    """One way an identity acting on its own (no limit) becomes another identity.

    `hops` run from the identity to `dst` (a role); `outcome` is what the hops hang on;
    `limit` is what `dst` may then do for the subject (NO_LIMIT: everything, and walk on).
    """

    hops: tuple[Hop, ...]
    dst: str
    limit: Limit
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Moves:
    """Everything an identity's own hops give, independent of who walks: cached per identity.

    `records`: grants the hops themselves prove (sts:AssumeRole on a role, the take-over
    actions on a notebook ...), each with the hops (relative to the identity) that prove it.
    """

    records: tuple[tuple[Node, Grant, tuple[Hop, ...]], ...]
    moves: tuple[Move, ...]


@dataclass(frozen=True, slots=True)
class HopClass:
    """Targets one evaluation answers for, for one identity and one kind of hop: the same
    outcome (up to the name of the target's own trust policy, renamed from `rep`), so the same
    grants and hop text. `targets` may hold the identity itself, never its own hop."""

    outcome: Outcome  # as evaluated on `rep`
    grants: tuple[Grant, ...]  # the records' grants; () for role assumption (built per role)
    granted: str  # the hop's granted_by; "" for role assumption (from the renamed outcome)
    targets: frozenset[str]
    rep: str = ""


@dataclass(frozen=True, slots=True)
class HopClasses:
    """One identity's hops of one kind (role assumption, one pass-role path, one credential
    path) as classes of targets: the moves and records `moves` lists one per target, kept
    without a Move per target. `order`: each target's position in `moves` (shared map)."""

    edge: str  # can_assume, can_pass_role_to, or can_access (a user taken over)
    limit: Limit
    classes: tuple[HopClass, ...]
    order: dict[str, int] = field(compare=False, repr=False)
    nodes: dict[str, Node] = field(compare=False, repr=False)
    skip_self: bool = True  # no hop into the identity itself (a role may pass itself)
    source: str = ""  # the escalation path's id; "" for role assumption

    def materialise(self, arn: str, cls: HopClass, t: str) -> tuple[Move, tuple[Grant, ...]]:
        """The move into `t` and the grants it records on `t`, as `moves` lists them."""
        if self.edge == "can_assume":
            ev = cls.outcome if t == cls.rep else renamed(cls.outcome, cls.rep, t)
            hop = Hop(arn, t, "can_assume", ev_refs(ev))
            grant = Grant("sts:AssumeRole", "Write", ev, tuple(hop.granted_by.split(", ")))
            return Move((hop,), t, NO_LIMIT, ev), (grant,)
        hop = Hop(arn, t, self.edge, cls.granted)
        return Move((hop,), t, self.limit, cls.outcome), cls.grants

    def probes(self, cls: HopClass) -> tuple[Grant, ...]:
        """Grants with the action and decision every member's grants have (for skipping)."""
        if self.edge == "can_assume":
            return (Grant("sts:AssumeRole", "Write", cls.outcome, ()),)
        return cls.grants


Section = Moves | HopClasses  # one identity's own hops, in walk order, section by section


@dataclass(frozen=True, slots=True)
class Explained(Outcome):
    """An outcome that also names the statements behind it, as hop text shows them."""

    refs: tuple[str, ...] = ()


def renamed(outcome: Outcome, old: str, new: str) -> Outcome:
    """The outcome with statement references to policy `old` pointing at policy `new`."""

    heads = (old + "[", old + "#")

    def text(s: str) -> str:
        return new + s[len(old) :] if s.startswith(heads) else s

    return Explained(
        outcome.decision,
        renamed_reqs(outcome.conditions, old, new),
        renamed_reqs(outcome.assumptions, old, new),
        tuple(text(s) for s in getattr(outcome, "refs", ())),
    )


def renamed_reqs(
    cs: tuple[ConditionRequirement, ...], old: str, new: str
) -> tuple[ConditionRequirement, ...]:
    """The requirements with those of policy `old`'s statements moved to policy `new` (built
    field by field: `dataclasses.replace` is slow, and a role walk renames thousands)."""
    if not cs:
        return cs
    out = []
    for c in cs:
        r = c.statement
        if r.policy == old:
            c = ConditionRequirement(
                c.polarity,
                StatementRef(new, r.index, r.sid, r.kind),
                c.operator,
                c.key,
                c.values,
                c.text,
            )
        out.append(c)
    return tuple(out)


def ev_refs(outcome: Outcome) -> str:
    """The statements behind an outcome, as a hop's granted_by text."""
    return ", ".join(getattr(outcome, "refs", ())) or "?"
