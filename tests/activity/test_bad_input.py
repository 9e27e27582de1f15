"""Bad input: each gets a message naming file and record; the rest is still ingested and the
skipped counts reach coverage."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from graphscope.eventstore import EventStore
from graphscope.ingest import logfiles
from graphscope.ingest.cloudtrail import read_cloudtrail
from graphscope.ingest.invocation_logs import read_invocation_logs
from graphscope.ingest.logfiles import ReadStats
from graphscope.queries.activity import build_activity

from .test_readers import _event


def _read(path: Path) -> tuple[list, ReadStats]:
    stats = ReadStats()
    return list(read_cloudtrail([path], stats)), stats


def test_truncated_gzip_json_lines_keeps_what_came_before(tmp_path: Path) -> None:
    data = gzip.compress("".join(json.dumps(_event(i)) + "\n" for i in range(200)).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    events, stats = _read(path)
    assert 0 < len(events) < 200
    assert stats.skipped == 1
    issue = stats.issues[0]
    assert issue.file == str(path) and "truncated or corrupt gzip" in issue.reason
    assert f"after {len(events)} records" in issue.reason


def test_truncated_gzip_delivery_file_does_not_stop_the_folder(tmp_path: Path) -> None:
    good = tmp_path / "a_good.json.gz"
    good.write_bytes(gzip.compress(json.dumps({"Records": [_event(1)]}).encode()))
    bad = tmp_path / "b_bad.json.gz"
    whole = gzip.compress(json.dumps({"Records": [_event(i) for i in range(50)]}).encode())
    bad.write_bytes(whole[:-30])
    events, stats = _read(tmp_path)
    assert [e.event_id for e in events] == ["e-1"]
    assert stats.skipped == 1 and stats.issues[0].file == str(bad) and stats.issues[0].index is None


def test_invalid_json_line_names_the_record(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(_event(0)) + "\n{not json\n" + json.dumps(_event(2)) + "\n")
    events, stats = _read(path)
    assert [e.event_id for e in events] == ["e-0", "e-2"]
    assert (
        len(stats.issues) == 1
        and stats.issues[0].index == 1
        and "invalid JSON" in stats.issues[0].reason
    )
    assert str(stats.issues[0]).startswith(f"{path}: record 1: ")


def test_invalid_json_document(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "Records": [\n    {"eventName": "x",\n')
    events, stats = _read(path)
    assert events == [] and stats.skipped == 1 and "invalid JSON" in stats.issues[0].reason


def test_missing_fields_and_wrong_types(tmp_path: Path) -> None:
    no_time = _event(1)
    del no_time["eventTime"]
    records = [
        _event(0),
        no_time,
        _event(2, eventName=42),
        _event(3, userIdentity="arn:aws:iam::1:user/x"),
        {"foo": "bar"},
        "just a string",
        _event(6, eventTime="not a time"),
        _event(7),
    ]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps({"Records": records}))
    events, stats = _read(path)
    assert [e.event_id for e in events] == ["e-0", "e-7"]
    reasons = {i.index: i.reason for i in stats.issues}
    assert set(reasons) == {1, 2, 3, 4, 5, 6}
    assert "no event time" in reasons[1]
    assert "wrong types" in reasons[2]
    assert "userIdentity is str" in reasons[3]
    assert "not a CloudTrail event" in reasons[4]
    assert "expected a JSON object" in reasons[5]
    assert "unreadable time" in reasons[6]


def test_enormous_records_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logfiles, "MAX_RECORD_BYTES", 2000)
    big = _event(1, requestParameters={"blob": "x" * 5000})
    lines = tmp_path / "big.jsonl"
    lines.write_text(
        json.dumps(_event(0)) + "\n" + json.dumps(big) + "\n" + json.dumps(_event(2)) + "\n"
    )
    events, stats = _read(lines)
    assert [e.event_id for e in events] == ["e-0", "e-2"]
    assert stats.issues[0].index == 1 and "enormous record" in stats.issues[0].reason
    doc = tmp_path / "big.json"
    doc.write_text(json.dumps({"Records": [_event(0), big, _event(2)]}))
    events, stats = _read(doc)
    assert [e.event_id for e in events] == ["e-0", "e-2"]
    assert stats.issues[0].index == 1 and "enormous record" in stats.issues[0].reason


def test_non_cloudtrail_json_and_empty_files(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "left-pad", "version": "1.3.0"}))
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "ok.json").write_text(json.dumps({"Records": [_event(5)]}))
    events, stats = _read(tmp_path)
    assert [e.event_id for e in events] == ["e-5"]
    by_file = {Path(i.file).name: i.reason for i in stats.issues}
    assert "not a CloudTrail event" in by_file["package.json"]
    assert "empty file" in by_file["empty.json"]


def test_invocation_reader_rejects_cloudtrail_and_incomplete_records(tmp_path: Path) -> None:
    path = tmp_path / "inv.jsonl"
    good = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-03-01T10:00:00Z",
        "identity": {"arn": "arn:aws:sts::1:assumed-role/r/s"},
        "modelId": "m",
        "operation": "Converse",
        "requestId": "r1",
        "input": {"inputTokenCount": 3},
        "output": {"outputTokenCount": 4},
    }
    no_identity = {k: v for k, v in good.items() if k != "identity"}
    path.write_text(
        "\n".join(
            json.dumps(r)
            for r in (good, _event(1), no_identity, {"modelId": "m", "identity": {"arn": "a"}})
        )
        + "\n"
    )
    stats = ReadStats()
    got = list(read_invocation_logs([path], stats))
    assert [g.request_id for g in got] == ["r1"]
    reasons = {i.index: i.reason for i in stats.issues}
    assert "a CloudTrail event" in reasons[1]
    assert "no identity.arn" in reasons[2]
    assert "no event time" in reasons[3]


def test_skipped_records_reach_coverage(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(_event(0)) + "\n{oops\n")
    store = EventStore()
    result = store.ingest_cloudtrail([path])
    assert result.added == 1 and result.stats.skipped == 1
    report = build_activity(store, access_key="AKIAZZREADER00000001").report
    gap = next(g for g in report.coverage.gaps if str(path) in g.detail)
    assert (
        gap.source == "cloudtrail"
        and gap.detail.startswith("1 record(s)")
        and "record 1: invalid JSON" in gap.detail
    )
    store.ingest_cloudtrail([path])  # idempotent: the same skip is not counted twice
    report = build_activity(store, access_key="AKIAZZREADER00000001").report
    assert sum(str(path) in g.detail for g in report.coverage.gaps) == 1
