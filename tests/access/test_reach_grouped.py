"""Grouped evaluation (graphscope.access.groups) answers exactly what resource-by-resource does.

The reference is the same engine with grouping off (every resource evaluated on its own, the
walk the exhaustive reference is already checked against). Compared resource by resource:
actions, access levels, decision, conditions, assumptions, granting statements and paths. The
organisations hold buckets whose policies differ in each way that matters (a Deny on one, a
NotPrincipal, a principal list, a condition, a condition naming the bucket, a Resource pattern
that matches some buckets only, no policy at all), and a grouping that is deliberately broken
must fail the same comparison.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from graphscope.access import groups
from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.iam import Decision
from graphscope.model import Edge, Node
from graphscope.store import MemoryGraphStore

from .helpers import reached_view

ACCT, OTHER = "222222222222", "333333333333"


def _mismatches(store: Any, subjects: list[str]) -> list[tuple[str, str]]:
    """(subject, resource) pairs where grouped and resource-by-resource answers differ."""
    fast = ReachEngine(AccessInputs(store))
    plain = ReachEngine(AccessInputs(store), grouped=False)
    bad = []
    for subject in subjects:
        got, want = reached_view(fast.reach(subject)), reached_view(plain.reach(subject))
        bad += [(subject, k) for k in sorted(got.keys() | want.keys()) if got.get(k) != want.get(k)]
    return bad


# --- a hand-built account: one bucket per way two policies can differ ------------------------
def _doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def _tls(arn: str) -> dict[str, Any]:
    return {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip


USERS = {
    "admin": _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    "reader": _doc({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}),
    "narrow": _doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::plain-3/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::plain-*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::plain-4"},
    ),
    "listed": _doc({"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}),
    # a policy variable and a Deny on part of one bucket's objects: matched bucket by bucket
    "plain": _doc(
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::${aws:username}-*",
        },
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::${aws:username}-2/*",
        },
    ),
    "partial": _doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cond-1/secret/*"},
    ),
    "nobody": _doc({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}),
}


def _variants(arn: str) -> dict[str, list[dict[str, Any]]]:
    user = f"arn:aws:iam::{ACCT}:user"
    both = [arn, f"{arn}/*"]
    return {
        "plain": [],
        "deny": [{"Effect": "Deny", "Principal": {"AWS": f"{user}/reader"}, "Action": "s3:GetObject",
                  "Resource": f"{arn}/*"}],
        "notprincipal": [{"Effect": "Deny", "NotPrincipal": {"AWS": f"{user}/admin"},
                          "Action": "s3:*", "Resource": both}],
        "listed": [{"Effect": "Allow", "Principal": {"AWS": [f"{user}/listed", f"{user}/nobody"]},
                    "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": both}],
        "cond": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                  "Action": "s3:PutObject", "Resource": f"{arn}/*",
                  "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}],
        "named": [{"Effect": "Allow", "Principal": {"AWS": f"{user}/nobody"},
                   "Action": "s3:GetObject", "Resource": f"{arn}/*",
                   "Condition": {"ArnEquals": {"aws:SourceArn": arn}}}],
        "pattern": [{"Effect": "Allow", "Principal": {"AWS": f"{user}/nobody"},
                     "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::pat*-1"}],
        "cross": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                   "Action": "s3:GetObject", "Resource": f"{arn}/*"}],
    }  # fmt: skip


def _hand_store() -> MemoryGraphStore:
    st = MemoryGraphStore()
    nodes, edges = [], []
    for name, doc in USERS.items():
        arn = f"arn:aws:iam::{ACCT}:user/{name}"
        nodes += [Node(arn, "user", account=ACCT), Node(f"{name}-inline", "inline_policy",
                                                         props={"document": doc})]  # fmt: skip
        edges.append(Edge(arn, f"{name}-inline", "attached_policy"))
    for variant in _variants("x"):
        for i in range(6):
            arn = f"arn:aws:s3:::{variant}-{i}"
            props = {"resource_policy": _doc(_tls(arn), *_variants(arn)[variant])}
            nodes.append(Node(arn, "s3_bucket", account=ACCT, props=props))
    for i in range(4):
        nodes.append(Node(f"arn:aws:s3:::bare-{i}", "s3_bucket", account=ACCT))
    st.upsert_nodes(nodes)
    st.upsert_edges(edges)
    return st


def _hand_subjects() -> list[str]:
    return [f"arn:aws:iam::{ACCT}:user/{n}" for n in USERS]


def test_hand_built_variants_equal_resource_by_resource() -> None:
    store = _hand_store()
    assert _mismatches(store, _hand_subjects()) == []
    # and the answers are not trivially empty: the admin reaches every bucket, some through
    # the bucket policy's own statements, some only conditionally
    admin = ReachEngine(AccessInputs(store)).reach(f"arn:aws:iam::{ACCT}:user/admin")
    assert sum(1 for r in admin.values() if r.node.kind == "s3_bucket") == 8 * 6 + 4
    listed = ReachEngine(AccessInputs(store)).reach(f"arn:aws:iam::{ACCT}:user/listed")
    assert sorted(listed) == [f"arn:aws:s3:::listed-{i}" for i in range(6)]
    assert listed["arn:aws:s3:::listed-2"].grants["s3:GetObject"].granted_by == (
        "arn:aws:s3:::listed-2[1]",
    )
    own = ReachEngine(AccessInputs(store)).reach(f"arn:aws:iam::{ACCT}:user/plain")
    gets = sorted(k for k, r in own.items() if "s3:GetObject" in r.grants)
    assert gets == ["arn:aws:s3:::plain-2"] and len(own) == 6
    partial = ReachEngine(AccessInputs(store)).reach(f"arn:aws:iam::{ACCT}:user/partial")
    cut = partial["arn:aws:s3:::cond-1"].grants["s3:GetObject"].outcome.assumptions
    assert any("secret" in c.text for c in cut)
    assert not partial["arn:aws:s3:::cond-2"].grants["s3:GetObject"].outcome.assumptions[1:]


def test_groups_keep_apart_what_differs_and_together_what_does_not() -> None:
    engine = ReachEngine(AccessInputs(_hand_store()))
    engine.warm()
    index = engine._groups()
    families = {}
    for key, members in index.start.items():
        families.setdefault(key, {n.id.rsplit(":", 1)[1].split("-")[0] for n in members})
    # one family per group: no group mixes two kinds of policy ...
    assert all(len(f) == 1 for f in families.values())
    # ... and each family that can share does (the condition naming its bucket cannot)
    grouped = {f for key, f in families.items() for f in f if len(index.start[key]) > 1}
    assert grouped == set(_variants("x")) - {"named"} | {"bare"}
    assert {n.id for n in index.loose} >= {f"arn:aws:s3:::named-{i}" for i in range(6)}
    pattern = [k for k, f in families.items() if f == {"pattern"}]
    assert len(pattern) == 2  # "pat*-1" matches pattern-1 only: its own group


# --- conditions on identity hops, carried to what is reached through them -------------------
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
OFFICE = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}


def _role(name: str, trust: list[dict[str, Any]], *stmts: dict[str, Any]) -> list[Node]:
    arn = f"arn:aws:iam::{ACCT}:role/{name}"
    doc = _doc(*({"Effect": "Allow", "Action": "sts:AssumeRole", **t} for t in trust))
    return [
        Node(arn, "role", account=ACCT, props={"trust_policy": doc}),
        Node(f"{name}-inline", "inline_policy", props={"document": _doc(*stmts)}),
    ]


def _hop_store() -> MemoryGraphStore:
    """mfa-user becomes `ops` only with MFA, then `deep` only from the office; `free` becomes
    `ops` without a condition and also mints keys for mfa-user; `ops` and `deep` read
    buckets that group (bare, and alike policies) and one that does not."""
    user = f"arn:aws:iam::{ACCT}:user"
    role = f"arn:aws:iam::{ACCT}:role"
    users = {
        "mfa-user": _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
        "free": _doc(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"{role}/ops"},
            {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": f"{user}/mfa-user"},
        ),
        "both": _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    }
    nodes: list[Node] = []
    edges: list[Edge] = []
    for name, doc in users.items():
        nodes += [Node(f"{user}/{name}", "user", account=ACCT),
                  Node(f"{name}-inline", "inline_policy", props={"document": doc})]  # fmt: skip
        edges.append(Edge(f"{user}/{name}", f"{name}-inline", "attached_policy"))
    ops = _role(
        "ops",
        [{"Principal": {"AWS": [f"{user}/mfa-user", f"{user}/both"]}, "Condition": MFA},
         {"Principal": {"AWS": f"{user}/free"}}],
        {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": "*"},
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"{role}/deep"},
    )  # fmt: skip
    deep = _role(
        "deep",
        [{"Principal": {"AWS": f"{role}/ops"}, "Condition": OFFICE},
         {"Principal": {"AWS": f"{user}/both"}}],
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
    )  # fmt: skip
    for role_nodes in (ops, deep):
        nodes += role_nodes
        edges.append(Edge(role_nodes[0].id, role_nodes[1].id, "attached_policy"))
    for i in range(4):
        nodes.append(Node(f"arn:aws:s3:::bare-{i}", "s3_bucket", account=ACCT))
        arn = f"arn:aws:s3:::tls-{i}"
        nodes.append(Node(arn, "s3_bucket", account=ACCT,
                          props={"resource_policy": _doc(_tls(arn))}))  # fmt: skip
    named = "arn:aws:s3:::named-0"
    nodes.append(Node(named, "s3_bucket", account=ACCT, props={"resource_policy": _doc(
        {"Effect": "Allow", "Principal": {"AWS": f"{role}/ops"}, "Action": "s3:GetObject",
         "Resource": f"{named}/*", "Condition": {"ArnEquals": {"aws:SourceArn": named}}})}))  # fmt: skip
    st = MemoryGraphStore()
    st.upsert_nodes(nodes)
    st.upsert_edges(edges)
    return st


def test_conditional_hops_equal_resource_by_resource_and_who_can() -> None:
    store = _hop_store()
    user = f"arn:aws:iam::{ACCT}:user"
    subjects = [f"{user}/{n}" for n in ("mfa-user", "free", "both")]
    assert _mismatches(store, subjects) == []
    engine = ReachEngine(AccessInputs(store))
    mfa, free, both = (engine.reach(s) for s in subjects)
    # through ops only with MFA: every bucket, the grouped and the lone one, is conditional
    for arn in ("arn:aws:s3:::bare-1", "arn:aws:s3:::tls-2", "arn:aws:s3:::named-0"):
        grant = mfa[arn].grants["s3:ListBucket"]
        assert mfa[arn].conditional and grant.outcome.decision is Decision.CONDITIONAL
        assert any("MultiFactorAuthPresent" in c.text for c in grant.outcome.conditions)
        # two conditional hops: both conditions, each once
        texts = [c.text for c in mfa[arn].grants["s3:PutObject"].outcome.conditions]
        assert any("MultiFactorAuthPresent" in t for t in texts)
        assert any("SourceIp" in t for t in texts) and len(texts) == len(set(texts))
        # free's way to ops needs nothing
        assert free[arn].grants["s3:ListBucket"].outcome.decision is Decision.ALLOW
        # both: ops only with MFA, but deep directly: PutObject needs nothing, ListBucket MFA
        assert both[arn].grants["s3:PutObject"].outcome.decision is Decision.ALLOW
        assert both[arn].grants["s3:ListBucket"].outcome.decision is Decision.CONDITIONAL
        assert not both[arn].conditional
    # free reaches ops freely, but deep from ops only from the office
    assert free[f"arn:aws:iam::{ACCT}:role/deep"].conditional
    # who-can answers what each principal's full reach says about the resource
    for arn in ("arn:aws:s3:::bare-3", "arn:aws:s3:::tls-0", "arn:aws:s3:::named-0"):
        who = {p: reached_view({arn: r})[arn] for p, r in engine.who_reaches(arn).items()}
        full = {s: reached_view({arn: engine.reach(s)[arn]})[arn] for s in subjects}
        assert {p: who[p] for p in subjects} == full


# --- synthetic organisations, compared in full ----------------------------------------------


@pytest.fixture(scope="module", params=[(1, 0.01), (7, 0.02)])
def synth_store(request: pytest.FixtureRequest, synth_inventory: Any) -> Any:
    return synth_inventory(*request.param)


def _synth_subjects(store: Any) -> list[str]:
    """Users most-connected first (the admin-like walks cross every group), and roles."""
    engine = ReachEngine(AccessInputs(store))
    users = sorted(n.id for n in store.nodes({"user"}))
    roles = sorted(n.id for n in store.nodes({"role"}))
    wide = sorted(users, key=lambda u: -len(engine.walk(u)))[:3]
    return list(dict.fromkeys([*wide, *users[:3], *roles[:2]]))


def test_synthetic_orgs_equal_resource_by_resource(synth_store: Any) -> None:
    subjects = _synth_subjects(synth_store)
    assert _mismatches(synth_store, subjects) == []
    engine = ReachEngine(AccessInputs(synth_store))
    engine.warm()
    index = engine._groups()
    buckets = sum(1 for _ in synth_store.nodes({"s3_bucket"}))
    # grouping is real here: far fewer groups than buckets, and the admin walk reaches many
    assert len([k for k in index.start if k[0] == "s3_bucket"]) < buckets / 4
    assert max(len(engine.reach(s)) for s in subjects) > buckets / 3


# --- a broken grouping must be caught ---------------------------------------------------------
def test_a_grouping_that_ignores_the_policy_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Grouping buckets by kind and account alone merges policies that differ."""
    real = groups.static_key

    def careless(engine: ReachEngine, node: Node):
        key = real(engine, node)
        return None if key is None else key[:2]  # type: ignore[index]

    monkeypatch.setattr(groups, "static_key", careless)
    assert _mismatches(_hand_store(), _hand_subjects())


def test_a_grouping_that_ignores_identity_resources_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not splitting a group when an identity's Resource names one bucket of it."""
    monkeypatch.setattr(groups._Walk, "_split_by_patterns", lambda self, kind, side: None)
    assert _mismatches(_hand_store(), _hand_subjects())


def test_renaming_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sharing the representative's answer without renaming its statements is wrong."""
    monkeypatch.setattr(groups._State, "build", lambda self, node: _unrenamed(self, node))
    assert _mismatches(_hand_store(), _hand_subjects())


def _unrenamed(state: Any, node: Node):
    from graphscope.access.reach import Hop

    paths = [(*p, Hop(h, node.id, "can_access", j)) for p, h, _, j in state.paths]
    return dict(state.grants), paths


def test_template_leaves_out_only_the_own_arn() -> None:
    arn = "arn:aws:s3:::data-1"
    node = Node(arn, "s3_bucket", account=ACCT, props={"resource_policy": _doc(_tls(arn))})
    other = Node("arn:aws:s3:::data-2", "s3_bucket", account=ACCT,
                 props={"resource_policy": _doc(_tls("arn:aws:s3:::data-2"))})  # fmt: skip
    assert groups._template(node) == groups._template(other) is not None
    named = _doc(_tls(arn), {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                             "Resource": f"{arn}/*", "Condition": {"StringLike": {"s3:prefix": "data-1"}}})  # fmt: skip
    assert groups._template(Node(arn, "s3_bucket", props={"resource_policy": named})) is None
    assert json.loads(groups._template(node) or b"{}")["Statement"][0]["Resource"] == [
        groups._SELF,
        groups._SELF + "/*",
    ]
