"""The engine's caches that outlive one walker answer exactly what computing afresh does.

Each sharing is checked against the plain computation, and a sharing made deliberately too
wide (across identities, across accounts, ignoring a later grant) must fail the same check:
- an identity's statements per action (`_side`), a limited side taken from the unlimited one;
- an identity's decisions (`_decisions`), kept across its walkers and across queries;
- resource-side statement ids (`_ResourceSide.sig`), shared by resources without a policy of
  one kind and account;
- a group's grants that name no statement of its representative, given to members as they are;
- requirement renaming without `dataclasses.replace`, and the report's condition texts memo.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from graphscope.access import groups
from graphscope.access import reach as reach_mod
from graphscope.access.caller_context import Outcome
from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import NO_LIMIT, ReachEngine, _identity_side, _limited
from graphscope.access.resource_actions import KIND_TARGETS, actions_for_kind
from graphscope.access.walk import Grant, Hop, Limit, renamed, renamed_reqs
from graphscope.iam import ConditionRequirement, Decision, PolicyKind, compile_policy
from graphscope.iam.evaluate import Polarity
from graphscope.iam.policy import StatementRef
from graphscope.model import Edge, Node
from graphscope.queries import potential
from graphscope.store import MemoryGraphStore

from .helpers import reached_view

ACCT, OTHER = "222222222222", "333333333333"


@pytest.fixture(scope="module")
def synth_store(synth_inventory: Any) -> Any:
    return synth_inventory(7, 0.02)


def _subjects(store: Any) -> list[str]:
    """The widest walks (admin-like users walk most identities, under several limits), a few
    plain users and roles."""
    engine = ReachEngine(AccessInputs(store))
    users = sorted(n.id for n in store.nodes({"user"}))
    roles = sorted(n.id for n in store.nodes({"role"}))
    wide = sorted(users, key=lambda u: -len(engine.walk(u)))[:3]
    return list(dict.fromkeys([*wide, *users[:3], *roles[:2]]))


# --- identity sides ----------------------------------------------------------------------------
_LIMITS = [
    NO_LIMIT,
    Limit(frozenset({"s3:getobject", "s3:listbucket", "kms:decrypt", "bedrock:invokemodel"})),
    Limit(frozenset({"sts:assumerole"})),
    Limit(frozenset()),
]


def _side_view(side: Any) -> tuple[object, ...]:
    return (
        [ka.action for ka in side.ordered],
        list(side.sig.items()),
        side.sensitive,
        list(side.allowed.items()),
        list(side.actions.items()),
        list(side.stmts.items()),
    )


def test_identity_sides_equal_those_made_afresh(synth_store: Any) -> None:
    engine = ReachEngine(AccessInputs(synth_store))
    checked = 0
    for p in list(engine.inputs.principals())[:60]:
        base = engine.inputs.policy_set(p.id)
        for kind in KIND_TARGETS:
            for limit in _LIMITS:
                want = _side_view(_identity_side(base, kind, limit))
                assert _side_view(engine._side(p.id, base, kind, limit)) == want
                assert _side_view(_identity_side(base, kind, limit, {})) == want
                checked += 1
    assert checked > 1000
    # a limited side really is narrower: the check above would catch an unfiltered one
    base = engine.inputs.policy_set(next(engine.inputs.principals()).id)
    assert _side_view(_limited(_identity_side(base, "s3_bucket", NO_LIMIT), frozenset())) != (
        _side_view(_identity_side(base, "s3_bucket", NO_LIMIT))
    )


# --- decisions kept across walkers and queries -------------------------------------------------
def _one_engine_mismatches(store: Any, subjects: list[str]) -> list[tuple[str, str]]:
    """One engine asked every subject in turn (caches shared across queries), against a fresh
    reference engine per subject (nothing grouped, nothing shared)."""
    shared = ReachEngine(AccessInputs(store))
    bad = []
    for subject in [*subjects, *subjects[:2]]:  # and again: warm answers must not drift
        ref = ReachEngine(AccessInputs(store), grouped=False, shared_hops=False)
        got, want = reached_view(shared.reach(subject)), reached_view(ref.reach(subject))
        bad += [(subject, k) for k in sorted(got.keys() | want.keys()) if got.get(k) != want.get(k)]
    return bad


def test_one_engine_asked_in_turn_equals_fresh_references(synth_store: Any) -> None:
    subjects = _subjects(synth_store)
    assert _one_engine_mismatches(synth_store, subjects) == []


def _twins_store() -> MemoryGraphStore:
    """Two users with the same statements (one group policy) that a bucket policy tells apart
    by name: what one of them is decided on the bucket is not the other's."""
    st = MemoryGraphStore()
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                   "Resource": "*"}]}  # fmt: skip
    bucket = "arn:aws:s3:::twins"
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject",
            "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/u2"}, "Resource": f"{bucket}/*"}]}  # fmt: skip
    nodes = [
        Node(f"arn:aws:iam::{ACCT}:group/g", "group", account=ACCT),
        Node("g-policy", "managed_policy", props={"document": doc}),
        Node(bucket, "s3_bucket", account=ACCT, props={"resource_policy": deny}),
        Node("arn:aws:s3:::plain", "s3_bucket", account=ACCT),
    ]
    edges = [Edge(f"arn:aws:iam::{ACCT}:group/g", "g-policy", "attached_policy")]
    for u in ("u1", "u2"):
        nodes.append(Node(f"arn:aws:iam::{ACCT}:user/{u}", "user", account=ACCT))
        edges.append(Edge(f"arn:aws:iam::{ACCT}:user/{u}", f"arn:aws:iam::{ACCT}:group/g",
                          "member_of"))  # fmt: skip
    st.upsert_nodes(nodes)
    st.upsert_edges(edges)
    return st


def _twins_mismatches() -> list[tuple[str, str]]:
    st = _twins_store()
    engine = ReachEngine(AccessInputs(st))
    bad = []
    for u in ("u1", "u2", "u1"):
        subject = f"arn:aws:iam::{ACCT}:user/{u}"
        got = reached_view(engine.reach(subject))
        want = reached_view(ReachEngine(AccessInputs(st), exhaustive=True).reach(subject))
        bad += [(subject, k) for k in sorted(got.keys() | want.keys()) if got.get(k) != want.get(k)]
    return bad


def test_identities_with_the_same_statements_keep_their_own_decisions() -> None:
    assert _twins_mismatches() == []
    engine = ReachEngine(AccessInputs(_twins_store()))
    one, two = (engine.inputs.policy_set(f"arn:aws:iam::{ACCT}:user/{u}") for u in ("u1", "u2"))
    assert one.identity == two.identity and one.identity[0] is two.identity[0]  # same statements


def test_decisions_shared_across_identities_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decisions are the identity's own: one table for an engine's identities is wrong."""
    monkeypatch.setattr(
        ReachEngine, "_decisions", lambda self, arn: self._decided.setdefault("everyone", {})
    )
    assert _twins_mismatches()


# --- resource-side statement ids shared per kind and account -----------------------------------
class _RcpInputs(AccessInputs):
    """Inputs whose RCPs differ by account: OTHER's denies s3:GetObject everywhere."""

    def org_levels(self, account: str | None, kind: str) -> tuple[tuple[Any, ...], ...]:
        if kind != "rcp" or account != OTHER:
            return ()
        deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
        key = "rcp-other"
        hit = getattr(self, "_rcp_hit", None)
        if hit is None:
            doc = {"Version": "2012-10-17", "Statement": [deny]}
            hit = ((compile_policy(doc, key, PolicyKind.RCP),),)
            object.__setattr__(self, "_rcp_hit", hit)
        return hit


def _rcp_store() -> MemoryGraphStore:
    st = MemoryGraphStore()
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                   "Action": ["s3:*", "sts:AssumeRole"]}]}  # fmt: skip
    nodes = [
        Node(f"arn:aws:iam::{ACCT}:user/u", "user", account=ACCT),
        Node("u-inline", "inline_policy", props={"document": doc}),
    ]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}}]}  # fmt: skip
    nodes.append(Node(f"arn:aws:iam::{OTHER}:role/r", "role", account=OTHER,
                      props={"trust_policy": trust}))  # fmt: skip
    nodes.append(Node("r-inline", "inline_policy", props={"document": doc}))
    edges = [
        Edge(f"arn:aws:iam::{ACCT}:user/u", "u-inline", "attached_policy"),
        Edge(f"arn:aws:iam::{OTHER}:role/r", "r-inline", "attached_policy"),
    ]
    for acct in (ACCT, OTHER):
        nodes += [Node(f"arn:aws:s3:::b-{acct}-{i}", "s3_bucket", account=acct) for i in range(3)]
    st.upsert_nodes(nodes)
    st.upsert_edges(edges)
    return st


def _rcp_mismatches() -> list[str]:
    st = _rcp_store()
    subject = f"arn:aws:iam::{ACCT}:user/u"
    got = reached_view(ReachEngine(_RcpInputs(st)).reach(subject))
    want = reached_view(ReachEngine(_RcpInputs(st), exhaustive=True).reach(subject))
    return [k for k in sorted(got.keys() | want.keys()) if got.get(k) != want.get(k)]


def _sig_mismatches(engine: ReachEngine) -> list[tuple[str, str]]:
    """(bucket, action) whose resource-side statement ids differ from those read afresh."""
    bad = []
    for node in engine.store.nodes({"s3_bucket"}):
        res = engine._resource_side(node)
        for ka in actions_for_kind(node.kind):
            low = ka.action.lower()
            want = tuple(id(s) for lv in res.rcps for p in lv for s in p.for_action(low))
            if res.sig(low) != want:
                bad.append((node.id, low))
    return bad


def test_resource_sides_share_statement_ids_per_kind_and_account() -> None:
    engine = ReachEngine(_RcpInputs(_rcp_store()))
    assert _sig_mismatches(engine) == []
    other = next(n for n in engine.store.nodes({"s3_bucket"}) if n.account == OTHER)
    assert engine._resource_side(other).sig("s3:getobject")  # the RCP covers it there
    # the role of OTHER gets no s3:GetObject there (its RCP), the user's buckets do
    assert _rcp_mismatches() == []


def test_resource_sides_shared_across_accounts_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ReachEngine._resource_side

    def careless(self: ReachEngine, node: Node) -> Any:
        res = real(self, node)
        if not res.policies:
            res._sigs = self._rcp_sigs.setdefault((node.kind, None), {})  # account ignored
        return res

    monkeypatch.setattr(ReachEngine, "_resource_side", careless)
    assert _sig_mismatches(ReachEngine(_RcpInputs(_rcp_store())))


# --- group members: grants renamed only where they name the representative ------------------
def _ref(policy: str, index: int = 0) -> StatementRef:
    return StatementRef(policy, index, None, PolicyKind.RESOURCE)


def _req(policy: str) -> ConditionRequirement:
    return ConditionRequirement(
        Polarity.MUST_NOT_HOLD, _ref(policy), "Bool", "aws:SecureTransport", ("false",), "tls"
    )


def test_group_state_builds_members_like_a_full_rename() -> None:
    rep, member = "arn:aws:s3:::g-0", "arn:aws:s3:::g-1"
    named = Grant("s3:GetObject", "Read", Outcome(Decision.ALLOW, (), (_req(rep),)), ("idp[0]",))
    plain = Grant("s3:ListBucket", "List", Outcome(Decision.ALLOW), ("idp[1]",))
    by_ref = Grant("s3:PutObject", "Write", Outcome(Decision.ALLOW), (f"{rep}[2]",))
    state = groups._State(rep)
    hop = (Hop("a", "b", "can_assume", "x"),)
    state.add(named, hop, "b")
    state.add(plain, hop, "b")
    node = Node(member, "s3_bucket")

    def full(st: Any) -> dict[str, Grant]:
        ren = groups._Renamer(rep, member)
        return {a: ren.grant(g) for a, g in st.grants.items()}

    grants, _ = state.build(node)
    assert grants == full(state)
    assert grants["s3:GetObject"].outcome.assumptions[0].statement.policy == member
    assert grants["s3:ListBucket"] is plain
    # a grant added after a build is renamed too (the cached list is remade)
    state.add(by_ref, hop, "b")
    grants, _ = state.build(node)
    assert grants == full(state)
    assert grants["s3:PutObject"].granted_by == (f"{member}[2]",)


def test_renamed_requirements_equal_dataclass_replace() -> None:
    old, new = "arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"
    reqs = (_req(old), _req("other"), _req(old))
    want = tuple(
        replace(c, statement=replace(c.statement, policy=new)) if c.statement.policy == old else c
        for c in reqs
    )
    assert renamed_reqs(reqs, old, new) == want
    assert renamed_reqs((), old, new) == ()
    out = renamed(Outcome(Decision.CONDITIONAL, reqs[:1], reqs[1:]), old, new)
    assert out.conditions == want[:1] and out.assumptions == want[1:]


# --- the report's condition texts ---------------------------------------------------------------
def test_report_resources_equal_without_the_memo(synth_store: Any) -> None:
    engine = ReachEngine(AccessInputs(synth_store))
    subject = _subjects(synth_store)[0]
    reached = engine.reach(subject)
    memo: dict[Any, Any] = {}
    with_memo = [potential._resource_out(r, None, memo) for r in reached.values()]
    without = [potential._resource_out(r) for r in reached.values()]
    assert with_memo == without
    assert memo  # it was used
    assert any(r.assumptions or r.conditions for r in without)


def test_module_keeps_one_decision_table_per_identity(synth_store: Any) -> None:
    engine = ReachEngine(AccessInputs(synth_store))
    subject = _subjects(synth_store)[0]
    engine.reach(subject)
    walked = {w.arn for w in engine.walk(subject)}
    assert set(engine._decided) <= walked | {subject}
    assert reach_mod.ReachEngine._decisions(engine, subject) is engine._decided[subject]
