"""Coverage derived from a snapshot's logging configuration (queries/coverage.inventory_gaps):
trails not logging, regions no trail covers, data events not selected, invocation logging off.
The snapshot is tests/activity/data/logging-snapshot (its facts: make_logging_snapshot.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphscope.eventstore import EventStore
from graphscope.ingest.inventory import Inventory, load_inventory
from graphscope.queries.activity import ActivityResult, build_activity
from graphscope.queries.contract import Gap
from graphscope.queries.coverage import (
    ALL,
    DATA_FAMILIES,
    NONE,
    SOME,
    inventory_gaps,
    trail_selection,
)

from .conftest import ATTACKER_KEY, DATA, A, B
from .test_cli import _run

SNAPSHOT = DATA / "logging-snapshot"
S3, LAMBDA = DATA_FAMILIES[0], DATA_FAMILIES[1]


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory([SNAPSHOT])


@pytest.fixture()
def result(incident_store: EventStore, inventory: Inventory) -> ActivityResult:
    return build_activity(incident_store, access_key=ATTACKER_KEY, inventory=inventory)


def _gaps(result: ActivityResult, source: str) -> list[Gap]:
    return [g for g in result.report.coverage.gaps if g.source == source]


def test_stopped_trail_names_its_stop_time(result: ActivityResult) -> None:
    stopped = [g for g in _gaps(result, "cloudtrail") if "not logging" in g.detail]
    assert len(stopped) == 1
    assert "trail/audit-west" in stopped[0].detail and stopped[0].since == "2026-02-27T08:00:00Z"
    # the two logging trails raise no trail-state gap
    assert not any("mgmt-trail" in g.detail or "lambda-trail" in g.detail for g in stopped)


def test_regions_without_a_trail(result: ActivityResult) -> None:
    details = [g.detail for g in _gaps(result, "cloudtrail")]
    # the hop acted in 444455556666 us-east-1, where there is no trail at all
    hop = [d for d in details if f"account {B} region us-east-1" in d]
    assert len(hop) == 1 and "no trail" in hop[0] and "6 call(s)" in hop[0]
    # us-west-2 of that account: DescribeTrails was denied, so unknown, never "no trail"
    west = [d for d in details if f"account {B} region us-west-2" in d]
    assert len(west) == 1 and "unknown" in west[0]
    # 111122223333 is covered everywhere by the multi-region mgmt-trail
    assert not any(f"management events of account {A}" in d for d in details)


def test_data_events_not_selected(result: ActivityResult) -> None:
    s3 = _gaps(result, "cloudtrail-data-events:s3")
    missing = [g for g in s3 if g.detail.startswith("no logging trail records")]
    assert len(missing) == 1
    # training-data-444 (read by the hop) and web-site-111 (only the stopped trail selected it)
    assert "2 resource(s) (1 named by the subject's calls)" in missing[0].detail
    assert "training-data-444" in missing[0].detail and "web-site-111" in missing[0].detail
    assert "ml-models-111" not in missing[0].detail  # the whole bucket is selected
    partial = [g for g in s3 if "only partly" in g.detail]
    assert [("kb-docs-111" in g.detail, "kb-docs-111/public/" in g.detail) for g in partial] == [
        (True, True)
    ]
    lam = [
        g for g in _gaps(result, "cloudtrail-data-events:lambda") if "no logging trail" in g.detail
    ]
    assert len(lam) == 1 and "function:billing" in lam[0].detail
    assert "agent-action" not in lam[0].detail  # selected by lambda-trail's StartsWith


def test_invocation_logging(result: ActivityResult) -> None:
    inv = [g.detail for g in _gaps(result, "bedrock-invocation-logs")]
    off = [d for d in inv if "not enabled" in d]
    assert len(off) == 1 and f"account {A} region us-east-1" in off[0]
    assert "called Bedrock runtime APIs there" in off[0]
    text = [d for d in inv if "text delivery off" in d]
    assert len(text) == 1 and "us-west-2" in text[0] and "guardrail" in text[0]
    assert not any(f"account {B} region us-east-1" in d and "not enabled" in d for d in inv)


def test_inventory_gaps_is_pure_and_takes_extra_resources(
    result: ActivityResult, inventory: Inventory
) -> None:
    again = inventory_gaps(inventory, result)
    assert again == inventory_gaps(inventory, result)
    extra = inventory_gaps(
        inventory, result, extra_resources=["arn:aws:s3:::elsewhere-bucket/secret.txt"]
    )
    missing = next(g for g in extra if g.detail.startswith("no logging trail records AWS::S3"))
    assert "elsewhere-bucket" in missing.detail and "(2 named" in missing.detail


def test_account_outside_the_snapshot(incident_store: EventStore, tmp_path: Path) -> None:
    inv = load_inventory([SNAPSHOT])
    # drop account B from the inventory's accounts: the hop's account is then not covered
    inv.accounts = [A]
    res = build_activity(incident_store, access_key=ATTACKER_KEY, inventory=inv)
    outside = [g for g in res.report.coverage.gaps if g.source == "inventory"]
    assert len(outside) == 1 and f"does not cover account {B} region us-east-1" in outside[0].detail


# selector semantics ------------------------------------------------------------------------
def _adv(*field_selectors: dict) -> dict:
    return {"advanced_event_selectors": [{"Name": "x", "FieldSelectors": list(field_selectors)}]}


DATA_S3 = (
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
)
BUCKET = "arn:aws:s3:::b1"


@pytest.mark.parametrize(
    ("arn_selector", "level"),
    [
        ({}, ALL),
        ({"StartsWith": ["arn:aws:s3:::b1/"]}, ALL),
        ({"StartsWith": ["arn:aws:s3:::"]}, ALL),
        ({"StartsWith": ["arn:aws:s3:::b2/"]}, NONE),
        ({"StartsWith": ["arn:aws:s3:::b1/logs/"]}, SOME),
        ({"Equals": ["arn:aws:s3:::b1/one.txt"]}, SOME),
        ({"NotStartsWith": ["arn:aws:s3:::b1/"]}, NONE),
        ({"NotStartsWith": ["arn:aws:s3:::b1/tmp/"]}, SOME),
        ({"NotStartsWith": ["arn:aws:s3:::b2/"]}, ALL),
        ({"EndsWith": [".csv"]}, SOME),
    ],
)
def test_advanced_s3_resource_arn(arn_selector: dict, level: int) -> None:
    fields = list(DATA_S3)
    if arn_selector:
        fields.append({"Field": "resources.ARN", **arn_selector})
    got = trail_selection(_adv(*fields), S3, BUCKET)
    assert got is not None and got.level == level


def test_advanced_read_only_and_other_types() -> None:
    reads = trail_selection(_adv(*DATA_S3, {"Field": "readOnly", "Equals": ["true"]}), S3, BUCKET)
    assert reads is not None and reads.level == SOME and "read-only calls only" in reads.why
    lam = trail_selection(_adv(*DATA_S3), LAMBDA, "arn:aws:lambda:us-east-1:1:function:f")
    assert lam is not None and lam.level == NONE  # an S3 selector records no Lambda events
    mgmt = trail_selection(_adv({"Field": "eventCategory", "Equals": ["Management"]}), None)
    assert mgmt is not None and mgmt.level == ALL
    writes = trail_selection(
        _adv(
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]},
        ),
        None,
    )
    assert writes is not None and writes.level == SOME
    data_only = trail_selection(_adv(*DATA_S3), None)
    assert data_only is not None and data_only.level == NONE  # no management events at all


def test_basic_selectors() -> None:
    def basic(rw: str, values: list[str], mgmt: bool = True) -> dict:
        return {
            "event_selectors": [
                {
                    "ReadWriteType": rw,
                    "IncludeManagementEvents": mgmt,
                    "DataResources": [{"Type": "AWS::S3::Object", "Values": values}],
                }
            ],
            "advanced_event_selectors": None,
        }

    def level(props: dict, family: object = S3) -> int:
        got = trail_selection(props, family, BUCKET)  # type: ignore[arg-type]
        assert got is not None
        return got.level

    assert level(basic("All", ["arn:aws:s3"])) == ALL
    assert level(basic("All", ["arn:aws:s3:::b1/"])) == ALL
    assert level(basic("All", ["arn:aws:s3:::b1/in/"])) == SOME
    assert level(basic("ReadOnly", ["arn:aws:s3:::b1/"])) == SOME
    assert level(basic("All", ["arn:aws:s3:::b10/"])) == NONE  # a bucket name prefix is not a match
    assert level(basic("All", [], mgmt=False), None) == NONE
    assert level(basic("WriteOnly", []), None) == SOME
    assert trail_selection({}, S3, BUCKET) is None  # selectors not collected: unknown


def test_cli_with_snapshot_and_bad_snapshot(tmp_path: Path) -> None:
    from .conftest import INCIDENT

    out = _run(
        "--access-key", ATTACKER_KEY, "--cloudtrail", str(INCIDENT), "--snapshot", str(SNAPSHOT)
    )
    gaps = json.loads(out.stdout)["coverage"]["gaps"]
    assert any(
        "trail/audit-west" in g["detail"] and g["since"] == "2026-02-27T08:00:00Z" for g in gaps
    )
    assert not any(g["source"] == "inventory" for g in gaps)
    empty = tmp_path / "snap"
    empty.mkdir()
    bad = _run(
        "--access-key",
        ATTACKER_KEY,
        "--cloudtrail",
        str(INCIDENT),
        "--snapshot",
        str(empty),
        check=False,
    )
    assert (
        bad.returncode == 2
        and "manifest" in bad.stderr
        and str(empty) in bad.stderr.replace("\n", "")
    )


def test_inventory_coverage_can_be_left_to_the_caller(
    incident_store: EventStore, inventory: Inventory
) -> None:
    """`scope` adds the reachable resources itself: build_activity then leaves the gaps out."""
    res = build_activity(
        incident_store, access_key=ATTACKER_KEY, inventory=inventory, inventory_coverage=False
    )
    assert not any("audit-west" in g.detail for g in res.report.coverage.gaps)
    assert any("audit-west" in g.detail for g in inventory_gaps(inventory, res))
