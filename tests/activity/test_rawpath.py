"""The raw path of delivery documents (records split as bytes by msgspec, decoded to a typed
LeanRecord, stored as read) against the dict path (orjson, lean_fields, orjson.dumps): the
same chunks, events, skips and issues, whatever the records hold."""

from __future__ import annotations

import copy
import gzip
import json
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from graphscope.eventstore import EventStore
from graphscope.ingest import logfiles
from graphscope.ingest.cloudtrail import OTHER_LOG_DIRS
from graphscope.ingest.fastpath import (
    Chunk,
    Dimensions,
    decode_lean,
    lean_fields,
    lean_record,
    source_chunks,
)
from graphscope.ingest.logfiles import (
    RawRecord,
    ReadStats,
    delivery_records,
    iter_log_files,
    iter_raw_records,
)

from .conftest import INCIDENT
from .test_readers import _event


def _chunks(paths: list[Path], lean: Any) -> tuple[list[tuple], ReadStats, int]:
    """Chunks of the files under `paths` (items parsed, for comparison), the read stats, and
    how many records came as RawRecord."""
    stats = ReadStats()
    raw = [0]

    def records(file: str):
        for index, rec in iter_raw_records(file, stats, lean=lean):
            raw[0] += type(rec) is RawRecord
            yield index, rec

    files = [str(f) for f in iter_log_files(paths, skip_dirs=OTHER_LOG_DIRS)]
    chunks = list(source_chunks(((f, records(f)) for f in files), stats, Dimensions()))
    return [_comparable(c) for c in chunks], stats, raw[0]


def _comparable(c: Chunk) -> tuple:
    creds = tuple((p, f, i, orjson.loads(item)) for p, f, i, item in c.credentials)
    return (*c._replace(data=b"", credentials=()), orjson.loads(c.data), creds)


def _same_both_ways(*paths: Path) -> int:
    """Assert the raw and dict paths agree on `paths`; returns the records taken raw."""
    want, want_stats, none = _chunks(list(paths), None)
    got, got_stats, taken = _chunks(list(paths), decode_lean)
    assert none == 0
    assert got == want
    for name in ("files", "records", "skipped", "duplicates", "issues", "time_fields"):
        assert getattr(got_stats, name) == getattr(want_stats, name), name
    return taken


def test_datasets_read_alike(panther_dir: Path, invictus_dir: Path) -> None:
    taken = _same_both_ways(INCIDENT, panther_dir / "cloudtrail-records.json", invictus_dir)
    assert taken > 1000  # the raw path is exercised by the real data


def _variants(base: list[dict], n: int, seed: int) -> list[Any]:
    """Records of odd shapes: real ones with fields removed, emptied, retyped or renamed."""
    rng = random.Random(seed)
    odd_values = [None, "", 0, 7, 1.5, True, [], {}, ["x"], {"a": 1}, "arn:aws:s3:::b/k", "text"]
    paths = [
        ("eventName",),
        ("eventSource",),
        ("eventTime",),
        ("awsRegion",),
        ("recipientAccountId",),
        ("eventID",),
        ("errorCode",),
        ("requestID",),
        ("userIdentity",),
        ("userIdentity", "arn"),
        ("userIdentity", "type"),
        ("userIdentity", "accessKeyId"),
        ("userIdentity", "accountId"),
        ("userIdentity", "invokedBy"),
        ("userIdentity", "sessionContext"),
        ("userIdentity", "sessionContext", "attributes"),
        ("userIdentity", "sessionContext", "attributes", "creationDate"),
        ("requestParameters",),
        ("requestParameters", "bucketName"),
        ("requestParameters", "key"),
        ("requestParameters", "roleArn"),
        ("requestParameters", "functionName"),
        ("requestParameters", "name"),
        ("requestParameters", "instancesSet"),
        ("responseElements",),
        ("responseElements", "credentials"),
        ("resources",),
        ("CloudTrailEvent",),
        ("eventJson",),
    ]
    out: list[Any] = []
    for _ in range(n):
        rec = copy.deepcopy(rng.choice(base))
        for _ in range(rng.randrange(1, 4)):
            path = rng.choice(paths)
            node = rec
            for step in path[:-1]:
                if not isinstance(node.get(step), dict):
                    node[step] = {}
                node = node[step]
            if rng.random() < 0.25:
                node.pop(path[-1], None)
            else:
                node[path[-1]] = copy.deepcopy(rng.choice(odd_values))
        out.append(rec)
    return out


def _shapes() -> list[Any]:
    """Hand-picked shapes the fast and full paths must treat alike."""
    t = "2026-03-01T10:00:00Z"
    role = "arn:aws:iam::111122223333:role/r"
    return [
        _event(0),
        _event(1, userIdentity={"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}),
        _event(
            2, userIdentity={"type": "WebIdentityUser", "identityProvider": "x", "userName": "u"}
        ),
        _event(3, userIdentity={"type": "AWSAccount", "accountId": "1", "principalId": "p"}),
        _event(4, userIdentity=None),
        _event(5, eventTime="2026-03-01 10:00:05"),
        _event(
            6,
            userIdentity={
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/r/s",
                "accessKeyId": "ASIAZZ",
                "sessionContext": {"attributes": {"creationDate": "Jul 10, 2023, 12:09:47 PM"}},
            },
        ),
        _event(
            7,
            eventSource="sts.amazonaws.com",
            eventName="AssumeRole",
            requestParameters={"roleArn": role, "roleSessionName": "s"},
            responseElements={
                "credentials": {"accessKeyId": "ASIANEW", "expiration": t},
                "assumedRoleUser": {"arn": "arn:aws:sts::1:assumed-role/r/s"},
            },
        ),
        _event(
            8,
            eventSource="iam.amazonaws.com",
            eventName="CreateAccessKey",
            responseElements={"accessKey": {"accessKeyId": "AKIANEW", "userName": "u"}},
        ),
        _event(
            9,
            eventSource="s3.amazonaws.com",
            eventName="GetObject",
            requestParameters={"bucketName": "b", "key": "k/1"},
            resources=[{"ARN": "arn:aws:s3:::b/k/1"}, {"arn": "arn:aws:s3:::b"}, "x", {"ARN": 5}],
        ),
        _event(
            10,
            eventSource="ec2.amazonaws.com",
            eventName="StopInstances",
            requestParameters={"instancesSet": {"items": [{"instanceId": "i-1"}, 3]}},
        ),
        _event(
            11,
            eventSource="bedrock.amazonaws.com",
            eventName="InvokeModel",
            requestID="r-1",
            requestParameters={"modelId": "anthropic.claude"},
            responseElements=None,
        ),
        _event(12, requestParameters=json.dumps({"roleArn": role}), responseElements="ok"),
        {"CloudTrailEvent": json.dumps(_event(13))},
        {"eventJson": json.dumps(_event(14)), "eventName": "x"},
        {"CloudTrailEvent": "{not json"},
        _event(16, CloudTrailEvent=None),
        "a string",
        [1, 2],
        None,
        _event(20, errorCode="AccessDenied", eventID=""),
        _event(21, awsRegion="", recipientAccountId=""),
        _event(22, eventName=""),
        _event(23, requestParameters={"key": "only-a-key"}),
        _event(24, requestParameters={"secretId": "s", "x": [1.5e30, -0.0, 2**70]}),
        _event(25, extra={"deep": [[[[{"x": "\u00e9\u4e2d\U0001f600"}]]]]}),
        _event(0),  # a repeat of the first: one event, one duplicate
    ]


def _write(path: Path, records: list[Any], indent: int | None = None) -> Path:
    path.write_bytes(gzip.compress(json.dumps({"Records": records}, indent=indent).encode()))
    return path


def test_odd_shapes_read_alike(tmp_path: Path) -> None:
    _write(tmp_path / "a_shapes.json.gz", _shapes())
    _write(tmp_path / "b_pretty.json.gz", _shapes()[:10], indent=2)
    _write(tmp_path / "c_declined.json.gz", [*_shapes()[:5], _event(30, x=1e300)])  # orjson's
    assert _same_both_ways(tmp_path) > 15


def test_mutated_records_read_alike(tmp_path: Path) -> None:
    """Real records with fields removed, emptied or retyped: every one is read as the dict
    path reads it (taken, left to normalise_event, or skipped with the same reason)."""
    base = [r for r in _shapes() if isinstance(r, dict) and "eventName" in r]
    for i in range(4):
        _write(tmp_path / f"m{i}.json.gz", _variants(base, 400, seed=i))
    assert _same_both_ways(tmp_path) > 100


def test_lean_record_equals_lean_fields(invictus_dir: Path) -> None:
    """Field by field, on every delivery record of the dataset the typed decode takes."""
    dims_a, dims_b = Dimensions(), Dimensions()
    taken = 0
    for path in iter_log_files([invictus_dir, INCIDENT], skip_dirs=OTHER_LOG_DIRS):
        for _, rec in iter_raw_records(path, ReadStats(), lean=decode_lean):
            if type(rec) is not RawRecord:
                continue
            got = lean_record(rec.lean, dims_a)
            if got is None:
                continue
            taken += 1
            want = lean_fields(orjson.loads(bytes(rec.raw)), dims_b)
            assert want is not None
            assert got[4] == want[4] or set(got[4]) == set(want[4])  # resources: any order
            assert got[:4] + got[5:] == want[:4] + want[5:]
    assert taken > 1000


@pytest.mark.parametrize(
    "body",
    [
        b'{"Records":[{"eventName":"a","x":"\xff"}]}',  # invalid UTF-8
        b'{"Records":[{"eventName":"a","x":"\xed\xa0\x80"}]}',  # an encoded surrogate
        b'{"Records":[{"eventName":"a","x":1e400}]}',  # out of range
        b'{"Records":[{"eventName":"a","x": -1.5E+309}]}',
        b'{"Records":[{"eventName":"a","x":[' + b"9" * 400 + b"]}]}",
        b'{"Records":[{"eventName":"a"}],"other":1e999}',
    ],
)
def test_documents_orjson_refuses_are_not_split(body: bytes, tmp_path: Path) -> None:
    """msgspec skips such content unchecked: the split declines, and the file is refused as
    invalid JSON as before (not stored, then unreadable)."""
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)
    assert delivery_records(body) is None
    path = tmp_path / "bad.json"
    path.write_bytes(body)
    stats = ReadStats()
    assert list(iter_raw_records(path, stats, lean=decode_lean)) == []
    assert stats.skipped == 1 and "invalid JSON" in stats.issues[0].reason


def test_numbers_in_strings_do_not_decline_the_split() -> None:
    body = b'{"Records":[{"eventName":"a","eventID":"3e100f-1e400","x":[1.5e10, 2e-300]}]}'
    split = delivery_records(body)
    assert split is not None and orjson.loads(bytes(split[0])) == orjson.loads(body)["Records"][0]


def test_enormous_records_are_skipped_on_the_raw_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logfiles, "MAX_RECORD_BYTES", 2000)
    big = _event(1, requestParameters={"blob": "x" * 5000})
    _write(tmp_path / "big.json.gz", [_event(0), big, _event(2)])
    stats = ReadStats()
    got = list(iter_raw_records(tmp_path / "big.json.gz", stats, lean=decode_lean))
    assert [i for i, _ in got] == [0, 2] and all(type(r) is RawRecord for _, r in got)
    assert stats.issues[0].index == 1 and "enormous record" in stats.issues[0].reason
    _same_both_ways(tmp_path)


def test_store_keeps_raw_records_as_read(tmp_path: Path) -> None:
    """Stored items of the raw path are the records' bytes; read back they give the Events
    the dict path stores (credential issuances included)."""
    _write(tmp_path / "shapes.json.gz", _shapes())
    a, b = EventStore(), EventStore()
    a.ingest_cloudtrail([tmp_path])
    b.ingest_records("x", iter_raw_records(tmp_path / "shapes.json.gz", ReadStats()))
    assert a.event_count() == b.event_count() > 10
    key = lambda e: e.key  # noqa: E731
    strip = lambda e: (e.key, e.time, e.name, e.principal, e.resources, e.issued_key)  # noqa: E731
    assert [strip(e) for e in sorted(a.events_between(), key=key)] == [
        strip(e) for e in sorted(b.events_between(), key=key)
    ]
    assert [strip(e) for e in a.issuances()] == [strip(e) for e in b.issuances()]
    assert a.ingest_cloudtrail([tmp_path]).added == 0  # the same file twice doubles nothing


def test_out_of_range_times_are_skipped_not_fatal(tmp_path: Path) -> None:
    """Times no date can hold (month 13 with a zone, offset +99:99, epoch 1e20) once stopped
    the whole load with a ValueError/OverflowError/OSError: an event time is now an unreadable
    record, a session creation time an unknown one, on both paths alike."""
    session = {
        "type": "AssumedRole",
        "arn": "arn:aws:sts::111122223333:assumed-role/r/s",
        "sessionContext": {"attributes": {"creationDate": "2026-13-01T00:00:00+01:00"}},
    }
    records = [
        _event(0),
        _event(1, userIdentity=session),
        _event(2, eventTime=1e20),
        _event(3, eventTime="2026-01-01T00:00:00+99:99"),
        _event(4, eventTime="9999-12-31T23:59:59-01:00"),
    ]
    _write(tmp_path / "times.json.gz", records)
    _same_both_ways(tmp_path)
    store = EventStore()
    result = store.ingest_cloudtrail([tmp_path])
    assert result.added == 2
    reasons = {i.index: i.reason for i in result.stats.issues}
    assert set(reasons) == {2, 3, 4}
    assert "out of range" in reasons[2] and reasons[3].startswith("unreadable time")
    assert [e.session_created for e in store.events_between()] == [None, None]
