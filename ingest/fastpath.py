"""Lean ingest: per CloudTrail record, only the values the event store indexes, plus the record.

Why: building a full Event (normalise_event, 37 fields) for every one of millions of records cost
more than parsing them, while queries read back only the few events of a subject's tree. At
ingest a record now yields a row of the indexed columns and the record itself as one orjson
blob; the full Event is built from the blob when a query reads it (see graphscope.eventstore).

The lean extractor handles the common shape (a canonical delivery record that issues no
credentials and creates no access key) and mirrors normalise_event's rules for it exactly; any
other record goes through normalise_event, so the columns and skip reasons are the full path's.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from graphscope.ingest.cloudtrail import (
    UNUSABLE,
    Event,
    _param_resources,
    _principal,
    _safe_time,
    event_key,
    normalise_event,
    unusable_reason,
)
from graphscope.ingest.logfiles import ReadStats

CALLER_COLUMNS = (
    "account",
    "region",
    "principal",
    "principal_type",
    "access_key_id",
    "session_created",
)
"""Who made a call: few distinct values in millions of events, so stored once (callers table)
and referenced by id from each row."""
ACTION_COLUMNS = ("source", "name", "error_code")
"""What was called and how it ended: stored once (actions table), referenced by id."""
ROW_COLUMNS = (
    "key",
    "time",
    "caller",
    "action",
    "issued_key",
    "created_key",
    "request_id",
    "idx",
    "data",
)
"""An event row: the dedup key, the time, caller and action ids, the rare credential and
request-id columns, the record's index in its file and the record as an orjson blob."""
SHORT_COLUMNS = ("key", "time", "caller", "action", "idx", "data")
"""Most rows have no issued/created key or request id: they are bound without those columns
(each bound parameter, even a NULL, costs the sqlite3 module a lookup)."""

Row = tuple[Any, ...]
"""An event row: SHORT_COLUMNS (len 6) or ROW_COLUMNS (len 9)."""


def _digest_id(raw: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") >> 1


def dimension_id(values: tuple[str | None, ...]) -> int:
    """A 63-bit id that is the same in every process (worker shards need no id mapping)."""
    return _digest_id("\x1f".join("\x00" if v is None else v for v in values).encode())


class DimensionCollision(Exception):
    """Two different callers or actions hashed to one id: refuse rather than merge them."""


@dataclass(slots=True)
class Dimensions:
    """Callers and actions seen, by value and by id; `new_*` list those not yet stored."""

    callers: dict[tuple[str | None, ...], int] = field(default_factory=dict)
    actions: dict[tuple[str | None, ...], int] = field(default_factory=dict)
    by_id: dict[int, tuple[str | None, ...]] = field(default_factory=dict)
    new_callers: list[tuple[Any, ...]] = field(default_factory=list)
    new_actions: list[tuple[Any, ...]] = field(default_factory=list)

    def known(self, kind: str, ident: int, values: tuple[str | None, ...]) -> bool:
        """Note an (id, values) pair ('c'aller or 'a'ction); True if it is new here."""
        tagged = (kind, *values)
        seen = self.by_id.get(ident)
        if seen is None:
            self.by_id[ident] = tagged
            (self.callers if kind == "c" else self.actions)[values] = ident
            return True
        if seen != tagged:
            raise DimensionCollision(f"id {ident} names both {seen} and {tagged}")
        return False

    def caller(self, values: tuple[str | None, ...]) -> int:
        ident = self.callers.get(values)
        if ident is None:
            ident = dimension_id(("c", *values))
            if self.known("c", ident, values):
                self.new_callers.append((ident, *values))
        return ident

    def action(self, values: tuple[str | None, ...]) -> int:
        ident = self.actions.get(values)
        if ident is None:
            ident = dimension_id(("a", *values))
            if self.known("a", ident, values):
                self.new_actions.append((ident, *values))
        return ident

    def take_new(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The callers and actions met since the last call, for the store to insert."""
        new = self.new_callers, self.new_actions
        self.new_callers, self.new_actions = [], []
        return new


def _s(v: Any) -> str | None:
    return v if type(v) is str and v else None


_BEDROCK = "bedrock.amazonaws.com"
_KEY_MAKERS = frozenset({"CreateAccessKey", "CreateServiceSpecificCredential"})


def lean_row(rec: Any, index: int, dims: Dimensions) -> tuple[Row, tuple[str, ...]] | None:
    """(row, resource ARNs) for a record of the common shape, or None when the record needs the
    full normalise_event (renamed fields, odd types or times, issued credentials, new keys)."""
    if type(rec) is not dict:
        return None
    get = rec.get
    name = get("eventName")
    source = get("eventSource")
    if type(name) is not str or type(source) is not str or not name or not source:
        return None
    resp = get("responseElements")
    if resp is not None and (type(resp) is not dict or "credentials" in resp):
        return None  # issued credentials (issued_key) come from the full path
    if name in _KEY_MAKERS:
        return None  # created_key comes from the full path
    time = get("eventTime")
    if type(time) is not str or len(time) != 20 or time[10] != "T" or time[19] != "Z":
        return None
    ui = get("userIdentity")
    if ui is None:
        ui = {}
    elif type(ui) is not dict:
        return None
    params = get("requestParameters")
    if params is not None and type(params) is not dict:
        return None
    v = get("awsRegion")
    region = v if type(v) is str and v else None
    v = get("recipientAccountId")
    account = v if type(v) is str and v else None
    uget = ui.get
    if account is None:
        v = uget("accountId")
        account = v if type(v) is str and v else None
    v = uget("arn")
    principal = v if type(v) is str and v else _principal(ui)
    v = uget("accessKeyId")
    access_key = v if type(v) is str and v else None
    v = get("errorCode")
    error = v if type(v) is str and v else None
    ctx = uget("sessionContext")
    created = None
    if type(ctx) is dict:
        attrs = ctx.get("attributes")
        if type(attrs) is dict:
            v = attrs.get("creationDate")
            # the canonical shape is kept as is (as normalise_time does); others are parsed
            ok = type(v) is str and len(v) == 20 and v[10] == "T" and v[19] == "Z"
            created = v if ok else _safe_time(v)
    resources: list[str] = []
    raw_res = get("resources")
    if type(raw_res) is list:
        for r in raw_res:
            if type(r) is dict:
                arn = r.get("ARN") or r.get("arn")
                if type(arn) is str and arn.startswith("arn:"):
                    resources.append(arn)
    if params:
        resources.extend(_param_resources(source, region or "", account or "", params))
    v = get("eventID")
    key = event_key(
        v if type(v) is str and v else None,
        time,
        source,
        name,
        account,
        access_key,
        principal,
        error,
    )
    v = uget("type")
    caller = dims.caller(
        (account, region, principal, v if type(v) is str and v else None, access_key, created)
    )
    action = dims.action((source, name, error))
    arns = tuple(dict.fromkeys(resources)) if len(resources) > 1 else tuple(resources)
    data = orjson.dumps(rec)
    if source == _BEDROCK:  # request ids join invocation-log records to Bedrock calls
        request_id = _s(get("requestID"))
        if request_id:
            return (
                key,
                time,
                caller,
                action,
                None,
                None,
                request_id,
                index,
                data,
            ), arns
    return (key, time, caller, action, index, data), arns


def full_row(rec: Any, file: str, index: int, dims: Dimensions) -> tuple[Row, tuple[str, ...], str]:
    """(row, resources, time field) through normalise_event; raises RecordError as it does."""
    e = normalise_event(rec, file, index)
    return event_row(e, orjson.dumps(rec), dims), e.resources, e.time_field


def event_row(e: Event, data: bytes, dims: Dimensions) -> Row:
    """The row of a normalised Event, `data` being what rebuilds it (see event_from_blob)."""
    caller = dims.caller(
        (e.account, e.region, e.principal, e.principal_type, e.access_key_id, e.session_created)
    )
    action = dims.action((e.source, e.name, e.error_code))
    request_id = e.request_id if e.source == _BEDROCK else None
    if e.issued_key or e.created_key or request_id:
        return (
            e.key,
            e.time,
            caller,
            action,
            e.issued_key,
            e.created_key,
            request_id,
            e.index,
            data,
        )
    return (e.key, e.time, caller, action, e.index, data)


Batch = tuple[list[Row], list[Row], list[tuple[str, str]]]
"""Rows by shape (SHORT_COLUMNS, ROW_COLUMNS) and their (resource ARN, event key) rows."""
BATCH = 5000


def file_batches(
    file: str, raw: Iterable[tuple[int, Any]], stats: ReadStats, dims: Dimensions
) -> Iterator[Batch]:
    """Batches of rows from one source's raw records; unusable ones are counted in `stats` with
    the reasons events_from gives. One loop, no per-record generator: this is the hot path."""
    short: list[Row] = []
    full: list[Row] = []
    resources: list[tuple[str, str]] = []
    lean = n = 0
    fields: Counter[str] = Counter()
    try:
        for index, rec in raw:
            got = lean_row(rec, index, dims)
            if got is not None:
                lean += 1
                row, arns = got
            else:
                try:
                    row, arns, time_field = full_row(rec, file, index, dims)
                except UNUSABLE as exc:
                    stats.skip(file, index, unusable_reason(exc))
                    continue
                fields[time_field] += 1
            (short if len(row) == 6 else full).append(row)
            if arns:
                key = row[0]
                resources.extend([(arn, key) for arn in arns])
            n += 1
            if n >= BATCH:
                yield short, full, resources
                short, full, resources, n = [], [], [], 0
        if n:
            yield short, full, resources
    finally:
        if lean:
            fields["eventTime"] += lean
        stats.records += sum(fields.values())
        stats.time_fields.update(fields)


def event_batches(rows: Iterable[tuple[Row, tuple[str, ...]]]) -> Iterator[Batch]:
    """Batches of rows made elsewhere (Events given as such)."""
    short: list[Row] = []
    full: list[Row] = []
    resources: list[tuple[str, str]] = []
    for row, arns in rows:
        (short if len(row) == 6 else full).append(row)
        resources.extend((arn, row[0]) for arn in arns)
        if len(short) + len(full) >= BATCH:
            yield short, full, resources
            short, full, resources = [], [], []
    if short or full:
        yield short, full, resources


def event_from_blob(blob: bytes, file: str, index: int) -> Event:
    """The full Event of a stored record; RecordError (or a TypeError...) if it cannot be
    rebuilt, which the store reports."""
    return normalise_event(orjson.loads(blob), file, index)
