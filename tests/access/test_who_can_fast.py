"""Fast who-can (identity hops walked backwards) answers exactly what asking every principal does.

The reference is the straightforward definition: every user and role, each queried with its own
reach restricted to the resource. Checked on the organisation fixture for every resource and role
it holds, and on a seeded synthetic organisation for a sample of buckets, AI resources and roles.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import KIND_TARGETS, ReachEngine
from graphscope.ingest.inventory import load_inventory
from graphscope.queries.potential import paths_between, who_can

ROOT = Path(__file__).resolve().parents[2]
SNAP = ROOT / "tests" / "inventory" / "data" / "org-snapshot"


def _reference(engine: ReachEngine, resource: str) -> dict[str, object]:
    out = {}
    for principal in sorted(n.id for n in engine.inputs.principals()):
        reached = engine.reach(principal, only=frozenset({resource})).get(resource)
        if reached is not None:
            out[principal] = _view(reached)
    return out


def _view(reached) -> object:
    grants = {
        a: (g.access_level, g.outcome.decision, g.outcome.conditions, g.outcome.assumptions,
            g.granted_by)
        for a, g in sorted(reached.grants.items())
    }  # fmt: skip
    return grants, reached.paths


def test_fixture_every_resource_and_role() -> None:
    store = load_inventory([SNAP]).store
    engine = ReachEngine(AccessInputs(store))
    targets = sorted(n.id for n in store.nodes({*KIND_TARGETS, "role"}))
    nonempty = 0
    for resource in targets:
        got = {p: _view(r) for p, r in engine.who_reaches(resource).items()}
        assert got == _reference(engine, resource), resource
        nonempty += bool(got)
    assert nonempty >= 10  # the fixture has access worth comparing
    # the query layer answers from the fast path, with the same principals
    bucket = "arn:aws:s3:::acme-training-data"
    report = who_can(engine, bucket)
    assert [p.arn for p in report.principals] == sorted(_reference(engine, bucket))


@pytest.mark.parametrize("seed", [3, 11])
def test_synthetic_sample(synth_inventory: Any, seed: int) -> None:
    store = synth_inventory(seed, 0.01)
    engine = ReachEngine(AccessInputs(store))
    rng = random.Random(seed)
    buckets = sorted(n.id for n in store.nodes({"s3_bucket"}))
    ai = sorted(n.id for n in store.nodes({"knowledge_base", "agent", "sagemaker_notebook"}))
    roles = sorted(n.id for n in store.nodes({"role"}))
    sample = rng.sample(buckets, 3) + rng.sample(ai, 2) + rng.sample(roles, 2)
    reached_by = 0
    for resource in sample:
        got = {p: _view(r) for p, r in engine.who_reaches(resource).items()}
        assert got == _reference(engine, resource), resource
        reached_by += len(got)
    assert reached_by > 0


def test_path_is_the_reach_restricted_to_the_target() -> None:
    store = load_inventory([SNAP]).store
    engine = ReachEngine(AccessInputs(store))
    alice = "arn:aws:iam::222222222222:user/dev-alice"
    target = "arn:aws:s3:::acme-training-data"
    full = engine.reach(alice)[target]
    report = paths_between(engine, alice, target)
    assert len(report.paths) == len(full.paths) > 0
    assert [[h.to for h in p] for p in report.paths] == [
        [h.dst for h in p] for p in sorted(full.paths, key=len)
    ]
