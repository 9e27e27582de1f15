"""Resources that one evaluation answers for: the grouped form of a full blast radius.

An administrator's walk crosses thousands of identities, each of which may reach every bucket;
evaluated bucket by bucket that is identities x buckets evaluations. Most buckets cannot be told
apart by `evaluate`: their policies are the same text once their own ARN is taken out of the
Resource elements, they sit in the same account, and the same identity statements match them.
Such resources form a group: each identity on the walk evaluates one member of the group, the
representative, and the outcome holds for every member with the representative's ARN renamed.

A group is split as soon as an identity's statements tell its members apart (a Resource naming
one bucket), and dropped once saturated: every action held unconditionally with its paths
capped, when no later grant can change what `Reached.add` keeps. Each member still gets its own
paths and granting statements when the answer is built.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson

from graphscope.access.caller_context import Outcome
from graphscope.access.inputs import RESOURCE_POLICY
from graphscope.access.reach import _IDENTITY_CALLERS, ReachEngine, _principal
from graphscope.access.resource_actions import KIND_TARGETS, actions_for_kind
from graphscope.access.walk import (
    MAX_PATHS,
    NO_LIMIT,
    Grant,
    Hop,
    Moves,
    Reached,
    Walker,
    renamed_reqs,
)
from graphscope.arn import parse_arn
from graphscope.escalation import CREDENTIAL_KINDS
from graphscope.iam import ConditionRequirement, Context, Decision, PolicySet, principal_context
from graphscope.iam.evaluate import action_sensitive, resource_policy_required
from graphscope.iam.wildcard import Glob
from graphscope.model import Node

if TYPE_CHECKING:
    from graphscope.iam.principals import Principal

from graphscope.iam.principals import Via

# the targets of HopClasses (roles, users) are never grouped kinds (see _Walk._records)
assert not (CREDENTIAL_KINDS | {"role"}) & KIND_TARGETS.keys()

_SELF = "\x00self"  # stands for the resource's own ARN in a policy template
_RESOURCE_KEYS = ("Resource", "NotResource")


# --- what cannot tell two resources apart ----------------------------------------------------
@dataclass
class _Caller:
    """One walked identity as the policy engine sees it, shared by every kind it is evaluated on
    (`sides` caches its statements per kind; `decided`, the engine's decisions for it)."""

    walker: Walker
    principal: Principal
    ctx: Context
    base: PolicySet
    iam: bool  # an IAM identity (the same-/cross-account rules apply)
    sides: dict[str, Any] = field(default_factory=dict)
    decided: dict[tuple[object, ...], Any] = field(default_factory=dict)


def groupable_kinds() -> frozenset[str]:
    """Kinds whose actions `evaluate` reads only through their statements and the target ARN:
    no refusal rule or trust requirement reads the action itself (`action_sensitive`)."""
    return frozenset(
        k
        for k in KIND_TARGETS
        if not any(action_sensitive(ka.action) for ka in actions_for_kind(k))
    )


def _template(node: Node) -> bytes | None:
    """The resource policy's text with the resource's own ARN (as a whole Resource entry or
    the start of one, `arn/...`) replaced by a placeholder; None when its ARN or name still
    appears elsewhere (a condition naming it would make the outcome text differ)."""
    doc = node.props.get(RESOURCE_POLICY)
    if doc is None:
        return b""
    if not isinstance(doc, dict):
        return None
    stmts = doc.get("Statement")
    if isinstance(stmts, dict):
        stmts = [stmts]
    if not isinstance(stmts, list):
        return None
    arn = node.id

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            if value == arn or value.startswith(arn + "/"):
                return _SELF + value[len(arn) :]
            return value
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    out = []
    for st in stmts:
        if not isinstance(st, dict):
            return None
        out.append({k: (swap(v) if k in _RESOURCE_KEYS else v) for k, v in st.items()})
    text = orjson.dumps({**doc, "Statement": out}, option=orjson.OPT_SORT_KEYS)
    name = arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    if arn.encode() in text or (name and name.encode() in text):
        return None
    return text


def static_key(engine: ReachEngine, node: Node) -> Hashable | None:
    """Everything about the resource itself that `evaluate` reads, with its own ARN taken out;
    None when the resource must be evaluated on its own."""
    res = engine._resource_side(node)
    if node.kind in _prefixed() and res.prefix_denies():
        return None
    if res.account is None and (parse_arn(node.id) is None or parse_arn(node.id).account):
        return None  # without an account of its own, `evaluate` takes the caller's: alike
    template = _template(node)
    if template is None:
        return None
    suffixes = _kind_suffixes(node.kind)
    own = [st for p in res.policies for st in p.statements]
    rcp = [st for level in res.rcps for p in level for st in p.statements]
    vec: list[bool] = []
    for mine, stmts in ((True, own), (False, rcp)):
        for st in stmts:
            for rp in st.resources or ():
                if rp.any:
                    continue
                if rp.glob is None:
                    return None  # a policy variable: resolved per request
                if mine and (rp.text == node.id or rp.text.startswith(node.id + "/")):
                    continue  # templated: matches every member's own ARN alike
                vec += [rp.glob.match(node.id + s) for s in suffixes]
    rules = tuple(resource_policy_required("s3:GetObject", node.id + s) for s in suffixes)
    return (node.kind, res.account, template, tuple(vec), rules)


_PREFIXED_CACHE: list[frozenset[str]] = []


def _prefixed() -> frozenset[str]:
    if not _PREFIXED_CACHE:
        _PREFIXED_CACHE.append(
            frozenset(k for k, ts in KIND_TARGETS.items() if any(t.suffix for t in ts))
        )
    return _PREFIXED_CACHE[0]


@cache
def _kind_suffixes(kind: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ka.suffix for ka in actions_for_kind(kind)))


# --- renaming a representative's answer to a member's ----------------------------------------
class _Renamer:
    """Statement references to policy `old` (the representative's own policy) made to point at
    `new`; memoised per object, since one evaluation's grants share their outcomes."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        self._heads = (old + "#", old + "[")
        self._outcomes: dict[int, tuple[Outcome, Outcome]] = {}
        self._refs: dict[tuple[str, ...], tuple[str, ...]] = {}

    def text(self, s: str) -> str:
        return self.new + s[len(self.old) :] if s.startswith(self._heads) else s

    def named(self, s: str) -> bool:
        """Whether `text` changes the reference (it names a statement of policy `old`)."""
        return s.startswith(self._heads)

    def refs(self, refs: tuple[str, ...]) -> tuple[str, ...]:
        hit = self._refs.get(refs)
        if hit is None:
            hit = self._refs[refs] = tuple(self.text(s) for s in refs)
        return hit

    def _reqs(self, cs: tuple[ConditionRequirement, ...]) -> tuple[ConditionRequirement, ...]:
        return renamed_reqs(cs, self.old, self.new)

    def outcome(self, o: Outcome) -> Outcome:
        hit = self._outcomes.get(id(o))
        if hit is None or hit[0] is not o:
            new = o
            if self._mentions(o):
                conds, assumed = self._reqs(o.conditions), self._reqs(o.assumptions)
                refs = getattr(o, "refs", None)
                new = (
                    type(o)(o.decision, conds, assumed, self.refs(refs))  # type: ignore[call-arg]
                    if refs is not None
                    else Outcome(o.decision, conds, assumed)
                )
            hit = self._outcomes[id(o)] = (o, new)
        return hit[1]

    def _mentions(self, o: Outcome) -> bool:
        old = self.old
        return any(c.statement.policy == old for c in (*o.conditions, *o.assumptions)) or any(
            s.startswith(self._heads) for s in getattr(o, "refs", ())
        )

    def grant(self, g: Grant) -> Grant:
        outcome = self.outcome(g.outcome)
        refs = self.refs(g.granted_by)
        if outcome is g.outcome and refs == g.granted_by:
            return g
        return type(g)(g.action, g.access_level, outcome, refs)


# --- one group's state -----------------------------------------------------------------------
@dataclass(slots=True)
class _State:
    """What `Reached` would hold for the representative: grants in its terms, and each path as
    (hops before the last, the identity that holds the access, the granting references)."""

    rep: str
    grants: dict[str, Grant] = field(default_factory=dict)
    paths: list[tuple[tuple[Hop, ...], str, tuple[str, ...], str]] = field(default_factory=list)
    # the grants that name the representative's own policy (renamed per member), made on the
    # first `build` after a change: the others are every member's as they are
    _named: list[tuple[str, Grant]] | None = None

    def add(self, grant: Grant, prefix: tuple[Hop, ...], holder: str) -> None:
        """`Reached.add` for the path prefix + (holder -> representative, granted_by)."""
        self._named = None
        old = self.grants.get(grant.action)
        if old is None or (
            old.outcome.decision is Decision.CONDITIONAL
            and grant.outcome.decision is Decision.ALLOW
        ):
            self.grants[grant.action] = grant

        if len(self.paths) < MAX_PATHS:
            joined = ", ".join(grant.granted_by)
            if not any(p[0] == prefix and p[1] == holder and p[3] == joined for p in self.paths):
                self.paths.append((prefix, holder, grant.granted_by, joined))

    def renamed(self, new: str) -> _State:
        if new == self.rep:
            return _State(self.rep, dict(self.grants), list(self.paths))
        ren = _Renamer(self.rep, new)
        paths = []
        for prefix, holder, refs, _ in self.paths:
            r = ren.refs(refs)
            paths.append((prefix, holder, r, ", ".join(r)))
        return _State(new, {a: ren.grant(g) for a, g in self.grants.items()}, paths)

    def held(self, actions: Iterable[str]) -> bool:
        """Paths capped and every action held unconditionally: nothing more can change."""

        if len(self.paths) < MAX_PATHS:
            return False
        grants = self.grants
        return all(
            (g := grants.get(a)) is not None and g.outcome.decision is Decision.ALLOW
            for a in actions
        )

    def reached(self, node: Node) -> Reached:
        """The member's own `Reached`, built when first read (a report reads every one; a
        who-can or path query only its own): the representative's answer renamed to it."""
        return GroupReached(node, self)

    def build(self, node: Node) -> tuple[dict[str, Grant], list[tuple[Hop, ...]]]:

        if node.id == self.rep:
            grants = dict(self.grants)
            paths = [
                (*prefix, Hop(holder, node.id, "can_access", joined))
                for prefix, holder, _, joined in self.paths
            ]
            return grants, paths
        ren = _Renamer(self.rep, node.id)
        named = self._named
        if named is None:
            probe = _Renamer(self.rep, self.rep)
            named = self._named = [
                (a, g)
                for a, g in self.grants.items()
                if probe._mentions(g.outcome) or any(map(probe.named, g.granted_by))
            ]
        grants = dict(self.grants)  # a grant naming no policy of the rep's renames to itself
        for a, g in named:
            grants[a] = ren.grant(g)
        paths = [
            (*prefix, Hop(holder, node.id, "can_access", ", ".join(ren.refs(refs))))
            for prefix, holder, refs, _ in self.paths
        ]
        return grants, paths


class GroupReached(Reached):
    """`Reached` whose grants and paths are renamed from its group's state on first read."""

    def __init__(self, node: Node, state: _State) -> None:
        self.node = node
        self._state: _State | None = state
        self._built: tuple[dict[str, Grant], list[tuple[Hop, ...]]] | None = None

    def _get(self) -> tuple[dict[str, Grant], list[tuple[Hop, ...]]]:
        if self._built is None:
            assert self._state is not None
            self._built = self._state.build(self.node)
            self._state = None
        return self._built

    @property  # type: ignore[override]
    def grants(self) -> dict[str, Grant]:
        return self._get()[0]

    @property  # type: ignore[override]
    def paths(self) -> list[tuple[Hop, ...]]:
        return self._get()[1]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reached):
            return NotImplemented
        return (self.node, self.grants, self.paths) == (other.node, other.grants, other.paths)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Reached(node={self.node!r}, grants={self.grants!r}, paths={self.paths!r})"


@dataclass(slots=True)
class _Group:
    kind: str
    members: dict[str, Node]
    state: _State
    live: bool = True
    own_policy: bool = True  # False: no resource policy, so nothing names the members

    @property
    def rep(self) -> Node:
        return self.members[self.state.rep]


# --- the index of resources by what matches them ---------------------------------------------
@dataclass
class GroupIndex:
    """Static groups of resources, and which resources each Resource pattern matches."""

    kinds: frozenset[str]
    start: dict[Hashable, list[Node]]  # static key -> members, in visiting order
    loose: list[Node]  # resources evaluated on their own (no static key)
    by_kind: dict[str, list[str]] = field(default_factory=dict)  # sorted ids
    ids: dict[str, set[str]] = field(default_factory=dict)
    _matched: dict[tuple[str, str, str], frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, engine: ReachEngine) -> GroupIndex:
        kinds = groupable_kinds()
        start: dict[Hashable, list[Node]] = {}
        loose: list[Node] = []
        for node in engine._resource_nodes():
            key = static_key(engine, node) if node.kind in kinds else None
            if key is None:
                loose.append(node)
            else:
                start.setdefault(key, []).append(node)
        index = cls(kinds, start, loose)
        for members in start.values():
            for n in members:
                index.ids.setdefault(n.kind, set()).add(n.id)
        index.by_kind = {k: sorted(v) for k, v in index.ids.items()}
        return index

    def matched(self, text: str, glob: Glob, kind: str, suffix: str) -> frozenset[str]:
        """The grouped resources of a kind whose ARN + suffix the pattern matches (memoised:
        policies repeat their patterns). Candidates come from the pattern's literal head."""
        key = (text, kind, suffix)
        hit = self._matched.get(key)
        if hit is None:
            head = text
            for ch in "*?$":
                cut = head.find(ch)
                if cut >= 0:
                    head = head[:cut]
            ids = self.by_kind.get(kind, [])
            idset = self.ids.get(kind, set())
            found = set()
            # the target id + suffix starts with the head: id starts with it, or id is a
            # prefix of the head ending where the suffix starts
            for k in range(max(0, len(head) - len(suffix)), len(head)):
                if head[:k] in idset and glob.match(head[:k] + suffix):
                    found.add(head[:k])
            i = bisect_left(ids, head)
            while i < len(ids) and ids[i].startswith(head):
                if glob.match(ids[i] + suffix):
                    found.add(ids[i])
                i += 1
            hit = self._matched[key] = frozenset(found)
        return hit


# --- the grouped walk ------------------------------------------------------------------------
class _Walk:
    """One reach query over the groups: splits, evaluations and the final per-member answer."""

    def __init__(self, engine: ReachEngine, index: GroupIndex) -> None:
        self.engine = engine
        self.index = index
        self.out: dict[str, Reached] = {}
        self.group_of: dict[str, _Group] = {}
        self.groups: list[_Group] = []
        self.live: dict[str, list[_Group]] = {}
        self.loose: list[Node] = list(index.loose)
        self._complement: dict[tuple[str, str, str], frozenset[str]] = {}
        self.held: dict[str, set[str]] = {}  # see ReachEngine.record_classes
        for members in index.start.values():
            g = _Group(members[0].kind, {n.id: n for n in members}, _State(members[0].id))
            g.own_policy = any(n.props.get(RESOURCE_POLICY) is not None for n in members)
            self._add_group(g)
        self._actions = {k: tuple(ka.action for ka in actions_for_kind(k)) for k in self.live}

    def _add_group(self, g: _Group) -> None:
        self.groups.append(g)
        self.live.setdefault(g.kind, []).append(g)
        for i in g.members:
            self.group_of[i] = g

    def split(self, g: _Group, ids: list[str]) -> _Group:
        """Move `ids` (members of g, not all of them) into a group of their own."""
        moved = {i: g.members.pop(i) for i in ids}
        rep = g.state.rep if g.state.rep in moved else ids[0]
        ng = _Group(g.kind, moved, g.state.renamed(rep), g.live, g.own_policy)
        if g.state.rep in moved:
            g.state = g.state.renamed(next(iter(g.members)))
        self.groups.append(ng)
        if ng.live:
            self.live[g.kind].append(ng)
        for i in moved:
            self.group_of[i] = ng
        return ng

    def isolate(self, node_id: str) -> _Group:
        g = self.group_of[node_id]
        return g if len(g.members) == 1 else self.split(g, [node_id])

    def detach(self, node: Node) -> None:
        """Take a resource out of grouping for the rest of the query (its Reached so far is
        exact); records that are not plain access grants then go through `Reached` itself."""
        g = self.isolate(node.id)
        del self.group_of[node.id]
        g.live = False
        g.members.clear()
        if g.state.grants:
            self.out[node.id] = g.state.reached(node)
        self.loose.append(node)

    def _records(self, walker: Walker) -> None:
        """The grants the identity's own hops prove (take-overs of compute ...), in the order a
        plain walk records them. On a grouped resource without a resource policy, a record of
        the access shape (one can_access hop from the identity, granted_by its text) names no
        member, so the members whose records are equal share them: split by that."""
        engine = self.engine
        sections = engine.own_hops(walker.arn)
        carried = [
            [(n, walker.carry(g), rel) for n, g, rel in section.records]
            if isinstance(section, Moves)
            else None
            for section in sections
        ]
        for records in carried:  # first: what cannot be shared leaves its group
            for node, grant, rel in records or ():
                g = self.group_of.get(node.id)
                if g is not None and (
                    g.own_policy or not _access_shaped(walker.arn, node.id, grant, rel)
                ):
                    self.detach(node)
        pending: dict[int, tuple[_Group, dict[str, list[Grant]]]] = {}
        for section, records in zip(sections, carried, strict=True):
            if records is None:  # roles and users: never grouped kinds; in walk order
                engine.record_classes(walker, section, self.out, None, self.held)  # type: ignore[arg-type]
                continue
            for node, grant, rel in records:
                g = self.group_of.get(node.id)
                if g is not None:
                    pending.setdefault(id(g), (g, {}))[1].setdefault(node.id, []).append(grant)
                elif not _no_op(self.out.get(node.id), grant):
                    engine._record(self.out, node, grant, (*walker.path, *rel))
        for g, recs in pending.values():
            by: dict[tuple[Grant, ...], list[str]] = {}
            for i in g.members:
                by.setdefault(tuple(recs.get(i, ())), []).append(i)
            parts = list(by.items())
            for key, ids in parts[1:]:
                self._apply(self.split(g, ids), key, walker)
            self._apply(g, parts[0][0], walker)

    @staticmethod
    def _apply(g: _Group, grants: tuple[Grant, ...], walker: Walker) -> None:
        for grant in grants:
            g.state.add(grant, walker.path, walker.arn)

    def step(self, walker: Walker) -> None:
        """Evaluate one walked identity on every live group, splitting groups it tells apart."""
        engine = self.engine
        for c in walker.carried:
            # a carried condition in a member's own policy must not be renamed with the
            # representative's answer: that member is answered on its own
            if c.statement.policy in self.group_of:
                self.isolate(c.statement.policy)
        if walker.limit is NO_LIMIT:
            self._records(walker)
        engine.record_access(walker, self.out, self.loose)
        principal = _principal(walker.arn)
        ctx = Context(principal_context(principal), assume_unknown=True)
        base = engine.inputs.policy_set(walker.arn)
        caller = _Caller(
            walker,
            principal,
            ctx,
            base,
            principal.kind in _IDENTITY_CALLERS,
            decided=engine._decisions(walker.arn),
        )
        for kind, glist in self.live.items():
            glist[:] = [g for g in glist if g.live]
            if not glist:
                continue
            self._kind_step(caller, kind, glist)

    def _kind_step(self, caller: _Caller, kind: str, glist: list[_Group]) -> None:
        """One identity on every live group of a kind: split what it tells apart, then
        evaluate each group's representative once."""
        engine = self.engine
        walker, principal, base, iam_caller = (
            caller.walker,
            caller.principal,
            caller.base,
            caller.iam,
        )
        sides = caller.sides
        side = sides.get(kind)
        if side is None:
            side = sides[kind] = engine._side(walker.arn, base, kind, walker.limit)
        if not side.actions:
            return
        limit = walker.limit
        if limit.resources is not None:
            todo = []
            for r in limit.resources:
                g = self.group_of.get(r)
                if g is not None and g.kind == kind and g.live:
                    todo.append(self.isolate(r))
        else:
            if self._per_node(walker, kind, side, base):
                self._split_by_outcome(caller, glist)
            else:
                self._split_by_patterns(kind, side)
            todo = [g for g in self.live[kind] if g.live]
        actions = self._actions[kind]
        for g in todo:
            state = g.state
            if len(state.paths) >= _max_paths():
                res = engine._resource_side(g.rep)
                if not iam_caller:
                    cands = list(side.actions.values())
                elif res.account in (None, principal.account, "aws"):
                    cands = [
                        *side.allowed.values(),
                        *(v for k, v in res.allowed.items() if k in side.actions),
                    ]
                else:  # cross-account: both the identity and the resource policy must allow
                    cands = [v for k, v in side.allowed.items() if k in res.allowed]
                if state.held(cands):
                    continue
            if iam_caller and _shut_out(engine._resource_side(g.rep), principal):
                continue
            grants = engine._node_grants(
                walker, principal, caller.ctx, base, g.rep, sides, iam_caller, None, caller.decided
            )
            for grant in grants:
                state.add(walker.carry(grant), walker.path, walker.arn)
            if state.held(actions):
                g.live = False

    def _per_node(self, walker: Walker, kind: str, side: Any, base: PolicySet) -> bool:
        """Whether this identity's statements must be matched resource by resource: a policy
        variable in a Resource, or a Deny on part of the objects (`_partly_denied`)."""
        for stmts in side.stmts.values():
            for st in stmts:
                for rp in st.resources or ():
                    if not rp.any and rp.glob is None:
                        return True
        if kind in _prefixed():
            g = self.live[kind][0]
            self.engine._own_prefix_denies(walker.arn, base, g.rep)
            if self.engine._deny_stmts.get(walker.arn):
                return True
        return False

    def _split_by_patterns(self, kind: str, side: Any) -> None:
        """Split groups whose members this identity's Resource patterns match differently."""
        seen: dict[str, Glob] = {}
        for stmts in side.stmts.values():
            for st in stmts:
                for rp in st.resources or ():
                    if not rp.any and rp.glob is not None:
                        seen.setdefault(rp.text, rp.glob)
        if not seen:
            return
        index = self.index
        total = len(index.by_kind.get(kind, ()))
        bits: dict[str, int] = {}
        bit = 1
        for text, glob in seen.items():
            for suffix in _kind_suffixes(kind):
                hit = index.matched(text, glob, kind, suffix)
                if len(hit) * 2 > total:
                    key = (text, kind, suffix)
                    comp = self._complement.get(key)
                    if comp is None:
                        comp = self._complement[key] = frozenset(index.ids[kind] - hit)
                    hit = comp
                for i in hit:
                    bits[i] = bits.get(i, 0) | bit
                bit <<= 1
        by_group: dict[int, tuple[_Group, dict[int, list[str]]]] = {}
        for i, b in bits.items():
            g = self.group_of.get(i)
            if g is None or not g.live:
                continue
            by_group.setdefault(id(g), (g, {}))[1].setdefault(b, []).append(i)
        for g, subs in by_group.values():
            parts = list(subs.values())
            if sum(len(p) for p in parts) == len(g.members):
                parts = parts[1:]  # every member is special: the first part keeps the group
            for ids in parts:
                self.split(g, ids)

    def _split_by_outcome(self, c: _Caller, glist: list[_Group]) -> None:
        """Split each group by what each member gets, evaluated on its own (the exact, slow
        way, for identities whose statements cannot be matched by pattern alone)."""
        engine = self.engine
        for g in list(glist):
            if not g.live or len(g.members) == 1:
                continue
            rep = g.state.rep
            by: dict[tuple[Grant, ...], list[str]] = {}
            for i, node in g.members.items():
                grants = engine._node_grants(
                    c.walker, c.principal, c.ctx, c.base, node, c.sides, c.iam, None, {}
                )
                ren = _Renamer(i, rep)
                by.setdefault(tuple(ren.grant(x) for x in grants), []).append(i)
            parts = [ids for ids in by.values() if rep not in ids]
            for ids in parts:
                self.split(g, ids)

    def answer(self, subject: str) -> dict[str, Reached]:
        out = self.out
        for g in self.groups:
            if not g.state.grants:
                continue
            for node in g.members.values():
                out[node.id] = g.state.reached(node)
        out.pop(subject, None)
        return out


def _no_op(reached: Reached | None, grant: Grant) -> bool:
    """Whether `Reached.add` would leave `reached` as it is: paths capped, and the action
    already held, unconditionally or no better now (skips building the path)."""
    if reached is None or len(reached.paths) < _max_paths():
        return False
    old = reached.grants.get(grant.action)
    return old is not None and (
        old.outcome.decision is not Decision.CONDITIONAL
        or grant.outcome.decision is not Decision.ALLOW
    )


def _shut_out(res: Any, principal: Principal) -> bool:
    """Exact: an IAM caller from another account gets nothing unless a resource-policy Allow
    may name it (`evaluate`: cross-account needs the resource side), so nothing is evaluated."""
    account = res.account
    if account is None or account == principal.account or account == "aws":
        return False
    return not any(
        st.allow
        and st.principal is not None
        and (st.not_principal or st.principal.match(principal, sessions_free=True) is not Via.NONE)
        for p in res.policies
        for st in p.statements
    )


def _access_shaped(holder: str, node: str, grant: Grant, rel: tuple[Hop, ...]) -> bool:
    """Whether a record's path is the one `_State` rebuilds: holder -> node, can_access."""
    if len(rel) != 1:
        return False
    hop = rel[0]
    return (
        hop.src == holder
        and hop.dst == node
        and hop.edge == "can_access"
        and hop.granted_by == ", ".join(grant.granted_by)
    )


def _max_paths() -> int:

    return MAX_PATHS


def grouped_reach(engine: ReachEngine, subject: str, index: GroupIndex) -> dict[str, Reached]:
    """`ReachEngine.reach(subject)` over resource groups: the same answer, evaluated once per
    group and identity instead of once per resource and identity."""
    walk = _Walk(engine, index)
    for walker in engine._walking(subject, None):
        walk.step(walker)
    return walk.answer(subject)
