"""The potential blast radius of one principal, derived lazily from the graph and the IAM engine.

Nothing is materialised as a principal x resource matrix: a query walks from its subject through
the identities it can become (role assumption, iam:PassRole into compute and AI services, AI
applications acting for it), and evaluates only that walk. Every hop keeps the statement that
grants it; conditional grants stay conditional with their condition text.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING

import orjson

from graphscope.access.caller_context import Outcome, as_caller
from graphscope.access.inputs import TRUST_POLICY, AccessInputs, account_of
from graphscope.access.resource_actions import KIND_TARGETS, KindAction, actions_for_kind
from graphscope.arn import parse_arn
from graphscope.escalation import EscalationMode, EscalationPath, escalation_paths
from graphscope.iam import (
    CompiledPolicy,
    ConditionRequirement,
    Context,
    Decision,
    PolicySet,
    PrincipalKind,
    Request,
    action_sensitive,
    compile_policy,
    evaluate,
    parse_principal,
    principal_context,
    refusal,
    resource_policy_required,
)
from graphscope.iam.evaluate import Polarity
from graphscope.iam.policy import Statement, StatementRef
from graphscope.iam.principals import Principal, Via
from graphscope.iam.wildcard import compile_glob, globs_intersect
from graphscope.model import Node

if TYPE_CHECKING:  # groups.py builds on this module: imported where used
    from graphscope.access.groups import GroupIndex

REACHABLE = (Decision.ALLOW, Decision.CONDITIONAL)
MAX_PATHS = 5  # paths kept per reached node: enough to explain, bounded for large orgs
MAX_DEPTH = 8  # identity hops
PROXY_KINDS = frozenset({"knowledge_base", "agent", "agent_alias"})


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
# what proxy discovery evaluates: the actions that make an AI application act for the caller
_ENTRY_ONLY = Limit(
    frozenset({"bedrock:retrieve", "bedrock:retrieveandgenerate", "bedrock:invokeagent"})
)


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


class ReachEngine:
    """Answers reach queries over one graph; caches compiled policies and trust evaluations."""

    def __init__(
        self, inputs: AccessInputs, *, exhaustive: bool = False, grouped: bool = True
    ) -> None:
        """`exhaustive`: evaluate every action on every resource on its own (the slow reference
        the optimised walk is tested against). `grouped`: a full reach evaluates resources that
        cannot be told apart once per group (access.groups); False walks them one by one."""
        self.inputs = inputs
        self.exhaustive = exhaustive
        self.grouped = grouped and not exhaustive
        self._group_index: GroupIndex | None = None
        self._res_sides: dict[str, _ResourceSide] = {}
        self._rcps: dict[str | None, tuple[tuple[CompiledPolicy, ...], ...]] = {}
        self.store = inputs.store
        self._service_trust: dict[tuple[str, str], bool] = {}
        self._targets: list[Node] | None = None
        self._order: dict[str, int] | None = None
        self._moves: dict[str, Moves] = {}
        self._allows: dict[tuple[str, str], tuple[Statement, ...]] = {}
        self._by_kinds: dict[tuple[tuple[str, ...], bool], list[Node]] = {}
        self._alike: dict[tuple[object, ...], Outcome] = {}
        self._deny_stmts: dict[str, tuple[Statement, ...]] = {}
        self._trusts: dict[tuple[object, ...], tuple[str, Outcome]] = {}
        self._shapes: dict[str, int | None] = {}
        self._shape_ids: dict[bytes, int] = {}

    def warm(self) -> None:
        """Compile every resource's policies and action coverage now (build time), not in the
        first query; the same caches the walk fills lazily, so results are unchanged."""
        for node in self._resource_nodes():
            self._resource_side(node)
        if self.grouped:
            self._groups()

    def _groups(self) -> GroupIndex:
        if self._group_index is None:
            from graphscope.access.groups import GroupIndex

            self._group_index = GroupIndex.build(self)
        return self._group_index

    # --- entry points -------------------------------------------------------------------------
    def reach(
        self,
        subject: str,
        only: frozenset[str] | None = None,
        *,
        memo: dict[tuple[str, Limit, str], list[Grant]] | None = None,
        relevant: set[str] | None = None,
        enough: frozenset[str] | None = None,
    ) -> dict[str, Reached]:
        """Every resource and role the subject can reach, keyed by node id (subject excluded).

        `only` limits which resources are evaluated (who-can and path ask about one); every
        identity is still walked, so no path is missed. `memo` keeps each identity's grants on
        each resource across queries that share it (who-can asks many subjects about one);
        `relevant`, the identities from which `only` can be reached at all (see `walk`);
        `enough`, every action anyone could be granted on the one resource of `only`: once it
        holds them all unconditionally with its paths capped, nothing later can change it.
        """
        if only is None and memo is None and relevant is None and self.grouped:
            from graphscope.access.groups import grouped_reach

            return grouped_reach(self, subject, self._groups())
        out: dict[str, Reached] = {}
        nodes = self._resource_nodes() if only is None else self._only_nodes(only)
        target = next(iter(only)) if enough is not None and only is not None else None
        for walker in self._walking(subject, relevant):
            if walker.limit is NO_LIMIT:
                for node, grant, rel in self.moves(walker.arn).records:
                    if only is None or node.id in only:
                        self._record(out, node, walker.carry(grant), (*walker.path, *rel))
            self.record_access(walker, out, nodes, memo)
            if target is not None and _saturated(out.get(target), enough):
                break
        out.pop(subject, None)
        return out

    def who_reaches(self, resource: str) -> dict[str, Reached]:
        """Every user and role that reaches the resource, with what it reaches it with: the
        same answer as `reach(p, only={resource})` for every principal p, computed for the few
        that can: the identities that may hold access themselves, and those that can become one
        of them (the identity hops walked backwards)."""
        holders = self._holders(resource)
        back: dict[str, set[str]] = {}
        for node in self.inputs.principals():
            for move in self.moves(node.id).moves:
                back.setdefault(move.dst, set()).add(node.id)
        found = set(holders)
        queue = deque(holders)
        while queue:
            for src in back.get(queue.popleft(), ()):
                if src not in found:
                    found.add(src)
                    queue.append(src)
        only = frozenset({resource})
        memo: dict[tuple[str, Limit, str], list[Grant]] = {}
        out: dict[str, Reached] = {}
        enough = self._grantable(resource, holders, memo)
        for principal in sorted(found & {n.id for n in self.inputs.principals()}):
            reached = self.reach(principal, only, memo=memo, relevant=found, enough=enough).get(
                resource
            )
            if reached is not None:
                out[principal] = reached
        return out

    def _grantable(
        self, resource: str, holders: set[str], memo: dict[tuple[str, Limit, str], list[Grant]]
    ) -> frozenset[str]:
        """Every action any walker could be granted on the resource: what each holder gets with
        no limit (a limit only removes actions) and what the holders' own hops record."""
        node = self.store.node(resource)
        actions: set[str] = set()
        for h in holders:
            actions |= {g.action for n, g, _ in self.moves(h).records if n.id == resource}
            if node is not None and node.kind in KIND_TARGETS:
                out: dict[str, Reached] = {}
                self.record_access(Walker(h, (), NO_LIMIT), out, [node], memo)
                actions |= {g.action for g in memo.get((h, NO_LIMIT, resource), [])}
        return frozenset(actions)

    def _holders(self, resource: str) -> set[str]:
        """Identities that may hold access to the resource on their own (a superset: an exact
        query follows). A grant needs an identity Allow statement whose Action and Resource
        cover it, or a resource-policy Allow naming the caller; sts:AssumeRole on a role and
        take-overs of compute are the identity's own hops."""
        node = self.store.node(resource)
        found: set[str] = set()
        principals = list(self.inputs.principals())
        for p in principals:
            if any(n.id == resource for n, _, _ in self.moves(p.id).records):
                found.add(p.id)
        if node is None or node.kind not in KIND_TARGETS:
            return found
        targets = {resource + t.suffix for t in KIND_TARGETS[node.kind]}
        for p in principals:
            if p.id in found:
                continue
            for pol in self.inputs.identity_policies(p.id):
                if any(
                    st.allow and _covered(st, node.kind) and any(_may_match(st, t) for t in targets)
                    for st in pol.statements
                ):
                    found.add(p.id)
                    break
        for pol in self._resource_side(node).policies:
            for st in pol.statements:
                if not st.allow or st.principal is None:
                    continue
                for p in principals:
                    if p.id not in found and (
                        st.not_principal
                        or st.principal.match(_principal(p.id), sessions_free=True) is not Via.NONE
                    ):
                        found.add(p.id)
        return found

    def walk(self, subject: str, relevant: set[str] | None = None) -> list[Walker]:
        """The identities the subject can become, breadth first, each with its first path and
        limit: the order every record of a reach query follows.

        An identity reached first only under a condition (a hop with open conditions) may be
        walked twice per limit: once conditionally, by the first such path (enough to explain),
        and again by the first unconditional path, whose grants then win in `Reached.add`. Once
        reached unconditionally, a later conditional path adds nothing and is not walked.

        `relevant`: walk only into these identities. Exact for any set closed backwards (every
        identity with a hop into the set is in it): a skipped identity leads to none of them, so
        the others are found in the same order, by the same first paths."""
        return list(self._walking(subject, relevant))

    def _walking(self, subject: str, relevant: set[str] | None) -> Iterator[Walker]:
        queue = deque([Walker(subject, (), NO_LIMIT)])
        # (identity, limit, conditional): at most one conditional and one unconditional walker
        seen: set[tuple[str, Limit, bool]] = {(subject, NO_LIMIT, False)}
        while queue:
            walker = queue.popleft()
            if len(walker.path) >= MAX_DEPTH:
                continue
            yield walker
            if walker.limit is not NO_LIMIT:
                continue  # an identity used through a proxy does not walk on
            before = walker.carried
            for move in self.moves(walker.arn).moves:
                dst = move.dst
                if (relevant is not None and dst not in relevant) or dst == subject:
                    continue
                key = (dst, move.limit, False)
                if key in seen:
                    continue  # reached unconditionally already: nothing to add
                carried = before
                opens = move.outcome.decision is Decision.CONDITIONAL and move.outcome.conditions
                if before or opens:
                    key = (dst, move.limit, True)
                    if key in seen:
                        continue
                    if opens:  # built only for the walker made: hashing conditions is slow
                        carried = _carried(before, move.outcome)
                seen.add(key)
                queue.append(Walker(dst, (*walker.path, *move.hops), move.limit, carried))

    def moves(self, arn: str) -> Moves:
        """The identity's own hops to other identities (memoised: they do not depend on the
        subject whose walk reaches it)."""
        hit = self._moves.get(arn)
        if hit is None:
            principal = _principal(arn)
            base = self.inputs.policy_set(arn)
            records: list[tuple[Node, Grant, tuple[Hop, ...]]] = []
            moves: list[Move] = []
            self._assume(arn, principal, base, records, moves)
            self._escalate(arn, principal, base, records, moves)
            self._proxy_moves(arn, principal, base, records, moves)
            hit = self._moves[arn] = Moves(tuple(records), tuple(moves))
        return hit

    # --- one identity's hops ------------------------------------------------------------------
    def _assume(
        self,
        arn: str,
        principal: Principal,
        base: PolicySet,
        records: list[tuple[Node, Grant, tuple[Hop, ...]]],
        moves: list[Move],
    ) -> None:
        filtered = principal.kind in _IDENTITY_CALLERS and not self.exhaustive
        direct = self.inputs.assume_candidates(arn, named_only=True)
        allows = self._identity_allows(arn, base, "sts:assumerole")
        for role_id in sorted(self.inputs.assume_candidates(arn)):
            # Exact prefilter: without an identity Allow whose Resource may match, only a trust
            # policy naming the caller itself can grant (iam.evaluate: Via.ACCOUNT needs one).
            if (
                filtered
                and role_id not in direct
                and not any(_may_match(st, role_id) for st in allows)
            ):
                continue
            role = self.store.node(role_id)
            if role is None or role.id == arn:
                continue
            ev = self._eval_trust(arn, principal, role)
            if ev.decision not in REACHABLE:
                continue
            hop = Hop(arn, role.id, "can_assume", ev_refs(ev))
            grant = Grant("sts:AssumeRole", "Write", ev, tuple(hop.granted_by.split(", ")))
            records.append((role, grant, (hop,)))
            moves.append(Move((hop,), role.id, NO_LIMIT, ev))

    def _escalate(
        self,
        arn: str,
        principal: Principal,
        base: PolicySet,
        records: list[tuple[Node, Grant, tuple[Hop, ...]]],
        moves: list[Move],
    ) -> None:
        account = account_of(self.store, arn) or ""
        filtered = principal.kind in _IDENTITY_CALLERS and not self.exhaustive
        pass_allows = self._identity_allows(arn, base, "iam:passrole")
        for path in escalation_paths():
            if path.takes_over:  # an existing resource's role, or a user's own credentials
                self._take_over(arn, principal, path, records, moves)
                continue
            others = [a for a in path.actions if a != "iam:PassRole"]
            # Exact prefilter: these are evaluated without a resource policy, so each needs an
            # identity Allow statement covering it.
            if filtered and (
                not pass_allows
                or any(not self._identity_allows(arn, base, a.lower()) for a in others)
            ):
                continue
            other_outcomes = [
                self._eval(arn, principal, a, _new_resource_pattern(a, account), base, pattern=True)
                for a in others
            ]
            if any(o.decision not in REACHABLE for o in other_outcomes):
                continue
            made: dict[int, tuple[Outcome, Grant]] = {}
            limit = _limit_of(path)
            for role_id in self.inputs.roles_trusting_service(path.service or "", account):
                if filtered and not any(_may_match(st, role_id) for st in pass_allows):
                    continue
                role = self.store.node(role_id)
                if role is None or not self._trusts_service(role.id, path.service or ""):
                    continue
                passed = self._eval_alike(
                    arn,
                    principal,
                    "iam:PassRole",
                    role.id,
                    base,
                    context={"iam:PassedToService": path.service or ""},
                )
                if passed.decision not in REACHABLE:
                    continue
                # roles evaluated alike share one outcome: share its text and grant too (an
                # administrator's pass-role hops number in the thousands)
                shared = made.get(id(passed))
                if shared is None or shared[0] is not passed:
                    outcome = _combine([passed, *other_outcomes])
                    granted = f"{path.id} ({_refs([passed, *other_outcomes])})"
                    grant = Grant("iam:PassRole", "Write", outcome, (granted,))
                    shared = made[id(passed)] = (passed, grant)
                grant = shared[1]
                hop = Hop(arn, role.id, "can_pass_role_to", grant.granted_by[0])
                records.append((role, grant, (hop,)))
                moves.append(Move((hop,), role.id, limit, grant.outcome))

    def _take_over(
        self,
        arn: str,
        principal: Principal,
        path: EscalationPath,
        records: list[tuple[Node, Grant, tuple[Hop, ...]]],
        moves: list[Move],
    ) -> None:
        base = self.inputs.policy_set(arn)
        unallowed = (
            [a for a in path.actions if not self._identity_allows(arn, base, a.lower())]
            if principal.kind in _IDENTITY_CALLERS and not self.exhaustive
            else []
        )
        own = path.mode is EscalationMode.CREDENTIALS  # the target user is the identity
        if own and unallowed:
            return  # exact: an IAM user has no resource policy to grant what identity does not
        for target in self._kind_nodes(path.target_kinds):
            roles = () if own else self.inputs.runs_as(target.id)
            if target.id == arn or not (own or roles):
                continue
            if unallowed:
                # Exact prefilter: an action no identity Allow covers needs the target's own
                # resource policy to allow it.
                res = self._resource_side(target)
                if any(a.lower() not in res.allowed for a in unallowed):
                    continue
            outcomes = [
                self._eval_alike(
                    arn, principal, a, target.id, self.inputs.policy_set(arn, target.id)
                )
                for a in path.actions
            ]
            if any(o.decision not in REACHABLE for o in outcomes):
                continue
            granted = f"{path.id} ({_refs(outcomes)})"
            hop = Hop(arn, target.id, "can_access", granted)
            outcome = _combine(outcomes)
            grants = [Grant(a, _level(a), outcome, (granted,)) for a in path.actions]
            records += [(target, g, (hop,)) for g in grants]
            if own:
                moves.append(Move((hop,), target.id, _limit_of(path), outcome))
            for role in roles:
                role_node = self.store.node(role)
                if role_node is None:
                    continue
                run = Hop(target.id, role, "runs_as", f"{target.kind} role")
                # the role is reached too: listed with what obtains it, like an assumed one
                records += [(role_node, g, (hop, run)) for g in grants]
                moves.append(Move((hop, run), role, _limit_of(path), outcome))

    def _proxy_moves(
        self,
        arn: str,
        principal: Principal,
        base: PolicySet,
        records: list[tuple[Node, Grant, tuple[Hop, ...]]],
        moves: list[Move],
    ) -> None:
        """AI applications that act for the caller with their own role; the role is recorded
        as reached (with the entry action), its move keeps the application's limit."""
        iam_caller = principal.kind in _IDENTITY_CALLERS
        nodes = self._kind_nodes(tuple(PROXY_KINDS), ordered=True)
        if (
            iam_caller
            and not self.exhaustive
            and not any(self._identity_allows(arn, base, a) for a in _ENTRY)
            and not any(self._resource_side(n).allowed.keys() & _ENTRY for n in nodes)
        ):
            return  # exact: every grant to an IAM caller needs an Allow statement covering it
        # Only the entry actions decide a proxy move, and a grant of one action does not depend
        # on which others are evaluated beside it: evaluate just those.
        walker = Walker(arn, (), _ENTRY_ONLY)
        ctx = Context(principal_context(principal), assume_unknown=True)
        sides: dict[str, _IdentitySide] = {}
        decided: dict[tuple[object, ...], tuple[Outcome | None, tuple[str, ...]]] = {}
        for node in nodes:
            grants = self._node_grants(
                walker, principal, ctx, base, node, sides, iam_caller, None, decided
            )
            if grants:
                found = self._proxies(arn, node, grants)
                moves += found
                entry = _entry_grant(node.kind, grants)
                for move in found:
                    role = self.store.node(move.dst)
                    if role is not None and entry is not None:
                        records.append((role, entry, move.hops))

    # --- one identity's access ----------------------------------------------------------------
    def record_access(
        self,
        walker: Walker,
        out: dict[str, Reached],
        nodes: list[Node],
        memo: dict[tuple[str, Limit, str], list[Grant]] | None = None,
    ) -> None:
        limit = walker.limit
        setup: tuple[Principal, Context, PolicySet, bool] | None = None
        sides: dict[str, _IdentitySide] = {}
        decided: dict[tuple[object, ...], tuple[Outcome | None, tuple[str, ...]]] = {}
        for node in nodes:
            if limit.resources is not None and node.id not in limit.resources:
                continue
            key = (walker.arn, limit, node.id)
            grants = memo.get(key) if memo is not None else None
            if grants is None:
                if setup is None:  # built only when something is evaluated (who-can shares)
                    principal = _principal(walker.arn)
                    setup = (
                        principal,
                        Context(principal_context(principal), assume_unknown=True),
                        self.inputs.policy_set(walker.arn),
                        principal.kind in _IDENTITY_CALLERS,
                    )
                principal, ctx, base, iam_caller = setup
                # with a memo the grants are unpruned, so they hold whatever was recorded
                # before (recording them is then a no-op)
                grants = self._node_grants(
                    walker, principal, ctx, base, node, sides, iam_caller,
                    out if memo is None else None, decided,
                )  # fmt: skip
                if memo is not None:
                    memo[key] = grants
            for grant in grants:
                hop = Hop(walker.arn, node.id, "can_access", ", ".join(grant.granted_by))
                self._record(out, node, walker.carry(grant), (*walker.path, hop))

    def _node_grants(
        self,
        walker: Walker,
        principal: Principal,
        ctx: Context,
        base: PolicySet,
        node: Node,
        sides: dict[str, _IdentitySide],
        iam_caller: bool,
        out: dict[str, Reached] | None = None,
        decided: dict[tuple[object, ...], tuple[Outcome | None, tuple[str, ...]]] | None = None,
    ) -> list[Grant]:
        if self.exhaustive:
            grants = self._grants_every_action(walker, principal, node)
        else:
            side = sides.get(node.kind)
            if side is None:
                side = sides[node.kind] = _identity_side(base, node.kind, walker.limit)
            grants = self._grants_on(principal, ctx, node, base, side, iam_caller, out, decided)
        if grants and node.kind in _PREFIXED:
            grants = self._partly_denied(walker.arn, principal, base, node, grants)
        return grants

    def _partly_denied(
        self, arn: str, principal: Principal, base: PolicySet, node: Node, grants: list[Grant]
    ) -> list[Grant]:
        """Mark object-level grants that a Deny on part of the objects cuts (a bucket policy
        denying s3:GetObject on b/secret/*): the access holds only outside those keys, which the
        report says as an assumption rather than as silently full access."""
        denies = [
            (st, pat)
            for st, pat in (
                *self._resource_side(node).prefix_denies(),
                *self._own_prefix_denies(arn, base, node),
            )
            if st.principal is None
            or st.not_principal
            or st.principal.match(principal, sessions_free=False) is not Via.NONE
        ]
        if not denies:
            return grants
        suffixes = _suffixes(node.kind)
        out = []
        for g in grants:
            low = g.action.lower()
            extra = tuple(
                ConditionRequirement(
                    Polarity.MUST_NOT_HOLD,
                    st.ref,
                    "Resource",
                    "",
                    (pat,),
                    f'object ARN matches "{pat}" (denied there'
                    + (", if the Deny's conditions hold)" if st.conditions else ")"),
                )
                for st, pat in denies
                if suffixes.get(low) and st.action_applies(low)
            )
            if extra:
                o = g.outcome
                g = Grant(
                    g.action,
                    g.access_level,
                    Outcome(o.decision, o.conditions, (*o.assumptions, *extra)),
                    g.granted_by,
                )
            out.append(g)
        return out

    def _own_prefix_denies(
        self, arn: str, base: PolicySet, node: Node
    ) -> list[tuple[Statement, str]]:
        """Identity, boundary and SCP Deny statements on part of this node's objects."""
        stmts = self._deny_stmts.get(arn)
        if stmts is None:
            policies = [*base.identity, *base.boundary, *(p for lv in base.scps for p in lv)]
            stmts = self._deny_stmts[arn] = tuple(
                st
                for p in policies
                for st in p.statements
                if not st.allow and st.resources is not None and not st.not_resource
                and not any(rp.any for rp in st.resources)
            )  # fmt: skip
        return _part_of(stmts, node.id) if stmts else []

    def _grants_on(
        self,
        principal: Principal,
        ctx: Context,
        node: Node,
        base: PolicySet,
        side: _IdentitySide,
        iam_caller: bool,
        out: dict[str, Reached] | None,
        decided: dict[tuple[object, ...], tuple[Outcome | None, tuple[str, ...]]] | None = None,
    ) -> list[Grant]:
        """Evaluate the candidate actions once per class of actions the same statements cover.

        Exact, because `evaluate` reads an action only through (a) which statements of each
        policy cover it, (b) the service refusal rules and (c) whether a resource policy is
        required; a class shares (a) by construction and (b), (c) are part of its key. Actions
        that no identity-side and no resource-side Allow statement covers cannot be granted to an
        IAM caller (every grant path needs one), so they are never evaluated.

        `decided` may be shared across the resources of one identity: a resource without a
        resource policy enters the key only through its account and which statements' Resource
        matches it (`_match_vector`), the only ways `evaluate` reads its ARN.
        """
        res = self._resource_side(node)
        if iam_caller:
            candidates = side.allowed | {k: v for k, v in res.allowed.items() if k in side.actions}
        else:
            candidates = side.actions
        if not candidates:
            return []
        reached = out.get(node.id) if out is not None else None
        if (
            reached is not None
            and node.kind not in PROXY_KINDS
            and len(reached.paths) >= MAX_PATHS
            and all(
                (g := reached.grants.get(a)) is not None and g.outcome.decision is Decision.ALLOW
                for a in candidates.values()
            )
        ):
            # Nothing can change: every grant is already unconditional and paths are capped.
            return []
        pset: PolicySet | None = None
        if decided is None:
            decided = {}
        shared = not res.policies and res.account is not None
        targets: dict[str, tuple[str | None, bool]] = {}
        grants = []
        for ka in side.ordered:
            low = ka.action.lower()
            if low not in candidates:
                continue
            target = node.id + ka.suffix
            if low in side.sensitive:
                rules = (refusal(ka.action, target), resource_policy_required(ka.action, target))
            else:  # refusal is None and the requirement depends on the resource alone
                rules = targets.get(ka.suffix)
                if rules is None:
                    rules = targets[ka.suffix] = (
                        None,
                        resource_policy_required(ka.action, target),
                    )
            place: object = node.id
            if shared:
                vec = _match_vector((*side.stmts[low], *res.rcp_statements(low)), target)
                if vec is not None:
                    place = (res.account, vec)
            sig = (ka.suffix, side.sig[low], res.sig(low), rules, place)
            hit = decided.get(sig)
            if hit is None:
                if pset is None:
                    pset = self._pset(base, node, res)
                ev = evaluate(
                    Request(principal, ka.action, target, res.account, ctx, assume_unknown=True),
                    pset,
                )
                outcome = as_caller(ev) if ev.decision in REACHABLE else None
                hit = decided[sig] = (outcome, tuple(str(r) for r in ev.granted_by))
            if hit[0] is not None:
                grants.append(Grant(ka.action, ka.access_level, hit[0], hit[1]))
        return grants

    def _grants_every_action(self, walker: Walker, principal: Principal, node: Node) -> list[Grant]:
        """The reference: every action of the kind evaluated on its own, nothing shared."""
        pset = self.inputs.policy_set(walker.arn, node.id)
        grants = []
        for ka in actions_for_kind(node.kind):
            if not walker.limit.allows(ka.action, node.id):
                continue
            ev = self._eval_raw(walker.arn, principal, ka.action, node.id + ka.suffix, pset)
            if ev.decision in REACHABLE:
                refs = tuple(str(r) for r in ev.granted_by)
                grants.append(Grant(ka.action, ka.access_level, as_caller(ev), refs))
        return grants

    def _resource_side(self, node: Node) -> _ResourceSide:
        hit = self._res_sides.get(node.id)
        if hit is None:
            account = account_of(self.store, node.id)
            rcps = self._rcps.get(account)
            if rcps is None:
                rcps = self._rcps[account] = self.inputs.org_levels(account, "rcp")
            policies = self.inputs.resource_policies(node.id)
            allowed: dict[str, str] = {}
            for p in policies:
                for st in p.statements:
                    if st.allow:
                        allowed.update(_covered(st, node.kind))
            hit = self._res_sides[node.id] = _ResourceSide(
                node.kind, account, policies, rcps, allowed, node.id
            )
        return hit

    def _pset(self, base: PolicySet, node: Node, res: _ResourceSide) -> PolicySet:
        return PolicySet(
            identity=base.identity,
            boundary=base.boundary,
            scps=base.scps,
            resource=res.policies,
            rcps=res.rcps,
            management_account=base.management_account,
        )

    def _proxies(self, arn: str, node: Node, grants: list[Grant]) -> list[Move]:
        """The roles an AI application uses for a caller allowed to invoke it; the entry hop
        carries the statement that allows the invocation."""
        found: list[Move] = []
        if node.kind == "knowledge_base":
            entry = next((g for g in grants if g.action.lower() in _RETRIEVE), None)
            if entry is None:
                return found
            via = Hop(arn, node.id, "can_access", ", ".join(entry.granted_by))
            limit = _kb_limit(self._kb_sources(node.id))
            for role in self.inputs.runs_as(node.id):
                hop = Hop(
                    node.id,
                    role,
                    "runs_as",
                    "knowledge base role (retrieval on the caller's behalf)",
                )
                found.append(Move((via, hop), role, limit, entry.outcome))
        elif node.kind in ("agent_alias", "agent"):
            entry = next((g for g in grants if g.action.lower() == "bedrock:invokeagent"), None)
            if entry is None:
                return found
            agent = (
                node.id
                if node.kind == "agent"
                else next((e.src for e in self.store.in_edges(node.id, {"has_alias"})), None)
            )
            if agent is not None:
                via = Hop(arn, node.id, "can_access", ", ".join(entry.granted_by))
                found += self._agent_proxies(via, agent, entry.outcome)
        return found

    def _agent_proxies(self, via: Hop, agent: str, outcome: Outcome) -> list[Move]:
        found = []
        models = frozenset(e.dst for e in self.store.out_edges(agent, {"uses_model"}))
        for role in self.inputs.runs_as(agent):
            limit = Limit(
                frozenset({"bedrock:invokemodel", "bedrock:invokemodelwithresponsestream"}),
                models or None,
                "invokes only the agent's models",
            )
            found.append(
                Move((via, Hop(agent, role, "runs_as", "agent role")), role, limit, outcome)
            )
        for kb in (e.dst for e in self.store.out_edges(agent, {"uses_knowledge_base"})):
            limit = _kb_limit(self._kb_sources(kb))
            for role in self.inputs.runs_as(kb):
                hops = (
                    via,
                    Hop(agent, kb, "uses_knowledge_base", "agent knowledge base"),
                    Hop(kb, role, "runs_as", "knowledge base role"),
                )
                found.append(Move(hops, role, limit, outcome))
        for group in (e.dst for e in self.store.out_edges(agent, {"has_action_group"})):
            for fn in (e.dst for e in self.store.out_edges(group, {"invokes_function"})):
                for role in self.inputs.runs_as(fn):
                    hops = (
                        via,
                        Hop(agent, group, "has_action_group", "agent action group"),
                        Hop(group, fn, "invokes_function", "action group function"),
                        Hop(fn, role, "runs_as", "function role"),
                    )
                    limit = Limit(
                        note="what the function's code does with the caller's input is unknown"
                    )
                    found.append(Move(hops, role, limit, outcome))
        return found

    def _kb_sources(self, kb: str) -> list[str]:
        out = []
        for e in self.store.out_edges(kb, {"reads_data_source", "stored_in"}):
            out.append(e.dst)
            out += [s.dst for s in self.store.out_edges(e.dst, {"stored_in"})]
        return out

    # --- helpers ------------------------------------------------------------------------------
    def _resource_nodes(self) -> list[Node]:
        if self._targets is None:
            self._targets = list(self.store.nodes(set(KIND_TARGETS)))
        return self._targets

    def _only_nodes(self, only: frozenset[str]) -> list[Node]:
        """The resources of `only`, in the order a full query visits them."""
        if self._order is None:
            self._order = {n.id: i for i, n in enumerate(self._resource_nodes())}
        order = self._order
        return sorted(
            (n for i in only if i in order and (n := self.store.node(i)) is not None),
            key=lambda n: order[n.id],
        )

    def _kind_nodes(self, kinds: tuple[str, ...], *, ordered: bool = False) -> list[Node]:
        """Nodes of some kinds: in the resource visiting order (`ordered`) or the store's."""
        key = (kinds, ordered)
        hit = self._by_kinds.get(key)
        if hit is None:
            wanted = set(kinds)
            source = self._resource_nodes() if ordered else self.store.nodes(wanted)
            hit = self._by_kinds[key] = [n for n in source if n.kind in wanted]
        return hit

    def _identity_allows(self, arn: str, base: PolicySet, action: str) -> tuple[Statement, ...]:
        """The identity-policy Allow statements covering an action (lower-case)."""
        key = (arn, action)
        hit = self._allows.get(key)
        if hit is None:
            hit = self._allows[key] = tuple(
                s for p in base.identity for s in p.for_action(action) if s.allow
            )
        return hit

    def _trusts_service(self, role: str, service: str) -> bool:
        key = (role, service)
        hit = self._service_trust.get(key)
        if hit is None:
            trust = self.inputs.resource_policies(role)
            ev = evaluate(
                Request(
                    Principal.service(service),
                    "sts:AssumeRole",
                    role,
                    account_of(self.store, role),
                    assume_unknown=True,
                ),
                PolicySet(resource=trust),
            )
            hit = self._service_trust[key] = ev.decision in REACHABLE
        return hit

    def _eval_raw(
        self,
        who: str,
        principal: Principal,
        action: str,
        resource: str,
        pset: PolicySet,
        *,
        context: dict[str, str] | None = None,
        pattern: bool = False,
    ):
        ctx = dict(principal_context(principal))
        if context:
            ctx.update(context)
        res_account = (
            account_of(self.store, resource.split("/*")[0])
            if not pattern
            else (parse_arn(resource).account if parse_arn(resource) else None)
        )
        req = Request(
            principal,
            action,
            resource,
            res_account,
            ctx,
            assume_unknown=True,
            resource_is_pattern=pattern,
        )
        return evaluate(req, pset)

    def _eval(
        self,
        who: str,
        principal: Principal,
        action: str,
        resource: str,
        pset: PolicySet,
        *,
        context: dict[str, str] | None = None,
        pattern: bool = False,
    ) -> Outcome:
        ev = self._eval_raw(
            who, principal, action, resource, pset, context=context, pattern=pattern
        )
        outcome = as_caller(ev)
        return _Explained(
            outcome.decision,
            outcome.conditions,
            outcome.assumptions,
            tuple(str(r) for r in ev.granted_by),
        )

    def _eval_trust(self, arn: str, principal: Principal, role: Node) -> Outcome:
        """sts:AssumeRole on a role, evaluated once per kind of trust policy: roles whose trust
        documents are the same text (without their own ARN in it), in one account, matched
        alike by the caller's statements, give the same outcome up to the name of the trust
        policy in the statement references, which is renamed."""
        pset = self.inputs.policy_set(arn, role.id)
        shape = self._trust_shape(role)
        account = account_of(self.store, role.id)
        vec = None
        if (
            shape is not None
            and account is not None
            and principal.kind in _IDENTITY_CALLERS
            and not self.exhaustive
        ):
            guards = [*pset.identity, *pset.boundary, *(p for lv in pset.scps for p in lv)]
            guards += [*pset.resource, *(p for lv in pset.rcps for p in lv)]
            vec = _match_vector(
                tuple(s for p in guards for s in p.for_action("sts:assumerole")), role.id
            )
        if vec is None:
            return self._eval(arn, principal, "sts:AssumeRole", role.id, pset)
        key = (arn, shape, account, vec)
        hit = self._trusts.get(key)
        if hit is None:
            out = self._eval(arn, principal, "sts:AssumeRole", role.id, pset)
            self._trusts[key] = (role.id, out)
            return out
        return _renamed(hit[1], hit[0], role.id)

    def _trust_shape(self, role: Node) -> int | None:
        """An id for the role's trust document text; None when the text names the role."""
        if role.id in self._shapes:
            return self._shapes[role.id]
        doc = role.props.get(TRUST_POLICY)
        shape = None
        if isinstance(doc, dict):
            text = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
            if role.id.encode() not in text:
                shape = self._shape_ids.setdefault(text, len(self._shape_ids))
        self._shapes[role.id] = shape
        return shape

    def _eval_alike(
        self,
        who: str,
        principal: Principal,
        action: str,
        resource: str,
        pset: PolicySet,
        *,
        context: dict[str, str] | None = None,
    ) -> Outcome:
        """`_eval`, evaluated once for the resources it cannot tell apart: without a resource
        policy, `evaluate` reads the ARN only through its account, which statements' Resource
        match it, and the service rules, which make the key."""
        account = account_of(self.store, resource)
        if (
            pset.resource
            or account is None
            or principal.kind not in _IDENTITY_CALLERS
            or self.exhaustive
        ):
            return self._eval(who, principal, action, resource, pset, context=context)
        low = action.lower()
        vec = _match_vector(
            tuple(s for p in _all_policies(pset) for s in p.for_action(low)), resource
        )
        if vec is None:
            return self._eval(who, principal, action, resource, pset, context=context)
        key = (
            who,
            low,
            account,
            tuple(sorted((context or {}).items())),
            vec,
            refusal(action, resource),
            resource_policy_required(action, resource),
        )
        hit = self._alike.get(key)
        if hit is None:
            hit = self._alike[key] = self._eval(
                who, principal, action, resource, pset, context=context
            )
        return hit

    def _record(
        self, out: dict[str, Reached], node: Node, grant: Grant, path: tuple[Hop, ...]
    ) -> None:
        reached = out.get(node.id)
        if reached is None:
            reached = out[node.id] = Reached(node)
        reached.add(grant, path)


_IDENTITY_CALLERS = (
    PrincipalKind.USER,
    PrincipalKind.ROLE,
    PrincipalKind.SESSION,
    PrincipalKind.FEDERATED_USER,
)


@dataclass(frozen=True, slots=True)
class _IdentitySide:
    """One identity's statements per action of one node kind, computed once per walk step.

    `sig[action]`: ids of the identity, boundary and SCP statements covering it (the same for
    every resource of the kind); `allowed`: actions some identity Allow statement covers;
    `actions`: every action the walker's limit lets it use, lower-case -> canonical name.
    """

    ordered: tuple[KindAction, ...]
    sig: dict[str, tuple[int, ...]]
    sensitive: frozenset[
        str
    ]  # actions `evaluate` reads beyond their statements (iam.action_sensitive)
    allowed: dict[str, str]
    actions: dict[str, str]
    stmts: dict[str, tuple[Statement, ...]]  # the statements behind `sig`


def _identity_side(base: PolicySet, kind: str, limit: Limit) -> _IdentitySide:
    ordered = actions_for_kind(kind)  # the limit's node filter is applied per node by the caller
    guards = [*base.boundary, *(p for level in base.scps for p in level)]
    if base.session is not None:
        guards.append(base.session)
    # Which statements cover each action, in policy order (what `for_action` returns), from
    # the coverage memoised by Action text: policies repeat the same lists.
    ident_by: dict[str, list[Statement]] = {}
    guard_by: dict[str, list[Statement]] = {}
    for policies, by in ((base.identity, ident_by), (guards, guard_by)):
        for p in policies:
            for st in p.statements:
                for low in _covered(st, kind):
                    by.setdefault(low, []).append(st)
    sig: dict[str, tuple[int, ...]] = {}
    stmts: dict[str, tuple[Statement, ...]] = {}
    allowed: dict[str, str] = {}
    actions: dict[str, str] = {}
    kept = []
    for ka in ordered:
        low = ka.action.lower()
        if limit.actions is not None and low not in limit.actions:
            continue
        kept.append(ka)
        actions[low] = ka.action
        ident = ident_by.get(low, ())
        guard = guard_by.get(low, ())
        sig[low] = (*(id(s) for s in ident), -1, *(id(s) for s in guard))
        stmts[low] = (*ident, *guard)
        if any(s.allow for s in ident):
            allowed[low] = ka.action
    sensitive = frozenset(low for low, name in actions.items() if _sensitive(name))
    return _IdentitySide(tuple(kept), sig, sensitive, allowed, actions, stmts)


_sensitive = cache(action_sensitive)  # a property of the action name alone


@cache
def _covered_by(texts: tuple[str, ...], negated: bool, kind: str) -> dict[str, str]:
    """The kind's actions an Action (or NotAction) list covers; many policies share the list."""
    probe = compile_policy(
        {"Statement": [{"Effect": "Allow", ("NotAction" if negated else "Action"): list(texts)}]},
        "probe",
    ).statements[0]
    return {
        ka.action.lower(): ka.action
        for ka in actions_for_kind(kind)
        if probe.action_applies(ka.action.lower())
    }


def _covered(st: Statement, kind: str) -> dict[str, str]:
    """Same answer as `st.action_applies` for each action of the kind, memoised by the text."""
    return _covered_by(st.actions.texts, st.not_action, kind)


@dataclass(slots=True)
class _ResourceSide:
    """One resource's own policies and RCPs, shared by every identity (cached per node)."""

    kind: str
    account: str | None
    policies: tuple[CompiledPolicy, ...]
    rcps: tuple[tuple[CompiledPolicy, ...], ...]
    allowed: dict[str, str]  # actions some resource-policy Allow statement covers
    node_id: str = ""
    _sigs: dict[str, tuple[int, ...]] = field(default_factory=dict)
    _prefix: list[tuple[Statement, str]] | None = None

    def prefix_denies(self) -> list[tuple[Statement, str]]:
        """Resource-policy and RCP Deny statements on part of this node's objects (cached)."""
        if self._prefix is None:
            stmts = tuple(
                st
                for p in (*self.policies, *(q for level in self.rcps for q in level))
                for st in p.statements
                if not st.allow and st.resources is not None and not st.not_resource
            )
            self._prefix = _part_of(stmts, self.node_id) if stmts else []
        return self._prefix

    def rcp_statements(self, low: str) -> tuple[Statement, ...]:
        return tuple(s for level in self.rcps for p in level for s in p.for_action(low))

    def sig(self, low: str) -> tuple[int, ...]:
        """Ids of the resource-policy and RCP statements covering the action, in order (what
        `for_action` returns, via the coverage memoised by action text across policies)."""
        hit = self._sigs.get(low)
        if hit is None:
            hit = self._sigs[low] = tuple(
                id(s)
                for p in (*self.policies, *(q for level in self.rcps for q in level))
                for s in p.statements
                if low in _covered(s, self.kind)
            )
        return hit


@dataclass(frozen=True, slots=True)
class _Explained(Outcome):
    refs: tuple[str, ...] = ()


def _renamed(outcome: Outcome, old: str, new: str) -> Outcome:
    """The outcome with statement references to policy `old` pointing at policy `new`."""

    def ref(r: StatementRef) -> StatementRef:
        return replace(r, policy=new) if r.policy == old else r

    def text(s: str) -> str:
        return new + s[len(old) :] if s.startswith((old + "[", old + "#")) else s

    def reqs(cs: tuple[ConditionRequirement, ...]) -> tuple[ConditionRequirement, ...]:
        return tuple(replace(c, statement=ref(c.statement)) for c in cs)

    return _Explained(
        outcome.decision,
        reqs(outcome.conditions),
        reqs(outcome.assumptions),
        tuple(text(s) for s in getattr(outcome, "refs", ())),
    )


def ev_refs(outcome: Outcome) -> str:
    return ", ".join(getattr(outcome, "refs", ())) or "?"


def _refs(outcomes: list[Outcome]) -> str:
    return "; ".join(ev_refs(o) for o in outcomes)


def _carried(
    carried: tuple[ConditionRequirement, ...], hop: Outcome
) -> tuple[ConditionRequirement, ...]:
    """The open conditions of a path extended by one hop (each condition listed once)."""
    if hop.decision is not Decision.CONDITIONAL or not hop.conditions:
        return carried
    return tuple(dict.fromkeys((*carried, *hop.conditions)))


def _combine(outcomes: list[Outcome]) -> Outcome:
    """All must hold: conditional if any is, with every open condition."""
    conds: list[ConditionRequirement] = []
    assumed: list[ConditionRequirement] = []
    for o in outcomes:
        conds += o.conditions
        assumed += o.assumptions
    decision = Decision.CONDITIONAL if conds else Decision.ALLOW
    return Outcome(decision, tuple(conds), tuple(assumed))


_RETRIEVE = frozenset({"bedrock:retrieve", "bedrock:retrieveandgenerate"})
_ENTRY = _RETRIEVE | {"bedrock:invokeagent"}  # the actions that make an AI application act


def _entry_grant(kind: str, grants: list[Grant]) -> Grant | None:
    """The grant `_proxies` enters an AI application with (the first that makes it act)."""
    wanted = _RETRIEVE if kind == "knowledge_base" else frozenset({"bedrock:invokeagent"})
    return next((g for g in grants if g.action.lower() in wanted), None)


def _kb_limit(sources: list[str]) -> Limit:
    return Limit(
        frozenset({"s3:getobject", "s3:listbucket", "aoss:apiaccessall"}),
        frozenset(sources),
        "reads only the knowledge base's sources",
    )


_PREFIXED = frozenset(k for k, ts in KIND_TARGETS.items() if any(t.suffix for t in ts))


@cache
def _suffixes(kind: str) -> dict[str, str]:
    """Lower-case action -> the suffix of the ARN it is evaluated on ("/*": objects)."""
    return {ka.action.lower(): ka.suffix for ka in actions_for_kind(kind)}


def _part_of(stmts: tuple[Statement, ...], node_id: str) -> list[tuple[Statement, str]]:
    """(statement, pattern) for Resource patterns that reach some of the node's objects but
    not all of them (those that match all are decided by `evaluate` itself)."""
    target = node_id + "/*"
    tglob = compile_glob(target)
    out = []
    for st in stmts:
        for rp in st.resources or ():
            if rp.any or rp.glob is None or rp.glob.match(target):
                continue
            if globs_intersect(rp.glob, tglob):
                out.append((st, rp.text))
    return out


def _saturated(reached: Reached | None, enough: frozenset[str]) -> bool:
    """Whether no later record can change this: paths capped and every grantable action held
    unconditionally (`Reached.add` then keeps everything as it is)."""
    if reached is None or len(reached.paths) < MAX_PATHS:
        return False
    grants = reached.grants
    return all(
        (g := grants.get(a)) is not None and g.outcome.decision is Decision.ALLOW for a in enough
    )


def _match_vector(stmts: tuple[Statement, ...], target: str) -> tuple[bool, ...] | None:
    """Which of the statements' Resource elements match the target, leaving out those that
    match every target alike; None when a policy variable makes that depend on more."""
    vec = []
    for st in stmts:
        if st.resources is None or any(rp.any for rp in st.resources):
            continue
        hit = False
        for rp in st.resources:
            if rp.glob is None:
                return None
            if rp.glob.match(target):
                hit = True
                break
        vec.append(hit)
    return tuple(vec)


def _may_match(st: Statement, arn: str) -> bool:
    """Whether the statement's Resource element can match the ARN (True when unsure: a
    prefilter may keep too much, never too little)."""
    if st.resources is None or st.not_resource:
        return True
    return any(rp.any or rp.glob is None or rp.glob.match(arn) for rp in st.resources)


@cache  # one Limit per path: a service credential's limit names hundreds of actions
def _limit_of(path: EscalationPath) -> Limit:
    if path.yields_actions is None:
        return NO_LIMIT
    return Limit(
        frozenset(a.lower() for a in path.yields_actions),
        None,
        f"{path.id}: acts only through {path.name.lower()}",
    )


def _level(action: str) -> str:
    from graphscope.iam import access_level

    return access_level(action) or "Unknown"


def _new_resource_pattern(action: str, account: str) -> str:
    """The ARN pattern a create action's new resource would have in the caller's account."""
    service = action.split(":", 1)[0]
    return f"arn:aws:{service}:*:{account}:*"


def _principal(arn: str) -> Principal:
    return parse_principal(arn)


def _all_policies(pset: PolicySet) -> list[CompiledPolicy]:
    out = [*pset.identity, *pset.resource, *pset.boundary]
    if pset.session is not None:
        out.append(pset.session)
    for level in (*pset.scps, *pset.rcps):
        out += level
    out += pset.endpoints
    return out


__all__ = [
    "NO_LIMIT",
    "Grant",
    "Hop",
    "KindAction",
    "Limit",
    "Move",
    "Moves",
    "ReachEngine",
    "Reached",
]
