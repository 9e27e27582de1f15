"""Stream JSON log records out of files and folders, whatever the container.

Shared by the CloudTrail and invocation-log readers. One file is open at a time; JSON Lines are
read line by line; a container document (`{"Records": [...]}`, lookup-events output, a
CloudWatch export) is parsed whole, which is bounded by MAX_DOCUMENT_BYTES (CloudTrail delivery
files are a few MB). Every problem becomes a ReadIssue naming the file and record index; the
reader goes on with the next record or file.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import msgspec
import orjson

MAX_RECORD_BYTES = 4 * 1024 * 1024
"""A single record above this size is skipped as enormous (CloudTrail events are < 256 KB)."""
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
"""A container document above this size is refused rather than loaded."""
MAX_ISSUES_PER_FILE = 50
"""Issues listed per file; beyond this they are only counted."""

LOG_SUFFIXES = (
    ".json",
    ".json.gz",
    ".jsonl",
    ".jsonl.gz",
    ".ndjson",
    ".ndjson.gz",
    ".gz",
    ".log",
    ".txt",
)
_SKIP_DIRS = frozenset({"CloudTrail-Digest", "CloudTrail-Insight"})
# Wrappers that SIEMs, exporters and test harnesses put around one record.
_WRAPPER_KEYS = ("record", "_source", "detail", "event", "Event")


@dataclass(frozen=True, slots=True)
class ReadIssue:
    """One record or file that could not be used, and why."""

    file: str
    index: int | None  # 0-based record index within the file; None when the whole file failed
    reason: str

    def __str__(self) -> str:
        where = f"record {self.index}" if self.index is not None else "file"
        return f"{self.file}: {where}: {self.reason}"


@dataclass(slots=True)
class ReadStats:
    """What a read saw: files, records, skips (with reasons), and which fields were used."""

    files: int = 0
    records: int = 0
    skipped: int = 0
    duplicates: int = 0  # records repeating one read earlier in the same load (the first is kept)
    issues: list[ReadIssue] = field(default_factory=list)
    issues_per_file: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    time_fields: Counter[str] = field(default_factory=Counter)
    file_names: list[str] = field(default_factory=list)

    def merge(self, other: ReadStats) -> None:
        """Fold the statistics of another read (e.g. one file read by a worker) into these."""
        self.files += other.files
        self.records += other.records
        self.skipped += other.skipped
        self.duplicates += other.duplicates
        self.issues.extend(other.issues)
        self.issues_per_file.update(other.issues_per_file)
        self.formats.update(other.formats)
        self.time_fields.update(other.time_fields)
        self.file_names.extend(other.file_names)

    def skip(self, file: str, index: int | None, reason: str) -> None:
        self.skipped += 1
        self.issues_per_file[file] += 1
        if self.issues_per_file[file] <= MAX_ISSUES_PER_FILE:
            self.issues.append(ReadIssue(file, index, reason))


def iter_log_files(paths: Iterable[str | Path], skip_dirs: Iterable[str] = ()) -> Iterator[Path]:
    """Files named directly, and log files under folders (recursively, sorted, digests skipped).

    `skip_dirs` names folders of other log kinds in the AWSLogs layout, so one bucket root can
    be given to both readers (CloudTrail skips BedrockModelInvocationLogs and vice versa).
    """
    skip = _SKIP_DIRS | frozenset(skip_dirs)
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in skip)
                for name in sorted(files):
                    if name.endswith(LOG_SUFFIXES):
                        yield Path(root) / name
        else:
            yield path  # a missing file is reported by iter_raw_records


def _open(path: Path) -> BinaryIO:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def open_bytes(data: bytes) -> BinaryIO:
    """A downloaded object (e.g. from S3) as a stream, gunzipped when it is gzip."""
    raw = io.BytesIO(data)
    if data[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def unwrap(obj: Any) -> Any:
    """Peel the wrappers exporters add around one record; JSON strings are parsed."""
    for _ in range(3):
        if not isinstance(obj, dict):
            return obj
        # aws cloudtrail lookup-events; CloudTrail Lake exports (eventJson)
        inner = obj.get("CloudTrailEvent") or obj.get("eventJson") or obj.get("eventJSON")
        if inner is None and "eventName" not in obj and "schemaType" not in obj:
            inner = obj.get("message")  # CloudWatch Logs export / filter-log-events
            if inner is None:
                for key in _WRAPPER_KEYS:
                    if isinstance(obj.get(key), dict):
                        inner = obj[key]
                        break
        if inner is None:
            return obj
        if isinstance(inner, str | bytes):
            inner = orjson.loads(inner)
        obj = inner
    return obj


def _container_items(doc: Any) -> tuple[str, list[Any]] | None:
    """The records of a container document, or None when the document is one record."""
    if isinstance(doc, list):
        return "json-array", doc
    if isinstance(doc, dict):
        for key, fmt in (
            ("Records", "cloudtrail-delivery"),
            ("Events", "lookup-events"),
            ("events", "cloudwatch-export"),
        ):
            if isinstance(doc.get(key), list):
                return fmt, doc[key]
    return None


class RawRecord(NamedTuple):
    """A plain record of a delivery document as its JSON bytes and what a reader's `lean`
    decoder made of them (iter_raw_records with `lean`): no dict was built for it."""

    raw: bytes | msgspec.Raw
    lean: Any


class _Delivery(msgspec.Struct):
    Records: list[msgspec.Raw]


_DELIVERY = msgspec.json.Decoder(_Delivery)
_DIGITS = bytes.maketrans(b"123456789E", b"000000000e")
"""Digits to 0 and E to e: a search finds every exponent of 3 digits or more, in place (a
translation keeps positions)."""
_MANTISSA = frozenset(b"0123456789.-")
_VALUE_START = frozenset(b":,[")
_SPACE = frozenset(b" \t\r\n")


def _number_at(body: bytes, at: int) -> bool:
    """Whether the digit at `at` may end the mantissa of a JSON number (not a string's text):
    a number starts right after ':', ',' or '[' (and whitespace)."""
    while at > 0 and body[at - 1] in _MANTISSA:
        at -= 1
    while at > 0 and body[at - 1] in _SPACE:
        at -= 1
    return at == 0 or body[at - 1] in _VALUE_START


def delivery_records(body: bytes) -> list[msgspec.Raw] | None:
    """The records of a `{"Records": [...]}` document as raw bytes, split without building
    them, or None when this split cannot vouch that orjson reads the document alike.

    msgspec skips what it does not decode without checking UTF-8 or number ranges, which
    orjson refuses (the whole document is then invalid JSON): such documents, and any that
    might hold a number of 3 exponent digits or 200 digits, are left to orjson."""
    try:
        records = _DELIVERY.decode(body).Records
    except (msgspec.DecodeError, RecursionError):
        return None
    if not body.isascii():
        try:
            body.decode()
        except UnicodeDecodeError:
            return None
    digits = body.translate(_DIGITS)
    if b"0" * 200 in digits:
        return None
    for pattern in (b"0e000", b"0e+000") if b"+" in body else (b"0e000",):
        at = digits.find(pattern)
        while at >= 0:
            if _number_at(body, at):
                return None
            at = digits.find(pattern, at + 1)
    return records


_SKIP = object()


def _plain(name: str, index: int, rec: Any, stats: ReadStats) -> Any:
    """A container's record as readers get it (unwrapped), or _SKIP after noting why."""
    if (
        type(rec) is dict
        and "eventName" in rec
        and "CloudTrailEvent" not in rec
        and "eventJson" not in rec
        and "eventJSON" not in rec
    ):
        return rec  # a plain record: what unwrap would return, sooner
    try:
        return unwrap(rec)
    except orjson.JSONDecodeError as exc:
        stats.skip(name, index, f"embedded JSON string is invalid: {exc}")
        return _SKIP


def _parse_line(line: bytes) -> Any:
    """One JSON Lines record; a CloudWatch text export prefixes the JSON with a timestamp."""
    if line[:1] not in (b"{", b"["):
        brace = line.find(b"{")
        if brace > 0:
            line = line[brace:]
    return orjson.loads(line)


def _trailing(fh: Any, name: str, stats: ReadStats) -> None:
    """A file may hold further concatenated documents (one per line): said, not read."""
    if fh.readline(MAX_DOCUMENT_BYTES).strip():
        stats.skip(name, None, "trailing data after the JSON document ignored")


def iter_raw_records(
    path: Path | str,
    stats: ReadStats,
    opener: Callable[[], BinaryIO] | None = None,
    lean: Callable[[bytes | msgspec.Raw], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield (index, unwrapped record) from one file; problems go to `stats` with the index.

    `opener` supplies the stream for sources that are not local files (an S3 object); `path`
    then only names the source in messages. With `lean`, a delivery document's records are
    split as bytes (delivery_records) and each one `lean` decodes (not None) comes as a
    RawRecord; the others are parsed and come as without it."""
    name = str(path)
    stats.files += 1
    stats.file_names.append(name)
    index = 0
    try:
        fh = opener() if opener is not None else _open(Path(path))
    except OSError as exc:
        stats.skip(name, None, f"cannot open: {exc.strerror or exc}")
        return
    try:
        with fh:
            first = fh.readline(MAX_RECORD_BYTES + 1)
            while first and not first.strip():
                first = fh.readline(MAX_RECORD_BYTES + 1)
            if not first:
                stats.skip(name, None, "empty file: no records")
                return
            doc, complete, split = None, False, None
            if len(first) <= MAX_RECORD_BYTES or first.endswith(b"\n"):
                if lean is not None and first[:1] == b"{":
                    split = delivery_records(first)
                    complete = split is not None
                if split is None:
                    with contextlib.suppress(orjson.JSONDecodeError):
                        doc, complete = _parse_line(first), True
            if complete and split is None and _container_items(doc) is None:
                # JSON Lines of single records: stream the rest line by line.
                stats.formats["json-lines"] += 1
                yield from _records_from_lines(name, first, fh, stats)
                return
            if not complete:
                stripped = first.strip()
                if (
                    stripped.startswith(b"{")
                    and stripped.endswith(b"}")
                    and len(first) <= MAX_RECORD_BYTES
                ):
                    stats.formats["json-lines"] += 1
                    yield from _records_from_lines(name, first, fh, stats)
                    return
                rest = fh.read(MAX_DOCUMENT_BYTES + 1)
                if len(rest) > MAX_DOCUMENT_BYTES:
                    stats.skip(
                        name,
                        None,
                        f"document larger than {MAX_DOCUMENT_BYTES} bytes; split it or use JSON Lines",
                    )
                    return
                body = first + rest
                if lean is not None:
                    split = delivery_records(body)
                if split is None:
                    try:
                        doc = orjson.loads(body)
                    except orjson.JSONDecodeError as exc:
                        stats.skip(name, None, f"invalid JSON: {exc}")
                        return
                size = len(body)
            else:
                size = len(first)
            if split is not None:
                stats.formats["cloudtrail-delivery"] += 1
                for index, raw in enumerate(split):
                    if len(raw) * 5 > MAX_RECORD_BYTES:
                        # may decode bigger than it is (1e15 -> 1000000000000000.0): measured
                        rec = orjson.loads(memoryview(raw))
                        if len(orjson.dumps(rec)) > MAX_RECORD_BYTES:
                            stats.skip(
                                name,
                                index,
                                f"enormous record (over {MAX_RECORD_BYTES} bytes) skipped",
                            )
                            continue
                    else:
                        got = lean(raw)  # type: ignore[misc]
                        if got is not None:
                            yield index, RawRecord(raw, got)
                            continue
                        rec = orjson.loads(memoryview(raw))
                    rec = _plain(name, index, rec, stats)
                    if rec is not _SKIP:
                        yield index, rec
                _trailing(fh, name, stats)
                return
            items = _container_items(doc)
            if items is None:
                stats.formats["single-record"] += 1
                items = ("single-record", [doc])
            fmt, records = items
            stats.formats[fmt] += 1
            # Only a document bigger than the limit can hold an enormous record, and only while
            # the bytes not yet measured exceed it: measure records until that budget runs out.
            budget = size
            for index, rec in enumerate(records):
                if budget > MAX_RECORD_BYTES:
                    n = len(orjson.dumps(rec))
                    budget -= n
                    if n > MAX_RECORD_BYTES:
                        stats.skip(
                            name, index, f"enormous record (over {MAX_RECORD_BYTES} bytes) skipped"
                        )
                        continue
                rec = _plain(name, index, rec, stats)
                if rec is not _SKIP:
                    yield index, rec
            _trailing(fh, name, stats)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        stats.skip(name, None, f"truncated or corrupt gzip after {index} records: {exc}")
    except OSError as exc:
        stats.skip(name, None, f"read error after {index} records: {exc}")


def _records_from_lines(
    name: str, first: bytes, fh: BinaryIO, stats: ReadStats
) -> Iterator[tuple[int, Any]]:
    """JSON Lines, one record per line; a broken line or gzip stream is reported, not fatal."""
    done = [0]  # records read so far, for the message when the stream breaks
    try:
        yield from _line_loop(name, first, fh, stats, done)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        stats.skip(name, None, f"truncated or corrupt gzip after {done[0]} records: {exc}")
    except OSError as exc:
        stats.skip(name, None, f"read error after {done[0]} records: {exc}")


def _line_loop(
    name: str, line: bytes, fh: BinaryIO, stats: ReadStats, done: list[int]
) -> Iterator[tuple[int, Any]]:
    index = 0
    while line:
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            stats.skip(name, index, f"enormous record (over {MAX_RECORD_BYTES} bytes) skipped")
            while line and not line.endswith(b"\n"):  # drain the rest of the line
                line = fh.readline(MAX_RECORD_BYTES + 1)
            index += 1
        elif line.strip():
            try:
                yield index, unwrap(_parse_line(line))
            except orjson.JSONDecodeError as exc:
                stats.skip(name, index, f"invalid JSON: {exc}")
            index += 1
        done[0] = index
        line = fh.readline(MAX_RECORD_BYTES + 1)
