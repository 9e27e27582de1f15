"""Take-overs of users kept as classes of users (`ReachEngine(shared_hops=True)`) answer exactly
what one move per user does (`shared_hops=False`, the walk the exhaustive reference is checked
against elsewhere).

Compared field by field for every principal: each identity's moves and records, the reach of
every principal (actions, levels, decisions, conditions, assumptions, granting statements,
paths), who-can on every resource and user, and path queries. The organisation holds each way
two users can be taken over differently: a Resource pattern naming some users, a policy
variable, a condition, an explicit Deny on one user, a boundary, another account, and a path
through a conditional role. Deliberately broken sharing must fail the same comparison.
"""

from __future__ import annotations

from typing import Any

import pytest

from graphscope.access import reach as reach_mod
from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.model import Edge, Node
from graphscope.queries.potential import paths_between, who_can
from graphscope.store import MemoryGraphStore

from .helpers import reached_view

DEV, OTHER = "222222222222", "333333333333"
U = f"arn:aws:iam::{DEV}:user"
R = f"arn:aws:iam::{DEV}:role"


def _doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def _allow(action: str | list[str], resource: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
IDENTITIES: dict[str, tuple[str, list[dict[str, Any]]]] = {
    f"{U}/admin": (DEV, [_allow("*", "*")]),
    f"{U}/admin2": (DEV, [_allow("*", "*")]),
    f"{U}/keys": (
        DEV,
        [_allow("iam:CreateAccessKey", f"{U}/svc-*"), _allow("s3:GetObject", "*")],
    ),
    f"{U}/mfa": (DEV, [_allow("iam:CreateLoginProfile", "*", Condition=MFA)]),
    f"{U}/named": (DEV, [_allow("iam:UpdateLoginProfile", f"{U}/${{aws:username}}-*")]),
    f"{U}/named-svc": (DEV, [_allow("s3:ListBucket", "*")]),
    f"{U}/svc-a": (DEV, [_allow("s3:GetObject", "arn:aws:s3:::data-1/*")]),
    f"{U}/svc-b": (DEV, [_allow("sts:AssumeRole", f"{R}/ops"), _allow("bedrock:*", "*")]),
    f"{U}/denied": (
        DEV,
        [
            _allow("*", "*"),
            {"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": f"{U}/svc-b"},
        ],
    ),
    f"{U}/bounded": (DEV, [_allow("*", "*")]),
    f"{U}/hopper": (DEV, [_allow("sts:AssumeRole", "*")]),
    f"arn:aws:iam::{OTHER}:user/outsider": (OTHER, [_allow("iam:*", "*")]),
    f"arn:aws:iam::{OTHER}:user/far": (OTHER, [_allow("s3:*", "*")]),
    f"{U}/reader": (DEV, [_allow(["bedrock:Retrieve", "s3:GetObject"], "*")]),
    f"{R}/ops": (DEV, [_allow("s3:*", "*")]),
    f"{R}/kb": (DEV, [_allow("s3:GetObject", "*")]),
    f"arn:aws:iam::{OTHER}:role/kb": (OTHER, [_allow("s3:GetObject", "*")]),
    f"{R}/cond": (
        DEV,
        [_allow(["iam:CreateAccessKey", "iam:CreateServiceSpecificCredential"], "*")],
    ),
}
KB_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "bedrock.amazonaws.com"},
    "Action": "sts:AssumeRole",
}
KBS = {
    f"arn:aws:bedrock:us-east-1:{DEV}:knowledge-base/KB1": f"{R}/kb",
    f"arn:aws:bedrock:us-east-1:{OTHER}:knowledge-base/KB2": f"arn:aws:iam::{OTHER}:role/kb",
}
TRUSTS = {
    f"{R}/kb": KB_TRUST,
    f"arn:aws:iam::{OTHER}:role/kb": KB_TRUST,
    f"{R}/ops": {"Effect": "Allow", "Principal": {"AWS": f"{U}/svc-b"}, "Action": "sts:AssumeRole"},
    f"{R}/cond": {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DEV}:root"},
        "Action": "sts:AssumeRole",
        "Condition": MFA,
    },
}


def _hand_store() -> MemoryGraphStore:
    nodes = [
        Node("r-root", "org_root"),
        Node(f"acct-{DEV}", "account", name=DEV, account=DEV, props={"account_id": DEV}),
        Node(f"acct-{OTHER}", "account", name=OTHER, account=OTHER, props={"account_id": OTHER}),
        Node("scp-full", "scp", props={"document": _doc(_allow("*", "*"))}),
        Node("boundary", "managed_policy", props={"document": _doc(_allow("s3:*", "*"))}),
        *(Node(f"arn:aws:s3:::data-{i}", "s3_bucket", account=DEV) for i in range(3)),
    ]
    edges = [
        Edge(f"acct-{DEV}", "r-root", "member_of"),
        Edge(f"acct-{OTHER}", "r-root", "member_of"),
        Edge("scp-full", "r-root", "policy_applies_to"),
        Edge(f"{U}/bounded", "boundary", "permissions_boundary"),
    ]
    for kb, role in KBS.items():
        nodes.append(Node(kb, "knowledge_base", account=kb.split(":")[4]))
        edges.append(Edge(kb, role, "runs_as"))
    for arn, (account, stmts) in IDENTITIES.items():
        kind = "role" if ":role/" in arn else "user"
        props = {"trust_policy": _doc(TRUSTS[arn])} if kind == "role" else {}
        nodes += [
            Node(arn, kind, account=account, props=props),
            Node(f"{arn}#inline", "inline_policy", props={"document": _doc(*stmts)}),
        ]
        edges.append(Edge(arn, f"{arn}#inline", "attached_policy"))
    store = MemoryGraphStore()
    store.upsert_nodes(nodes)
    store.upsert_edges(edges)
    return store


def _mismatches(store: Any, subjects: list[str], *, grouped: bool = True) -> list[str]:
    """What differs between shared and per-user take-overs: moves, reach, who-can, paths."""
    fast = ReachEngine(AccessInputs(store), grouped=grouped)
    plain = ReachEngine(AccessInputs(store), grouped=grouped, shared_hops=False)
    bad = []
    principals = sorted(n.id for n in store.nodes({"user", "role"}))
    for p in principals:
        if fast.moves(p) != plain.moves(p):
            bad.append(f"moves of {p}")
    for s in subjects:
        got, want = reached_view(fast.reach(s)), reached_view(plain.reach(s))
        bad += [
            f"reach {s} -> {k}"
            for k in sorted(got.keys() | want.keys())
            if got.get(k) != want.get(k)
        ]
        for dst in sorted(want)[:40]:
            if paths_between(fast, s, dst) != paths_between(plain, s, dst):
                bad.append(f"path {s} -> {dst}")
    users = sorted(n.id for n in store.nodes({"user"}))
    buckets = sorted(n.id for n in store.nodes({"s3_bucket"}))
    for target in [*users[:6], *buckets[:3]]:
        if who_can(fast, target) != who_can(plain, target):
            bad.append(f"who-can {target}")
    return bad


def test_hand_built_take_overs_equal_one_move_per_user() -> None:
    store = _hand_store()
    subjects = sorted(IDENTITIES)
    assert _mismatches(store, subjects) == []
    assert _mismatches(store, subjects, grouped=False) == []
    # the comparison is not vacuous: the admin takes over users, some only conditionally
    engine = ReachEngine(AccessInputs(store))
    reached = engine.reach(f"{U}/admin")
    assert f"{U}/svc-b" in reached and f"{U}/keys" in reached
    via_cond = engine.reach(f"{U}/hopper")
    assert via_cond[f"{U}/svc-a"].conditional  # taken over only through the MFA role
    proxied = engine.reach(f"{U}/reader")  # a knowledge base's role, in its account only
    assert f"{R}/kb" in proxied and f"arn:aws:iam::{OTHER}:role/kb" not in proxied
    keys = engine.reach(f"{U}/keys")
    assert {f"{U}/svc-a", f"{U}/svc-b"} <= keys.keys() and f"{U}/admin" not in keys


def test_classes_share_what_they_may_and_nothing_else() -> None:
    engine = ReachEngine(AccessInputs(_hand_store()))
    (section,) = [
        s
        for s in engine.own_hops(f"{U}/admin")
        if not isinstance(s, reach_mod.Moves) and s.source == "gs-iam-create-access-key"
    ]
    # every same-account user in one class; the other account's users in none
    (cls,) = section.classes
    assert f"{U}/svc-a" in cls.targets and f"arn:aws:iam::{OTHER}:user/far" not in cls.targets
    (named,) = [
        s
        for s in engine.own_hops(f"{U}/named")
        if not isinstance(s, reach_mod.Moves) and s.source == "gs-iam-update-login-profile"
    ]
    assert [sorted(c.targets) for c in named.classes] == [[f"{U}/named-svc"]]


# --- synthetic organisations, the dense take-overs the benchmark has -------------------------


@pytest.fixture(scope="module", params=[(1, 0.01), (7, 0.02)])
def synth_store(request: pytest.FixtureRequest, synth_inventory: Any) -> Any:
    return synth_inventory(*request.param)


def test_synthetic_orgs_equal_one_move_per_user(synth_store: Any) -> None:
    engine = ReachEngine(AccessInputs(synth_store))
    users = sorted(n.id for n in synth_store.nodes({"user"}))
    roles = sorted(n.id for n in synth_store.nodes({"role"}))
    wide = sorted(users, key=lambda u: -len(engine.walk(u)))[:2]
    takers = [
        p
        for p in [*users, *roles]
        if any(
            isinstance(s, reach_mod.HopClasses) and s.edge == "can_access" and s.classes
            for s in engine.own_hops(p)
        )
    ]
    subjects = list(dict.fromkeys([*wide, *takers[:3], *users[:2], *roles[:2]]))
    assert _mismatches(synth_store, subjects) == []
    # take-overs are real here: a taker's walk lists other users
    assert takers
    assert sum(1 for r in engine.reach(takers[0]).values() if r.node.kind == "user") > 1


@pytest.mark.parametrize(("few", "narrow"), [(0, 0), (10**9, 4)])
def test_narrowed_and_listed_sections_equal_one_move_per_user(
    synth_store: Any, monkeypatch: pytest.MonkeyPatch, few: int, narrow: int
) -> None:
    """A section's moves found by set difference (`_narrowed`, above `_FEW` members) or from its
    full ordered list give the walks one move per target gives: `_FEW` forced both ways, so
    the small test organisations take the path the large ones take."""
    monkeypatch.setattr(reach_mod, "_FEW", few)
    monkeypatch.setattr(reach_mod, "_NARROW", narrow)
    engine = ReachEngine(AccessInputs(synth_store))
    users = sorted(n.id for n in synth_store.nodes({"user"}))
    wide = sorted(users, key=lambda u: -len(engine.walk(u)))[:3]
    assert _mismatches(synth_store, list(dict.fromkeys([*wide, *users[:2]]))) == []
    assert _mismatches(_hand_store(), sorted(IDENTITIES)) == []


# --- broken sharing must be caught ------------------------------------------------------------
def test_skipping_a_record_that_still_adds_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treating every already-reached user as settled drops later, better grants and paths."""
    monkeypatch.setattr(reach_mod, "_adds_nothing", lambda reached, grant: reached is not None)
    assert _mismatches(_hand_store(), sorted(IDENTITIES))


def test_applications_alike_across_accounts_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sharing a knowledge base's entry grants with one in another account."""
    monkeypatch.setattr(ReachEngine, "_proxy_bucket", lambda self, node: node.kind)
    assert _mismatches(_hand_store(), sorted(IDENTITIES))


def test_classes_across_accounts_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sharing one evaluation between users of different accounts grants cross-account."""
    real = ReachEngine._buckets

    def careless(self: ReachEngine, kinds: tuple[str, ...], action: str):
        hit = real(self, kinds, action)
        members = tuple(m for ms, _ in hit.alike for m in ms)
        return reach_mod._Buckets(((members, frozenset(members)),), hit.loose)

    monkeypatch.setattr(ReachEngine, "_buckets", careless)
    assert _mismatches(_hand_store(), sorted(IDENTITIES))
