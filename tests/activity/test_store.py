"""The event store: idempotent ingest and drill-down without rescanning inputs."""

from __future__ import annotations

from pathlib import Path

from graphscope.eventstore import EventStore

from .conftest import ATTACKER_KEY, DATA, INCIDENT


def test_ingest_is_idempotent(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.sqlite")
    first = store.ingest_cloudtrail([INCIDENT])
    inv = store.ingest_invocation_logs([INCIDENT])
    assert (first.added, first.duplicates) == (31, 0) and (inv.added, inv.duplicates) == (5, 0)
    again = store.ingest_cloudtrail([INCIDENT])
    inv2 = store.ingest_invocation_logs([INCIDENT])
    assert (again.added, again.duplicates) == (0, 31) and (inv2.added, inv2.duplicates) == (0, 5)
    assert store.event_count() == 31 and store.invocation_count() == 5
    store.close()
    reopened = EventStore(tmp_path / "events.sqlite")  # a file-backed store survives the process
    assert reopened.event_count() == 31


def test_queries_by_key_session_resource_and_time(incident_store: EventStore) -> None:
    by_key = list(incident_store.events_by_keys([ATTACKER_KEY]))
    assert len(by_key) == 6 and all(e.access_key_id == ATTACKER_KEY for e in by_key)
    assert [e.time for e in by_key] == sorted(e.time for e in by_key)
    by_session = list(
        incident_store.events_by_session(
            "arn:aws:sts::111122223333:assumed-role/ml-pipeline/alice-x", "2026-03-01T10:00:10Z"
        )
    )
    assert [e.name for e in by_session] == [
        "AssumeRole",
        "InvokeModel",
        "DeleteModelInvocationLoggingConfiguration",
        "InvokeModel",
    ]
    bucket = list(incident_store.events_for_resource("arn:aws:s3:::training-data-444"))
    assert [e.name for e in bucket] == ["GetObject", "PutBucketPolicy"]
    window = list(incident_store.events_between("2026-03-01T10:02:00Z", "2026-03-01T10:02:10Z"))
    assert [e.name for e in window] == ["GetObject", "GetObject", "GetSecretValue"]
    assume = next(e for e in by_key if e.name == "AssumeRole")  # drill-down keeps the request
    assert assume.file.endswith("_inc0001.json") and assume.index == 3
    assert '"roleSessionName":"alice-x"' in assume.request


def test_parallel_ingest_gives_the_same_store(tmp_path: Path) -> None:
    """Worker processes parse into shard files; the result must equal a one-process load."""
    one, two = EventStore(), EventStore()
    r1 = one.ingest_cloudtrail([INCIDENT, DATA / "bad-ingest-does-not-exist"], workers=1)
    r2 = two.ingest_cloudtrail([INCIDENT, DATA / "bad-ingest-does-not-exist"], workers=2)
    assert (r2.added, r2.duplicates, r2.stats.files, r2.stats.skipped) == (
        r1.added,
        r1.duplicates,
        r1.stats.files,
        r1.stats.skipped,
    )
    assert [str(i) for i in r2.stats.issues] == [str(i) for i in r1.stats.issues]
    assert [e.key for e in two.events_between()] == [e.key for e in one.events_between()]
    assert list(two.events_between()) == list(one.events_between())
    again = two.ingest_cloudtrail([INCIDENT], workers=2)
    assert (again.added, again.duplicates) == (0, 31)
