"""The event store: CloudTrail events and invocation-log records in SQLite.

Why SQLite: drill-down by key, session, resource and time must not rescan the inputs, and the
store may outgrow memory; the stdlib module needs nothing installed, and ":memory:" serves tests.
Ingest is idempotent: rows are keyed by ingest.cloudtrail.event_key / invocation_key, so the
same file read twice adds nothing. A CloudTrail row holds the indexed columns and the record
itself; the full Event is built from the record when a query reads it (ingest/fastpath.py).
"""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson

from graphscope.ingest.cloudtrail import (
    OTHER_LOG_DIRS,
    UNUSABLE,
    Event,
    unusable_reason,
)
from graphscope.ingest.fastpath import (
    ACTION_COLUMNS,
    CALLER_COLUMNS,
    ROW_COLUMNS,
    SHORT_COLUMNS,
    Batch,
    Dimensions,
    Row,
    event_batches,
    event_from_blob,
    event_row,
    file_batches,
)
from graphscope.ingest.invocation_logs import Invocation, read_invocation_logs
from graphscope.ingest.invocation_logs_cloudwatch import (
    is_log_group_url,
    read_invocation_log_groups,
)
from graphscope.ingest.logfiles import ReadIssue, ReadStats, iter_log_files, iter_raw_records
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
    "created_key",
    "request_id",
    "error_code",
)
"""Columns of the `events` view, which count_where and ad hoc SQL filter on. Underneath, a row
of `event_rows` holds the key, time, caller and action ids (callers and actions are few and
stored once), the rare credential columns and the record as a blob: a row is cheap to bind and
to extract, and the full Event is built only when read (ingest/fastpath.py)."""
_STORED_FIELDS = tuple(f for f in EVENT_FIELDS if f != "file")
SCHEMA_VERSION = 3
"""PRAGMA user_version of stores this code writes; a store of another version is refused."""
_LOADING = -1
"""user_version while a first load into a file store runs without a write-ahead log."""
INVOCATION_COLUMNS = tuple(f.name for f in fields(Invocation))
_ROW_LIST = ", ".join(ROW_COLUMNS)
_SHORT_LIST = ", ".join(SHORT_COLUMNS)
_INV_SELECT = ", ".join(f'"{c}"' for c in INVOCATION_COLUMNS)
_SEP = "\x1f"  # joins tuple columns (s3_refs); never appears in an ARN
_BULK_ROWS = 20_000
"""After this many rows of one load, and when the load is large next to the store, indexes are
dropped and rebuilt at the end."""

_EVENT_INDEXES = """
CREATE INDEX IF NOT EXISTS ev_key_id ON event_rows(caller, time);
CREATE INDEX IF NOT EXISTS ev_name ON event_rows(action);
CREATE INDEX IF NOT EXISTS ev_issued ON event_rows(issued_key) WHERE issued_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS ev_created ON event_rows(created_key) WHERE created_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS ev_request ON event_rows(request_id) WHERE request_id IS NOT NULL;
"""
_EVENT_INDEX_NAMES = ("ev_key_id", "ev_name", "ev_issued", "ev_created", "ev_request")
"""No index on time alone: a time range is read per caller through (caller, time), callers
being few, which saves a build over every row."""

# Uniqueness (idempotent ingest) is kept by unique indexes rather than primary keys, so that a
# bulk load can drop them, append rows in file order and rebuild them with one sort.
_UNIQUE_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS ev_pk ON event_rows(key);
CREATE UNIQUE INDEX IF NOT EXISTS er_pk ON event_resources(arn, key);
"""
_VIEW_COLUMNS = ", ".join(
    f"{'c' if c in CALLER_COLUMNS else 'a' if c in ACTION_COLUMNS else 'e'}.{c}"
    for c in EVENT_COLUMNS
)
_INTEGERS = frozenset({"caller", "action", "idx"})
_ROWS_DDL = ", ".join(
    f"{c} {'INTEGER' if c in _INTEGERS else 'BLOB' if c == 'data' else 'TEXT'}" for c in ROW_COLUMNS
)
"""Declared types matter: an untyped `caller` would not let `caller IN (SELECT id ...)` use the
(caller, time) index."""
_DIMS_DDL = (
    f"callers (id INTEGER PRIMARY KEY, {', '.join(c + ' TEXT' for c in CALLER_COLUMNS)})",
    f"actions (id INTEGER PRIMARY KEY, {', '.join(c + ' TEXT' for c in ACTION_COLUMNS)})",
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS {_DIMS_DDL[0]};
CREATE TABLE IF NOT EXISTS {_DIMS_DDL[1]};
CREATE TABLE IF NOT EXISTS event_rows ({_ROWS_DDL}, file_id INTEGER);
CREATE VIEW IF NOT EXISTS events AS SELECT {_VIEW_COLUMNS}, e.idx, e.data, e.file_id
    FROM actions a CROSS JOIN event_rows e ON e.action = a.id JOIN callers c ON c.id = e.caller;
CREATE TABLE IF NOT EXISTS event_resources (arn TEXT NOT NULL, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invocations ({", ".join(f'"{c}"' + (" TEXT PRIMARY KEY" if c == "key" else "") for c in INVOCATION_COLUMNS)});
CREATE INDEX IF NOT EXISTS inv_identity ON invocations(identity_arn, time);
CREATE INDEX IF NOT EXISTS inv_request ON invocations(request_id);
CREATE TABLE IF NOT EXISTS sources (path TEXT, kind TEXT, records INTEGER, skipped INTEGER,
    duplicates INTEGER, PRIMARY KEY (path, kind));
CREATE TABLE IF NOT EXISTS issues (file TEXT, idx INTEGER, reason TEXT, kind TEXT,
    PRIMARY KEY (file, idx, reason));
"""
_CALLER_SQL = f"INSERT OR IGNORE INTO callers VALUES (?, {','.join('?' * len(CALLER_COLUMNS))})"
_ACTION_SQL = f"INSERT OR IGNORE INTO actions VALUES (?, {','.join('?' * len(ACTION_COLUMNS))})"
_RES_SQL = "INSERT OR IGNORE INTO event_resources VALUES (?, ?)"


def _row_sql(table: str, file_id: int | None) -> tuple[str, str]:
    """(short-row, full-row) INSERT statements; the file id, when given, as a literal: one
    statement per file and nothing added per row."""
    fid = "" if file_id is None else f", {int(file_id)}"
    fcol = "" if file_id is None else ", file_id"
    return (
        f"INSERT OR IGNORE INTO {table} ({_SHORT_LIST}{fcol}) VALUES ({','.join('?' * len(SHORT_COLUMNS))}{fid})",
        f"INSERT OR IGNORE INTO {table} ({_ROW_LIST}{fcol}) VALUES ({','.join('?' * len(ROW_COLUMNS))}{fid})",
    )


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


_STORED = attrgetter(*_STORED_FIELDS)


def _event_row(e: Event, dims: Dimensions) -> tuple[Row, tuple[str, ...]]:
    """A row for an Event given as such (add_events): its fields as a JSON array, which the
    read path tells from a raw record (an object) by the first byte."""
    return event_row(e, orjson.dumps(_STORED(e)), dims), e.resources


def _row_event(file: str, index: int, data: bytes) -> Event:
    """The Event of a stored row: rebuilt from the record (RecordError if that fails)."""
    if data[:1] == b"[":
        values = dict(zip(_STORED_FIELDS, orjson.loads(data), strict=True))
        values["resources"] = tuple(values["resources"])
        return Event(file=file, **values)
    return event_from_blob(data, file, index)


def _inv_row(i: Invocation) -> tuple:
    row = [getattr(i, c) for c in INVOCATION_COLUMNS]
    row[INVOCATION_COLUMNS.index("s3_refs")] = _SEP.join(i.s3_refs)
    return tuple(row)


def _row_inv(row: Sequence) -> Invocation:
    values = dict(zip(INVOCATION_COLUMNS, row, strict=True))
    values["s3_refs"] = tuple(values["s3_refs"].split(_SEP)) if values["s3_refs"] else ()
    return Invocation(**values)


FileRows = tuple[str, Iterable[Batch]]
"""One source's batches of rows, named by the source file."""


def _cloudtrail_rows(
    paths: Iterable[str | Path], stats: ReadStats, dims: Dimensions
) -> Iterator[FileRows]:
    for path in iter_log_files(paths, skip_dirs=OTHER_LOG_DIRS):
        name = str(path)
        yield name, file_batches(name, iter_raw_records(path, stats), stats, dims)


def _write_batches(
    db: sqlite3.Connection, batches: Iterable[Batch], dims: Dimensions, sql: tuple[str, str]
) -> Iterator[int]:
    """Insert rows (and the callers/actions they introduced); yields rows offered per batch."""
    short_sql, full_sql = sql
    for short, full, resources in batches:
        callers, actions = dims.take_new()
        if callers:
            db.executemany(_CALLER_SQL, callers)
        if actions:
            db.executemany(_ACTION_SQL, actions)
        db.executemany(short_sql, short)
        if full:
            db.executemany(full_sql, full)
        db.executemany(_RES_SQL, resources)
        yield len(short) + len(full)


def _parse_to_shard(path: str, shard: str) -> ReadStats:
    """Worker: parse one file into a scratch SQLite file (no indexes), so that the expensive
    per-row binding happens in parallel and the writer copies rows in C with INSERT ... SELECT."""
    stats = ReadStats()
    dims = Dimensions()
    db = sqlite3.connect(shard)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"CREATE TABLE event_rows ({_ROWS_DDL})")
    db.execute("CREATE TABLE event_resources (arn TEXT, key TEXT)")
    for ddl in _DIMS_DDL:
        db.execute(f"CREATE TABLE {ddl}")
    with db:
        for _, rows in _cloudtrail_rows([path], stats, dims):
            for _ in _write_batches(db, rows, dims, _row_sql("event_rows", None)):
                pass
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
        # for a new store (ignored by an existing one): rows carry ~1 KB records, and bigger
        # pages mean fewer page writes and shorter scans when the indexes are built
        self.db.execute("PRAGMA page_size=16384")
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
        self.dims = Dimensions()
        self._load_dimensions()
        self.read_issues: list[ReadIssue] = []
        """Stored records whose full Event could not be rebuilt when read (also in issues)."""

    def close(self) -> None:
        self.db.close()

    def _load_dimensions(self) -> None:
        """The callers and actions as stored: what this process knows is in the store."""
        self.dims = Dimensions()
        for kind, table in (("c", "callers"), ("a", "actions")):
            for ident, *values in self.db.execute(f"SELECT * FROM {table}"):
                self.dims.known(kind, ident, tuple(values))

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

        def by_file() -> Iterator[FileRows]:
            for file, group in itertools.groupby(events, key=attrgetter("file")):
                yield file, event_batches(_event_row(e, self.dims) for e in group)

        return self._insert(by_file())

    def _load(self, steps: Iterable[int]) -> tuple[int, int]:
        """Run a load (each step inserts rows and yields how many it offered); returns (added,
        duplicates).

        A big load (_BULK_ROWS rows, and at least a quarter of what the store holds) drops every
        index, appends, then deduplicates and rebuilds them in single sorted passes: building an
        index at once is several times cheaper than keeping it up to date row by row. Small
        loads into a big store keep the indexes (INSERT OR IGNORE does the deduplication)."""
        self._key_uses = None
        existing = self.event_count()
        ev_mark = self.db.execute("SELECT coalesce(max(rowid), 0) FROM event_rows").fetchone()[0]
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
        try:
            with self.db:
                for n in steps:
                    seen += n
                    if not dropped and seen >= _BULK_ROWS and seen * 4 >= existing:
                        for name in (*_EVENT_INDEX_NAMES, "ev_pk", "er_pk"):
                            self.db.execute(f"DROP INDEX IF EXISTS {name}")
                        dropped = True
        except BaseException:
            self._load_dimensions()  # callers/actions rolled back must be inserted again
            raise
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
                ("event_rows", "key", ev_mark),
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
        ev_sql = f"INSERT OR IGNORE INTO event_rows SELECT {_ROW_LIST}, ? FROM shard.event_rows"

        def steps() -> Iterator[int]:
            for shard, path in shards:
                fid = self._file_id(path)
                self.db.execute("ATTACH DATABASE ? AS shard", (shard,))
                for kind, table in (("c", "callers"), ("a", "actions")):
                    for ident, *values in self.db.execute(f"SELECT * FROM shard.{table}"):
                        self.dims.known(kind, ident, tuple(values))  # refuses a collision
                    self.db.execute(f"INSERT OR IGNORE INTO {table} SELECT * FROM shard.{table}")
                self.db.execute(ev_sql, (fid,))
                self.db.execute(
                    "INSERT OR IGNORE INTO event_resources SELECT * FROM shard.event_resources"
                )
                n = self.db.execute("SELECT count(*) FROM shard.event_rows").fetchone()[0]
                self.db.commit()
                self.db.execute("DETACH DATABASE shard")
                yield n

        return self._load(steps())

    def _insert(self, files: Iterable[FileRows]) -> tuple[int, int]:
        def steps() -> Iterator[int]:
            for file, rows in files:
                sql = _row_sql("event_rows", self._file_id(file))
                yield from _write_batches(self.db, rows, self.dims, sql)

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

        With workers > 1, local files are parsed and their rows extracted in that many child
        processes while this process writes to SQLite (one writer); results equal a one-worker
        load.
        since/until (ISO) only narrow which S3 day folders are listed; local files are read whole."""
        all_paths = [str(p) for p in paths]
        urls = [p for p in all_paths if is_s3_url(p)]
        paths = [p for p in all_paths if not is_s3_url(p)]
        result = IngestResult("cloudtrail", ReadStats(), paths=all_paths)
        if urls:
            events = read_cloudtrail_s3(urls, since, until, result.stats, client=s3_client)
            if progress:
                events = track(events, "reading CloudTrail from S3")
            s3_added, s3_dupes = self.add_events(events)
        else:
            s3_added = s3_dupes = 0
        if not paths:
            result.added, result.duplicates = 0, 0
        elif workers > 1:
            files = [str(f) for f in iter_log_files(paths, skip_dirs=OTHER_LOG_DIRS)]
            shards = _parallel_shards(files, workers, result.stats, progress)
            result.added, result.duplicates = self._insert_shards(shards)
        else:
            sources = _cloudtrail_rows(paths, result.stats, self.dims)
            if progress:
                sources = track(sources, "reading CloudTrail files")
            result.added, result.duplicates = self._insert(sources)
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
        result.added, result.duplicates = self._insert(
            [(name, file_batches(name, records, result.stats, self.dims))]
        )
        self._record(result)
        return result

    # queries ----------------------------------------------------------------------------------
    def _events(self, where: str, params: Sequence = ()) -> Iterator[Event]:
        """Events matching `where`, by time then key. The ordering must not tempt SQLite into
        walking the whole (caller, time) index: `+time` forbids it."""
        paths = self._file_paths()
        failed: list[ReadIssue] = []
        rows = self.db.execute(
            f"SELECT file_id, idx, data FROM event_rows WHERE {where} ORDER BY +time, key", params
        )
        try:
            for file_id, index, data in rows:
                file = paths.get(file_id, "?")
                try:
                    yield _row_event(file, index, data)
                except UNUSABLE as exc:
                    reason = unusable_reason(exc)
                    failed.append(ReadIssue(file, index, f"not readable back: {reason}"))
        finally:
            rows.close()
            self._note_read_issues(failed)

    def _note_read_issues(self, issues: list[ReadIssue]) -> None:
        """Stored records whose Event cannot be rebuilt: never dropped silently, they join the
        store's issues (coverage lists them) and `read_issues`."""
        new = [i for i in issues if i not in self.read_issues]
        if not new:
            return
        self.read_issues.extend(new)
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO issues VALUES (?, ?, ?, 'cloudtrail')",
                [(i.file, i.index, i.reason) for i in new],
            )

    def event_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM event_rows").fetchone()[0]

    def invocation_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM invocations").fetchone()[0]

    def events_by_keys(self, key_ids: Iterable[str]) -> Iterator[Event]:
        """Every event made with one of these access keys."""
        keys = sorted(set(key_ids))
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            yield from self._events(
                f"caller IN (SELECT id FROM callers WHERE access_key_id IN ({marks}))", chunk
            )

    def events_by_principal(self, principal: str, since: str | None = None) -> Iterator[Event]:
        callers = "caller IN (SELECT id FROM callers WHERE principal = ?)"
        if since:
            return self._events(f"{callers} AND time >= ?", (principal, since))
        return self._events(callers, (principal,))

    def events_by_principal_prefix(
        self, prefix: str, since: str | None = None, until: str | None = None
    ) -> Iterator[Event]:
        """Events of every principal whose ARN starts with `prefix` (a role's sessions:
        arn:aws:sts::A:assumed-role/R/), through the (caller, time) index."""
        where = (
            "caller IN (SELECT id FROM callers WHERE principal >= ? AND principal < ?)"
            " AND time >= ? AND time <= ?"
        )
        return self._events(where, (prefix, prefix + "\uffff", since or "", until or "9999"))

    def events_by_session(self, principal: str, session_created: str) -> Iterator[Event]:
        """Every event of one session, whatever key it used (console sessions rotate keys)."""
        return self._events(
            "caller IN (SELECT id FROM callers WHERE principal = ? AND session_created = ?)",
            (principal, session_created),
        )

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
        return self._events(
            "caller IN (SELECT id FROM callers) AND time >= ? AND time <= ?",
            (since or "", until or "9999"),
        )

    def events_named(self, pairs: Iterable[tuple[str, str]]) -> Iterator[Event]:
        """Events with one of these (eventSource, eventName) pairs."""
        for source, name in pairs:
            yield from self._events(
                "action IN (SELECT id FROM actions WHERE source = ? AND name = ?)", (source, name)
            )

    def issuances(self) -> Iterator[Event]:
        """Successful calls that handed out credentials (STS) or created keys (IAM)."""
        return self._events(
            "rowid IN (SELECT rowid FROM event_rows WHERE issued_key IS NOT NULL UNION"
            " SELECT rowid FROM event_rows WHERE created_key IS NOT NULL)"  # the partial indexes
            " AND +action IN (SELECT id FROM actions WHERE error_code IS NULL)"
        )

    def login_profile_changes(self) -> Iterator[Event]:
        return self._events(
            "action IN (SELECT id FROM actions WHERE source = 'iam.amazonaws.com' AND name IN"
            " ('CreateLoginProfile', 'UpdateLoginProfile') AND error_code IS NULL)"
        )

    def key_uses(self) -> list[KeyUse]:
        """Each (key, principal, session creation) seen, with first/last use and count.

        One pass over the (caller, time) index, so the answer is kept until the next ingest."""
        if self._key_uses is not None:
            return self._key_uses
        rows = self.db.execute(
            "SELECT c.access_key_id, c.principal, c.principal_type, c.session_created,"
            " min(g.lo), max(g.hi), sum(g.n) FROM (SELECT caller, min(time) AS lo,"
            " max(time) AS hi, count(*) AS n FROM event_rows GROUP BY caller) g"
            " JOIN callers c ON c.id = g.caller GROUP BY 1, 2, 3, 4"
        )
        self._key_uses = [KeyUse(*r) for r in rows]
        return self._key_uses

    def events_by_request_ids(self, request_ids: Iterable[str]) -> dict[str, Event]:
        """Bedrock calls by request id: the join from invocation-log records to CloudTrail
        (only Bedrock events have their request id indexed)."""
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
        if kind != "cloudtrail":
            return self.db.execute("SELECT min(time), max(time) FROM invocations").fetchone()
        # one probe of the (caller, time) index per caller at each end
        return self.db.execute(
            "SELECT min((SELECT min(time) FROM event_rows WHERE caller = c.id)),"
            " max((SELECT max(time) FROM event_rows WHERE caller = c.id)) FROM callers c"
        ).fetchone()

    def hours_present(self) -> dict[tuple[str | None, str | None], set[str]]:
        """Per (account, region): the hours ('YYYY-MM-DDTHH') with at least one event."""
        out: dict[tuple[str | None, str | None], set[str]] = {}
        where = {
            i: (a, r) for i, a, r in self.db.execute("SELECT id, account, region FROM callers")
        }
        for caller, hour in self.db.execute(
            "SELECT DISTINCT caller, substr(time, 1, 13) FROM event_rows"
        ):
            out.setdefault(where[caller], set()).add(hour)
        return out

    def count_where(self, where: str, params: Sequence = ()) -> int:
        """Events matching `where` over the `events` view's columns. A condition on the action
        and row columns only (how coverage asks: source, name) is counted from the action index
        alone; one naming caller columns goes through the full view."""
        by_action = "SELECT count(*) FROM actions a CROSS JOIN event_rows e ON e.action = a.id"
        try:
            return self.db.execute(f"{by_action} WHERE {where}", params).fetchone()[0]
        except sqlite3.OperationalError:  # no such column: a caller column
            row = self.db.execute(f"SELECT count(*) FROM events WHERE {where}", params).fetchone()
            return row[0]

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
