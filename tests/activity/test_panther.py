"""The 459 real-world-shaped panther CloudTrail records and 8 invocation-log records: every one
is stored with an element or reported with a reason; nothing crashes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from graphscope.elements import classify
from graphscope.eventstore import EventStore


@pytest.fixture(scope="module")
def panther_store(panther_dir: Path) -> tuple[EventStore, object, object]:
    store = EventStore()
    ct = store.ingest_cloudtrail([panther_dir / "cloudtrail-records.json"])
    inv = store.ingest_invocation_logs([panther_dir / "bedrock-invocation-events.jsonl"])
    return store, ct, inv


def test_every_cloudtrail_record_is_accounted_for(panther_store) -> None:
    store, ct, _ = panther_store
    assert ct.added + ct.duplicates + ct.stats.skipped == 459
    # 13 records carry no eventTime, 2 a placeholder ('redacted', '...'): reported, not guessed
    reasons = Counter(i.reason.split(" (")[0].split(" '")[0] for i in ct.stats.issues)
    assert reasons == {"no event time": 13, "unreadable time": 2}
    assert all(
        i.index is not None and i.file.endswith("cloudtrail-records.json") for i in ct.stats.issues
    )
    # 93 records repeat an earlier one exactly (panther reuses a test event across rules)
    assert (ct.added, ct.duplicates) == (351, 93)
    assert store.event_count() == 351


def _caller(ui: dict) -> object:
    return ui.get("arn") or (
        ui.get("type"),
        ui.get("accountId"),
        ui.get("principalId"),
        ui.get("invokedBy"),
    )


def test_duplicates_really_are_the_same_event(panther_dir: Path) -> None:
    """Recount the repeats with a plain script: same id, time, call and caller (AWSAccount
    callers without an ARN are told apart by account and principal id)."""
    records = json.loads((panther_dir / "cloudtrail-records.json").read_text())["Records"]
    keys = Counter(
        (
            r.get("eventID"),
            r.get("eventTime"),
            r.get("eventSource"),
            r.get("eventName"),
            r.get("recipientAccountId"),
            (r.get("userIdentity") or {}).get("accessKeyId") or None,
            _caller(r.get("userIdentity") or {}),
            r.get("errorCode"),
        )
        for r in records
        if isinstance(r.get("eventTime"), str) and r["eventTime"] not in ("redacted", "...")
    )
    assert sum(n - 1 for n in keys.values()) == 93


def test_every_stored_event_has_an_element(panther_store) -> None:
    store, _, _ = panther_store
    unclassified = Counter()
    for e in store.events_between():
        c = classify(e.source, e.name, e.error_code)
        assert c.elements
        if c.unclassified:
            unclassified[f"{e.source}:{e.name}"] += 1
    # only odd test names remain unmapped; they are shown under Access and named in coverage
    assert set(unclassified) <= {
        "ec2.amazonaws.com:PutBucketVersioning",
        "ec2.amazonaws.com:PutBucketLogging",
        "iam.amazonaws.com:NotCreateUser",
        "s3.amazonaws.com:SetQueueAttributes",
        "organizations.amazonaws.com:CreateAccountResult",
        "cloudtrail.amazonaws.com:EnableRegion",
        "ec2messages.amazonaws.com:SendHeartbeat",
        "rds.amazonaws.com:FailoverGlobalCluster",
    }


@pytest.mark.parametrize(
    ("name", "element"),
    [
        ("UpdateFunctionConfiguration20150331v2", "Computing changes"),
        ("ConsoleLogin", "Access"),
        ("GetObject", "Private data"),
        ("StopLogging", "Computing changes"),
        ("PutKeyPolicy", "Data store changes"),
        ("GetSecretValue", "Private data"),
        ("DeleteModelInvocationLoggingConfiguration", "AI changes"),
        ("UpdateGuardrail", "AI changes"),
        ("CreateAccessKey", "Access"),
        ("ModifySnapshotAttribute", "Data store changes"),
        ("RunInstances", "Computing changes"),
        ("GetCallerIdentity", "Access"),
    ],
)
def test_hand_assigned_elements(panther_store, name: str, element: str) -> None:
    store, _, _ = panther_store
    events = [e for e in store.events_between() if e.name == name]
    assert events, name
    for e in events:
        assert element in classify(e.source, e.name, e.error_code).elements


def test_invocation_records(panther_store) -> None:
    store, _, inv = panther_store
    # all 8 share one requestId; 4 are exact repeats (same identity, operation, model, time)
    assert inv.stats.skipped == 0 and (inv.added, inv.duplicates) == (4, 4)
    got = sorted((i.identity_arn.rsplit("/", 1)[-1], i.operation) for i in store.invocations())
    assert got == [
        ("regular.user", "Converse"),
        ("regular.user", "ListModels"),
        ("suspicious.user", "Converse"),
        ("suspicious.user", "InvokeModel"),
    ]
    assert {i.time for i in store.invocations()} == {"2025-05-15T14:17:22Z", "2025-05-15T14:14:49Z"}
