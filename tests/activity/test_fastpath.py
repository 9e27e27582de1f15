"""The lean ingest path (ingest/fastpath.py) against the full normalise_event, and the store's
read path that rebuilds Events from the stored records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from graphscope.eventstore import EventStore
from graphscope.ingest.cloudtrail import OTHER_LOG_DIRS, RecordError, normalise_event
from graphscope.ingest.fastpath import (
    DimensionCollision,
    Dimensions,
    full_fields,
    lean_fields,
)
from graphscope.ingest.logfiles import ReadStats, iter_log_files, iter_raw_records

from .conftest import INCIDENT


def _records(*roots: Path) -> list[tuple[str, int, object]]:
    stats = ReadStats()
    out = []
    for path in iter_log_files(roots, skip_dirs=OTHER_LOG_DIRS):
        out.extend((str(path), i, rec) for i, rec in iter_raw_records(path, stats))
    return out


def _columns(got: tuple, dims: Dimensions) -> dict[str, object]:
    names = ("key", "time", "caller", "action", "resources", "request_id", "credentials")
    values = dict(zip(names, got, strict=True))
    values["caller"] = dims.by_id[values["caller"]]
    values["action"] = dims.by_id[values["action"]]
    return values


def test_lean_fields_equal_full_fields(panther_dir: Path, invictus_dir: Path) -> None:
    """Every record the lean extractor takes gives exactly the key, time, caller, action,
    resources, request id and credential flag that normalise_event gives; the others are left
    to it (and fail or pass the same way)."""
    records = _records(INCIDENT, panther_dir / "cloudtrail-records.json", invictus_dir)
    lean_dims, full_dims = Dimensions(), Dimensions()
    taken = left = 0
    for file, index, rec in records:
        got = lean_fields(rec, lean_dims)
        try:
            want, _ = full_fields(rec, file, index, full_dims)
        except (RecordError, TypeError, AttributeError, ValueError):
            assert got is None, (file, index)  # a record the full path rejects is not taken
            left += 1
            continue
        if got is None:
            left += 1
            continue
        taken += 1
        assert _columns(got, lean_dims) == _columns(want, full_dims), (file, index)
        assert got[0].hex() == normalise_event(rec, file, index).key, (file, index)
    assert taken > 2000 and left > 100  # both paths are exercised by the real data


def test_events_read_back_equal_normalised_records(invictus_dir: Path) -> None:
    store = EventStore()
    store.ingest_cloudtrail([invictus_dir])
    got = {(e.file, e.index): e for e in store.events_between()}
    want = {}
    for file, index, rec in _records(invictus_dir):
        try:
            e = normalise_event(rec, file, index)
        except RecordError:
            continue
        want.setdefault(e.key, e)
    assert len(got) == store.event_count() == len(want)
    assert sorted(got.values(), key=lambda e: e.key) == sorted(want.values(), key=lambda e: e.key)


def test_a_record_that_cannot_be_rebuilt_is_reported(tmp_path: Path) -> None:
    """A stored record whose full Event fails at read time is listed as an issue, not dropped
    silently."""
    store = EventStore(tmp_path / "events.sqlite")
    store.ingest_cloudtrail([INCIDENT])
    key = next(iter(store.events_between())).key
    _replace_record(store, key, {"eventName": 1})
    events = list(store.events_between())
    assert len(events) == store.event_count() - 1 and key not in {e.key for e in events}
    assert [i.reason.split(":")[0] for i in store.read_issues] == ["not readable back"]
    assert any("not readable back" in i.reason for i in store.issues("cloudtrail"))


def _replace_record(store: EventStore, key: str, record: object) -> None:
    """Overwrite the stored record of the event `key` in its chunk."""
    for cid, keys, data in store.db.execute("SELECT id, keys, data FROM chunk_data").fetchall():
        digests = [keys[i : i + 12] for i in range(0, len(keys), 12)]
        if bytes.fromhex(key) in digests:
            items = orjson.loads(data)
            items[digests.index(bytes.fromhex(key))] = record
            store.db.execute(
                "UPDATE chunk_data SET data = ? WHERE id = ?", (orjson.dumps(items), cid)
            )
            store.db.commit()
            return
    raise AssertionError(f"no stored event {key}")


def test_events_given_as_such_round_trip(incident_store: EventStore) -> None:
    events = list(incident_store.events_between())
    other = EventStore()
    assert other.add_events(events) == (len(events), 0)
    assert list(other.events_between()) == events
    assert other.add_events(events) == (0, len(events))


def test_dimension_ids_refuse_a_collision() -> None:
    dims = Dimensions()
    ident = dims.caller(("1", "r", "arn:p", "IAMUser", "AKIA1", None))
    assert dims.caller(("1", "r", "arn:p", "IAMUser", "AKIA1", None)) == ident
    with pytest.raises(DimensionCollision):
        dims.known("c", ident, ("2", "r", "arn:q", "IAMUser", "AKIA2", None))


def test_a_failed_load_leaves_callers_consistent() -> None:
    """Callers and actions met in a load that rolls back are stored again by the next one."""
    from graphscope.eventstore import Task
    from graphscope.ingest.fastpath import file_chunks

    store = EventStore()
    records = [(i, rec) for _, i, rec in _records(INCIDENT)]

    def dying() -> Iterator[object]:
        yield from file_chunks("x", records, ReadStats(), store.dims)
        raise RuntimeError("reader died")

    with pytest.raises(RuntimeError, match="reader died"):
        store._insert([Task(dying())])
    assert store.event_count() == 0
    store.ingest_cloudtrail([INCIDENT])
    assert sum(u.count for u in store.key_uses()) == store.event_count() == 31
    assert store.db.execute(
        "SELECT count(*) FROM chunks WHERE caller NOT IN (SELECT id FROM callers)"
    ).fetchone() == (0,)


def test_count_where_on_action_and_caller_columns(incident_store: EventStore) -> None:
    """count_where answers conditions on action columns and on caller columns from the
    per-caller, per-action counts; both agree with the events read back."""
    events = list(incident_store.events_between())
    s3_gets = [e for e in events if e.source == "s3.amazonaws.com" and e.name == "GetObject"]
    assert s3_gets
    assert incident_store.count_where(
        "source = ? AND name IN (?, ?)", ("s3.amazonaws.com", "GetObject", "NoSuchCall")
    ) == len(s3_gets)
    principal = s3_gets[0].principal
    assert incident_store.count_where("principal = ? AND error_code IS NULL", (principal,)) == len(
        [e for e in events if e.principal == principal and e.error_code is None]
    )
