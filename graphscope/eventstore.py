"""The event store: normalised CloudTrail events and invocation-log records in SQLite.

Why SQLite: drill-down by key, session, resource and time must not rescan the inputs, and the
store may outgrow memory; the stdlib module needs nothing installed, and ":memory:" serves tests.
Ingest is idempotent: rows are keyed by ingest.cloudtrail.event_key / invocation_key, so the
same file read twice adds nothing.
"""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson

from graphscope.ingest.cloudtrail import OTHER_LOG_DIRS, Event, events_from, read_cloudtrail
from graphscope.ingest.invocation_logs import Invocation, read_invocation_logs
from graphscope.ingest.invocation_logs_cloudwatch import (
    is_log_group_url,
    read_invocation_log_groups,
)
from graphscope.ingest.logfiles import ReadIssue, ReadStats, iter_log_files
from graphscope.ingest.logs_s3 import is_s3_url, read_cloudtrail_s3, read_invocation_logs_s3
from graphscope.progress import track

EVENT_FIELDS = tuple(f.name for f in fields(Event))
EVENT_COLUMNS = (
    "key",
    "time",
    "source",
    "name",
    "account",
    "region",
    "principal",
    "principal_type",
    "access_key_id",
    "session_created",
    "issued_key",
    "issued_principal",
    "created_key",
    "request_id",
    "error_code",
)
"""Event fields the queries filter or group on get columns; the rest travel in one JSON blob,
which keeps a row cheap to bind (SQLite's per-parameter cost dominates a bulk load)."""
_BLOB_FIELDS = tuple(f for f in EVENT_FIELDS if f not in EVENT_COLUMNS and f != "file")
SCHEMA_VERSION = 2
"""PRAGMA user_version of stores this code writes; a store of another version is refused."""
_LOADING = -1
"""user_version while a first load into a file store runs without a write-ahead log."""
INVOCATION_COLUMNS = tuple(f.name for f in fields(Invocation))
_ROW_COLUMNS = (*EVENT_COLUMNS, "file_id", "data")
_EVENT_SELECT = ", ".join(f'"{c}"' for c in _ROW_COLUMNS)
_ROW_MARKS = ",".join("?" * len(_ROW_COLUMNS))
_INV_SELECT = ", ".join(f'"{c}"' for c in INVOCATION_COLUMNS)
_SEP = "\x1f"  # joins tuple columns (resources, s3_refs); never appears in an ARN
_BATCH = 5000
_BULK_ROWS = 20_000
"""After this many rows of one load, and when the load is large next to the store, indexes are
dropped and rebuilt at the end."""

_EVENT_INDEXES = """
CREATE INDEX IF NOT EXISTS ev_key_id ON events(access_key_id, principal, principal_type, session_created, time);
CREATE INDEX IF NOT EXISTS ev_principal ON events(principal, time);
CREATE INDEX IF NOT EXISTS ev_time ON events(time);
CREATE INDEX IF NOT EXISTS ev_issued ON events(issued_key) WHERE issued_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS ev_created ON events(created_key) WHERE created_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS ev_request ON events(request_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ev_name ON events(source, name);
"""
_EVENT_INDEX_NAMES = (
    "ev_key_id",
    "ev_principal",
    "ev_time",
    "ev_issued",
    "ev_created",
    "ev_request",
    "ev_name",
)

# Uniqueness (idempotent ingest) is kept by unique indexes rather than primary keys, so that a
# bulk load can drop them, append rows in file order and rebuild them with one sort.
_UNIQUE_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS ev_pk ON events(key);
CREATE UNIQUE INDEX IF NOT EXISTS er_pk ON event_resources(arn, key);
"""
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS events ({", ".join(f'"{c}"' for c in EVENT_COLUMNS)}, file_id INTEGER, data BLOB);
CREATE TABLE IF NOT EXISTS event_resources (arn TEXT NOT NULL, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invocations ({", ".join(f'"{c}"' + (" TEXT PRIMARY KEY" if c == "key" else "") for c in INVOCATION_COLUMNS)});
CREATE INDEX IF NOT EXISTS inv_identity ON invocations(identity_arn, time);
CREATE INDEX IF NOT EXISTS inv_request ON invocations(request_id);
CREATE TABLE IF NOT EXISTS sources (path TEXT, kind TEXT, records INTEGER, skipped INTEGER,
    duplicates INTEGER, PRIMARY KEY (path, kind));
CREATE TABLE IF NOT EXISTS issues (file TEXT, idx INTEGER, reason TEXT, kind TEXT,
    PRIMARY KEY (file, idx, reason));
"""


class EventStoreError(ValueError):
    """A store file this version cannot use (interrupted first load, another schema version)."""


@dataclass(slots=True)
class IngestResult:
    """One ingest call: the read statistics plus how many rows were new and how many repeats."""

    kind: str
    stats: ReadStats
    added: int = 0
    duplicates: int = 0
    paths: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class KeyUse:
    """How one access key (or key-less caller) appears in the events."""

    access_key_id: str | None
    principal: str | None
    principal_type: str | None
    session_created: str | None
    first_seen: str
    last_seen: str
    count: int


_VALUES = attrgetter(*EVENT_COLUMNS, *_BLOB_FIELDS)  # one C call for the whole row
_N_COLUMNS = len(EVENT_COLUMNS)


def _event_row(e: Event, file_id: int) -> tuple:
    v = _VALUES(e)
    return (*v[:_N_COLUMNS], file_id, orjson.dumps(v[_N_COLUMNS:]))


def _row_event(row: Sequence, paths: dict[int, str]) -> Event:
    values = dict(zip(EVENT_COLUMNS, row, strict=False))
    values.update(zip(_BLOB_FIELDS, orjson.loads(row[-1]), strict=True))
    values["resources"] = tuple(values["resources"])
    values["file"] = paths.get(row[-2], "?")
    return Event(**values)


def _inv_row(i: Invocation) -> tuple:
    row = [getattr(i, c) for c in INVOCATION_COLUMNS]
    row[INVOCATION_COLUMNS.index("s3_refs")] = _SEP.join(i.s3_refs)
    return tuple(row)


def _row_inv(row: Sequence) -> Invocation:
    values = dict(zip(INVOCATION_COLUMNS, row, strict=True))
    values["s3_refs"] = tuple(values["s3_refs"].split(_SEP)) if values["s3_refs"] else ()
    return Invocation(**values)


def _row_batches(
    events: Iterable[Event], file_id: Callable[[str], int] = lambda _: 0
) -> Iterator[tuple[list[tuple], list[tuple[str, str]]]]:
    """Events -> (event rows, (resource ARN, event key) rows), _BATCH events at a time. The
    source file is stored once (files table) and referenced by id from each row."""
    rows: list[tuple] = []
    resources: list[tuple[str, str]] = []
    last_file, last_id = "", 0
    for e in events:
        if e.file is not last_file:  # events arrive file by file: one lookup per file
            last_file, last_id = e.file, file_id(e.file)
        rows.append(_event_row(e, last_id))
        for arn in e.resources:
            resources.append((arn, e.key))
        if len(rows) >= _BATCH:
            yield rows, resources
            rows, resources = [], []
    if rows:
        yield rows, resources


def _parse_to_shard(path: str, shard: str) -> ReadStats:
    """Worker: parse one file into a scratch SQLite file (no indexes), so that the expensive
    per-row binding happens in parallel and the writer copies rows in C with INSERT ... SELECT."""
    stats = ReadStats()
    db = sqlite3.connect(shard)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"CREATE TABLE events ({_EVENT_SELECT})")
    db.execute("CREATE TABLE event_resources (arn TEXT, key TEXT)")
    with db:
        for rows, resources in _row_batches(read_cloudtrail([path], stats)):
            db.executemany(f"INSERT INTO events VALUES ({_ROW_MARKS})", rows)
            db.executemany("INSERT INTO event_resources VALUES (?, ?)", resources)
    db.close()
    return stats


def _parallel_shards(
    files: list[str], workers: int, stats: ReadStats, progress: bool
) -> Iterator[tuple[str, str]]:
    """Parse files in child processes, a bounded number in flight; yield (shard, source file)
    in file order."""
    # fork where the platform has it: children start at once and need no importable __main__
    # (they never touch the parent's SQLite connection); spawn elsewhere.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with (
        tempfile.TemporaryDirectory(prefix="graphscope-shards-") as tmp,
        ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool,
    ):
        pending: deque = deque()
        todo = enumerate(track(files, "reading CloudTrail") if progress else files)

        def submit(item: tuple[int, str] | None) -> None:
            if item is not None:
                shard = str(Path(tmp) / f"shard-{item[0]}.sqlite")
                pending.append((shard, item[1], pool.submit(_parse_to_shard, item[1], shard)))

        for _ in range(2 * workers):
            submit(next(todo, None))
        while pending:
            shard, path, future = pending.popleft()
            stats.merge(future.result())
            yield shard, path
            Path(shard).unlink(missing_ok=True)
            submit(next(todo, None))


class EventStore:
    """Events and invocation records with the indexes the activity queries need."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path)
        self.db.execute(
            "PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY"
        )
        self.db.execute("PRAGMA synchronous=OFF")
        # index builds and probes of the unique keys: keep their working set in memory (256 MB)
        self.db.execute("PRAGMA cache_size=-262144")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = self.db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'events'")
        if version == _LOADING:
            self.db.close()
            raise EventStoreError(
                f"{self.path}: the first load into this event store was interrupted; delete it "
                "and ingest again"
            )
        if tables.fetchone()[0] and version != SCHEMA_VERSION:
            self.db.close()
            raise EventStoreError(
                f"{self.path}: an event store of another graphscope version (schema {version}, "
                f"this one writes {SCHEMA_VERSION}); give a new --store path"
            )
        self.db.executescript(_SCHEMA)
        self.db.executescript(_UNIQUE_INDEXES)
        self.db.executescript(_EVENT_INDEXES)
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._key_uses: list[KeyUse] | None = None
        self._file_ids: dict[str, int] = {}
        self._paths: dict[int, str] | None = None

    def close(self) -> None:
        self.db.close()

    def _file_id(self, path: str) -> int:
        fid = self._file_ids.get(path)
        if fid is None:
            self.db.execute("INSERT OR IGNORE INTO files (path) VALUES (?)", (path,))
            fid = self.db.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()[0]
            self._file_ids[path] = fid
            self._paths = None
        return fid

    def _file_paths(self) -> dict[int, str]:
        if self._paths is None:
            self._paths = dict(self.db.execute("SELECT id, path FROM files"))
        return self._paths

    # ingest -----------------------------------------------------------------------------------
    def add_events(self, events: Iterable[Event]) -> tuple[int, int]:
        """Insert events; returns (added, duplicates). Repeats of a stored key are ignored."""
        return self._insert(_row_batches(events, self._file_id))

    def _load(self, steps: Iterable[int]) -> tuple[int, int]:
        """Run a load (each step inserts rows and yields how many it offered); returns (added,
        duplicates).

        A big load (_BULK_ROWS rows, and at least a quarter of what the store holds) drops every
        index, appends, then deduplicates and rebuilds them in single sorted passes: building an
        index at once is several times cheaper than keeping it up to date row by row. Small
        loads into a big store keep the indexes (INSERT OR IGNORE does the deduplication)."""
        self._key_uses = None
        existing = self.event_count()
        ev_mark = self.db.execute("SELECT coalesce(max(rowid), 0) FROM events").fetchone()[0]
        res_mark = self.db.execute(
            "SELECT coalesce(max(rowid), 0) FROM event_resources"
        ).fetchone()[0]
        # a first load into a file store has nothing to protect: skip the write-ahead log's
        # second copy of every page (a crash leaves a store that refuses to open, not a wrong one)
        fresh_file = existing == 0 and self.path != ":memory:"
        if fresh_file:  # marked until it completes, so an interrupted load is refused on open
            self.db.execute(f"PRAGMA user_version = {_LOADING}")
            self.db.execute("PRAGMA journal_mode=MEMORY")
        seen = self._run_steps(steps, existing, ev_mark, res_mark)
        if fresh_file:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        added = self.event_count() - existing
        return added, seen - added

    def _run_steps(self, steps: Iterable[int], existing: int, ev_mark: int, res_mark: int) -> int:
        seen = 0
        dropped = False
        with self.db:
            for n in steps:
                seen += n
                if not dropped and seen >= _BULK_ROWS and seen * 4 >= existing:
                    for name in (*_EVENT_INDEX_NAMES, "ev_pk", "er_pk"):
                        self.db.execute(f"DROP INDEX IF EXISTS {name}")
                    dropped = True
        if dropped:
            self._rebuild_unique(ev_mark, res_mark)
            self.db.executescript(_EVENT_INDEXES)
        return seen

    def _rebuild_unique(self, ev_mark: int, res_mark: int) -> None:
        """Recreate the unique indexes after a bulk load, first deleting the rows of this load
        that repeat each other or rows already stored (one sort each, in SQLite)."""
        try:
            self.db.executescript(_UNIQUE_INDEXES)
            return
        except sqlite3.IntegrityError:
            pass  # the load repeated events: remove the repeats, then index
        with self.db:
            for table, cols, mark in (
                ("events", "key", ev_mark),
                ("event_resources", "arn, key", res_mark),
            ):
                self.db.execute(
                    f"DELETE FROM {table} WHERE rowid > ? AND rowid NOT IN "
                    f"(SELECT min(rowid) FROM {table} WHERE rowid > ? GROUP BY {cols})",
                    (mark, mark),
                )
                if mark:
                    self.db.execute(
                        f"DELETE FROM {table} WHERE rowid > ? AND ({cols}) IN "
                        f"(SELECT {cols} FROM {table} WHERE rowid <= ?)",
                        (mark, mark),
                    )
        self.db.executescript(_UNIQUE_INDEXES)

    def _insert_shards(self, shards: Iterable[tuple[str, str]]) -> tuple[int, int]:
        """Copy rows from worker shard files (see _parse_to_shard) into the store."""
        cols = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
        ev_sql = f"INSERT OR IGNORE INTO events ({_EVENT_SELECT}) SELECT {cols}, ?, data FROM shard.events"

        def steps() -> Iterator[int]:
            for shard, path in shards:
                fid = self._file_id(path)
                self.db.execute("ATTACH DATABASE ? AS shard", (shard,))
                self.db.execute(ev_sql, (fid,))
                self.db.execute(
                    "INSERT OR IGNORE INTO event_resources SELECT * FROM shard.event_resources"
                )
                n = self.db.execute("SELECT count(*) FROM shard.events").fetchone()[0]
                self.db.commit()
                self.db.execute("DETACH DATABASE shard")
                yield n

        return self._load(steps())

    def _insert(
        self, batches: Iterable[tuple[list[tuple], list[tuple[str, str]]]]
    ) -> tuple[int, int]:
        ev_sql = f"INSERT OR IGNORE INTO events VALUES ({_ROW_MARKS})"
        res_sql = "INSERT OR IGNORE INTO event_resources VALUES (?, ?)"

        def steps() -> Iterator[int]:
            for rows, resources in batches:
                self.db.executemany(ev_sql, rows)
                self.db.executemany(res_sql, resources)
                yield len(rows)

        return self._load(steps())

    def add_invocations(self, invocations: Iterable[Invocation]) -> tuple[int, int]:
        sql = (
            f"INSERT OR IGNORE INTO invocations VALUES ({','.join('?' * len(INVOCATION_COLUMNS))})"
        )
        rows = [_inv_row(i) for i in invocations]
        with self.db:
            before = self.db.total_changes
            self.db.executemany(sql, rows)
            added = self.db.total_changes - before
        return added, len(rows) - added

    def _record(self, result: IngestResult) -> None:
        stats = result.stats
        with self.db:
            per_file_skips = stats.issues_per_file
            for path in stats.file_names:
                self.db.execute(
                    "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
                    (path, result.kind, 0, per_file_skips.get(path, 0), 0),
                )
            self.db.executemany(
                "INSERT OR IGNORE INTO issues VALUES (?, ?, ?, ?)",
                [
                    (i.file, -1 if i.index is None else i.index, i.reason, result.kind)
                    for i in stats.issues
                ],
            )

    def ingest_cloudtrail(
        self,
        paths: Iterable[str | Path],
        progress: bool = False,
        workers: int = 1,
        since: str | None = None,
        until: str | None = None,
        s3_client: Any = None,
    ) -> IngestResult:
        """Read CloudTrail files/folders (and s3:// URLs) into the store.

        With workers > 1, local files are parsed and normalised in that many child processes
        while this process writes to SQLite (one writer); results equal a one-worker load.
        since/until (ISO) only narrow which S3 day folders are listed; local files are read whole."""
        all_paths = [str(p) for p in paths]
        urls = [p for p in all_paths if is_s3_url(p)]
        paths = [p for p in all_paths if not is_s3_url(p)]
        result = IngestResult("cloudtrail", ReadStats(), paths=all_paths)
        if urls:
            events = read_cloudtrail_s3(urls, since, until, result.stats, client=s3_client)
            if progress:
                events = track(events, "reading CloudTrail from S3")
            s3_added, s3_dupes = self._insert(_row_batches(events, self._file_id))
        else:
            s3_added = s3_dupes = 0
        if not paths:
            result.added, result.duplicates = 0, 0
        elif workers > 1:
            files = [str(f) for f in iter_log_files(paths, skip_dirs=OTHER_LOG_DIRS)]
            shards = _parallel_shards(files, workers, result.stats, progress)
            result.added, result.duplicates = self._insert_shards(shards)
        else:
            events = read_cloudtrail(paths, result.stats)
            if progress:
                events = track(events, "reading CloudTrail")
            result.added, result.duplicates = self._insert(_row_batches(events, self._file_id))
        result.added += s3_added
        result.duplicates += s3_dupes
        self._record(result)
        return result

    def ingest_invocation_logs(
        self,
        paths: Iterable[str | Path],
        progress: bool = False,
        since: str | None = None,
        until: str | None = None,
        s3_client: Any = None,
        logs_client: Any = None,
    ) -> IngestResult:
        """Read Bedrock model-invocation logs into the store: files/folders, s3:// URLs and
        cloudwatch://<log-group> (since/until narrow what is listed or filtered remotely)."""
        all_paths = [str(p) for p in paths]
        urls = [p for p in all_paths if is_s3_url(p)]
        groups = [p for p in all_paths if is_log_group_url(p)]
        paths = [p for p in all_paths if p not in urls and p not in groups]
        result = IngestResult("invocation-log", ReadStats(), paths=all_paths)
        records = itertools.chain(
            read_invocation_logs(paths, result.stats),
            read_invocation_logs_s3(urls, since, until, result.stats, client=s3_client)
            if urls
            else (),
            read_invocation_log_groups(groups, since, until, result.stats, client=logs_client)
            if groups
            else (),
        )
        if progress:
            records = track(records, "reading invocation logs")
        result.added, result.duplicates = self.add_invocations(records)
        self._record(result)
        return result

    def ingest_records(
        self, name: str, records: Iterable[tuple[int, Any]], kind: str = "cloudtrail-query"
    ) -> IngestResult:
        """CloudTrail records from a query (Athena, CloudTrail Lake), named `name` in issues.

        `kind` "cloudtrail-query" marks the store as holding a filtered pull: coverage then does not
        read missing hours or absent data events from it (the filter explains the silence)."""
        result = IngestResult(kind, ReadStats(), paths=[name])
        result.stats.files += 1
        result.stats.file_names.append(name)
        events = events_from(name, records, result.stats)
        result.added, result.duplicates = self._insert(_row_batches(events, self._file_id))
        self._record(result)
        return result

    # queries ----------------------------------------------------------------------------------
    def _events(self, where: str, params: Sequence = ()) -> Iterator[Event]:
        cols = _EVENT_SELECT
        paths = self._file_paths()
        for row in self.db.execute(
            f"SELECT {cols} FROM events WHERE {where} ORDER BY time, key", params
        ):
            yield _row_event(row, paths)

    def event_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM events").fetchone()[0]

    def invocation_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM invocations").fetchone()[0]

    def events_by_keys(self, key_ids: Iterable[str]) -> Iterator[Event]:
        """Every event made with one of these access keys."""
        keys = sorted(set(key_ids))
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            yield from self._events(f"access_key_id IN ({','.join('?' * len(chunk))})", chunk)

    def events_by_principal(self, principal: str, since: str | None = None) -> Iterator[Event]:
        if since:
            return self._events("principal = ? AND time >= ?", (principal, since))
        return self._events("principal = ?", (principal,))

    def events_by_principal_prefix(
        self, prefix: str, since: str | None = None, until: str | None = None
    ) -> Iterator[Event]:
        """Events of every principal whose ARN starts with `prefix` (a role's sessions:
        arn:aws:sts::A:assumed-role/R/), through the (principal, time) index."""
        where = "principal >= ? AND principal < ? AND time >= ? AND time <= ?"
        return self._events(where, (prefix, prefix + "\uffff", since or "", until or "9999"))

    def events_by_session(self, principal: str, session_created: str) -> Iterator[Event]:
        """Every event of one session, whatever key it used (console sessions rotate keys)."""
        return self._events("principal = ? AND session_created = ?", (principal, session_created))

    def events_for_resource(
        self, arn: str, since: str | None = None, until: str | None = None
    ) -> Iterator[Event]:
        where = "key IN (SELECT key FROM event_resources WHERE arn = ?)"
        params: list[str] = [arn]
        if since:
            where += " AND time >= ?"
            params.append(since)
        if until:
            where += " AND time <= ?"
            params.append(until)
        return self._events(where, params)

    def events_between(self, since: str | None = None, until: str | None = None) -> Iterator[Event]:
        return self._events("time >= ? AND time <= ?", (since or "", until or "9999"))

    def events_named(self, pairs: Iterable[tuple[str, str]]) -> Iterator[Event]:
        """Events with one of these (eventSource, eventName) pairs."""
        for source, name in pairs:
            yield from self._events("source = ? AND name = ?", (source, name))

    def issuances(self) -> Iterator[Event]:
        """Successful calls that handed out credentials (STS) or created keys (IAM)."""
        return self._events(
            "(issued_key IS NOT NULL OR created_key IS NOT NULL) AND error_code IS NULL"
        )

    def login_profile_changes(self) -> Iterator[Event]:
        return self._events(
            "source = 'iam.amazonaws.com' AND name IN ('CreateLoginProfile', 'UpdateLoginProfile') AND error_code IS NULL"
        )

    def key_uses(self) -> list[KeyUse]:
        """Each (key, principal, session creation) seen, with first/last use and count.

        A full pass over the index, so the answer is kept until the next ingest."""
        if self._key_uses is not None:
            return self._key_uses
        rows = self.db.execute(
            "SELECT access_key_id, principal, principal_type, session_created, min(time), max(time), count(*)"
            " FROM events GROUP BY access_key_id, principal, principal_type, session_created"
        )
        self._key_uses = [KeyUse(*r) for r in rows]
        return self._key_uses

    def events_by_request_ids(self, request_ids: Iterable[str]) -> dict[str, Event]:
        ids = sorted(set(request_ids))
        out: dict[str, Event] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for e in self._events(f"request_id IN ({','.join('?' * len(chunk))})", chunk):
                out.setdefault(e.request_id or "", e)
        return out

    def invocations(self, identity_arns: Iterable[str] | None = None) -> Iterator[Invocation]:
        cols = _INV_SELECT
        if identity_arns is None:
            rows = self.db.execute(f"SELECT {cols} FROM invocations ORDER BY time, key")
            for row in rows:
                yield _row_inv(row)
            return
        arns = sorted(set(identity_arns))
        for i in range(0, len(arns), 500):
            chunk = arns[i : i + 500]
            q = f"SELECT {cols} FROM invocations WHERE identity_arn IN ({','.join('?' * len(chunk))}) ORDER BY time, key"
            for row in self.db.execute(q, chunk):
                yield _row_inv(row)

    def invocation_regions(self) -> set[tuple[str | None, str | None]]:
        return set(self.db.execute("SELECT DISTINCT account, region FROM invocations"))

    def span(self, kind: str = "cloudtrail") -> tuple[str | None, str | None]:
        table = "events" if kind == "cloudtrail" else "invocations"
        return self.db.execute(f"SELECT min(time), max(time) FROM {table}").fetchone()

    def hours_present(self) -> dict[tuple[str | None, str | None], set[str]]:
        """Per (account, region): the hours ('YYYY-MM-DDTHH') with at least one event."""
        out: dict[tuple[str | None, str | None], set[str]] = {}
        for account, region, hour in self.db.execute(
            "SELECT DISTINCT account, region, substr(time, 1, 13) FROM events"
        ):
            out.setdefault((account, region), set()).add(hour)
        return out

    def count_where(self, where: str, params: Sequence = ()) -> int:
        return self.db.execute(f"SELECT count(*) FROM events WHERE {where}", params).fetchone()[0]

    def issues(self, kind: str | None = None) -> list[ReadIssue]:
        q = (
            "SELECT file, idx, reason FROM issues"
            + (" WHERE kind = ?" if kind else "")
            + " ORDER BY file, idx"
        )
        return [
            ReadIssue(f, None if i < 0 else i, r)
            for f, i, r in self.db.execute(q, (kind,) if kind else ())
        ]

    def skipped_by_file(self, kind: str | None = None) -> dict[str, int]:
        q = "SELECT path, skipped FROM sources WHERE skipped > 0" + (
            " AND kind = ?" if kind else ""
        )
        return dict(self.db.execute(q, (kind,) if kind else ()))

    def source_kinds(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT DISTINCT kind FROM sources")}
