"""The event store: CloudTrail events and invocation-log records in SQLite.

Why SQLite: drill-down by key, session, resource and time must not rescan the inputs, and the
store may outgrow memory; the stdlib module needs nothing installed, and ":memory:" serves tests.
CloudTrail events are stored in chunks (ingest/fastpath.py): a chunk holds one caller's records
from consecutive source files as one blob, with their keys, times, action ids and source
positions, so ingest writes a row per chunk rather than rows and index entries per event.
Postings point from resources and Bedrock request ids to positions in chunks; calls that issue
credentials (few, and they drive the session tree) are also kept on their own; per-caller
counts, first/last seen and hours are kept as the records are read. A query picks chunks by
caller (key, principal, session), by posting or by time bounds, and rebuilds the full Events of
the matching records only. Ingest is idempotent: every event's key (ingest.cloudtrail.event_key)
is checked against the store's, so the same file read twice, or the same event in two files, is
stored once.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import sqlite3
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    normalise_event,
    unusable_reason,
)
from graphscope.ingest.fastpath import (
    ACTION_COLUMNS,
    CALLER_COLUMNS,
    KEY_BYTES,
    Chunk,
    Dimensions,
    Source,
    decode_lean,
    drop_events,
    event_chunks,
    posting,
    source_chunks,
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
COUNT_COLUMNS = (*CALLER_COLUMNS, *ACTION_COLUMNS)
"""Columns of the `event_counts` view (events counted per caller and action), which count_where
filters on."""
_STORED_FIELDS = tuple(f for f in EVENT_FIELDS if f not in ("file", "index"))
SCHEMA_VERSION = 4
"""PRAGMA user_version of stores this code writes; a store of another version is refused."""
_LOADING = -1
"""user_version while a first load into a file store runs without a write-ahead log."""
INVOCATION_COLUMNS = tuple(f.name for f in fields(Invocation))
_INV_SELECT = ", ".join(f'"{c}"' for c in INVOCATION_COLUMNS)
_SEP = "\x1f"  # joins tuple columns (s3_refs); never appears in an ARN

_INDEXES = """
CREATE INDEX IF NOT EXISTS ch_caller ON chunks(caller, lo);
CREATE INDEX IF NOT EXISTS ch_resource ON chunk_resources(arn);
CREATE INDEX IF NOT EXISTS ch_request ON chunk_requests(request_id);
"""
_INDEX_NAMES = ("ch_caller", "ch_resource", "ch_request")
_BULK_CHUNKS = 2_000
"""After this many chunks of one load, and when the load is large next to the store, the
indexes are dropped and rebuilt at the end (one sort instead of a B-tree insert per row)."""
_DIMS_DDL = (
    f"callers (id INTEGER PRIMARY KEY, {', '.join(c + ' TEXT' for c in CALLER_COLUMNS)})",
    f"actions (id INTEGER PRIMARY KEY, {', '.join(c + ' TEXT' for c in ACTION_COLUMNS)})",
)
_COUNT_VIEW_COLUMNS = ", ".join(
    [f"c.{c}" for c in CALLER_COLUMNS] + [f"a.{c}" for c in ACTION_COLUMNS] + ["x.n"]
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {_DIMS_DDL[0]};
CREATE TABLE IF NOT EXISTS {_DIMS_DDL[1]};
CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, caller INTEGER NOT NULL,
    lo TEXT NOT NULL, hi TEXT NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunk_data (id INTEGER PRIMARY KEY, keys BLOB NOT NULL,
    meta BLOB NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS chunk_resources (arn TEXT NOT NULL, chunk INTEGER NOT NULL,
    pos BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS chunk_requests (request_id TEXT NOT NULL, chunk INTEGER NOT NULL,
    pos INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunk_credentials (chunk INTEGER NOT NULL, pos INTEGER NOT NULL,
    file TEXT NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS caller_actions (caller INTEGER NOT NULL, action INTEGER NOT NULL,
    n INTEGER NOT NULL, PRIMARY KEY (caller, action)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS caller_hours (caller INTEGER NOT NULL, hour TEXT NOT NULL,
    PRIMARY KEY (caller, hour)) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS event_counts AS SELECT {_COUNT_VIEW_COLUMNS}
    FROM caller_actions x JOIN callers c ON c.id = x.caller JOIN actions a ON a.id = x.action;
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
_CHUNK_SQL = "INSERT INTO chunks VALUES (?, ?, ?, ?, ?)"
_DATA_SQL = "INSERT INTO chunk_data VALUES (?, ?, ?, ?)"
"""Chunk bounds and counts apart from their blobs: key_uses, span and the chunk choice of
every query scan the small table only."""


class EventStoreError(ValueError):
    """A store file this version cannot use (interrupted first load, another schema version)."""


@dataclass(slots=True)
class IngestResult:
    """One ingest call: the read statistics plus how many events were new and how many repeats."""

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


def stored_fields(e: Event) -> tuple[Any, ...]:
    """An Event given as such (add_events) is stored as its fields, an array, which the read
    path tells from a raw record (an object)."""
    return _STORED(e)


def _item_event(item: Any, file: str, index: int) -> Event:
    """The Event of a stored item: rebuilt from the record (RecordError if that fails)."""
    if type(item) is list:
        values = dict(zip(_STORED_FIELDS, item, strict=True))
        values["resources"] = tuple(values["resources"])
        return Event(file=file, index=index, **values)
    return normalise_event(item, file, index)


def _inv_row(i: Invocation) -> tuple:
    row = [getattr(i, c) for c in INVOCATION_COLUMNS]
    row[INVOCATION_COLUMNS.index("s3_refs")] = _SEP.join(i.s3_refs)
    return tuple(row)


def _row_inv(row: Sequence) -> Invocation:
    values = dict(zip(INVOCATION_COLUMNS, row, strict=True))
    values["s3_refs"] = tuple(values["s3_refs"].split(_SEP)) if values["s3_refs"] else ()
    return Invocation(**values)


@dataclass(slots=True)
class Task:
    """Chunks of consecutive sources, with the callers and actions they introduced (worker
    results carry them; in-process loads read them from the store's Dimensions). `checked`:
    deduplicated against the store already (in-process loads share its key set)."""

    chunks: Iterable[Chunk]
    callers: list[tuple[Any, ...]] = field(default_factory=list)
    actions: list[tuple[Any, ...]] = field(default_factory=list)
    checked: bool = False


def _sources(files: Iterable[str], stats: ReadStats) -> Iterator[Source]:
    for name in files:
        yield name, iter_raw_records(name, stats, lean=decode_lean)


_TASK_BYTES = 2 * 1024 * 1024
"""Files of one worker task: consecutive files up to this size on disk. A task's chunks come
back whole, a few tasks are in flight, and the writer checks keys across tasks."""


def _tasks(files: list[str], workers: int) -> list[list[str]]:
    """Consecutive files grouped so that every worker gets several tasks."""
    sizes = []
    for f in files:
        try:
            sizes.append(Path(f).stat().st_size)
        except OSError:
            sizes.append(0)
    target = max(1, min(_TASK_BYTES, sum(sizes) // (4 * workers)))
    tasks: list[list[str]] = [[]]
    total = 0
    for f, size in zip(files, sizes, strict=True):
        if total >= target:
            tasks.append([])
            total = 0
        tasks[-1].append(f)
        total += size
    return [t for t in tasks if t]


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during a load: a load allocates millions of
    acyclic records and tuples (freed by reference counting), and each collection would walk
    every object still held in open chunks, which cost more than parsing them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_WORKER_DIMS = Dimensions()
"""A worker process's callers and actions: each is sent to the writer once per worker."""


def _parse_task(files: list[str]) -> tuple[Task, ReadStats]:
    """Worker: read files into encoded chunks; the writer only checks keys and stores them."""
    stats = ReadStats()
    with _no_cyclic_gc():
        chunks = list(source_chunks(_sources(files, stats), stats, _WORKER_DIMS))
    callers, actions = _WORKER_DIMS.take_new()
    return Task(chunks, callers, actions), stats


def _parallel_tasks(
    files: list[str], workers: int, stats: ReadStats, progress: bool
) -> Iterator[Task]:
    """Parse files in child processes, a bounded number of tasks in flight; yield their chunks
    in file order (so the first copy of a repeated event is the one a one-process load keeps)."""
    # fork where the platform has it: children start at once and need no importable __main__
    # (they never touch the parent's SQLite connection); spawn elsewhere.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    tasks = _tasks(files, workers)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: deque = deque()
        todo = iter(track(tasks, "reading CloudTrail") if progress else tasks)

        def submit(task: list[str] | None) -> None:
            if task is not None:
                pending.append(pool.submit(_parse_task, task))

        for _ in range(workers + 1):  # each finished task's chunks wait here in memory
            submit(next(todo, None))
        while pending:
            task, task_stats = pending.popleft().result()
            stats.merge(task_stats)
            submit(next(todo, None))
            yield task


def _split_keys(keys: bytes) -> list[bytes]:
    """A chunk's key digests, one per event."""
    return [keys[i : i + KEY_BYTES] for i in range(0, len(keys), KEY_BYTES)]


def _without(chunk: Chunk, keys: list[bytes], seen: set[bytes]) -> Chunk | None:
    """The chunk without the events whose keys are in `seen` (None if none is left)."""
    return drop_events(chunk, {i for i, k in enumerate(keys) if k in seen})


_WRITE_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class _Batch:
    """Chunk rows and postings waiting to be written together."""

    offered: int = 0
    size: int = 0
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    data: list[tuple[Any, ...]] = field(default_factory=list)
    resources: list[tuple[str, int, bytes]] = field(default_factory=list)
    requests: list[tuple[str, int, int]] = field(default_factory=list)
    credentials: list[tuple[int, int, str, int, bytes]] = field(default_factory=list)

    def add(self, cid: int, chunk: Chunk, state: _LoadState) -> None:
        caller = chunk.caller
        self.rows.append((cid, caller, chunk.lo, chunk.hi, chunk.n))
        self.data.append((cid, chunk.keys, chunk.meta, chunk.data))
        self.size += len(chunk.data)
        self.resources.extend([(arn, cid, pos) for arn, pos in chunk.resources])
        if chunk.requests:
            self.requests.extend([(r, cid, pos) for r, pos in chunk.requests])
        if chunk.credentials:
            self.credentials.extend([(cid, *c) for c in chunk.credentials])
        seen = state.callers.get(caller)
        if seen is None:
            seen = state.callers[caller] = (Counter(), set())
        seen[0].update(chunk.actions)  # no (caller, action) tuple per chunk and action
        seen[1].update(chunk.hours)

    def write(self, db: sqlite3.Connection) -> int:
        """Write the batch; returns the events offered."""
        db.executemany(_CHUNK_SQL, self.rows)
        db.executemany(_DATA_SQL, self.data)
        db.executemany("INSERT INTO chunk_resources VALUES (?, ?, ?)", self.resources)
        db.executemany("INSERT INTO chunk_requests VALUES (?, ?, ?)", self.requests)
        db.executemany("INSERT INTO chunk_credentials VALUES (?, ?, ?, ?, ?)", self.credentials)
        return self.offered


@dataclass(slots=True)
class _LoadState:
    """What one load accumulates besides the chunks: the last chunk id, the per-caller
    per-action counts and hours of each caller, written once at its end."""

    next_id: int
    callers: dict[int, tuple[Counter[int], set[str]]] = field(default_factory=dict)


class EventStore:
    """Events and invocation records with the indexes the activity queries need."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path)
        # for a new store (ignored by an existing one): chunks are blobs of several KB, and
        # bigger pages mean fewer overflow pages
        self.db.execute("PRAGMA page_size=16384")
        self.db.execute(
            "PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY"
        )
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-65536")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = self.db.execute(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('events', 'chunks')"
        )
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
        self.db.executescript(_INDEXES)
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._key_uses: list[KeyUse] | None = None
        self._issuances: list[Event] | None = None
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

    # ingest -----------------------------------------------------------------------------------
    def add_events(self, events: Iterable[Event]) -> tuple[int, int]:
        """Insert events; returns (added, duplicates). Repeats of a stored key are ignored."""
        stats = ReadStats()

        added, dupes = self._insert([Task(event_chunks(events, self.dims, stats, stored_fields))])
        return added, dupes + stats.duplicates

    def _load(self, steps: Iterable[int]) -> tuple[int, int]:
        """Run a load (each step writes one source's chunks and yields how many events it
        offered); returns (added, duplicates).

        A big load (_BULK_CHUNKS chunks, and at least a quarter of what the store holds) drops
        the indexes and rebuilds them at the end."""
        self._key_uses = None
        self._issuances = None
        existing = self.event_count()
        # a first load into a file store has nothing to protect: skip the write-ahead log's
        # second copy of every page (a crash leaves a store that refuses to open, not a wrong one)
        fresh_file = existing == 0 and self.path != ":memory:"
        if fresh_file:  # marked until it completes, so an interrupted load is refused on open
            self.db.execute(f"PRAGMA user_version = {_LOADING}")
            self.db.execute("PRAGMA journal_mode=MEMORY")
        with _no_cyclic_gc():
            seen = self._run_steps(steps)
        if fresh_file:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        added = self.event_count() - existing
        return added, seen - added

    def _run_steps(self, steps: Iterable[int]) -> int:
        seen = 0
        dropped = False
        chunks_before = self._chunk_count()
        try:
            with self.db:
                for n in steps:
                    seen += n
                    if not dropped:
                        loaded = self._chunk_count() - chunks_before
                        if loaded >= _BULK_CHUNKS and loaded * 4 >= chunks_before:
                            for name in _INDEX_NAMES:
                                self.db.execute(f"DROP INDEX IF EXISTS {name}")
                            dropped = True
        except BaseException:
            self._load_dimensions()  # callers/actions rolled back must be inserted again
            raise
        finally:
            self._seen = None
        if dropped:
            self.db.executescript(_INDEXES)
        return seen

    def _chunk_count(self) -> int:
        return self.db.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0]

    def _seen_keys(self) -> set[bytes]:
        """The keys of every stored event, while a load runs (dropped after it: 12 bytes of
        key per event, read back from the chunks at the next load)."""
        if self._seen is None:
            seen: set[bytes] = set()
            for (keys,) in self.db.execute("SELECT keys FROM chunk_data"):
                seen.update(_split_keys(keys))
            self._seen = seen
        return self._seen

    _seen: set[bytes] | None = None

    def _write(self, source: Task, state: _LoadState) -> Iterator[int]:
        """Store a task's chunks, dropping events already stored; yields the events offered
        per batch of writes (a batch holds about _WRITE_BYTES of chunk data)."""
        for dims_kind, rows in (("c", source.callers), ("a", source.actions)):
            for ident, *values in rows:
                self.dims.known(dims_kind, ident, tuple(values))  # refuses a collision
        if source.callers:
            self.db.executemany(_CALLER_SQL, source.callers)
        if source.actions:
            self.db.executemany(_ACTION_SQL, source.actions)
        seen = self._seen_keys()
        checked = source.checked
        batch = _Batch()
        for chunk in source.chunks:
            batch.offered += chunk.n
            if not checked:
                keys = _split_keys(chunk.keys)
                if not seen.isdisjoint(keys):
                    got = _without(chunk, keys, seen)
                    if got is None:
                        continue
                    chunk, keys = got, _split_keys(got.keys)
                seen.update(keys)
            state.next_id += 1
            batch.add(state.next_id, chunk, state)
            if batch.size >= _WRITE_BYTES:
                yield batch.write(self.db)
                batch = _Batch()
        yield batch.write(self.db)

    def _insert(self, sources: Iterable[Task]) -> tuple[int, int]:
        """Load sources' chunks (in-process sources take their new callers and actions from
        self.dims as each source ends)."""
        state = _LoadState(self._chunk_count())

        def steps() -> Iterator[int]:
            for source in sources:
                yield from self._write(source, state)
                if not source.callers and not source.actions:
                    callers, actions = self.dims.take_new()
                    if callers:
                        self.db.executemany(_CALLER_SQL, callers)
                    if actions:
                        self.db.executemany(_ACTION_SQL, actions)
            self._write_aggregates(state)

        return self._load(steps())

    def _insert_checked(self, sources: Iterable[Source], stats: ReadStats) -> tuple[int, int]:
        """Load sources in this process: the reader deduplicates against the store's keys as
        it goes (the first copy in source order is kept), the writer only stores."""

        def tasks() -> Iterator[Task]:  # runs inside the load, which holds the key set
            chunks = source_chunks(sources, stats, self.dims, self._seen_keys())
            yield Task(chunks, checked=True)

        return self._insert(tasks())

    def _write_aggregates(self, state: _LoadState) -> None:
        self.db.executemany(
            "INSERT INTO caller_actions VALUES (?, ?, ?) ON CONFLICT (caller, action)"
            " DO UPDATE SET n = n + excluded.n",
            [(c, a, n) for c, (counts, _) in state.callers.items() for a, n in counts.items()],
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO caller_hours VALUES (?, ?)",
            [(c, h) for c, (_, hours) in state.callers.items() for h in hours],
        )

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

        With workers > 1, local files are parsed and chunked in that many child processes while
        this process stores the chunks (one writer); results equal a one-worker load.
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
            sources = _parallel_tasks(files, workers, result.stats, progress)
            result.added, result.duplicates = self._insert(sources)
        else:
            files = [str(f) for f in iter_log_files(paths, skip_dirs=OTHER_LOG_DIRS)]
            if progress:
                files = track(files, "reading CloudTrail files")
            result.added, result.duplicates = self._insert_checked(
                _sources(files, result.stats), result.stats
            )
        result.added += s3_added
        result.duplicates += s3_dupes + result.stats.duplicates
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
        result.added, result.duplicates = self._insert_checked([(name, records)], result.stats)
        result.duplicates += result.stats.duplicates
        self._record(result)
        return result

    # queries ----------------------------------------------------------------------------------
    def _events(
        self,
        where: str,
        params: Sequence = (),
        since: str | None = None,
        until: str | None = None,
        actions: set[int] | None = None,
        want: Callable[[Event], bool] | None = None,
    ) -> Iterator[Event]:
        """Events of the chunks matching `where`, within since/until, with one of `actions`,
        and for which `want` holds, by time then key. Only chunks with a record in the time
        range and action set are decoded, and only those records rebuilt."""
        rows = self.db.execute(
            f"SELECT id, meta, data FROM chunk_data WHERE id IN (SELECT id FROM chunks WHERE {where})",
            params,
        )
        return self._read(rows, None, since, until, actions, want)

    def _events_at(
        self,
        postings: str,
        params: Sequence = (),
        since: str | None = None,
        until: str | None = None,
        actions: set[int] | None = None,
        want: Callable[[Event], bool] | None = None,
    ) -> Iterator[Event]:
        """Events at the (chunk, positions) a postings query returns: positions are one int
        or an orjson list. Only those records are rebuilt."""
        at: dict[int, set[int]] = {}
        for chunk, pos in self.db.execute(postings, params):
            got = at.setdefault(chunk, set())
            if type(pos) is int:
                got.add(pos)
            else:
                got.update(orjson.loads(pos))
        ids = sorted(at)
        out: list[Event] = []
        for i in range(0, len(ids), 500):
            batch = ids[i : i + 500]
            rows = self.db.execute(
                f"SELECT id, meta, data FROM chunk_data WHERE id IN ({','.join('?' * len(batch))})",
                batch,
            )
            out.extend(self._read(rows, at, since, until, actions, want))
        out.sort(key=attrgetter("time", "key"))
        return iter(out)

    def _read(
        self,
        rows: Iterable[tuple[int, bytes, bytes]],
        at: dict[int, set[int]] | None,
        since: str | None,
        until: str | None,
        actions: set[int] | None,
        want: Callable[[Event], bool] | None,
    ) -> Iterator[Event]:
        """Events of chunk rows (id, meta, data), at the positions `at` gives for each chunk
        (every position when None), filtered by time, action and `want`."""
        failed: list[ReadIssue] = []
        out: list[Event] = []
        lo, hi = since or "", until or "\uffff"
        for cid, meta, data in rows:
            names, refs, idx, times, acts = orjson.loads(meta)
            positions = range(len(times)) if at is None else sorted(at[cid])
            picked = [
                i
                for i in positions
                if lo <= times[i] <= hi and (actions is None or acts[i] in actions)
            ]
            if not picked:
                continue
            items = orjson.loads(data)
            for i in picked:
                file = names[refs[i]]
                try:
                    e = _item_event(items[i], file, idx[i])
                except UNUSABLE as exc:
                    reason = unusable_reason(exc)
                    failed.append(ReadIssue(file, idx[i], f"not readable back: {reason}"))
                    continue
                if want is None or want(e):
                    out.append(e)
        self._note_read_issues(failed)
        out.sort(key=attrgetter("time", "key"))
        return iter(out)

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

    def _action_ids(self, where: str, params: Sequence = ()) -> set[int]:
        return {a for (a,) in self.db.execute(f"SELECT id FROM actions WHERE {where}", params)}

    def event_count(self) -> int:
        return self.db.execute("SELECT coalesce(sum(n), 0) FROM chunks").fetchone()[0]

    def invocation_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM invocations").fetchone()[0]

    def events_by_keys(self, key_ids: Iterable[str]) -> Iterator[Event]:
        """Every event made with one of these access keys."""
        keys = sorted(set(key_ids))
        out: list[Event] = []
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.extend(
                self._events(
                    f"caller IN (SELECT id FROM callers WHERE access_key_id IN ({marks}))", chunk
                )
            )
        out.sort(key=attrgetter("time", "key"))
        return iter(out)

    def events_by_principal(self, principal: str, since: str | None = None) -> Iterator[Event]:
        callers = "caller IN (SELECT id FROM callers WHERE principal = ?)"
        if since:
            return self._events(f"{callers} AND hi >= ?", (principal, since), since=since)
        return self._events(callers, (principal,))

    def events_by_principal_prefix(
        self, prefix: str, since: str | None = None, until: str | None = None
    ) -> Iterator[Event]:
        """Events of every principal whose ARN starts with `prefix` (a role's sessions:
        arn:aws:sts::A:assumed-role/R/), through the (caller, lo) index."""
        where = (
            "caller IN (SELECT id FROM callers WHERE principal >= ? AND principal < ?)"
            " AND hi >= ? AND lo <= ?"
        )
        lo, hi = since or "", until or "9999"
        return self._events(where, (prefix, prefix + "\uffff", lo, hi), since=lo, until=hi)

    def events_by_session(self, principal: str, session_created: str) -> Iterator[Event]:
        """Every event of one session, whatever key it used (console sessions rotate keys)."""
        return self._events(
            "caller IN (SELECT id FROM callers WHERE principal = ? AND session_created = ?)",
            (principal, session_created),
        )

    def events_for_resource(
        self, arn: str, since: str | None = None, until: str | None = None
    ) -> Iterator[Event]:
        return self._events_at(
            "SELECT chunk, pos FROM chunk_resources WHERE arn = ?",
            (posting(arn),),
            since,
            until,
            want=lambda e: arn in e.resources,
        )

    def events_between(self, since: str | None = None, until: str | None = None) -> Iterator[Event]:
        return self._events(
            "hi >= ? AND lo <= ?", (since or "", until or "9999"), since=since, until=until
        )

    def events_named(self, pairs: Iterable[tuple[str, str]]) -> Iterator[Event]:
        """Events with one of these (eventSource, eventName) pairs: the callers that made them
        are known from the counts, and only their chunks holding such a record are decoded."""
        out: list[Event] = []
        for source, name in pairs:
            actions = self._action_ids("source = ? AND name = ?", (source, name))
            if actions:
                out.extend(self._chunks_with(actions))
        return iter(out)

    def _chunks_with(self, actions: set[int]) -> Iterator[Event]:
        """Events with one of these actions: the chunks of the callers that made them (from
        the counts), only the matching records rebuilt."""
        marks = ",".join("?" * len(actions))
        return self._events(
            f"caller IN (SELECT caller FROM caller_actions WHERE action IN ({marks}))",
            sorted(actions),
            actions=actions,
        )

    def issuances(self) -> Iterator[Event]:
        """Successful calls that handed out credentials (STS) or created keys (IAM): read from
        their own copies, not from their chunks, and kept until the next ingest (every subject's
        session tree starts from them)."""
        if self._issuances is not None:
            return iter(self._issuances)
        failed: list[ReadIssue] = []
        out: list[Event] = []
        for file, index, data in self.db.execute("SELECT file, idx, data FROM chunk_credentials"):
            try:
                e = _item_event(orjson.loads(data), file, index)
            except UNUSABLE as exc:
                reason = unusable_reason(exc)
                failed.append(ReadIssue(file, index, f"not readable back: {reason}"))
                continue
            if e.error_code is None and (e.issued_key or e.created_key):
                out.append(e)
        self._note_read_issues(failed)
        out.sort(key=attrgetter("time", "key"))
        self._issuances = out
        return iter(out)

    def login_profile_changes(self) -> Iterator[Event]:
        actions = self._action_ids(
            "source = 'iam.amazonaws.com' AND name IN ('CreateLoginProfile', 'UpdateLoginProfile')"
            " AND error_code IS NULL"
        )
        return self._chunks_with(actions) if actions else iter(())

    def key_uses(self) -> list[KeyUse]:
        """Each (key, principal, session creation) seen, with first/last use and count.

        From the chunks' bounds and counts, so the answer is kept until the next ingest."""
        if self._key_uses is not None:
            return self._key_uses
        rows = self.db.execute(
            "SELECT c.access_key_id, c.principal, c.principal_type, c.session_created,"
            " min(g.lo), max(g.hi), sum(g.n) FROM (SELECT caller, min(lo) AS lo,"
            " max(hi) AS hi, sum(n) AS n FROM chunks GROUP BY caller) g"
            " JOIN callers c ON c.id = g.caller GROUP BY 1, 2, 3, 4"
        )
        self._key_uses = [KeyUse(*r) for r in rows]
        return self._key_uses

    def events_by_request_ids(self, request_ids: Iterable[str]) -> dict[str, Event]:
        """Bedrock calls by request id: the join from invocation-log records to CloudTrail
        (only Bedrock events have their request id posted)."""
        ids = sorted(set(request_ids))
        out: dict[str, Event] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            wanted = set(chunk)
            marks = ",".join("?" * len(chunk))
            for e in self._events_at(
                f"SELECT chunk, pos FROM chunk_requests WHERE request_id IN ({marks})",
                chunk,
                want=lambda e, w=wanted: e.source == "bedrock.amazonaws.com" and e.request_id in w,
            ):
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
        return self.db.execute("SELECT min(lo), max(hi) FROM chunks").fetchone()

    def hours_present(self) -> dict[tuple[str | None, str | None], set[str]]:
        """Per (account, region): the hours ('YYYY-MM-DDTHH') with at least one event."""
        out: dict[tuple[str | None, str | None], set[str]] = {}
        for account, region, hour in self.db.execute(
            "SELECT c.account, c.region, h.hour FROM caller_hours h JOIN callers c ON c.id = h.caller"
        ):
            out.setdefault((account, region), set()).add(hour)
        return out

    def count_where(self, where: str, params: Sequence = ()) -> int:
        """Events matching `where` over the `event_counts` view's columns (COUNT_COLUMNS: the
        caller's and the action's), from the per-caller, per-action counts."""
        row = self.db.execute(
            f"SELECT coalesce(sum(n), 0) FROM event_counts WHERE {where}", params
        ).fetchone()
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
