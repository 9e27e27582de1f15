"""The optimised reach walk gives exactly what evaluating every action on its own gives.

A seeded synthetic organisation (benchmarks/synth_org.py) is loaded through the real inventory
loader; for several principals the default engine (action classes, candidate pruning, capped
paths) is compared with the exhaustive reference engine, resource by resource, grant by grant.
"""

from __future__ import annotations

from typing import Any

import pytest

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.iam import Decision
from graphscope.model import Node
from graphscope.store import MemoryGraphStore

from .helpers import reached_view


@pytest.fixture(scope="module")
def store(synth_inventory: Any):
    return synth_inventory(1, 0.01)  # seed 1: has public buckets


def _subjects(store) -> list[str]:
    """Users and roles, most-connected first: the admin-like walks are the hard cases."""
    fast = ReachEngine(AccessInputs(store))
    users = sorted(n.id for n in store.nodes({"user"}))
    roles = sorted(n.id for n in store.nodes({"role"}))
    picked = users[:4] + roles[:3]
    wide = max(users, key=lambda u: len(fast.inputs.assume_candidates(u)))
    return [*picked, wide]


def test_optimised_reach_equals_the_exhaustive_reference(store) -> None:
    fast = ReachEngine(AccessInputs(store))
    slow = ReachEngine(AccessInputs(store), exhaustive=True)
    subjects = _subjects(store)
    grants_seen = 0
    by_bucket_policy = 0
    for subject in subjects:
        got = reached_view(fast.reach(subject), conditional=False)
        want = reached_view(slow.reach(subject), conditional=False)
        assert got.keys() == want.keys(), subject
        for node_id in want:
            assert got[node_id] == want[node_id], (subject, node_id)
        grants_seen += sum(len(v[0]) for v in want.values())
        by_bucket_policy += sum(
            1
            for grants, _ in want.values()
            for *_, refs in grants.values()
            if any(r.startswith("arn:aws:s3:::") for r in refs)
        )
    # The comparison covered a real amount of access, including grants by bucket policies.
    assert grants_seen > 1000
    assert by_bucket_policy > 0


def test_who_can_subset_equals_the_reference(store) -> None:
    bucket = sorted(n.id for n in store.nodes({"s3_bucket"}))[0]
    only = frozenset({bucket})
    for subject in _subjects(store)[:4]:
        got = ReachEngine(AccessInputs(store)).reach(subject, only)
        want = ReachEngine(AccessInputs(store), exhaustive=True).reach(subject, only)
        assert reached_view(got, conditional=False) == reached_view(want, conditional=False), (
            subject
        )


def test_a_grant_by_the_resource_policy_alone_is_not_pruned() -> None:
    """No identity statement covers s3:GetObject; the bucket policy's public Allow still grants."""
    acct = "222222222222"
    user = f"arn:aws:iam::{acct}:user/carol"
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::open/*"},
        ],
    }  # fmt: skip
    st = MemoryGraphStore()
    st.upsert_nodes(
        [
            Node(user, "user", account=acct),
            Node("arn:aws:s3:::open", "s3_bucket", account=acct, props={"resource_policy": public}),
            Node("arn:aws:s3:::closed", "s3_bucket", account=acct),
        ]
    )
    got = ReachEngine(AccessInputs(st)).reach(user)
    assert reached_view(got, conditional=False) == reached_view(
        ReachEngine(AccessInputs(st), exhaustive=True).reach(user), conditional=False
    )
    assert set(got) == {"arn:aws:s3:::open"}
    grant = got["arn:aws:s3:::open"].grants["s3:GetObject"]
    assert grant.outcome.decision is Decision.ALLOW
    assert grant.granted_by == ("arn:aws:s3:::open[0]",)
