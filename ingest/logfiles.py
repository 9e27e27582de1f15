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
from typing import Any, BinaryIO

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


def _parse_line(line: bytes) -> Any:
    """One JSON Lines record; a CloudWatch text export prefixes the JSON with a timestamp."""
    if line[:1] not in (b"{", b"["):
        brace = line.find(b"{")
        if brace > 0:
            line = line[brace:]
    return orjson.loads(line)


def iter_raw_records(
    path: Path | str, stats: ReadStats, opener: Callable[[], BinaryIO] | None = None
) -> Iterator[tuple[int, Any]]:
    """Yield (index, unwrapped record) from one file; problems go to `stats` with the index.

    `opener` supplies the stream for sources that are not local files (an S3 object); `path`
    then only names the source in messages."""
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
            doc, complete = None, False
            if len(first) <= MAX_RECORD_BYTES or first.endswith(b"\n"):
                with contextlib.suppress(orjson.JSONDecodeError):
                    doc, complete = _parse_line(first), True
            if complete and _container_items(doc) is None:
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
                try:
                    doc = orjson.loads(body)
                except orjson.JSONDecodeError as exc:
                    stats.skip(name, None, f"invalid JSON: {exc}")
                    return
                size = len(body)
            else:
                size = len(first)
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
                if (
                    type(rec) is dict
                    and "eventName" in rec
                    and "CloudTrailEvent" not in rec
                    and "eventJson" not in rec
                    and "eventJSON" not in rec
                ):
                    yield index, rec  # a plain record: what unwrap would return, sooner
                    continue
                try:
                    yield index, unwrap(rec)
                except orjson.JSONDecodeError as exc:
                    stats.skip(name, index, f"embedded JSON string is invalid: {exc}")
            # A file may hold further concatenated documents (one per line).
            more = fh.readline(MAX_DOCUMENT_BYTES)
            if more.strip():
                stats.skip(name, None, "trailing data after the JSON document ignored")
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
