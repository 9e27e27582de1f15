"""The potential blast radius of one principal, derived lazily from the graph and the IAM engine.

Nothing is materialised as a principal x resource matrix: a query walks from its subject through
the identities it can become (role assumption, iam:PassRole into compute and AI services, AI
applications acting for it), and evaluates only that walk. Every hop keeps the statement that
grants it; conditional grants stay conditional with their condition text.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from graphscope.access.caller_context import Outcome, as_caller
from graphscope.access.inputs import AccessInputs, account_of
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
from graphscope.iam.policy import Statement
from graphscope.iam.principals import Principal
from graphscope.model import Node

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


@dataclass(frozen=True, slots=True)
class _Walker:
    """An identity on the walk: who, how we got there, and what it may do for the subject."""

    arn: str
    path: tuple[Hop, ...]
    limit: Limit


class ReachEngine:
    """Answers reach queries over one graph; caches compiled policies and trust evaluations."""

    def __init__(self, inputs: AccessInputs, *, exhaustive: bool = False) -> None:
        """`exhaustive`: evaluate every action on every resource on its own (the slow reference
        the optimised walk is tested against)."""
        self.inputs = inputs
        self.exhaustive = exhaustive
        self._res_sides: dict[str, _ResourceSide] = {}
        self._rcps: dict[str | None, tuple[tuple[CompiledPolicy, ...], ...]] = {}
        self.store = inputs.store
        self._service_trust: dict[tuple[str, str], bool] = {}
        self._targets: list[Node] | None = None
        self._only: frozenset[str] | None = None

    def warm(self) -> None:
        """Compile every resource's policies and action coverage now (build time), not in the
        first query; the same caches the walk fills lazily, so results are unchanged."""
        for node in self._resource_nodes():
            self._resource_side(node)

    # --- entry point --------------------------------------------------------------------------
    def reach(self, subject: str, only: frozenset[str] | None = None) -> dict[str, Reached]:
        """Every resource and role the subject can reach, keyed by node id (subject excluded).

        `only` limits which resources are evaluated (who-can asks about one); identities and the
        AI applications that act as proxies are still walked, so no path is missed.
        """
        self._only = only
        out: dict[str, Reached] = {}
        queue = deque([_Walker(subject, (), NO_LIMIT)])
        seen: set[tuple[str, Limit]] = {(subject, NO_LIMIT)}
        while queue:
            walker = queue.popleft()
            if len(walker.path) >= MAX_DEPTH:
                continue
            for nxt in self._step(walker, out):
                key = (nxt.arn, nxt.limit)
                if nxt.arn != subject and key not in seen:
                    seen.add(key)
                    queue.append(nxt)
        out.pop(subject, None)
        return out

    # --- one identity -------------------------------------------------------------------------
    def _step(self, walker: _Walker, out: dict[str, Reached]) -> Iterable[_Walker]:
        principal = _principal(walker.arn)
        base = self.inputs.policy_set(walker.arn)
        nexts: list[_Walker] = []
        if walker.limit is NO_LIMIT:
            nexts += self._assume(walker, principal, out)
            nexts += self._escalate(walker, principal, base, out)
        self._access(walker, principal, out, nexts)
        return nexts

    def _assume(
        self, walker: _Walker, principal: Principal, out: dict[str, Reached]
    ) -> list[_Walker]:
        found = []
        for role_id in sorted(self.inputs.assume_candidates(walker.arn)):
            role = self.store.node(role_id)
            if role is None or role.id == walker.arn:
                continue
            ev = self._eval(
                walker.arn,
                principal,
                "sts:AssumeRole",
                role.id,
                self.inputs.policy_set(walker.arn, role.id),
            )
            if ev.decision not in REACHABLE:
                continue
            hop = Hop(walker.arn, role.id, "can_assume", ev_refs(ev))
            path = (*walker.path, hop)
            self._record(
                out,
                role,
                Grant("sts:AssumeRole", "Write", ev, tuple(hop.granted_by.split(", "))),
                path,
            )
            found.append(_Walker(role.id, path, NO_LIMIT))
        return found

    def _escalate(
        self, walker: _Walker, principal: Principal, base: PolicySet, out: dict[str, Reached]
    ) -> list[_Walker]:
        found: list[_Walker] = []
        account = account_of(self.store, walker.arn) or ""
        for path in escalation_paths():
            if path.mode is EscalationMode.EXISTING:
                found += self._take_over(walker, principal, path, out)
                continue
            others = [a for a in path.actions if a != "iam:PassRole"]
            other_outcomes = [
                self._eval(
                    walker.arn, principal, a, _new_resource_pattern(a, account), base, pattern=True
                )
                for a in others
            ]
            if any(o.decision not in REACHABLE for o in other_outcomes):
                continue
            for role_id in sorted(self.inputs.roles_trusting_service(path.service or "", account)):
                role = self.store.node(role_id)
                if role is None or not self._trusts_service(role.id, path.service or ""):
                    continue
                passed = self._eval(
                    walker.arn,
                    principal,
                    "iam:PassRole",
                    role.id,
                    base,
                    context={"iam:PassedToService": path.service or ""},
                )
                if passed.decision not in REACHABLE:
                    continue
                outcome = _combine([passed, *other_outcomes])
                granted = f"{path.id} ({_refs([passed, *other_outcomes])})"
                hop = Hop(walker.arn, role.id, "can_pass_role_to", granted)
                hop_path = (*walker.path, hop)
                self._record(
                    out, role, Grant("iam:PassRole", "Write", outcome, (granted,)), hop_path
                )
                found.append(_Walker(role.id, hop_path, _limit_of(path)))
        return found

    def _take_over(
        self, walker: _Walker, principal: Principal, path: EscalationPath, out: dict[str, Reached]
    ) -> list[_Walker]:
        found = []
        for target in self.store.nodes(set(path.target_kinds)):
            roles = self.inputs.runs_as(target.id)
            if not roles:
                continue
            outcomes = [
                self._eval(
                    walker.arn,
                    principal,
                    a,
                    target.id,
                    self.inputs.policy_set(walker.arn, target.id),
                )
                for a in path.actions
            ]
            if any(o.decision not in REACHABLE for o in outcomes):
                continue
            granted = f"{path.id} ({_refs(outcomes)})"
            hop = Hop(walker.arn, target.id, "can_access", granted)
            outcome = _combine(outcomes)
            for a in path.actions:
                self._record(
                    out, target, Grant(a, _level(a), outcome, (granted,)), (*walker.path, hop)
                )
            for role in roles:
                role_node = self.store.node(role)
                if role_node is None:
                    continue
                run = Hop(target.id, role, "runs_as", f"{target.kind} role")
                found.append(_Walker(role, (*walker.path, hop, run), _limit_of(path)))
        return found

    def _access(
        self, walker: _Walker, principal: Principal, out: dict[str, Reached], nexts: list[_Walker]
    ) -> None:
        ctx = Context(principal_context(principal), assume_unknown=True)
        base = self.inputs.policy_set(walker.arn)
        iam_caller = principal.kind in _IDENTITY_CALLERS
        sides: dict[str, _IdentitySide] = {}
        for node in self._resource_nodes():
            if (
                self._only is not None
                and node.id not in self._only
                and node.kind not in PROXY_KINDS
            ):
                continue
            if walker.limit.resources is not None and node.id not in walker.limit.resources:
                continue
            if self.exhaustive:
                grants = self._grants_every_action(walker, principal, node)
            else:
                side = sides.get(node.kind)
                if side is None:
                    side = sides[node.kind] = _identity_side(base, node.kind, walker.limit)
                grants = self._grants_on(walker, principal, ctx, node, base, side, iam_caller, out)
            if not grants:
                continue
            for grant in grants:
                hop = Hop(walker.arn, node.id, "can_access", ", ".join(grant.granted_by))
                self._record(out, node, grant, (*walker.path, hop))
            if walker.limit is NO_LIMIT:
                nexts += self._proxies(walker, node, grants)

    def _grants_on(
        self,
        walker: _Walker,
        principal: Principal,
        ctx: Context,
        node: Node,
        base: PolicySet,
        side: _IdentitySide,
        iam_caller: bool,
        out: dict[str, Reached],
    ) -> list[Grant]:
        """Evaluate the candidate actions once per class of actions the same statements cover.

        Exact, because `evaluate` reads an action only through (a) which statements of each
        policy cover it, (b) the service refusal rules and (c) whether a resource policy is
        required; a class shares (a) by construction and (b), (c) are part of its key. Actions
        that no identity-side and no resource-side Allow statement covers cannot be granted to an
        IAM caller (every grant path needs one), so they are never evaluated.
        """
        res = self._resource_side(node)
        if iam_caller:
            candidates = side.allowed | {k: v for k, v in res.allowed.items() if k in side.actions}
        else:
            candidates = side.actions
        if not candidates:
            return []
        reached = out.get(node.id)
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
        decided: dict[tuple[object, ...], tuple[Outcome | None, tuple[str, ...]]] = {}
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
            sig = (ka.suffix, side.sig[low], res.sig(low), rules)
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

    def _grants_every_action(
        self, walker: _Walker, principal: Principal, node: Node
    ) -> list[Grant]:
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
                node.kind, account, policies, rcps, allowed
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

    def _proxies(self, walker: _Walker, node: Node, grants: list[Grant]) -> list[_Walker]:
        """AI applications that act for the caller with their own role."""
        names = {g.action.lower() for g in grants}
        found = []
        if node.kind == "knowledge_base" and names & {
            "bedrock:retrieve",
            "bedrock:retrieveandgenerate",
        }:
            sources = self._kb_sources(node.id)
            for role in self.inputs.runs_as(node.id):
                hop = Hop(
                    node.id,
                    role,
                    "runs_as",
                    "knowledge base role (retrieval on the caller's behalf)",
                )
                limit = Limit(
                    frozenset({"s3:getobject", "s3:listbucket", "aoss:apiaccessall"}),
                    frozenset(sources),
                    "reads only the knowledge base's sources",
                )
                found.append(
                    _Walker(
                        role,
                        (
                            *walker.path,
                            Hop(walker.arn, node.id, "can_access", "bedrock:Retrieve"),
                            hop,
                        ),
                        limit,
                    )
                )
        if node.kind in ("agent_alias", "agent") and "bedrock:invokeagent" in names:
            agent = (
                node.id
                if node.kind == "agent"
                else next((e.src for e in self.store.in_edges(node.id, {"has_alias"})), None)
            )
            if agent is not None:
                found += self._agent_proxies(walker, node, agent)
        return found

    def _agent_proxies(self, walker: _Walker, entry: Node, agent: str) -> list[_Walker]:
        via = Hop(walker.arn, entry.id, "can_access", "bedrock:InvokeAgent")
        found = []
        models = frozenset(e.dst for e in self.store.out_edges(agent, {"uses_model"}))
        for role in self.inputs.runs_as(agent):
            limit = Limit(
                frozenset({"bedrock:invokemodel", "bedrock:invokemodelwithresponsestream"}),
                models or None,
                "invokes only the agent's models",
            )
            found.append(
                _Walker(role, (*walker.path, via, Hop(agent, role, "runs_as", "agent role")), limit)
            )
        for kb in (e.dst for e in self.store.out_edges(agent, {"uses_knowledge_base"})):
            sources = self._kb_sources(kb)
            for role in self.inputs.runs_as(kb):
                limit = Limit(
                    frozenset({"s3:getobject", "s3:listbucket", "aoss:apiaccessall"}),
                    frozenset(sources),
                    "reads only the knowledge base's sources",
                )
                path = (
                    *walker.path,
                    via,
                    Hop(agent, kb, "uses_knowledge_base", "agent knowledge base"),
                    Hop(kb, role, "runs_as", "knowledge base role"),
                )
                found.append(_Walker(role, path, limit))
        for group in (e.dst for e in self.store.out_edges(agent, {"has_action_group"})):
            for fn in (e.dst for e in self.store.out_edges(group, {"invokes_function"})):
                for role in self.inputs.runs_as(fn):
                    path = (
                        *walker.path,
                        via,
                        Hop(agent, group, "has_action_group", "agent action group"),
                        Hop(group, fn, "invokes_function", "action group function"),
                        Hop(fn, role, "runs_as", "function role"),
                    )
                    limit = Limit(
                        note="what the function's code does with the caller's input is unknown"
                    )
                    found.append(_Walker(role, path, limit))
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


def _identity_side(base: PolicySet, kind: str, limit: Limit) -> _IdentitySide:
    ordered = actions_for_kind(kind)  # the limit's node filter is applied per node by the caller
    guards = [*base.boundary, *(p for level in base.scps for p in level)]
    if base.session is not None:
        guards.append(base.session)
    sig: dict[str, tuple[int, ...]] = {}
    allowed: dict[str, str] = {}
    actions: dict[str, str] = {}
    kept = []
    for ka in ordered:
        if limit.actions is not None and ka.action.lower() not in limit.actions:
            continue
        low = ka.action.lower()
        kept.append(ka)
        actions[low] = ka.action
        ident = [s for p in base.identity for s in p.for_action(low)]
        guard_ids = (id(s) for p in guards for s in p.for_action(low))
        sig[low] = (*(id(s) for s in ident), -1, *guard_ids)
        if any(s.allow for s in ident):
            allowed[low] = ka.action
    sensitive = frozenset(low for low, name in actions.items() if action_sensitive(name))
    return _IdentitySide(tuple(kept), sig, sensitive, allowed, actions)


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
    _sigs: dict[str, tuple[int, ...]] = field(default_factory=dict)

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


def ev_refs(outcome: Outcome) -> str:
    return ", ".join(getattr(outcome, "refs", ())) or "?"


def _refs(outcomes: list[Outcome]) -> str:
    return "; ".join(ev_refs(o) for o in outcomes)


def _combine(outcomes: list[Outcome]) -> Outcome:
    """All must hold: conditional if any is, with every open condition."""
    conds: list[ConditionRequirement] = []
    assumed: list[ConditionRequirement] = []
    for o in outcomes:
        conds += o.conditions
        assumed += o.assumptions
    decision = Decision.CONDITIONAL if conds else Decision.ALLOW
    return Outcome(decision, tuple(conds), tuple(assumed))


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


__all__ = ["Grant", "Hop", "KindAction", "Limit", "ReachEngine", "Reached"]
