"""Open chunks keep their records as a list joined when cut, compacted so that delivery
documents are let go: the chunks are the same whenever (and however often) compaction runs and
wherever the buffer cuts them, and a compacted chunk holds no view into a document."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import msgspec
import orjson
import pytest

from graphscope.ingest import fastpath
from graphscope.ingest.cloudtrail import OTHER_LOG_DIRS
from graphscope.ingest.fastpath import Dimensions, Pending, decode_lean, source_chunks
from graphscope.ingest.logfiles import ReadStats, delivery_records, iter_log_files, iter_raw_records

from .conftest import INCIDENT


def _records(n: int, callers: int, start: int) -> list[dict]:
    return [
        {
            "eventVersion": "1.09",
            "eventTime": f"2026-04-01T{(start + i) // 3600 % 24:02d}:{(start + i) // 60 % 60:02d}:"
            f"{(start + i) % 60:02d}Z",
            "eventSource": "s3.amazonaws.com",
            "eventName": "GetObject",
            "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333",
            "eventID": f"id-{start + i}",
            "userIdentity": {
                "type": "IAMUser",
                "arn": f"arn:aws:iam::111122223333:user/u{(start + i) % callers}",
                "accountId": "111122223333",
                "accessKeyId": f"AKIAPENDING{(start + i) % callers:09d}",
            },
            "requestParameters": {"bucketName": f"b{i % 3}", "key": f"k/{i}"},
            "resources": [{"ARN": f"arn:aws:s3:::b{i % 3}", "type": "AWS::S3::Bucket"}],
        }
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Delivery files whose callers span files (their chunks stay open across documents),
    plus a repeat of the first file (its records are all duplicates)."""
    root = tmp_path_factory.mktemp("pending")
    for f in range(12):
        body = json.dumps({"Records": _records(150, 7 + f % 3, f * 150)}).encode()
        (root / f"f{f:02d}.json.gz").write_bytes(gzip.compress(body))
    (root / "f99.json.gz").write_bytes((root / "f00.json.gz").read_bytes())
    return root


def _chunks(root: Path) -> tuple[list, ReadStats]:
    stats = ReadStats()
    files = [str(f) for f in iter_log_files([root], skip_dirs=OTHER_LOG_DIRS)]
    sources = ((f, iter_raw_records(f, stats, lean=decode_lean)) for f in files)
    return list(source_chunks(sources, stats, Dimensions())), stats


@pytest.mark.parametrize(("held", "buffered"), [(1, 10**9), (1, 40), (5000, 300), (10**12, 90)])
def test_chunks_do_not_depend_on_compaction(
    many_files: Path, monkeypatch: pytest.MonkeyPatch, held: int, buffered: int
) -> None:
    monkeypatch.setattr(fastpath, "MAX_HELD_BYTES", 10**12)
    monkeypatch.setattr(fastpath, "MAX_BUFFERED", buffered)
    want, want_stats = _chunks(many_files)
    monkeypatch.setattr(fastpath, "MAX_HELD_BYTES", held)
    got, got_stats = _chunks(many_files)
    assert got == want
    assert got_stats.records == want_stats.records == 13 * 150
    assert got_stats.duplicates == want_stats.duplicates == 150
    records = [r for c in got for r in orjson.loads(c.data)]
    assert sum(c.n for c in got) == len(records) == 12 * 150
    assert sorted(r["eventID"] for r in records) == sorted(f"id-{i}" for i in range(12 * 150))


def test_compaction_lets_documents_go() -> None:
    body = json.dumps({"Records": _records(5, 1, 0)}).encode()
    raws = delivery_records(body)
    assert raws is not None and all(type(r) is msgspec.Raw for r in raws)
    pending = Pending()
    pending.data.extend(raws[:3])
    pending.compact()
    pending.data.extend(raws[3:])
    pending.compact()
    pending.compact()  # nothing new: unchanged
    assert [type(x) for x in pending.data] == [bytes, bytes]
    assert orjson.loads(pending.encoded()) == json.loads(body)["Records"]


def test_one_item_chunk_encodes() -> None:
    pending = Pending()
    pending.data.append(b'{"a":1}')
    assert pending.encoded() == b'[{"a":1}]'


def test_incident_store_same_with_constant_compaction(monkeypatch: pytest.MonkeyPatch) -> None:
    from graphscope.eventstore import EventStore

    def events() -> list:
        store = EventStore()
        store.ingest_cloudtrail([INCIDENT])
        return list(store.events_between())

    want = events()
    monkeypatch.setattr(fastpath, "MAX_HELD_BYTES", 1)
    assert events() == want
    assert len(want) > 20
