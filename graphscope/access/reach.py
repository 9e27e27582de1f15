"""The potential blast radius of one principal, derived lazily from the graph and the IAM engine.

Nothing is materialised as a principal x resource matrix: a query walks from its subject through
the identities it can become (role assumption, iam:PassRole into compute and AI services, AI
applications acting for it), and evaluates only that walk. Every hop keeps the statement that
grants it; conditional grants stay conditional with their condition text.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import orjson

from graphscope.access.caller_context import Outcome, as_caller
from graphscope.access.inputs import TRUST_POLICY, AccessInputs, account_of
from graphscope.access.resource_actions import KIND_TARGETS, KindAction, actions_for_kind
from graphscope.access.walk import (
    MAX_PATHS,
    NO_LIMIT,
    Explained,
    Grant,
    Hop,
    HopClass,
    HopClasses,
    Limit,
    Move,
    Moves,
    Reached,
    Section,
    Walker,
    ev_refs,
    renamed,
)
from graphscope.access.who import HopReach, Settling
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
from graphscope.iam.policy import Statement
from graphscope.iam.principals import Principal, Via
from graphscope.iam.wildcard import compile_glob, globs_intersect
from graphscope.model import Node

if TYPE_CHECKING:  # groups.py builds on this module: imported where used
    from graphscope.access.groups import GroupIndex

REACHABLE = (Decision.ALLOW, Decision.CONDITIONAL)
_MAX_SIDES = 40_000  # identity sides kept (`ReachEngine._side`): a few KB each
MAX_DEPTH = 8  # identity hops
PROXY_KINDS = frozenset({"knowledge_base", "agent", "agent_alias"})


# what proxy discovery evaluates: the actions that make an AI application act for the caller
_ENTRY_ONLY = Limit(
    frozenset({"bedrock:retrieve", "bedrock:retrieveandgenerate", "bedrock:invokeagent"})
)


class ReachEngine:
    """Answers reach queries over one graph; caches compiled policies and trust evaluations."""

    def __init__(
        self,
        inputs: AccessInputs,
        *,
        exhaustive: bool = False,
        grouped: bool = True,
        shared_hops: bool = True,
    ) -> None:
        """`exhaustive`: evaluate every action on every resource on its own (the slow reference
        the optimised walk is tested against). `grouped`: a full reach evaluates resources that
        cannot be told apart once per group (access.groups); False walks them one by one.
        `shared_hops`: role assumption, pass-role and user take-over hops are kept per class
        of targets evaluated alike and walked with set operations (`HopClasses`), and AI
        applications alike share their entry evaluation; False: one move per target, each
        evaluated on its own (the reference the shared walk is tested against)."""
        self.inputs = inputs
        self.exhaustive = exhaustive
        self.grouped = grouped and not exhaustive
        self.shared_hops = shared_hops and not exhaustive
        self._own_cache: dict[str, tuple[Section, ...]] = {}
        self._buckets_of: dict[tuple[object, ...], _Buckets] = {}  # see `_buckets`
        self._kind_index: dict[tuple[str, ...], dict[str, int]] = {}
        self._kind_maps: dict[tuple[str, ...], dict[str, Node]] = {}
        self._trust_classes: dict[str, object] = {}
        self._tails: dict[str, tuple[tuple[tuple[Hop, ...], str, Limit], ...]] = {}
        self._nowhere: dict[tuple[str, ...], bool] = {}
        self._proxy_keys: dict[str, object] = {}
        self._rules: dict[tuple[str, str], object] = {}
        self._entry_rp: bool | None = None
        self._parts: dict[str, dict[object, frozenset[str]]] = {}
        self._group_index: GroupIndex | None = None
        self._res_sides: dict[str, _ResourceSide] = {}
        self._rcps: dict[str | None, tuple[tuple[CompiledPolicy, ...], ...]] = {}
        self.store = inputs.store
        self._service_trust: dict[tuple[str, str], bool] = {}
        self._targets: list[Node] | None = None
        self._order: dict[str, int] | None = None
        self._moves: dict[str, Moves] = {}
        # (id(section), arn) -> (section, its members in walk order): see `_members_in_order`
        self._section_sizes: dict[int, tuple[HopClasses, int]] = {}  # see `_narrowed`
        self._member_order: dict[
            tuple[int, str], tuple[HopClasses, _Members, _Single | None, dict[str, Move]]
        ] = {}
        self._allows: dict[tuple[str, str], tuple[Statement, ...]] = {}
        self._by_kinds: dict[tuple[tuple[str, ...], bool], list[Node]] = {}
        self._alike: dict[tuple[object, ...], Outcome] = {}
        self._deny_stmts: dict[str, tuple[Statement, ...]] = {}
        self._trusts: dict[tuple[object, ...], tuple[str, Outcome]] = {}
        self._shapes: dict[str, int | None] = {}
        self._shape_ids: dict[bytes, int] = {}
        # (identity, kind, limit actions) -> its statements per action (see `_side`)
        self._sides: dict[tuple[str, str, frozenset[str] | None], _IdentitySide] = {}
        self._guard_sides: dict[object, object] = {}  # see `_guard_cover`
        self._rcp_sigs: dict[tuple[str, str | None], dict[str, tuple[int, ...]]] = {}
        # identity -> `_grants_on`'s decisions, shared by all its walkers (see `_decisions`)
        self._decided: dict[
            str, dict[tuple[object, ...], tuple[Outcome | None, tuple[str, ...]]]
        ] = {}

    def warm(self) -> None:
        """Compile every resource's policies and action coverage now (build time), not in the
        first query; the same caches the walk fills lazily, so results are unchanged. The
        identities' policy sets and trust policies are compiled here too."""
        for node in self._resource_nodes():
            self._resource_side(node)
        for node in self.inputs.principals():
            self.inputs.policy_set(node.id)
            if node.kind == "role":
                self.inputs.resource_policies(node.id)
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
        allowable: frozenset[str] | None = None,
        owners: set[str] | None = None,
        settle: Settling | None = None,
    ) -> dict[str, Reached]:
        """Every resource and role the subject can reach, keyed by node id (subject excluded).

        `only` limits which resources are evaluated (who-can and path ask about one); every
        identity is still walked, so no path is missed. `memo` keeps each identity's grants on
        each resource across queries that share it (who-can asks many subjects about one);
        `relevant`, the identities from which `only` can be reached at all (see `walk`);
        `enough`, every action anyone could be granted on the one resource of `only`: once it
        holds them all unconditionally with its paths capped, nothing later can change it;
        `allowable`, the actions some walker could be granted unconditionally (None: any): one
        outside it is settled once held at all (see `_saturated`); `owners`, the identities
        whose own hops record anything on `only` (None: any may); `settle`, the walk's stop
        once it can make no walker that records on `only` (`who.Settling`), whose holders are
        the only walkers recorded.
        """
        if only is None and memo is None and relevant is None and self.grouped:
            from graphscope.access.groups import grouped_reach

            return grouped_reach(self, subject, self._groups())
        out: dict[str, Reached] = {}
        nodes = self._resource_nodes() if only is None else self._only_nodes(only)
        target = next(iter(only)) if enough is not None and only is not None else None
        held: dict[str, set[str]] = {}
        holding = settle.gives.access if settle is not None else None
        for walker in self._walking(subject, relevant, settle):
            if holding is not None and walker.arn not in holding:
                continue  # holds nothing on `only`: records nothing, changes nothing
            if walker.limit is NO_LIMIT and (owners is None or walker.arn in owners):
                self.record_own(walker, out, only, held)
            self.record_access(walker, out, nodes, memo)
            if target is not None and _saturated(out.get(target), enough, allowable):
                break
            if settle is not None and target is not None and settle.narrow(out.get(target)):
                break  # no walker still to come changes the answer
        out.pop(subject, None)
        return out

    def who_reaches(self, resource: str) -> dict[str, Reached]:
        """Every user and role that reaches the resource, with what it reaches it with: the
        same answer as `reach(p, only={resource})` for every principal p, computed for the few
        that can: the identities that hold access themselves, and those that can become one
        of them (the identity hops walked backwards)."""
        holders = self._holders(resource)
        memo: dict[tuple[str, Limit, str], list[Grant]] = {}
        g = self._grantable(resource, holders, memo)
        found = self._leading_to(g.holding)
        only = frozenset({resource})
        out: dict[str, Reached] = {}
        ids = [n.id for n in self.inputs.principals()]
        hops = HopReach(
            ids,
            {a: self.own_hops(a) for a in ids},
            resource,
            {h: memo.get((h, NO_LIMIT, resource), []) for h in g.holding},
            {h: self._own_grants_on(h, resource) for h in g.owners},
        )
        for principal in sorted(found & set(ids)):
            reached = self.reach(
                principal,
                only,
                memo=memo,
                relevant=found,
                enough=g.actions,
                allowable=g.allowable,
                owners=g.owners,
                settle=hops.settling(principal),
            ).get(resource)
            if reached is not None:
                out[principal] = reached
        return out

    def _leading_to(self, targets: set[str]) -> set[str]:
        """The identities with a chain of own hops (any limit) into one of `targets`, and the
        targets: a set closed backwards, so a walk may keep to it (see `walk`)."""
        back: dict[str, set[str]] = {}
        for node in self.inputs.principals():
            for section in self.own_hops(node.id):
                if isinstance(section, Moves):
                    for move in section.moves:
                        back.setdefault(move.dst, set()).add(node.id)
                    continue
                skip = node.id if section.skip_self else None
                for cls in section.classes:
                    for t in cls.targets:
                        if t != skip:
                            back.setdefault(t, set()).add(node.id)
        found = set(targets)
        queue = deque(targets)
        while queue:
            for src in back.get(queue.popleft(), ()):
                if src not in found:
                    found.add(src)
                    queue.append(src)
        return found

    def _grantable(
        self, resource: str, holders: set[str], memo: dict[tuple[str, Limit, str], list[Grant]]
    ) -> _Grantable:
        """What walkers can be granted on the resource: what each holder gets with no limit (a
        limit only removes actions, evaluated alike) and what its own hops record (recorded
        only without a limit). A walker's path only makes a grant conditional."""
        node = self.store.node(resource)
        actions: set[str] = set()
        free: set[str] = set()
        holding: set[str] = set()
        owners: set[str] = set()
        for h in holders:
            grants = self._own_grants_on(h, resource)
            if grants:
                owners.add(h)
            if node is not None and node.kind in KIND_TARGETS:
                out: dict[str, Reached] = {}
                self.record_access(Walker(h, (), NO_LIMIT), out, [node], memo)
                grants = grants + memo.get((h, NO_LIMIT, resource), [])
            if grants:
                holding.add(h)
            actions |= {g.action for g in grants}
            free |= {g.action for g in grants if g.outcome.decision is not Decision.CONDITIONAL}
        return _Grantable(frozenset(actions), frozenset(free), holding, owners)

    def _holders(self, resource: str) -> set[str]:
        """Identities that may hold access to the resource on their own (a superset: an exact
        query follows). A grant needs an identity Allow statement whose Action and Resource
        cover it, or a resource-policy Allow naming the caller; sts:AssumeRole on a role and
        take-overs of compute are the identity's own hops."""
        node = self.store.node(resource)
        found: set[str] = set()
        principals = list(self.inputs.principals())
        for p in principals:
            if self._own_grants_on(p.id, resource):
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

    def _walking(
        self, subject: str, relevant: set[str] | None, settle: Settling | None = None
    ) -> Iterator[Walker]:
        """`walk` lazily: a walker is yielded as soon as it is marked seen, and an identity's
        moves are pulled one at a time, so a query that stops early (`_saturated`) expands
        only what it used. Same order and paths as expanding every walker in full before the
        next: the walkers to expand form a FIFO, and each one's moves are all taken (and
        marked) before the next one's, so every check sees the same marks. `settle` (who-can):
        yield only the walkers of its holders (no other records anything; one to expand is
        built when expanded), and stop once it says no walker still to come records."""
        # (limit, conditional) -> identities walked so: at most one conditional and one
        # unconditional walker per identity and limit
        seen: dict[tuple[Limit, bool], set[str]] = {(NO_LIMIT, False): {subject}}
        first = Walker(subject, (), NO_LIMIT)
        if MAX_DEPTH <= 0:
            return
        yield first
        if settle is not None and not settle.left:
            return  # it can reach no holder's walker
        holders = settle.gives.access if settle is not None else None
        # walkers whose moves are still to take, in walk order (or how to build one)
        expand: deque[Walker | tuple[Walker, Move, tuple[ConditionRequirement, ...]]]
        expand = deque([first])
        while expand:
            item = expand.popleft()
            if isinstance(item, Walker):
                walker = item
            else:
                parent, step, had = item
                walker = Walker(step.dst, (*parent.path, *step.hops), step.limit, had)
            before = walker.carried
            for move in self._moves_to_try(walker.arn, seen, bool(before), relevant, subject):
                dst = move.dst
                if (relevant is not None and dst not in relevant) or dst == subject:
                    continue
                done = seen.get((move.limit, False))
                if done is not None and dst in done:
                    continue  # reached unconditionally already: nothing to add
                carried = before
                opens = move.outcome.decision is Decision.CONDITIONAL and move.outcome.conditions
                if before or opens:
                    mark = seen.setdefault((move.limit, True), set())
                    if dst in mark:
                        continue
                    if opens:  # built only for the walker made: hashing conditions is slow
                        carried = _carried(before, move.outcome)
                else:
                    mark = seen.setdefault((move.limit, False), set())
                mark.add(dst)
                last = False
                if holders is not None and dst in holders:
                    last = settle.mark(dst, move.limit, bool(before or opens))  # type: ignore[union-attr]
                if len(walker.path) + len(move.hops) < MAX_DEPTH:  # else marked, never walked
                    if holders is None or dst in holders:
                        child = Walker(dst, (*walker.path, *move.hops), move.limit, carried)
                        yield child
                        if move.limit is NO_LIMIT:  # one used through a proxy does not walk on
                            expand.append(child)
                    elif move.limit is NO_LIMIT:
                        expand.append((walker, move, carried))
                if last:
                    return

    def _moves_to_try(
        self,
        arn: str,
        seen: dict[tuple[Limit, bool], set[str]],
        carrying: bool,
        relevant: set[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[Move]:
        """The identity's moves in `moves` order, lazily, leaving out class members the walk
        would drop anyway (walked already under the key they would have, outside `relevant`,
        the subject) before a Move is built for them. A large section with few members left
        after set difference gets them sorted alone (`_narrowed`); otherwise the section's
        members are pulled in order and checked one by one."""
        for section in self.own_hops(arn):
            if isinstance(section, Moves):
                for move in section.moves:
                    dst = move.dst
                    if (relevant is None or dst in relevant) and dst != subject:
                        yield move
                continue
            limit = section.limit
            # made now so that marks added while this section is pulled are seen here too
            free = seen.setdefault((limit, False), set())
            held = seen.setdefault((limit, True), set())
            narrow = self._narrowed(arn, section, free, held, carrying, relevant, subject)
            if narrow is not None:
                yield from narrow
                continue
            members, single, made = self._members_in_order(arn, section)
            for t, cls, opens in members:
                if (
                    t in free
                    or ((carrying or opens) and t in held)
                    or (relevant is not None and t not in relevant)
                    or t == subject
                ):
                    continue
                move = made.get(t)
                if move is None or move.dst != t:
                    move = section.materialise(arn, cls, t)[0]
                    if single is not None:
                        made[t] = move
                yield move

    def _narrowed(
        self,
        arn: str,
        section: HopClasses,
        free: set[str],
        held: set[str],
        carrying: bool,
        relevant: set[str] | None,
        subject: str | None,
    ) -> Iterator[Move] | None:
        """The section's moves when set difference leaves few members (most already walked:
        the common case once an administrator's walk has marked the organisation), sorted
        class by class as `_members_in_order` would list them, without building that list;
        None when many are left (then the ordered list is cheaper)."""
        total = self._section_sizes.get(id(section))
        if total is None or total[0] is not section:
            total = self._section_sizes[id(section)] = (
                section,
                sum(len(c.targets) for c in section.classes),
            )
        if total[1] <= _FEW:
            return None
        found: list[tuple[int, str, HopClass, bool]] = []
        order = section.order
        drop = {subject, arn} if section.skip_self else {subject}
        for cls in section.classes:
            o = cls.outcome
            opens = bool(o.decision is Decision.CONDITIONAL and o.conditions)
            left = cls.targets.difference(free, drop)
            if left and (carrying or opens):
                left = left - held
            if relevant is not None:
                left = left & relevant
            found += [(order[t], t, cls, opens) for t in left]
            if len(found) * _NARROW >= total[1]:
                return None
        found.sort(key=_first)
        return self._narrowed_moves(arn, section, found, free, held, carrying)

    def _narrowed_moves(
        self,
        arn: str,
        section: HopClasses,
        found: list[tuple[int, str, HopClass, bool]],
        free: set[str],
        held: set[str],
        carrying: bool,
    ) -> Iterator[Move]:
        hit = self._member_order.get((id(section), arn))
        made = hit[3] if hit is not None and hit[0] is section else None
        for _, t, cls, opens in found:
            # checked again: this walker's own moves mark as they are taken
            if t in free or ((carrying or opens) and t in held):
                continue
            move = made.get(t) if made is not None else None
            if move is None or move.dst != t:
                move = section.materialise(arn, cls, t)[0]
            yield move

    def _members_in_order(
        self, arn: str, section: HopClasses
    ) -> tuple[_Members, _Single | None, dict[str, Move]]:
        """Every member of the section's classes in `moves` order (the identity itself left
        out where it has no hop), with whether its hop opens conditions, and the same by
        member when no member is in two classes (None otherwise): built once per section.
        With them, the moves made so far (by member; `materialise` is deterministic)."""
        key = (id(section), arn)
        hit = self._member_order.get(key)
        if hit is None or hit[0] is not section:
            skip = arn if section.skip_self else None
            order = section.order
            found = [
                (order[t], t, cls) for cls in section.classes for t in cls.targets if t != skip
            ]
            found.sort(key=_first)
            members = [
                (
                    t,
                    cls,
                    bool(cls.outcome.decision is Decision.CONDITIONAL and cls.outcome.conditions),
                )
                for _, t, cls in found
            ]
            single: _Single | None = {t: (cls, opens) for t, cls, opens in members}
            if len(single) != len(members):
                single = None
            # the section kept, so its id is not reused; moves made kept for the next walk
            hit = self._member_order[key] = (section, members, single, {})
        return hit[1], hit[2], hit[3]

    def moves(self, arn: str) -> Moves:
        """The identity's own hops to other identities, one Move per hop (they do not depend
        on the subject whose walk reaches it). With `shared_hops` built from `own_hops` on each
        call (a class becomes a move per target); otherwise memoised."""
        if self.shared_hops:
            return _flatten(self.own_hops(arn), arn)
        hit = self._moves.get(arn)
        if hit is None:
            (hit,) = self._own_sections(arn)
            self._moves[arn] = hit  # type: ignore[assignment]
        return hit  # type: ignore[return-value]

    def own_hops(self, arn: str) -> tuple[Section, ...]:
        """The identity's own hops section by section, in `moves` order (memoised): with
        `shared_hops`, role assumption, pass-role and user take-overs stay classes of targets
        (`HopClasses`)."""
        if not self.shared_hops:
            return (self.moves(arn),)
        hit = self._own_cache.get(arn)
        if hit is None:
            hit = self._own_cache[arn] = self._own_sections(arn)
        return hit

    def _own_sections(self, arn: str) -> tuple[Section, ...]:
        principal = _principal(arn)
        base = self.inputs.policy_set(arn)
        records: list[tuple[Node, Grant, tuple[Hop, ...]]] = []
        moves: list[Move] = []
        sections: list[Section] = []
        if self.shared_hops:
            sections.append(self._assume_classes(arn, principal, base))
        else:
            self._assume(arn, principal, base, records, moves)
        self._escalate(arn, principal, base, records, moves, sections if self.shared_hops else None)
        self._proxy_moves(arn, principal, base, records, moves)
        sections.append(Moves(tuple(records), tuple(moves)))
        return tuple(sections)

    def record_own(
        self,
        walker: Walker,
        out: dict[str, Reached],
        only: frozenset[str] | None,
        held: dict[str, set[str]],
    ) -> None:
        """Record the grants the walker's own hops prove (carried), on `only` if given. `held`
        (per query): action -> nodes whose grant of it can no longer change (paths capped, held
        unconditionally); a class skips them by set difference."""
        for section in self.own_hops(walker.arn):
            if isinstance(section, Moves):
                for node, grant, rel in section.records:
                    if only is None or node.id in only:
                        self._record(out, node, walker.carry(grant), (*walker.path, *rel))
            else:
                self.record_classes(walker, section, out, only, held)

    def record_classes(
        self,
        walker: Walker,
        section: HopClasses,
        out: dict[str, Reached],
        only: frozenset[str] | None,
        held: dict[str, set[str]],
    ) -> None:
        """The records of one section of classes, target by target in `moves` order, skipping
        those `Reached.add` would leave unchanged."""
        arn = walker.arn
        order = section.order
        found: list[tuple[int, str, HopClass]] = []
        for cls in section.classes:
            targets = cls.targets if only is None else cls.targets & only
            done: set[str] | None = None
            for g in section.probes(cls):
                g = walker.carry(g)
                h = held.get(g.action, _NONE)
                # settled for this grant: held unconditionally, so `_adds_nothing`
                done = set(h) if done is None else done & h
            new = targets - done if done else targets
            skip = arn if section.skip_self else None
            found += [(order[t], t, cls) for t in new if t != skip]
        found.sort(key=_first)
        nodes = section.nodes
        for _, t, cls in found:
            move, grants = section.materialise(arn, cls, t)
            path = (*walker.path, *move.hops)
            for g in grants:
                g = walker.carry(g)
                if not _adds_nothing(out.get(t), g):
                    self._record(out, nodes[t], g, path)
            reached = out.get(t)
            if reached is not None and len(reached.paths) >= MAX_PATHS:
                for g in grants:
                    old = reached.grants.get(g.action)
                    if old is not None and old.outcome.decision is Decision.ALLOW:
                        held.setdefault(g.action, set()).add(t)

    def _own_grants_on(self, arn: str, node_id: str) -> list[Grant]:
        """The grants the identity's own hops record on one node."""
        out: list[Grant] = []
        for section in self.own_hops(arn):
            if isinstance(section, Moves):
                out += [g for n, g, _ in section.records if n.id == node_id]
            elif node_id != arn or not section.skip_self:
                for cls in section.classes:
                    if node_id in cls.targets:
                        out += section.materialise(arn, cls, node_id)[1]
        return out

    def _order_of(self, kinds: tuple[str, ...], *, by_id: bool = False) -> dict[str, int]:
        """Position of each node of the kinds in `moves`: `_kind_nodes` order, or sorted by id
        (roles, which `_assume` and pass-role paths visit sorted)."""
        key = (*kinds, "sorted") if by_id else kinds
        hit = self._kind_index.get(key)
        if hit is None:
            ids = [n.id for n in self._kind_nodes(kinds)]
            if by_id:
                ids.sort()
            hit = self._kind_index[key] = {i: k for k, i in enumerate(ids)}
        return hit

    def _kind_map(self, kinds: tuple[str, ...]) -> dict[str, Node]:
        hit = self._kind_maps.get(kinds)
        if hit is None:
            hit = self._kind_maps[kinds] = {n.id: n for n in self._kind_nodes(kinds)}
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
        sections: list[Section] | None = None,
    ) -> None:
        """`sections`: given (with `shared_hops`), a credential path's take-overs of users and
        a pass-role path's roles become a `HopClasses` section each, after a section of the
        moves so far."""
        account = account_of(self.store, arn) or ""
        filtered = principal.kind in _IDENTITY_CALLERS and not self.exhaustive
        pass_allows = self._identity_allows(arn, base, "iam:passrole")
        for path in escalation_paths():
            if path.mode is EscalationMode.CREDENTIALS and sections is not None:
                _flush(sections, records, moves)
                sections.append(self._user_take_overs(arn, principal, path))
                continue
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
            if sections is not None:
                _flush(sections, records, moves)
                sections.append(
                    self._pass_role_classes(arn, principal, base, path, other_outcomes, account)
                )
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
        if unallowed and self.shared_hops and self._nowhere_allowed(path, unallowed):
            return  # exact: the per-target prefilter below would skip every target
        plain = (
            self.shared_hops
            and principal.kind in _IDENTITY_CALLERS
            and all(
                _no_pattern(st)
                for p in _all_policies(base)
                for a in path.actions
                for st in p.for_action(a.lower())
            )
        )
        made: dict[tuple[int, ...], tuple[list[Outcome], str, Outcome, list[Grant]]] = {}
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
                self._take_over_eval(arn, principal, a, target.id, plain) for a in path.actions
            ]
            if any(o.decision not in REACHABLE for o in outcomes):
                continue
            # targets evaluated alike share outcome objects: share the text and grants built
            # from them too (equal values; an administrator takes over every notebook)
            ids = tuple(id(o) for o in outcomes)
            hit = made.get(ids)
            if hit is None or any(a is not b for a, b in zip(hit[0], outcomes, strict=True)):
                granted = f"{path.id} ({_refs(outcomes)})"
                outcome = _combine(outcomes)
                grants = [Grant(a, _level(a), outcome, (granted,)) for a in path.actions]
                hit = made[ids] = (outcomes, granted, outcome, grants)
            _, granted, outcome, grants = hit
            hop = Hop(arn, target.id, "can_access", granted)
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

    def _user_take_overs(self, arn: str, principal: Principal, path: EscalationPath) -> HopClasses:
        """`_take_over` for a credential path, kept as classes of users: the users one
        evaluation answers for (`_eval_alike`'s key: account, Resource matches, service rules)
        share its outcome object, so they share the grant and hop text `_take_over` builds."""
        base = self.inputs.policy_set(arn)
        limit = _limit_of(path)
        iam = principal.kind in _IDENTITY_CALLERS
        if iam and any(not self._identity_allows(arn, base, a.lower()) for a in path.actions):
            # exact: users have no resource policy to grant what identity does not
            return self._section(
                "can_access", limit, [], path.target_kinds, by_id=False, source=path.id
            )
        by: dict[tuple[int, ...], tuple[list[Outcome], list[str] | frozenset[str]]] = {}
        if iam and len(path.actions) == 1:
            action = path.actions[0]
            low = action.lower()
            buckets = self._buckets(path.target_kinds, action)
            for members, all_of in buckets.alike:
                rep = next((m for m in members if m != arn), None)
                if rep is None:
                    continue
                pset = self.inputs.policy_set(arn, rep)
                pats = tuple(
                    st
                    for p in _all_policies(pset)
                    for st in p.for_action(low)
                    if not _no_pattern(st)
                )
                if not pats:
                    # no statement's Resource tells the members apart: one key for them all
                    o = self._eval_alike(arn, principal, action, rep, pset)
                    by[(id(o),)] = ([o], all_of)
                    continue
                alike, loose = _by_vector(pats, all_of - {arn})
                for same in alike:
                    rep = min(same)
                    o = self._eval_alike(
                        arn, principal, action, rep, self.inputs.policy_set(arn, rep)
                    )
                    entry = by.get((id(o),))
                    by[(id(o),)] = ([o], same if entry is None else [*entry[1], *same])
                for m in sorted(loose):
                    self._add_target(by, arn, principal, path, m)
            for m in buckets.loose:
                if m != arn:
                    self._add_target(by, arn, principal, path, m)
        else:
            for node in self._kind_nodes(path.target_kinds):
                if node.id != arn:
                    self._add_target(by, arn, principal, path, node.id)
        classes = []
        for outcomes, targets in by.values():
            if any(o.decision not in REACHABLE for o in outcomes):
                continue
            granted = f"{path.id} ({_refs(outcomes)})"
            outcome = _combine(outcomes)
            grants = tuple(Grant(a, _level(a), outcome, (granted,)) for a in path.actions)
            classes.append(HopClass(outcome, grants, granted, frozenset(targets)))
        return self._section(
            "can_access", limit, classes, path.target_kinds, by_id=False, source=path.id
        )

    def _section(
        self,
        edge: str,
        limit: Limit,
        classes: list[HopClass],
        kinds: tuple[str, ...],
        *,
        by_id: bool,
        skip_self: bool = True,
        source: str = "",
    ) -> HopClasses:
        return HopClasses(
            edge,
            limit,
            tuple(classes),
            self._order_of(kinds, by_id=by_id),
            self._kind_map(kinds),
            skip_self,
            source,
        )

    def _assume_classes(self, arn: str, principal: Principal, base: PolicySet) -> HopClasses:
        """`_assume` as classes of roles: roles with the same trust text (not naming the role
        itself) in one account, which no statement's Resource tells apart, are evaluated once
        (`_eval_trust`'s key); each member's outcome is the representative's, renamed."""
        iam = principal.kind in _IDENTITY_CALLERS
        nodes = self._kind_map(("role",))
        by_class: dict[object, frozenset[str]] = {}
        for key in self.inputs.candidate_keys(arn):
            for ckey, part in self._trust_parts(key).items():
                had = by_class.get(ckey)
                by_class[ckey] = part if had is None else had | part
        found: dict[tuple[str, int], tuple[str, Outcome, list[str] | frozenset[str]]] = {}
        for ckey, group in by_class.items():
            if ckey is None or not iam:
                members = sorted(m for m in group if m != arn)
                self._assume_one_by_one(arn, principal, base, members, found)
                continue
            members = group - {arn} if arn in group else group
            if not members:
                continue
            # `_eval_trust`'s key within the class: which statements' Resource match the role
            pset = self.inputs.policy_set(arn, min(members))
            guards = [*pset.identity, *pset.boundary, *(p for lv in pset.scps for p in lv)]
            guards += [*pset.resource, *(p for lv in pset.rcps for p in lv)]
            pats = tuple(
                st for p in guards for st in p.for_action("sts:assumerole") if not _no_pattern(st)
            )
            alike, loose = _by_vector(pats, members)
            for same in alike:
                # one evaluation for roles the key cannot tell apart (a role `_assume` would
                # prefilter away is in a group of its own and evaluates as unreachable)
                rep, out = self._trust_eval(arn, principal, nodes[min(same)])
                hit = found.get(key := (rep, id(out)))
                found[key] = (rep, out, same if hit is None else frozenset(hit[2]) | same)
            self._assume_one_by_one(arn, principal, base, sorted(loose), found)
        classes = [
            HopClass(out, (), "", frozenset(members), rep)
            for rep, out, members in found.values()
            if out.decision in REACHABLE
        ]
        return self._section("can_assume", NO_LIMIT, classes, ("role",), by_id=True)

    def _assume_one_by_one(
        self,
        arn: str,
        principal: Principal,
        base: PolicySet,
        members: list[str],
        found: dict[tuple[str, int], tuple[str, Outcome, list[str]]],
    ) -> None:
        """Roles `_assume` evaluates, each filed under the evaluation its outcome renames."""
        filtered = principal.kind in _IDENTITY_CALLERS and not self.exhaustive
        direct = self.inputs.assume_candidates(arn, named_only=True)
        allows = self._identity_allows(arn, base, "sts:assumerole")
        for role_id in members:
            if (
                filtered
                and role_id not in direct
                and not any(_may_match(st, role_id) for st in allows)
            ):
                continue  # exact: see `_assume`
            role = self.store.node(role_id)
            if role is None:
                continue
            rep, out = self._trust_eval(arn, principal, role)
            hit = found.get(key := (rep, id(out)))
            found[key] = (rep, out, [role_id] if hit is None else [*hit[2], role_id])

    def _trust_parts(self, key: str) -> dict[object, frozenset[str]]:
        """The roles filed under one trust-index key, by `_trust_class` (memoised: an account's
        identities share its `acct:` key)."""
        hit = self._parts.get(key)
        if hit is None:
            nodes = self._kind_map(("role",))
            parts: dict[object, set[str]] = {}
            for role_id in self.inputs.trusted_by(key):
                if role_id in nodes:
                    parts.setdefault(self._trust_class(role_id), set()).add(role_id)
            hit = self._parts[key] = {k: frozenset(v) for k, v in parts.items()}
        return hit

    def _trust_class(self, role_id: str) -> tuple[str, int] | None:
        """(account, trust text id) of a role, None when its trust names the role itself."""
        hit = self._trust_classes.get(role_id, _MISSING)
        if hit is _MISSING:
            role = self.store.node(role_id)
            shape = self._trust_shape(role) if role is not None else None
            account = account_of(self.store, role_id)
            hit = (account, shape) if shape is not None and account is not None else None
            self._trust_classes[role_id] = hit
        return hit  # type: ignore[return-value]

    def _pass_role_classes(
        self,
        arn: str,
        principal: Principal,
        base: PolicySet,
        path: EscalationPath,
        other_outcomes: list[Outcome],
        account: str,
    ) -> HopClasses:
        """One pass-role path's roles as classes: the roles `_eval_alike` answers together
        share the passed outcome, so the grant and hop text `_escalate` builds."""
        service = path.service or ""
        ctx = {"iam:PassedToService": service}
        by: dict[int, tuple[Outcome, list[str] | frozenset[str]]] = {}
        stmts = [st for p in _all_policies(base) for st in p.for_action("iam:passrole")]
        buckets = self._pass_buckets(service, account)
        loose: tuple[str, ...] = buckets.loose
        filtered = principal.kind in _IDENTITY_CALLERS and not self.exhaustive
        pass_allows = self._identity_allows(arn, base, "iam:passrole")
        if principal.kind in _IDENTITY_CALLERS:
            pats = tuple(st for st in stmts if not _no_pattern(st))
            for members, all_of in buckets.alike:
                if not pats:
                    o = self._eval_alike(
                        arn, principal, "iam:PassRole", members[0], base, context=ctx
                    )
                    by[id(o)] = (o, all_of)
                    continue
                alike, rest = _by_vector(pats, all_of)
                loose += tuple(sorted(rest))
                for same in alike:  # the prefilter below reads only what the key holds
                    rep = min(same)
                    if filtered and not any(_may_match(st, rep) for st in pass_allows):
                        continue
                    o = self._eval_alike(arn, principal, "iam:PassRole", rep, base, context=ctx)
                    entry = by.get(id(o))
                    by[id(o)] = (o, same if entry is None else [*entry[1], *same])
        else:
            loose = tuple(m for ms, _ in buckets.alike for m in ms) + loose
        for role_id in loose:
            if filtered and not any(_may_match(st, role_id) for st in pass_allows):
                continue
            o = self._eval_alike(arn, principal, "iam:PassRole", role_id, base, context=ctx)
            entry = by.get(id(o))
            if entry is None:
                by[id(o)] = (o, [role_id])
            elif isinstance(entry[1], frozenset):
                by[id(o)] = (o, [*entry[1], role_id])
            else:
                entry[1].append(role_id)
        classes = []
        for passed, targets in by.values():
            if passed.decision not in REACHABLE:
                continue
            outcome = _combine([passed, *other_outcomes])
            granted = f"{path.id} ({_refs([passed, *other_outcomes])})"
            grant = Grant("iam:PassRole", "Write", outcome, (granted,))
            classes.append(HopClass(outcome, (grant,), granted, frozenset(targets)))
        return self._section(
            "can_pass_role_to",
            _limit_of(path),
            classes,
            ("role",),
            by_id=True,
            skip_self=False,
            source=path.id,
        )

    def _pass_buckets(self, service: str, account: str) -> _Buckets:
        """Roles of the account trusting the service, in classes `_eval_alike` may share for
        iam:PassRole (account, service rules); the order `_escalate` visits them."""
        key = ("iam:PassRole", service, account)
        hit = self._buckets_of.get(key)
        if hit is None:
            alike: dict[tuple[object, ...], list[str]] = {}
            loose: list[str] = []
            for role_id in self.inputs.roles_trusting_service(service, account):
                if self.store.node(role_id) is None or not self._trusts_service(role_id, service):
                    continue
                acct = account_of(self.store, role_id)
                if acct is None:
                    loose.append(role_id)
                    continue
                k = (
                    acct,
                    refusal("iam:PassRole", role_id),
                    resource_policy_required("iam:PassRole", role_id),
                )
                alike.setdefault(k, []).append(role_id)
            hit = self._buckets_of[key] = _Buckets(
                tuple((tuple(v), frozenset(v)) for v in alike.values()), tuple(loose)
            )
        return hit

    def _add_target(
        self,
        by: dict[tuple[int, ...], tuple[list[Outcome], list[str] | frozenset[str]]],
        arn: str,
        principal: Principal,
        path: EscalationPath,
        target: str,
    ) -> None:
        """One user evaluated as `_take_over` does, filed under its outcomes' identities
        (`_eval_alike` returns one object per key; the objects are kept alive in `by`)."""
        pset = self.inputs.policy_set(arn, target)
        outcomes = [self._eval_alike(arn, principal, a, target, pset) for a in path.actions]
        entry = by.get(key := tuple(id(o) for o in outcomes))
        if entry is None:
            by[key] = (outcomes, [target])
        elif isinstance(entry[1], frozenset):
            by[key] = (outcomes, [*entry[1], target])
        else:
            entry[1].append(target)

    def _buckets(self, kinds: tuple[str, ...], action: str) -> _Buckets:
        """Targets `_eval_alike` may answer together for the action: no resource policy, a
        known account; split by account and the service rules it reads from the ARN."""
        key = (kinds, action)
        hit = self._buckets_of.get(key)
        if hit is None:
            alike: dict[tuple[object, ...], list[str]] = {}
            loose: list[str] = []
            for node in self._kind_nodes(kinds):
                account = account_of(self.store, node.id)
                if self.inputs.resource_policies(node.id) or account is None:
                    loose.append(node.id)
                    continue
                k = (
                    account,
                    refusal(action, node.id),
                    resource_policy_required(action, node.id),
                )
                alike.setdefault(k, []).append(node.id)
            hit = self._buckets_of[key] = _Buckets(
                tuple((tuple(v), frozenset(v)) for v in alike.values()), tuple(loose)
            )
        return hit

    def _take_over_eval(
        self, arn: str, principal: Principal, action: str, target: str, plain: bool
    ) -> Outcome:
        """`_eval_alike` on a take-over target; for a `plain` caller (no Resource pattern in
        its statements for the action) the cached outcome is found from `_eval_alike`'s key
        without building it: the target's match vector is then empty (`_target_rules`)."""
        if plain:
            rules = self._target_rules(action, target)
            if rules is not None:
                hit = self._alike.get((arn, action.lower(), rules[0], (), (), rules[1], rules[2]))
                if hit is not None:
                    return hit
        return self._eval_alike(arn, principal, action, target, self.inputs.policy_set(arn, target))

    def _target_rules(self, action: str, target: str) -> tuple[str, str | None, bool] | None:
        """(account, refusal, resource policy required) as `_eval_alike`'s key holds them, for
        a target without resource policy whose RCP statements name no resource; else None."""
        key = (action, target)
        hit = self._rules.get(key, _MISSING)
        if hit is _MISSING:
            account = account_of(self.store, target)
            low = action.lower()
            rcps = self.inputs.org_levels(account, "rcp")
            if (
                account is None
                or self.inputs.resource_policies(target)
                or not all(_no_pattern(st) for lv in rcps for p in lv for st in p.for_action(low))
            ):
                hit = None
            else:
                hit = (account, refusal(action, target), resource_policy_required(action, target))
            self._rules[key] = hit
        return hit  # type: ignore[return-value]

    def _entry_by_resource_policy(self, nodes: list[Node]) -> bool:
        """Whether some AI application's own policy allows an entry action (memoised)."""
        if self._entry_rp is None:
            self._entry_rp = any(self._resource_side(n).allowed.keys() & _ENTRY for n in nodes)
        return self._entry_rp

    def _nowhere_allowed(self, path: EscalationPath, actions: list[str]) -> bool:
        """Whether some action has no resource-policy Allow on any target of the path."""
        key = (path.id, *actions)
        hit = self._nowhere.get(key)
        if hit is None:
            sides = [self._resource_side(t) for t in self._kind_nodes(path.target_kinds)]
            hit = self._nowhere[key] = any(
                all(a.lower() not in res.allowed for res in sides) for a in actions
            )
        return hit

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
            and not self._entry_by_resource_policy(nodes)
        ):
            return  # exact: every grant to an IAM caller needs an Allow statement covering it
        # Only the entry actions decide a proxy move, and a grant of one action does not depend
        # on which others are evaluated beside it: evaluate just those.
        walker = Walker(arn, (), _ENTRY_ONLY)
        ctx = Context(principal_context(principal), assume_unknown=True)
        sides: dict[str, _IdentitySide] = {}
        decided = self._decisions(arn)
        # applications `_grants_on` answers alike for this caller share one list of grants
        alike: dict[object, list[Grant]] | None = None
        if iam_caller and self.shared_hops:
            guards = (*base.identity, *base.boundary, *(p for lv in base.scps for p in lv))
            if all(_no_pattern(st) for p in guards for a in _ENTRY for st in p.for_action(a)):
                alike = {}
        for node in nodes:
            key = self._proxy_bucket(node) if alike is not None else None
            grants = alike.get(key) if alike is not None and key is not None else None
            if grants is None:
                grants = self._node_grants(
                    walker, principal, ctx, base, node, sides, iam_caller, None, decided
                )
                if alike is not None and key is not None:
                    alike[key] = grants
            if grants:
                found = self._proxies(arn, node, grants)
                moves += found
                entry = _entry_grant(node.kind, grants)
                for move in found:
                    role = self.store.node(move.dst)
                    if role is not None and entry is not None:
                        records.append((role, entry, move.hops))

    def _proxy_bucket(self, node: Node) -> object:
        """What `_grants_on` reads of an AI application for the entry actions when the caller's
        statements for them name no resource: kind, account and service rules (no resource
        policy, no RCP Resource pattern, no partial-object Deny); None: evaluate it alone."""
        hit = self._proxy_keys.get(node.id, _MISSING)
        if hit is _MISSING:
            res = self._resource_side(node)
            acts = [ka for ka in actions_for_kind(node.kind) if ka.action.lower() in _ENTRY]
            rcp_plain = all(
                _no_pattern(st) for ka in acts for st in res.rcp_statements(ka.action.lower())
            )
            if res.policies or res.account is None or node.kind in _PREFIXED or not rcp_plain:
                hit = None
            else:
                rules = tuple(
                    (
                        ka.action,
                        ka.suffix,
                        refusal(ka.action, node.id + ka.suffix),
                        resource_policy_required(ka.action, node.id + ka.suffix),
                    )
                    for ka in acts
                )
                hit = (node.kind, res.account, rules)
            self._proxy_keys[node.id] = hit
        return hit

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
        decided = self._decisions(walker.arn)
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
                side = sides[node.kind] = self._side(walker.arn, base, node.kind, walker.limit)
            grants = self._grants_on(principal, ctx, node, base, side, iam_caller, out, decided)
        if grants and node.kind in _PREFIXED:
            grants = self._partly_denied(walker.arn, principal, base, node, grants)
        return grants

    def _side(self, arn: str, base: PolicySet, kind: str, limit: Limit) -> _IdentitySide:
        """`_identity_side` of the identity (`base` is its policy set), memoised per kind and
        limit: a walker limited to some actions takes the unlimited side's entries for them."""
        key = (arn, kind, limit.actions)
        hit = self._sides.get(key)
        if hit is None:
            if len(self._sides) >= _MAX_SIDES:
                self._sides.clear()  # bounded: an org-wide walk would keep them all
            if limit.actions is None:
                hit = _identity_side(base, kind, NO_LIMIT, self._guard_sides)
            else:
                hit = _limited(self._side(arn, base, kind, NO_LIMIT), limit.actions)
            self._sides[key] = hit
        return hit

    def _decisions(
        self, arn: str
    ) -> dict[tuple[object, ...], tuple[Outcome | None, tuple[str, ...]]]:
        """`_grants_on`'s `decided` for one identity, kept across its walkers and queries: its
        key holds all that `evaluate` reads besides the caller, whose principal, context and
        policy set are fixed by its ARN (a limit only chooses which actions are asked)."""
        hit = self._decided.get(arn)
        if hit is None:
            hit = self._decided[arn] = {}
        return hit

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
        # `place` per (suffix, identity and RCP statements): the match vector reads no more
        places: dict[tuple[object, ...], object] = {}
        grants = []
        for ka, low in zip(side.ordered, side.actions, strict=True):  # `actions`: same order
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
            rsig = res.sig(low)
            place: object = node.id
            if shared:
                pkey = (ka.suffix, side.sig[low], rsig)
                place = places.get(pkey, _MISSING)
                if place is _MISSING:
                    vec = _match_vector((*side.stmts[low], *res.rcp_statements(low)), target)
                    place = places[pkey] = node.id if vec is None else (res.account, vec)
            sig = (ka.suffix, side.sig[low], rsig, rules, place)
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
            if not policies:  # `sig` then reads only the account's RCPs: shared per kind
                hit._sigs = self._rcp_sigs.setdefault((node.kind, account), {})
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
        if node.kind == "knowledge_base":
            entry = next((g for g in grants if g.action.lower() in _RETRIEVE), None)
        elif node.kind in ("agent_alias", "agent"):
            entry = next((g for g in grants if g.action.lower() == "bedrock:invokeagent"), None)
        else:
            return []
        if entry is None:
            return []
        via = Hop(arn, node.id, "can_access", ", ".join(entry.granted_by))
        return [
            Move((via, *tail), role, limit, entry.outcome)
            for tail, role, limit in self._proxy_tails(node)
        ]

    def _proxy_tails(self, node: Node) -> tuple[tuple[tuple[Hop, ...], str, Limit], ...]:
        """What follows the entry hop into an AI application, per role it acts with: the hops,
        the role and its limit (graph structure only: memoised per application)."""
        hit = self._tails.get(node.id)
        if hit is None:
            tails: list[tuple[tuple[Hop, ...], str, Limit]] = []
            if node.kind == "knowledge_base":
                limit = _kb_limit(self._kb_sources(node.id))
                why = "knowledge base role (retrieval on the caller's behalf)"
                for role in self.inputs.runs_as(node.id):
                    tails.append(((Hop(node.id, role, "runs_as", why),), role, limit))
            else:
                agent = (
                    node.id
                    if node.kind == "agent"
                    else next((e.src for e in self.store.in_edges(node.id, {"has_alias"})), None)
                )
                if agent is not None:
                    tails = self._agent_tails(agent)
            hit = self._tails[node.id] = tuple(tails)
        return hit

    def _agent_tails(self, agent: str) -> list[tuple[tuple[Hop, ...], str, Limit]]:
        found = []
        models = frozenset(e.dst for e in self.store.out_edges(agent, {"uses_model"}))
        for role in self.inputs.runs_as(agent):
            limit = Limit(
                frozenset({"bedrock:invokemodel", "bedrock:invokemodelwithresponsestream"}),
                models or None,
                "invokes only the agent's models",
            )
            found.append(((Hop(agent, role, "runs_as", "agent role"),), role, limit))
        for kb in (e.dst for e in self.store.out_edges(agent, {"uses_knowledge_base"})):
            limit = _kb_limit(self._kb_sources(kb))
            for role in self.inputs.runs_as(kb):
                hops = (
                    Hop(agent, kb, "uses_knowledge_base", "agent knowledge base"),
                    Hop(kb, role, "runs_as", "knowledge base role"),
                )
                found.append((hops, role, limit))
        for group in (e.dst for e in self.store.out_edges(agent, {"has_action_group"})):
            for fn in (e.dst for e in self.store.out_edges(group, {"invokes_function"})):
                for role in self.inputs.runs_as(fn):
                    hops = (
                        Hop(agent, group, "has_action_group", "agent action group"),
                        Hop(group, fn, "invokes_function", "action group function"),
                        Hop(fn, role, "runs_as", "function role"),
                    )
                    limit = Limit(
                        note="what the function's code does with the caller's input is unknown"
                    )
                    found.append((hops, role, limit))
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
        return Explained(
            outcome.decision,
            outcome.conditions,
            outcome.assumptions,
            tuple(str(r) for r in ev.granted_by),
        )

    def _eval_trust(self, arn: str, principal: Principal, role: Node) -> Outcome:
        rep, out = self._trust_eval(arn, principal, role)
        return out if rep == role.id else renamed(out, rep, role.id)

    def _trust_eval(self, arn: str, principal: Principal, role: Node) -> tuple[str, Outcome]:
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
            return role.id, self._eval(arn, principal, "sts:AssumeRole", role.id, pset)
        key = (arn, shape, account, vec)
        hit = self._trusts.get(key)
        if hit is None:
            hit = self._trusts[key] = (
                role.id,
                self._eval(arn, principal, "sts:AssumeRole", role.id, pset),
            )
        return hit

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


@dataclass(frozen=True, slots=True)
class _Buckets:
    """Targets of one action in classes `_eval_alike` may share (members in `moves` order, and
    as a set), and those it evaluates one by one."""

    alike: tuple[tuple[tuple[str, ...], frozenset[str]], ...]
    loose: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Grantable:
    """What who-can learns from the holders of one resource before walking to it."""

    actions: frozenset[str]  # every action any walker could be granted on it
    allowable: frozenset[str]  # those some walker could be granted unconditionally
    holding: set[str]  # the holders granted anything on it (with no limit)
    owners: set[str]  # those whose own hops record something on it


_NONE: frozenset[str] = frozenset()
_FEW = 32  # a section of more class members is narrowed by set difference first
_NARROW = 4  # ... and its new members sorted alone when under 1/_NARROW of the section
_Members = list[tuple[str, HopClass, bool]]  # class members in walk order, whether they open
_Single = dict[str, tuple[HopClass, bool]]  # the same by member (each in one class)


def _first(item: tuple[int, ...]) -> int:  # type: ignore[type-arg]
    return item[0]


def _adds_nothing(reached: Reached | None, grant: Grant) -> bool:
    """Whether `Reached.add` would leave `reached` as it is: paths capped, and the action
    already held, unconditionally or no better now."""
    if reached is None or len(reached.paths) < MAX_PATHS:
        return False
    old = reached.grants.get(grant.action)
    return old is not None and (
        old.outcome.decision is not Decision.CONDITIONAL
        or grant.outcome.decision is not Decision.ALLOW
    )


def _flatten(sections: tuple[Section, ...], arn: str) -> Moves:
    """`moves` from `own_hops`: each class becomes a move and records per member, in the order
    `_assume`, `_escalate` and `_take_over` list them."""
    records: list[tuple[Node, Grant, tuple[Hop, ...]]] = []
    moves: list[Move] = []
    for section in sections:
        if isinstance(section, Moves):
            records += section.records
            moves += section.moves
            continue
        skip = arn if section.skip_self else None
        found = [
            (section.order[t], t, cls) for cls in section.classes for t in cls.targets if t != skip
        ]
        found.sort(key=_first)
        for _, t, cls in found:
            move, grants = section.materialise(arn, cls, t)
            records += [(section.nodes[t], g, move.hops) for g in grants]
            moves.append(move)
    return Moves(tuple(records), tuple(moves))


def _flush(
    sections: list[Section],
    records: list[tuple[Node, Grant, tuple[Hop, ...]]],
    moves: list[Move],
) -> None:
    """End the current section of plain moves (if any) before a section of classes."""
    if records or moves:
        sections.append(Moves(tuple(records), tuple(moves)))
        records.clear()
        moves.clear()


def _by_vector(
    pats: tuple[Statement, ...], members: frozenset[str] | list[str]
) -> tuple[list[frozenset[str]], frozenset[str]]:
    """Members split by `_match_vector` over the statements, and those a policy variable
    leaves to be evaluated one by one. Members no statement matches share the all-False
    vector (found by set difference); a literal Resource (no wildcard) matches only its text."""
    pool = members if isinstance(members, frozenset) else frozenset(members)
    if any(rp.glob is None for st in pats for rp in st.resources or ()):
        return [], pool  # `_match_vector` is None for every target
    if not pats:
        return ([pool] if pool else []), frozenset()
    hits: list[set[str]] = []
    for st in pats:
        hit: set[str] = set()
        for rp in st.resources or ():
            g = rp.glob
            assert g is not None
            if not g.has_star and g.segments[0][2] is None:  # literal: equal text only
                if g.segments[0][0] in pool:
                    hit.add(g.segments[0][0])
            else:
                hit.update(m for m in pool if g.match(m))
        hits.append(hit)
    special = set().union(*hits)
    alike: dict[tuple[bool, ...], set[str]] = {}
    for m in special:
        alike.setdefault(tuple(m in h for h in hits), set()).add(m)
    out = [frozenset(v) for v in alike.values()]
    rest = pool - special
    if rest:
        out.append(rest)
    return out, frozenset()


def _no_pattern(st: Statement) -> bool:
    """Whether `_match_vector` leaves the statement out (no Resource, or one matching all)."""
    return st.resources is None or any(rp.any for rp in st.resources)


_MISSING = object()


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


def _identity_side(
    base: PolicySet, kind: str, limit: Limit, guard_cache: dict[object, object] | None = None
) -> _IdentitySide:
    """`guard_cache` (the engine's): the boundary, SCP and session statements per action,
    kept per list of those policies (identities of an account share them)."""
    guards = [*base.boundary, *(p for level in base.scps for p in level)]
    if base.session is not None:
        guards.append(base.session)
    # Which statements cover each action, in policy order (what `for_action` returns), from
    # the coverage memoised by Action text: policies repeat the same lists.
    ident_by: dict[str, list[Statement]] = {}
    for p in base.identity:
        for st in p.statements:
            for low in _covered(st, kind):
                ident_by.setdefault(low, []).append(st)
    guard_by = _guard_cover(guards, kind, guard_cache)
    sig: dict[str, tuple[int, ...]] = {}
    stmts: dict[str, tuple[Statement, ...]] = {}
    allowed: dict[str, str] = {}
    actions: dict[str, str] = {}
    kept = []
    no_guard: tuple[tuple[int, ...], tuple[Statement, ...]] = ((-1,), ())
    whole = limit.actions is None
    for ka, low in _kind_lows(kind):
        if not whole and low not in limit.actions:  # type: ignore[operator]
            continue
        if not whole:
            kept.append(ka)
            actions[low] = ka.action
        gsig, guard = guard_by.get(low, no_guard)
        ident = ident_by.get(low)
        if ident:
            sig[low] = (*map(id, ident), *gsig)
            stmts[low] = (*ident, *guard)
            if any(s.allow for s in ident):
                allowed[low] = ka.action
        else:
            sig[low] = gsig
            stmts[low] = guard
    if whole:  # every action of the kind: the same values for every identity, shared
        ordered, actions, sensitive = _kind_whole(kind)
        return _IdentitySide(ordered, sig, sensitive, allowed, actions, stmts)
    sensitive = frozenset(low for low, name in actions.items() if _sensitive(name))
    return _IdentitySide(tuple(kept), sig, sensitive, allowed, actions, stmts)


@cache
def _kind_lows(kind: str) -> tuple[tuple[KindAction, str], ...]:
    """The kind's actions with their lower-case names, in `actions_for_kind` order."""
    return tuple((ka, ka.action.lower()) for ka in actions_for_kind(kind))


@cache
def _kind_whole(kind: str) -> tuple[tuple[KindAction, ...], dict[str, str], frozenset[str]]:
    """An unlimited side's `ordered`, `actions` and `sensitive` (read only, never changed)."""
    lows = _kind_lows(kind)
    actions = {low: ka.action for ka, low in lows}
    sensitive = frozenset(low for low, name in actions.items() if _sensitive(name))
    return tuple(ka for ka, _ in lows), actions, sensitive


def _guard_cover(
    guards: list[CompiledPolicy], kind: str, cache: dict[object, object] | None
) -> dict[str, tuple[tuple[int, ...], tuple[Statement, ...]]]:
    """Per action of the kind: (-1 and the ids of the guard statements covering it, those
    statements), in policy order; memoised in `cache` by the policies' ids (kept alive)."""
    key = (kind, *map(id, guards))
    if cache is not None:
        hit = cache.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], guards, strict=True)):  # type: ignore[index]
            return hit[1]  # type: ignore[index,no-any-return]
    by: dict[str, list[Statement]] = {}
    for p in guards:
        for st in p.statements:
            for low in _covered(st, kind):
                by.setdefault(low, []).append(st)
    out = {low: ((-1, *map(id, sts)), tuple(sts)) for low, sts in by.items()}
    if cache is not None:
        cache[key] = (tuple(guards), out)
    return out


def _limited(side: _IdentitySide, allowed: frozenset[str]) -> _IdentitySide:
    """`_identity_side` for a limit to `allowed` actions, from the unlimited side: each
    action's entry reads only the statements covering it, so the kept entries are the same."""
    kept = tuple(ka for ka in side.ordered if ka.action.lower() in allowed)
    lows = [ka.action.lower() for ka in kept]
    return _IdentitySide(
        kept,
        {low: side.sig[low] for low in lows},
        frozenset(low for low in lows if low in side.sensitive),
        {low: side.allowed[low] for low in lows if low in side.allowed},
        {low: side.actions[low] for low in lows},
        {low: side.stmts[low] for low in lows},
    )


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


def _saturated(
    reached: Reached | None, enough: frozenset[str], allowable: frozenset[str] | None = None
) -> bool:
    """Whether no later record can change this: paths capped and every grantable action held
    for good: unconditionally, or conditionally when no walker can be granted it otherwise
    (`Reached.add` replaces a conditional grant only by an unconditional one)."""
    if reached is None or len(reached.paths) < MAX_PATHS:
        return False
    grants = reached.grants
    for a in enough:
        g = grants.get(a)
        if g is None:
            return False
        d = g.outcome.decision
        if d is Decision.ALLOW:
            continue
        if d is Decision.CONDITIONAL and allowable is not None and a not in allowable:
            continue
        return False
    return True


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
