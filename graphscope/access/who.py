"""Who-can's early stop for walks that never saturate: a principal with fewer than five paths
to the resource would otherwise walk every identity it can become. Its walk can stop once no
walker it could still make records anything on the resource: every (holder, limit) it can
reach in the hop graph is walked already for good. Reachability is shared across principals
through the largest strongly connected part of the hop graph (dense organisations have one)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphscope.access.walk import MAX_PATHS, NO_LIMIT, Grant, Limit, Moves, Reached, Section
from graphscope.iam import Decision

State = tuple[str, Limit]  # an identity walked with a limit: one walker key, either condition


@dataclass(slots=True)
class Settling:
    """One walk's (holder, limit) states it may still make a walker for: `left`, those it can
    reach and has not walked for good (nor made useless, see `narrow`); `free`, those it can
    reach with no open condition; `gives`, what a walker of each state records."""

    left: set[State]
    free: set[State] | frozenset[State]
    gives: HopReach
    _sig: int = -1

    def mark(self, dst: str, limit: Limit, conditional: bool) -> bool:
        """The walk marked `dst` under `limit`; True once nothing is left. A conditional mark
        settles a state only when no unconditional walker of it can come (none reaches it
        freely): the walk makes one conditional walker per state at most."""
        s = (dst, limit)
        if s in self.left and not (conditional and s in self.free):
            self.left.discard(s)
        return not self.left

    def narrow(self, reached: Reached | None) -> bool:
        """Drop the states whose walkers could no longer change `reached` (paths capped; each
        action they give held, unconditionally or with nothing better to give: what
        `Reached.add` keeps); True once nothing is left. Grants only get better, so a state
        dropped stays useless."""
        if reached is None or len(reached.paths) < MAX_PATHS:
            return False
        grants = reached.grants
        sig = sum(1 + (g.outcome.decision is not Decision.CONDITIONAL) for g in grants.values())
        if sig == self._sig:
            return not self.left
        self._sig = sig

        have = set(grants)
        upgradable = {a for a, g in grants.items() if g.outcome.decision is Decision.CONDITIONAL}
        gives, free = self.gives.gives, self.free
        # useless: every action it gives is held, and none it may give unconditionally is held
        # only conditionally (a state no path reaches freely has only conditional walkers)
        self.left = {
            s
            for s in self.left
            if not ((g := gives(s))[0] <= have and (s not in free or g[1].isdisjoint(upgradable)))
        }
        return not self.left


def _opens(outcome: object) -> bool:
    return outcome.decision is Decision.CONDITIONAL and bool(outcome.conditions)  # type: ignore[attr-defined]


class HopReach:
    """The hop graph seen from one resource's holders: for each identity, the (holder, limit)
    states its walk can reach, and those it can reach with no open condition. A superset of
    what a walk reaches (depth and marks are ignored), so a walk that has settled all of them
    makes no walker that records anything."""

    def __init__(
        self,
        principals: Iterable[str],
        hops: dict[str, tuple[Section, ...]],
        resource: str,
        access: dict[str, list[Grant]],
        own: dict[str, list[Grant]],
    ) -> None:
        """`hops`: each identity's own hops; `access`: per holder of the resource, what it is
        granted there with no limit (a limit leaves it some of those, evaluated alike); `own`:
        what its own hops record there (recorded only without a limit)."""
        self.resource = resource
        self.access, self.own = access, own
        self._gives: dict[State, tuple[frozenset[str], frozenset[str]]] = {}
        useful = access
        self.fwd: dict[str, list[frozenset[str] | set[str]]] = {}  # no-limit moves, any
        self.ufwd: dict[str, list[frozenset[str] | set[str]]] = {}  # ... opening nothing
        self.out: dict[str, set[State]] = {}  # states entered by one move
        self.uout: dict[str, set[State]] = {}  # ... by a move opening nothing

        memo: dict[tuple[str, Limit], bool] = {}

        def ok(h: str, limit: Limit) -> bool:
            if limit is NO_LIMIT:
                return True
            hit = memo.get((h, limit))
            if hit is None:
                hit = memo[h, limit] = any(limit.allows(g.action, resource) for g in useful[h])
            return hit

        for arn in principals:
            fwd: list[frozenset[str] | set[str]] = []
            ufwd: list[frozenset[str] | set[str]] = []
            out: set[State] = set()
            uout: set[State] = set()
            for section in hops[arn]:
                if isinstance(section, Moves):
                    for move in section.moves:
                        free = not _opens(move.outcome)
                        if move.limit is NO_LIMIT:
                            fwd.append({move.dst})
                            if free:
                                ufwd.append({move.dst})
                        if move.dst in useful and ok(move.dst, move.limit):
                            out.add((move.dst, move.limit))
                            if free:
                                uout.add((move.dst, move.limit))
                    continue
                limit = section.limit
                for cls in section.classes:
                    free = not _opens(cls.outcome)
                    if limit is NO_LIMIT:
                        fwd.append(cls.targets)
                        if free:
                            ufwd.append(cls.targets)
                    held = cls.targets & useful.keys()
                    for h in held:
                        if ok(h, limit):
                            out.add((h, limit))
                            if free:
                                uout.add((h, limit))
            self.fwd[arn], self.ufwd[arn], self.out[arn], self.uout[arn] = fwd, ufwd, out, uout
        self._big = _Shared(self.fwd, self.out)
        self._ubig = _Shared(self.ufwd, self.uout)

    def settling(self, subject: str) -> Settling:
        """The states the subject's walk may make a walker for (never itself: a walk does
        not walk into its subject)."""
        left = self._big.states(subject)
        left = {s for s in left if s[0] != subject}
        return Settling(left, self._ubig.states(subject), self)

    def gives(self, state: State) -> tuple[frozenset[str], frozenset[str]]:
        """The actions a walker of the state may record on the resource, and those of them it
        may record unconditionally."""
        hit = self._gives.get(state)
        if hit is None:
            h, limit = state
            if limit is NO_LIMIT:
                grants = [*self.own.get(h, ()), *self.access.get(h, ())]
            else:
                grants = [
                    g for g in self.access.get(h, ()) if limit.allows(g.action, self.resource)
                ]
            hit = self._gives[state] = (
                frozenset(g.action for g in grants),
                frozenset(g.action for g in grants if g.outcome.decision is Decision.ALLOW),
            )
        return hit


class _Shared:
    """Closures over one graph, sharing the strongly connected part of its widest identity:
    every member reaches the same identities, so the same states."""

    def __init__(self, fwd: dict[str, list[frozenset[str] | set[str]]], out: dict[str, set[State]]):
        self.fwd, self.out = fwd, out
        pivot = max(fwd, key=lambda a: sum(len(t) for t in fwd[a]), default=None)
        self.part: set[str] = set()
        self.part_states: frozenset[State] = frozenset()
        if pivot is None:
            return
        reach = self._closure(pivot)
        # the members of `reach` that reach the pivot back: grown a layer at a time
        part = {pivot}
        rest = reach - part
        while True:
            grow = {a for a in rest if any(not t.isdisjoint(part) for t in fwd.get(a, ()))}
            if not grow:
                break
            part |= grow
            rest -= grow
        self.part = part
        states: set[State] = set()
        for a in reach:
            states |= out.get(a, set())
        self.part_states = frozenset(states)

    def _closure(self, start: str, stop: set[str] | None = None) -> set[str]:
        seen = {start}
        stack = [start]
        fwd = self.fwd
        while stack:
            a = stack.pop()
            if stop is not None and a in stop:
                continue
            for t in fwd.get(a, ()):
                new = t - seen
                if new:
                    seen |= new
                    stack.extend(new)
        return seen

    def states(self, start: str) -> set[State]:
        part = self.part
        if start in part:
            return set(self.part_states)
        reached = self._closure(start, part)
        states: set[State] = set(self.part_states) if not reached.isdisjoint(part) else set()
        for a in reached - part:
            states |= self.out.get(a, set())
        return states
