"""Who-can at organisation scale: a lazy walk that stops as soon as the answer is settled.

Two things must not move. The walk (`ReachEngine.walk`) yields its walkers one at a time and
pulls each identity's moves only as far as it is asked; it must yield exactly what the eager
walk did (a FIFO of walkers, each one's moves all queued before the next is taken, the order
every record follows). And `who_reaches(r)[p]` must be `reach(p, only={r})[r]` field by field
(actions, grants with their decisions, conditions and statements, paths in order), while it
walks only from the principals that lead to a holder of the resource and stops once an action
that nobody can hold unconditionally is held conditionally. The reference below is the eager
walk and every principal queried on its own.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import pytest

from graphscope.access import reach as reach_mod
from graphscope.access.caller_context import Outcome
from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import MAX_DEPTH, NO_LIMIT, ReachEngine
from graphscope.access.walk import MAX_PATHS, Grant, Hop, Limit, Reached, Walker
from graphscope.access.who import Settling
from graphscope.iam import Decision
from graphscope.ingest.inventory import load_inventory
from graphscope.model import Edge, Node
from graphscope.store import MemoryGraphStore

from .helpers import reached_view

ROOT = Path(__file__).resolve().parents[2]
SNAP = ROOT / "tests" / "inventory" / "data" / "org-snapshot"


def _eager_walk(engine: ReachEngine, subject: str, relevant: set[str] | None) -> list[Walker]:
    """The walk as it was before it became lazy: every move of a walker (its `moves`, one per
    target) queued, and marked, before the next walker is taken."""
    queue = deque([Walker(subject, (), NO_LIMIT)])
    seen: dict[tuple[object, bool], set[str]] = {(NO_LIMIT, False): {subject}}
    out = []
    while queue:
        walker = queue.popleft()
        if len(walker.path) >= MAX_DEPTH:
            continue
        out.append(walker)
        if walker.limit is not NO_LIMIT:
            continue
        for move in engine.moves(walker.arn).moves:
            dst = move.dst
            if (relevant is not None and dst not in relevant) or dst == subject:
                continue
            if dst in seen.get((move.limit, False), set()):
                continue
            o = move.outcome
            opens = o.decision is Decision.CONDITIONAL and bool(o.conditions)
            carried = walker.carried
            if carried or opens:
                mark = seen.setdefault((move.limit, True), set())
                if dst in mark:
                    continue
                if opens:
                    carried = tuple(dict.fromkeys((*carried, *o.conditions)))
            else:
                mark = seen.setdefault((move.limit, False), set())
            mark.add(dst)
            queue.append(Walker(dst, (*walker.path, *move.hops), move.limit, carried))
    return out


def _walk_view(walkers: list[Walker]) -> list[tuple[object, ...]]:
    return [(w.arn, w.path, w.limit, w.carried) for w in walkers]


def _reference(store: Any, resource: str) -> dict[str, object]:
    """Every principal queried on its own, on an engine whose walk is the eager one."""
    ref = ReachEngine(AccessInputs(store))
    ref._walking = lambda s, rel, *_: iter(_eager_walk(ref, s, rel))  # type: ignore[method-assign]
    out = {}
    for p in sorted(n.id for n in ref.inputs.principals()):
        reached = ref.reach(p, only=frozenset({resource})).get(resource)
        if reached is not None:
            out[p] = reached_view({resource: reached})[resource]
    return out


def _who(engine: ReachEngine, resource: str) -> dict[str, object]:
    return {
        p: reached_view({resource: r})[resource] for p, r in engine.who_reaches(resource).items()
    }


@pytest.fixture(scope="module")
def synth_store(synth_inventory: Any) -> Any:
    return synth_inventory(7, 0.02)


@pytest.fixture(scope="module")
def fixture_store() -> Any:
    return load_inventory([SNAP]).store


def _wide_subjects(engine: ReachEngine, store: Any) -> list[str]:
    users = sorted(n.id for n in store.nodes({"user"}))
    roles = sorted(n.id for n in store.nodes({"role"}))
    wide = sorted(users, key=lambda u: -len(engine.walk(u)))[:4]
    return list(dict.fromkeys([*wide, *users[:3], *roles[:3]]))


@pytest.mark.parametrize("which", ["synth", "fixture"])
def test_the_lazy_walk_is_the_eager_walk(which: str, request: pytest.FixtureRequest) -> None:
    store = request.getfixturevalue(f"{which}_store")
    engine = ReachEngine(AccessInputs(store))
    subjects = _wide_subjects(engine, store)
    longest = 0
    for s in subjects:
        got = _walk_view(engine.walk(s))
        assert got == _walk_view(_eager_walk(engine, s, None)), s
        longest = max(longest, len(got))
    assert longest >= 10  # the admin-like walks cross many identities
    # kept to the identities leading to a resource's holders, as who-can walks
    bucket = sorted(n.id for n in store.nodes({"s3_bucket"}))[0]
    g = engine._grantable(bucket, engine._holders(bucket), {})
    relevant = engine._leading_to(g.holding)
    assert len(relevant) > 0
    for s in subjects:
        got = _walk_view(engine.walk(s, relevant))
        assert got == _walk_view(_eager_walk(engine, s, relevant)), s


def _conditional_only(engine: ReachEngine, ids: list[str]) -> list[str]:
    """Resources with an action some walker is granted, but never unconditionally."""
    out = []
    for r in ids:
        g = engine._grantable(r, engine._holders(r), {})
        if g.actions - g.allowable:
            out.append(r)
    return out


def test_who_can_is_each_principal_on_its_own_synthetic(synth_store: Any) -> None:
    engine = ReachEngine(AccessInputs(synth_store))
    roles = sorted(n.id for n in synth_store.nodes({"role"}))
    kbs = sorted(n.id for n in synth_store.nodes({"knowledge_base"}))
    buckets = sorted(n.id for n in synth_store.nodes({"s3_bucket"}))
    mfa_roles = _conditional_only(engine, roles)  # sts:AssumeRole only with MFA
    ip_kbs = _conditional_only(engine, kbs)  # Retrieve only from the office network
    assert mfa_roles and ip_kbs
    sample = [mfa_roles[0], mfa_roles[-1], ip_kbs[0], roles[0], buckets[0], buckets[-1]]
    settled_early = 0
    for r in sample:
        got = _who(engine, r)
        assert got == _reference(synth_store, r), r
        assert got, r
        if r in mfa_roles:
            # principals whose answer the sharper stop settles: paths capped, AssumeRole held
            # only conditionally
            settled_early += sum(
                len(v[2]) >= MAX_PATHS  # type: ignore[index]
                and v[0]["sts:AssumeRole"][1] is Decision.CONDITIONAL  # type: ignore[index]
                for v in got.values()
            )
    assert settled_early > 0


def test_who_can_is_each_principal_on_its_own_fixture(fixture_store: Any) -> None:
    engine = ReachEngine(AccessInputs(fixture_store))
    kbs = sorted(n.id for n in fixture_store.nodes({"knowledge_base"}))
    sources = sorted({b for k in kbs for b in engine._kb_sources(k) if b.startswith("arn:aws:s3")})
    assert sources  # buckets read through a knowledge base's role
    roles = sorted(n.id for n in fixture_store.nodes({"role"}))
    for r in [*sources, *kbs[:2], *roles[:3]]:
        assert _who(engine, r) == _reference(fixture_store, r), r


ACCT = "222222222222"
USER = f"arn:aws:iam::{ACCT}:user/u"
DATA = "arn:aws:s3:::data"


def _doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def _late_allow_store(late: str) -> MemoryGraphStore:
    """u becomes c1..c5 only with MFA, and z-free (walked after them: roles go by ARN) without
    a condition; c1..c5 list the bucket. So u's first five paths hold s3:ListBucket only
    conditionally. `late`: "free", z-free lists the bucket too; "via", z-free lists nothing
    but becomes c1 without a condition (c1 walked a second time, unconditionally); "none",
    no z-free: the grant stays conditional."""
    nodes = [
        Node(USER, "user", account=ACCT),
        Node("u-inline", "inline_policy", props={"document": _doc(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})}),
        Node(DATA, "s3_bucket", account=ACCT),
    ]  # fmt: skip
    edges = [Edge(USER, "u-inline", "attached_policy")]
    role = f"arn:aws:iam::{ACCT}:role"
    names = [f"c{i}" for i in range(1, 6)] + (["z-free"] if late != "none" else [])
    for name in names:
        trust: list[dict[str, Any]] = [{"Effect": "Allow", "Principal": {"AWS": USER},
                                        "Action": "sts:AssumeRole"}]  # fmt: skip
        if name != "z-free":
            trust[0]["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        if name == "c1" and late == "via":
            trust.append({"Effect": "Allow", "Principal": {"AWS": f"{role}/z-free"},
                          "Action": "sts:AssumeRole"})  # fmt: skip
        stmt = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": DATA}
        if name == "z-free" and late == "via":
            stmt = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"{role}/c1"}
        nodes += [
            Node(f"{role}/{name}", "role", account=ACCT, props={"trust_policy": _doc(*trust)}),
            Node(f"{name}-inline", "inline_policy", props={"document": _doc(stmt)}),
        ]
        edges.append(Edge(f"{role}/{name}", f"{name}-inline", "attached_policy"))
    st = MemoryGraphStore()
    st.upsert_nodes(nodes)
    st.upsert_edges(edges)
    return st


@pytest.mark.parametrize("late", ["free", "via", "none"])
def test_conditional_first_then_unconditional(late: str) -> None:
    store = _late_allow_store(late)
    engine = ReachEngine(AccessInputs(store))
    got = engine.who_reaches(DATA)
    assert _who(engine, DATA) == _reference(store, DATA)
    grant = got[USER].grants["s3:ListBucket"]
    assert len(got[USER].paths) == MAX_PATHS
    want = Decision.CONDITIONAL if late == "none" else Decision.ALLOW
    assert grant.outcome.decision is want


def test_a_stop_that_takes_every_conditional_grant_as_final_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The comparison above can fail: stopping once every action is held at all (conditional
    grants taken as final) keeps u's conditional grant and misses z-free's."""
    real = reach_mod._saturated
    monkeypatch.setattr(
        reach_mod,
        "_saturated",
        lambda reached, enough, allowable=None: real(reached, enough, frozenset()),
    )
    store = _late_allow_store("free")
    engine = ReachEngine(AccessInputs(store))
    got = engine.who_reaches(DATA)[USER].grants["s3:ListBucket"]
    assert got.outcome.decision is Decision.CONDITIONAL  # wrong: z-free holds it freely
    assert _who(engine, DATA) != _reference(store, DATA)


def test_a_walk_settled_by_a_conditional_mark_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk's stop (`who.Settling`) must wait for c1 walked unconditionally through
    z-free: one that takes a conditional walker as the last of its identity stops too soon."""

    def mark(self: Settling, dst: str, limit: Limit, conditional: bool) -> bool:
        self.left.discard((dst, limit))
        return not self.left

    store = _late_allow_store("via")
    engine = ReachEngine(AccessInputs(store))
    assert engine.who_reaches(DATA)[USER].grants["s3:ListBucket"].outcome.decision is (
        Decision.ALLOW
    )
    monkeypatch.setattr(Settling, "mark", mark)
    engine = ReachEngine(AccessInputs(store))
    got = engine.who_reaches(DATA)[USER].grants["s3:ListBucket"]
    assert got.outcome.decision is Decision.CONDITIONAL  # wrong: stopped before z-free -> c1


def test_walks_stop_once_settled(synth_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Principals with fewer than five paths stop walking once every holder they can reach is
    walked for good (and still answer as the reference: see above)."""
    engine = ReachEngine(AccessInputs(synth_store))
    settled: list[bool] = []
    real = ReachEngine.reach

    def spy(self: ReachEngine, subject: str, only: Any = None, **kw: Any) -> Any:
        out = real(self, subject, only, **kw)
        settle = kw.get("settle")
        if settle is not None:
            settled.append(not settle.left)
        return out

    monkeypatch.setattr(ReachEngine, "reach", spy)
    bucket = sorted(n.id for n in synth_store.nodes({"s3_bucket"}))[0]
    engine.who_reaches(bucket)
    assert settled and sum(settled) > len(settled) / 2


def _reached(decisions: dict[str, Decision], paths: int) -> Reached:
    node = Node("arn:aws:s3:::b", "s3_bucket")
    r = Reached(node)
    for a, d in decisions.items():
        r.grants[a] = Grant(a, "Read", Outcome(d), ("p#0",))
    r.paths = [(Hop("u", f"x{i}", "can_access", "p#0"),) for i in range(paths)]
    return r


def test_saturated_settles_only_what_cannot_change() -> None:
    allow, cond = Decision.ALLOW, Decision.CONDITIONAL
    both = frozenset({"a", "b"})
    capped = _reached({"a": allow, "b": cond}, MAX_PATHS)
    # b held conditionally: settled only when no walker can hold it unconditionally
    assert reach_mod._saturated(capped, both, frozenset({"a"}))
    assert not reach_mod._saturated(capped, both, both)
    assert not reach_mod._saturated(capped, both, None)
    # an action not held yet, or paths not capped: never settled
    assert not reach_mod._saturated(_reached({"a": allow}, MAX_PATHS), both, frozenset())
    assert not reach_mod._saturated(_reached({"a": allow, "b": allow}, MAX_PATHS - 1), both)
    assert reach_mod._saturated(_reached({"a": allow, "b": allow}, MAX_PATHS), both)
