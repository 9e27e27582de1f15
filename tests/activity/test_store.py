"""The event store: idempotent ingest and drill-down without rescanning inputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

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


@pytest.mark.parametrize("workers", [1, 2])
def test_bulk_loads_deduplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """A bulk load drops the indexes and rebuilds them; repeats inside the load and repeats of
    stored events must still be dropped, and the store equal a chunk-by-chunk load."""
    import graphscope.eventstore as es

    reference = EventStore()
    reference.ingest_cloudtrail([INCIDENT])
    monkeypatch.setattr(es, "_BULK_CHUNKS", 2)  # every load here is "bulk"
    store = EventStore(tmp_path / "bulk.sqlite")
    # the same folder twice in one load: 31 new, 31 repeats
    first = store.ingest_cloudtrail([INCIDENT, INCIDENT], workers=workers)
    assert (first.added, first.duplicates) == (31, 31)
    again = store.ingest_cloudtrail([INCIDENT], workers=workers)  # repeats of stored rows
    assert (again.added, again.duplicates) == (0, 31)
    assert store.event_count() == 31
    assert list(store.events_between()) == list(reference.events_between())
    bucket = [e.key for e in store.events_for_resource("arn:aws:s3:::training-data-444")]
    assert bucket == [
        e.key for e in reference.events_for_resource("arn:aws:s3:::training-data-444")
    ]
    assert store.key_uses() == reference.key_uses()
    assert store.hours_present() == reference.hours_present()
    count = "SELECT sum(n) FROM caller_actions"
    assert store.db.execute(count).fetchone() == reference.db.execute(count).fetchone() == (31,)
    names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"ch_caller", "ch_resource", "ch_request"} <= names


@pytest.mark.parametrize("workers", [1, 2])
def test_the_same_event_in_two_files_is_stored_once(tmp_path: Path, workers: int) -> None:
    """An event delivered in two different files (an organisation trail and an account trail,
    an export beside the delivery) counts once, in a later load and inside one load; with
    workers the writer drops the repeats from the chunks the workers made."""
    src = next(INCIDENT.rglob("*_inc0001.json"))
    records = orjson.loads(src.read_bytes())["Records"]
    (tmp_path / "copy.json").write_bytes(orjson.dumps({"Records": records[2:5]}))
    (tmp_path / "lines.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in records[4:7]))
    store = EventStore()
    first = store.ingest_cloudtrail([src])
    later = store.ingest_cloudtrail([tmp_path / "copy.json"], workers=workers)
    assert (later.added, later.duplicates) == (0, 3)
    both = EventStore()
    one_load = both.ingest_cloudtrail(
        [tmp_path / "copy.json", tmp_path / "lines.jsonl", src], workers=workers
    )
    assert (one_load.added, one_load.duplicates) == (first.added, 1 + 5)
    assert both.event_count() == store.event_count() == first.added
    assert [e.key for e in both.events_between()] == [e.key for e in store.events_between()]
    assert sum(u.count for u in both.key_uses()) == first.added
    kept = {(Path(e.file).name, e.index) for e in both.events_between() if e.file != str(src)}
    assert kept == {
        ("copy.json", 0),
        ("copy.json", 1),
        ("copy.json", 2),
        ("lines.jsonl", 1),
        ("lines.jsonl", 2),
    }


def test_store_of_another_version_is_refused(tmp_path: Path) -> None:
    import sqlite3

    old = tmp_path / "old.sqlite"
    db = sqlite3.connect(old)
    db.execute("CREATE TABLE events (key TEXT PRIMARY KEY, data BLOB)")
    db.commit()
    db.close()
    with pytest.raises(ValueError, match="another graphscope version"):
        EventStore(old)


def test_interrupted_first_load_is_refused_on_open(tmp_path: Path) -> None:
    """A first load into a file store runs without a write-ahead log: if it stops half-way the
    store must not open as if it were complete."""
    path = tmp_path / "events.sqlite"
    store = EventStore(path)

    def steps() -> Iterator[int]:  # a load whose reader dies after the first batch
        yield 1
        raise RuntimeError("reader died")

    with pytest.raises(RuntimeError, match="reader died"):
        store._load(steps())
    store.close()
    with pytest.raises(ValueError, match="interrupted"):
        EventStore(path)
    fine = tmp_path / "ok.sqlite"
    EventStore(fine).ingest_cloudtrail([INCIDENT])
    assert EventStore(fine).event_count() == 31  # a completed load opens normally
