"""`graphscope exposure` on the inventory fixture: who reaches each data store and model, and
(with the hand-built incident's CloudTrail) which granted permissions were never used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphscope.queries.contract import ExposureReport

from .conftest import ORG_SNAPSHOT, run_cli
from .handmade import AUDIT

TRAINING = "arn:aws:s3:::acme-training-data"
BATCH = "arn:aws:iam::222222222222:role/BatchRole"
ALICE = "arn:aws:iam::222222222222:user/dev-alice"


@pytest.fixture(scope="module")
def exposure(hand_inputs: tuple[Path, Path]) -> dict:
    ct, _ = hand_inputs
    out = run_cli(
        "exposure", "--snapshot", str(ORG_SNAPSHOT), "--cloudtrail", str(ct), "--format", "json"
    )
    return json.loads(out.stdout)


def test_targets_and_how_they_are_reached(exposure: dict) -> None:
    ExposureReport.model_validate(exposure)
    targets = {t["arn"]: t for t in exposure["targets"]}
    assert TRAINING in targets and "arn:aws:s3:::acme-kb-docs" in targets
    assert not any(":foundation-model/" in a for a in targets)  # public catalogue: who-can's job
    t = targets[TRAINING]
    assert t["component"] == "Private data" and t["type"] == "s3_bucket"
    principals = {p["arn"]: p for p in t["principals"]}
    assert t["principal_count"] == len(principals)
    assert t["direct_count"] + t["indirect_count"] == t["principal_count"]
    # AuditReader (management account) reads it through the bucket policy, on its own permissions
    assert principals[AUDIT]["via"] == "direct" and "s3:GetObject" in principals[AUDIT]["actions"]
    assert principals[BATCH]["via"] == "direct"
    # dev-alice reaches it only through roles
    assert principals[ALICE]["via"] != "direct" and principals[ALICE]["hops"] >= 2
    # sorted: most exposed first
    counts = [x["principal_count"] for x in exposure["targets"]]
    assert counts == sorted(counts, reverse=True)


def test_least_privilege_diff(exposure: dict) -> None:
    assert exposure["events_given"] is True
    diffs = {d["principal"]: d for d in exposure["least_privilege"]}
    audit = diffs[AUDIT]
    used = f"s3:GetObject {TRAINING}"
    assert audit["used"] == [used]  # the hand-built incident read train.csv as AuditReader
    assert used not in audit["remove"] and set(audit["remove"]) == set(audit["granted"]) - {used}
    assert f"- {audit['remove'][0]}" in audit["diff"] and f"  {used}" in audit["diff"]
    assert audit["granted_by"]
    batch = diffs[BATCH]
    assert batch["used"] == [] and batch["remove"] == batch["granted"]


def test_without_events_no_diffs_and_tags(hand_inputs: tuple[Path, Path]) -> None:
    out = run_cli(
        "exposure",
        "--snapshot",
        str(ORG_SNAPSHOT),
        "--tag-sensitive",
        "data=pii",
        "--format",
        "json",
    )
    r = json.loads(out.stdout)
    assert r["events_given"] is False and r["least_privilege"] == []
    assert any("--tag-sensitive matched nothing" in n for n in r["notes"])
    bad = run_cli("exposure", "--snapshot", str(ORG_SNAPSHOT), "--tag-sensitive", "=x", check=False)
    assert bad.returncode == 2
    none = run_cli("exposure", check=False)
    assert none.returncode == 2 and "inventory" in none.stderr


def test_table_format(hand_inputs: tuple[Path, Path]) -> None:
    out = run_cli("exposure", "--snapshot", str(ORG_SNAPSHOT), "--format", "table")
    assert "acme-training-data" in out.stdout and "principals" in out.stdout
