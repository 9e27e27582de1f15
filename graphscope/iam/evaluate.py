"""AWS's policy evaluation logic: one request against a compiled policy set, explained.

Three-valued: a statement applies (T), does not (F), or applies only if conditions on unknown
keys hold (U). The result is Allow, ImplicitDeny, ExplicitDeny, or Conditional with the exact
conditions that must / must not hold, and the statements that decided.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graphscope.arn import parse_arn
from graphscope.iam.conditions import Clause, F, T, U
from graphscope.iam.context import Context
from graphscope.iam.policy import (
    CompiledPolicy,
    PolicyKind,
    ResourcePattern,
    Statement,
    StatementRef,
)
from graphscope.iam.principals import Principal, PrincipalKind, Via, principal_context
from graphscope.iam.service_rules import may_refuse, refusal
from graphscope.iam.variables import Unresolved, resolve
from graphscope.iam.wildcard import Glob, compile_glob, compile_pieces, glob_covers, globs_intersect

_IAM_PRINCIPALS = (
    PrincipalKind.USER,
    PrincipalKind.ROLE,
    PrincipalKind.SESSION,
    PrincipalKind.FEDERATED_USER,
    PrincipalKind.ROOT,
)
# Actions whose resource policy (the role's trust policy) must always allow.
_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithwebidentity",
        "sts:assumerolewithsaml",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


class Decision(enum.Enum):
    ALLOW = "Allow"
    IMPLICIT_DENY = "ImplicitDeny"
    EXPLICIT_DENY = "ExplicitDeny"
    CONDITIONAL = "Conditional"

    def __str__(self) -> str:
        return self.value


class Polarity(enum.Enum):
    MUST_HOLD = "must hold"  # from an Allow statement: allowed only if it holds
    MUST_NOT_HOLD = "must not hold"  # from a Deny statement: denied if it holds


@dataclass(frozen=True, slots=True)
class ConditionRequirement:
    """A condition the decision hangs on. Requirements from one statement form a conjunction."""

    polarity: Polarity
    statement: StatementRef
    operator: str
    key: str
    values: tuple[str, ...]
    text: str

    def __str__(self) -> str:
        return f"{self.polarity.value}: {self.text} ({self.statement})"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The decision and why: granting and denying statements, open conditions, a reason."""

    decision: Decision
    allowed_by: tuple[StatementRef, ...] = ()
    denied_by: tuple[StatementRef, ...] = ()
    conditions: tuple[ConditionRequirement, ...] = ()
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW

    @property
    def granted_by(self) -> tuple[StatementRef, ...]:
        """The identity / resource statements that grant; `allowed_by` adds the guardrails
        (boundary, session, SCP, endpoint) whose Allow was also needed."""
        return tuple(
            r for r in self.allowed_by if r.kind in (PolicyKind.IDENTITY, PolicyKind.RESOURCE)
        )


@dataclass(frozen=True, slots=True)
class Request:
    """One authorization question. `assume_unknown`: every key absent from `context` is unknown.

    `unknown_keys` are unknown even if present in `context` (then only their value is unknown).
    `resource_is_pattern`: the resource is a wildcard standing for a set of resources.
    `resource_policy_required`: None infers it (trust policies, KMS key policies).
    `derive_principal_keys`: fill aws:PrincipalArn, aws:username... from the principal (keys
    given in `context` win); off by default so that a request states exactly what it knows.
    `context` may also be a prebuilt Context, shared by many requests (it then carries the
    unknown keys and mode itself, and the two fields above are ignored).
    """

    principal: Principal
    action: str
    resource: str
    resource_account: str | None = None
    context: Mapping[str, str | Iterable[str]] = field(default_factory=dict)
    unknown_keys: frozenset[str] = frozenset()
    assume_unknown: bool = False
    resource_is_pattern: bool = False
    resource_policy_required: bool | None = None
    derive_principal_keys: bool = False
    _ctx: Context = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.context, Context):  # prebuilt and shared across requests: used as is
            object.__setattr__(self, "_ctx", self.context)
            return
        values = self.context
        if self.derive_principal_keys:
            values = {**principal_context(self.principal), **values}
        object.__setattr__(self, "_ctx", Context(values, self.unknown_keys, self.assume_unknown))


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Everything that applies to a request. `scps`/`rcps`: one tuple per org level."""

    identity: tuple[CompiledPolicy, ...] = ()
    resource: tuple[CompiledPolicy, ...] = ()
    boundary: tuple[CompiledPolicy, ...] = ()  # empty: no permissions boundary
    session: CompiledPolicy | None = None
    scps: tuple[tuple[CompiledPolicy, ...], ...] = ()  # empty: no Organizations
    rcps: tuple[tuple[CompiledPolicy, ...], ...] = ()
    endpoints: tuple[CompiledPolicy, ...] = ()
    management_account: str | None = None  # SCPs/RCPs never apply to it


# ---- a tri-state value carrying the statements and open conditions behind it ----


@dataclass(slots=True)
class _Part:
    state: int
    refs: list[StatementRef]
    open: list[tuple[StatementRef, Clause | str]]


_TRUE = _Part(T, [], [])
_FALSE = _Part(F, [], [])


def _and(*parts: _Part) -> _Part:
    """Three-valued AND: every part must hold; explanations and open conditions accumulate."""
    state = T
    for part in parts:
        if part.state == F:
            return _FALSE
        if part.state == U:
            state = U
    live = [part for part in parts if part is not _TRUE]
    if not live:
        return _TRUE
    if len(live) == 1:
        return live[0]
    refs: list[StatementRef] = []
    open_: list[tuple[StatementRef, Clause | str]] = []
    for part in live:
        refs.extend(part.refs)
        open_.extend(part.open)
    return _Part(state, refs, open_)


def _or(*parts: _Part) -> _Part:
    """Three-valued OR: one definite grant suffices; open alternatives are all reported."""
    for part in parts:
        if part.state == T:
            return part
    maybe = [part for part in parts if part.state == U]
    if not maybe:
        return _FALSE
    if len(maybe) == 1:
        return maybe[0]
    refs: list[StatementRef] = []
    open_: list[tuple[StatementRef, Clause | str]] = []
    for part in maybe:
        refs.extend(part.refs)
        open_.extend(part.open)
    return _Part(U, refs, open_)


class _Evaluator:
    """Per-request state: the context, resource matching mode, collected denies."""

    __slots__ = (
        "ctx",
        "denied",
        "deny_open",
        "glob_cache",
        "principal",
        "req",
        "resource",
        "sessions_free",
    )

    def __init__(self, req: Request) -> None:
        self.req = req
        self.ctx = req._ctx
        self.principal = req.principal
        self.resource = req.resource
        self.sessions_free = req.assume_unknown
        self.denied: list[StatementRef] = []
        self.deny_open: list[tuple[StatementRef, list[Clause | str]]] = []
        self.glob_cache: Glob | None = None

    # -- resources --
    def _req_glob(self) -> Glob:
        if self.glob_cache is None:
            self.glob_cache = compile_glob(self.resource)
        return self.glob_cache

    def _pattern_glob(self, rp: ResourcePattern, open_: list[Clause | str]) -> Glob | int:
        if rp.template is None:
            assert rp.glob is not None
            return rp.glob
        pieces = resolve(rp.template, self.ctx.get)
        if isinstance(pieces, Unresolved):
            if pieces.unknown:
                open_.append(f'Resource "{rp.text}" with ${{{pieces.key}}} resolved')
                return U
            return F
        return compile_pieces(pieces)

    def resource_state(self, st: Statement, open_: list[Clause | str]) -> int:
        if st.resources is None:
            return T
        pattern_req = self.req.resource_is_pattern
        # For a wildcard request, an Allow applies if it may cover some of the resources, a
        # Deny only if it surely covers all of them.
        certain = pattern_req and not st.allow
        best = F
        notes: list[Clause | str] = []  # kept only if the outcome hangs on them
        for rp in st.resources:
            if rp.any:
                r = T
            else:
                g = self._pattern_glob(rp, notes)
                if isinstance(g, int):
                    r = g
                elif not pattern_req:
                    r = T if g.match(self.resource) else F
                elif st.not_resource:
                    # NotResource: "matched" means the set is covered (Allow) / touched (Deny)
                    r = (
                        T
                        if (
                            globs_intersect(g, self._req_glob())
                            if certain
                            else glob_covers(g, self._req_glob())
                        )
                        else F
                    )
                else:
                    r = (
                        T
                        if (
                            glob_covers(g, self._req_glob())
                            if certain
                            else globs_intersect(g, self._req_glob())
                        )
                        else F
                    )
            if r > best:
                best = r
                if best == T:
                    break
        if best == U:
            open_.extend(notes)
        return (T - best) if st.not_resource else best

    # -- one statement --
    def statement(
        self, st: Statement, check_principal: bool
    ) -> tuple[int, Via, list[Clause | str]]:
        """(state, how the principal matched, open conditions) for a statement."""
        via = Via.DIRECT
        if check_principal:
            spec = st.principal
            if spec is None:
                if st.ref.kind is PolicyKind.RESOURCE:
                    return F, Via.NONE, []  # a resource policy statement without Principal
            else:
                via = spec.match(
                    self.principal,
                    sessions_free=self.sessions_free and st.allow,
                    negated=st.not_principal,
                )
                if st.not_principal:
                    via = Via.DIRECT if via is Via.NONE else Via.NONE
                if via is Via.NONE:
                    return F, via, []
        open_: list[Clause | str] = []
        state = self.resource_state(st, open_)
        if state == F:
            return F, via, []
        for clause in st.conditions:
            r = clause.evaluate(self.ctx)
            if r == F:
                return F, via, []
            if r == U:
                state = U
                open_.append(clause)
        return state, via, open_

    # -- a group of policies --
    def scan(
        self, policies: Iterable[CompiledPolicy], action: str, check_principal: bool
    ) -> dict[Via, _Part]:
        """Record denies; return the allow part per principal-match kind."""
        allows: dict[Via, _Part] = {}
        for pol in policies:
            for st in pol.for_action(action):
                state, via, open_ = self.statement(st, check_principal)
                if state == F:
                    continue
                if not st.allow:
                    if state == T:
                        self.denied.append(st.ref)
                    else:
                        self.deny_open.append((st.ref, open_))
                    continue
                cur = allows.get(via)
                if cur is not None and cur.state == T:
                    continue  # this kind of grant is already definite
                part = _Part(state, [st.ref], [(st.ref, c) for c in open_] if open_ else [])
                allows[via] = part if cur is None else _or(cur, part)
        return allows


def _any(allows: dict[Via, _Part], *vias: Via) -> _Part:
    parts = [allows[v] for v in vias if v in allows]
    return _or(*parts) if parts else _FALSE


def _all_vias(allows: dict[Via, _Part]) -> _Part:
    return _or(*allows.values()) if allows else _FALSE


def _requirement(polarity: Polarity, ref: StatementRef, item: Clause | str) -> ConditionRequirement:
    if isinstance(item, str):
        return ConditionRequirement(polarity, ref, "Resource", "", (), item)
    return ConditionRequirement(
        polarity, ref, item.operator, item.key_text, tuple(v.text for v in item.values), item.text
    )


def _resource_policy_required(req: Request) -> bool:
    if req.resource_policy_required is not None:
        return req.resource_policy_required
    return resource_policy_required(req.action, req.resource)


def action_sensitive(action: str) -> bool:
    """Whether `evaluate` reads the action beyond the statements covering it: refusal rules or
    a trust policy's requirement. For other actions those depend on the resource alone."""
    return (
        action.lower() in _TRUST_ACTIONS
        or may_refuse(action)
        or action.lower() == "sts:getcalleridentity"
    )


def resource_policy_required(action: str, resource: str) -> bool:
    """Whether AWS requires the resource policy itself to allow (trust policies, KMS keys)."""
    if action.lower() in _TRUST_ACTIONS and ":role/" in resource:
        return True
    return (
        resource.startswith("arn:")
        and resource.split(":", 6)[2:3] == ["kms"]
        and ":key/" in resource
    )


def evaluate(req: Request, policies: PolicySet) -> Evaluation:
    """Decide `req` against `policies` with AWS's documented evaluation logic."""
    action = req.action.lower()
    if action == "sts:getcalleridentity":
        return Evaluation(
            Decision.ALLOW, reason="sts:GetCallerIdentity needs no permission and cannot be denied"
        )
    p = req.principal
    ev = _Evaluator(req)
    kind = p.kind
    res_account = req.resource_account
    if res_account is None:
        arn = parse_arn(req.resource)
        res_account = (arn.account if arn else None) or p.account
    iam_principal = kind in _IAM_PRINCIPALS

    # Organizations: SCPs bind the caller's account, RCPs the resource's account.
    scp_applies = (
        bool(policies.scps)
        and iam_principal
        and not p.is_service_linked_role
        and not (policies.management_account and p.account == policies.management_account)
    )
    rcp_applies = (
        bool(policies.rcps)
        and not (policies.management_account and res_account == policies.management_account)
        and not p.is_service_linked_role
    )

    scp_ok = _TRUE
    if scp_applies:
        levels = [_all_vias(ev.scan(level, action, False)) for level in policies.scps]
        scp_ok = _and(*levels) if levels else _TRUE
    if rcp_applies:
        for level in policies.rcps:
            # RCPFullAWSAccess is always attached: only an RCP's Deny statements restrict.
            ev.scan(level, action, True)
    ep_ok = _TRUE
    if policies.endpoints:
        ep_ok = _and(*[_all_vias(ev.scan((pol,), action, True)) for pol in policies.endpoints])

    has_identity = kind in (
        PrincipalKind.USER,
        PrincipalKind.ROLE,
        PrincipalKind.SESSION,
        PrincipalKind.FEDERATED_USER,
    )
    identity = _all_vias(ev.scan(policies.identity, action, False)) if has_identity else _FALSE
    if kind is PrincipalKind.ROOT:
        identity = _TRUE  # the root user has full access in its own account
    boundary = _TRUE
    if policies.boundary and has_identity:
        boundary = _all_vias(ev.scan(policies.boundary, action, False))
    session = _TRUE
    if policies.session is not None:
        session = _all_vias(ev.scan((policies.session,), action, False))
    elif kind is PrincipalKind.FEDERATED_USER:
        session = _FALSE  # a GetFederationToken session without a session policy has no permissions
    rp = ev.scan(policies.resource, action, True)

    if ev.denied:
        return Evaluation(
            Decision.EXPLICIT_DENY, denied_by=tuple(ev.denied), reason="an explicit Deny applies"
        )
    why_not = refusal(req.action, req.resource)
    if why_not:
        return Evaluation(Decision.IMPLICIT_DENY, reason=why_not)

    required = _resource_policy_required(req)
    direct = _any(rp, Via.DIRECT)
    via_role = _any(rp, Via.ROLE)
    via_account = _any(rp, Via.ACCOUNT)
    if not iam_principal:
        grant = direct  # services, providers, anonymous: only a resource policy can grant
        reason_no = "no resource-based policy allows this caller"
    elif res_account == p.account or res_account == "aws":
        identity_path = _and(identity, boundary, session)
        if required:
            identity_path = _and(via_account, identity_path)
        # A grant naming the user or the session itself is not limited by an implicit deny in
        # identity policies, the boundary or the session policy; naming the role is (AWS IAM
        # User Guide, "Policy evaluation logic", resource-based policies, same account).
        grant = _or(identity_path, direct, _and(via_role, boundary, session))
        reason_no = (
            "the resource policy (trust / key policy) does not allow this caller"
            if required
            else "no identity-based or resource-based policy allows it"
        )
        if grant.state == F and identity.state != F:
            if boundary.state == F:
                reason_no = "the permissions boundary does not allow it"
            elif session.state == F:
                reason_no = "the session policy does not allow it"
    else:
        resource_side = _or(direct, via_role, via_account)
        grant = _and(identity, boundary, session, resource_side)
        reason_no = "cross-account: both an identity-based and the resource-based policy must allow"
        if identity.state != F and resource_side.state == F:
            reason_no = "cross-account: the resource-based policy does not allow this caller"
        elif boundary.state == F:
            reason_no = "the permissions boundary does not allow it"
        elif session.state == F:
            reason_no = "the session policy does not allow it"
    if scp_ok.state == F:
        reason_no = "a service control policy level allows nothing that matches"
    elif ep_ok.state == F:
        reason_no = "a VPC endpoint policy does not allow it"
    grant = _and(grant, scp_ok, ep_ok)

    if grant.state == F:
        return Evaluation(Decision.IMPLICIT_DENY, reason=reason_no)
    refs = tuple(dict.fromkeys(grant.refs))
    if grant.state == T and not ev.deny_open:
        return Evaluation(Decision.ALLOW, allowed_by=refs, reason="allowed")
    conds = [_requirement(Polarity.MUST_HOLD, ref, c) for ref, c in grant.open]
    for ref, items in ev.deny_open:
        conds.extend(_requirement(Polarity.MUST_NOT_HOLD, ref, c) for c in items)
    return Evaluation(
        Decision.CONDITIONAL,
        allowed_by=refs,
        denied_by=tuple(ref for ref, _ in ev.deny_open),
        conditions=tuple(dict.fromkeys(conds)),
        reason="allowed only if the listed conditions hold as required",
    )
