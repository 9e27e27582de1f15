"""A Deny on part of a bucket's objects is reported, not lost: the access holds only outside it."""

from __future__ import annotations

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.iam import Decision
from graphscope.model import Edge, Node
from graphscope.queries.potential import reach_report, resolve_subject
from graphscope.store import MemoryGraphStore

ACCT = "222222222222"
USER = f"arn:aws:iam::{ACCT}:user/eve"
BUCKET = "arn:aws:s3:::acme-data"


def _doc(*stmts: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def _store(bucket_policy: dict) -> MemoryGraphStore:
    st = MemoryGraphStore()
    st.upsert_nodes(
        [
            Node(USER, "user", account=ACCT),
            Node(
                "eve-inline",
                "inline_policy",
                props={"document": _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})},
            ),
            Node(BUCKET, "s3_bucket", account=ACCT, props={"resource_policy": bucket_policy}),
        ]
    )
    st.upsert_edges([Edge(USER, "eve-inline", "attached_policy")])
    return st


def _views(store: MemoryGraphStore):
    fast = ReachEngine(AccessInputs(store)).reach(USER)
    slow = ReachEngine(AccessInputs(store), exhaustive=True).reach(USER)
    for node_id in slow:
        assert {a: g.outcome for a, g in fast[node_id].grants.items()} == {
            a: g.outcome for a, g in slow[node_id].grants.items()
        }
    return fast


def test_deny_on_a_prefix_marks_object_reads_as_partial() -> None:
    secret = f"{BUCKET}/secret/*"
    store = _store(
        _doc({"Sid": "NoSecrets", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
              "Resource": secret})
    )  # fmt: skip
    reached = _views(store)[BUCKET]
    get = reached.grants["s3:GetObject"].outcome
    assert get.decision is Decision.ALLOW  # the rest of the bucket is readable ...
    partial = [a for a in get.assumptions if secret in a.text]
    assert partial and partial[0].statement.sid == "NoSecrets"  # ... but not under secret/
    # actions the Deny does not name, and bucket-level actions, are untouched
    assert not reached.grants["s3:PutObject"].outcome.assumptions
    assert not reached.grants["s3:ListBucket"].outcome.assumptions
    report = reach_report(
        ReachEngine(AccessInputs(store)), resolve_subject(store, USER, None)
    ).potential.resources[0]
    assert any(secret in c.condition and c.actions == ["s3:GetObject"] for c in report.assumptions)


def test_deny_on_every_object_still_removes_the_action() -> None:
    store = _store(
        _doc({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
              "Resource": f"{BUCKET}/*"})
    )  # fmt: skip
    reached = _views(store)[BUCKET]
    assert "s3:GetObject" not in reached.grants
    assert not any(g.outcome.assumptions for g in reached.grants.values())


def test_deny_on_another_bucket_changes_nothing() -> None:
    store = _store(
        _doc({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
              "Resource": "arn:aws:s3:::acme-data-archive/*"})
    )  # fmt: skip
    reached = _views(store)[BUCKET]
    assert not reached.grants["s3:GetObject"].outcome.assumptions
