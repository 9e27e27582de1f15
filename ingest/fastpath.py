"""Lean ingest: per CloudTrail record, only what the event store indexes, records kept whole.

Why: building a full Event (normalise_event, 37 fields) for every one of millions of records cost
more than parsing them, while queries read back only the few events of a subject's tree. At
ingest a record yields its dedup key, time, caller and action ids and resource ARNs; records are
grouped into chunks, one caller's records from consecutive sources each, stored as one blob of
encoded records with the chunk's postings (resources, Bedrock request ids, credential issuance)
and counts, so the store writes a row per chunk, not per event. The full Event is built when a
query reads a chunk.

The lean extractor handles the common shape (a canonical delivery record that issues no
credentials and creates no access key) and mirrors normalise_event's rules for it exactly; any
other record goes through normalise_event, so the columns and skip reasons are the full path's.
Records of delivery documents come as their bytes with a typed LeanRecord (msgspec, no dict
built; lean_record mirrors lean_fields) and are stored as read; one that does not fit the typed
shape is parsed and takes the dict path.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec
import orjson

from graphscope.ingest.cloudtrail import (
    _RESOURCE_PARAMS,
    UNUSABLE,
    Event,
    _param_resources,
    _principal,
    _safe_time,
    key_digest,
    normalise_event,
    unusable_reason,
)
from graphscope.ingest.logfiles import RawRecord, ReadStats

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

Fields = tuple[bytes, str, int, int, tuple[str, ...], str | None, bool]
"""What the store keeps of a record besides the record: key digest, time, caller id, action id,
resource ARNs, Bedrock request id, and whether it issued or created credentials."""


def lean_fields(rec: Any, dims: Dimensions) -> Fields | None:
    """Fields of a record of the common shape, or None when the record needs the full
    normalise_event (renamed fields, odd types or times, issued credentials, new keys)."""
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
    key = key_digest(
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
    request_id = _s(get("requestID")) if source == _BEDROCK else None
    return key, time, caller, action, arns, request_id, False


class _Attributes(msgspec.Struct):
    creationDate: str | None = None


class _SessionContext(msgspec.Struct):
    attributes: _Attributes | None = None


class _Identity(msgspec.Struct):
    """The userIdentity fields lean_fields and _principal read; another type is a decode error."""

    type: str | None = None
    arn: str | None = None
    accountId: str | None = None
    accessKeyId: str | None = None
    sessionContext: _SessionContext | None = None
    identityProvider: str | None = None
    userName: str | None = None
    principalId: str | None = None
    invokedBy: str | None = None


class _Response(msgspec.Struct):
    credentials: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


class _Resource(msgspec.Struct):
    ARN: str | None = None
    arn: str | None = None


_PARAM_FIELDS = tuple(sorted({*_RESOURCE_PARAMS, "key"}))
"""The requestParameters _param_resources reads (others are skipped undecoded)."""
_Params = msgspec.defstruct(
    "_Params", [(name, Any, msgspec.UNSET) for name in _PARAM_FIELDS], module=__name__
)
_NO_PARAMS = _Params()
_NULL = msgspec.Raw(b"null")


class LeanRecord(msgspec.Struct):
    """A plain CloudTrail record decoded to what the store indexes, typed as lean_fields
    expects it: a record that does not fit is a decode error and takes the dict path."""

    eventName: str
    eventSource: str | None = None
    eventTime: str | None = None
    awsRegion: str | None = None
    recipientAccountId: str | None = None
    eventID: str | None = None
    errorCode: str | None = None
    requestID: str | None = None
    userIdentity: msgspec.Raw = _NULL  # decoded once per distinct identity (_identity)
    requestParameters: _Params | None = None  # type: ignore[valid-type]
    responseElements: _Response | None = None
    resources: list[_Resource] | None = None
    CloudTrailEvent: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    eventJson: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    eventJSON: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


_DECODE_LEAN = msgspec.json.Decoder(LeanRecord).decode
_DECODE_IDENTITY = msgspec.json.Decoder(_Identity | None).decode


def decode_lean(raw: bytes | msgspec.Raw) -> LeanRecord | None:
    """A delivery record as a LeanRecord (iter_raw_records' `lean`), or None when it is not a
    plain record of the typed shape (the reader then parses it whole)."""
    try:
        rec = _DECODE_LEAN(raw)
    except (msgspec.DecodeError, RecursionError):
        return None
    unset = msgspec.UNSET
    wrapped = rec.CloudTrailEvent is not unset or rec.eventJson is not unset
    return None if wrapped or rec.eventJSON is not unset else rec


Who = tuple[str | None, str | None, str | None, str | None, str | None]
"""From a userIdentity: principal, its type, access key id, its account, session creation."""
_IDENTITIES: dict[bytes, Who | None] = {}
_MAX_IDENTITIES = 20_000
_UNKNOWN = object()


def _identity(raw: msgspec.Raw) -> Who | None:
    """What lean_fields takes from a userIdentity, by its bytes (a caller's identity repeats in
    every record); None when it is not of the typed shape."""
    key = bytes(raw)
    who = _IDENTITIES.get(key, _UNKNOWN)
    if who is not _UNKNOWN:
        return who  # type: ignore[return-value]
    try:
        ui = _DECODE_IDENTITY(key)
    except (msgspec.DecodeError, RecursionError):
        who = None
    else:
        who = _who(ui)
    if len(_IDENTITIES) >= _MAX_IDENTITIES:
        _IDENTITIES.clear()
    _IDENTITIES[key] = who
    return who


def _who(ui: _Identity | None) -> Who:
    if ui is None:
        return None, None, None, None, None
    principal = ui.arn or _principal(
        {
            "type": ui.type,
            "identityProvider": ui.identityProvider,
            "userName": ui.userName,
            "principalId": ui.principalId,
            "invokedBy": ui.invokedBy,
            "accountId": ui.accountId,
        }
    )
    created = None
    ctx = ui.sessionContext
    if ctx is not None and ctx.attributes is not None:
        v = ctx.attributes.creationDate
        ok = type(v) is str and len(v) == 20 and v[10] == "T" and v[19] == "Z"
        created = v if ok else _safe_time(v)
    return principal, ui.type or None, ui.accessKeyId or None, ui.accountId or None, created


def lean_record(rec: LeanRecord, dims: Dimensions) -> Fields | None:
    """lean_fields of a LeanRecord: the same fields from the same record, or None where
    lean_fields would give None or the typed decode of its identity failed."""
    name = rec.eventName
    source = rec.eventSource
    if not name or not source:
        return None
    resp = rec.responseElements
    if resp is not None and resp.credentials is not msgspec.UNSET:
        return None
    if name in _KEY_MAKERS:
        return None
    time = rec.eventTime
    if time is None or len(time) != 20 or time[10] != "T" or time[19] != "Z":
        return None
    who = _identity(rec.userIdentity)
    if who is None:
        return None
    principal, principal_type, access_key, ui_account, created = who
    region = rec.awsRegion or None
    account = rec.recipientAccountId or ui_account
    error = rec.errorCode or None
    resources: list[str] = []
    if rec.resources:
        for r in rec.resources:
            arn = r.ARN or r.arn
            if arn is not None and arn.startswith("arn:"):
                resources.append(arn)
    params = rec.requestParameters
    if params is not None and params != _NO_PARAMS:
        given = msgspec.to_builtins(params)  # the fields present (UNSET ones are left out)
        resources.extend(_param_resources(source, region or "", account or "", given))
    key = key_digest(rec.eventID or None, time, source, name, account, access_key, principal, error)
    values = (account, region, principal, principal_type, access_key, created)
    caller = dims.callers.get(values)  # known callers and actions without a method call
    if caller is None:
        caller = dims.caller(values)
    values = (source, name, error)
    action = dims.actions.get(values)
    if action is None:
        action = dims.action(values)
    arns = tuple(dict.fromkeys(resources)) if len(resources) > 1 else tuple(resources)
    request_id = (rec.requestID or None) if source == _BEDROCK else None
    return key, time, caller, action, arns, request_id, False


def event_fields(e: Event, dims: Dimensions) -> Fields:
    """The fields of a normalised Event (the full path, and Events given as such)."""
    caller = dims.caller(
        (e.account, e.region, e.principal, e.principal_type, e.access_key_id, e.session_created)
    )
    action = dims.action((e.source, e.name, e.error_code))
    request_id = e.request_id if e.source == _BEDROCK else None
    key = e.key
    digest = (
        bytes.fromhex(key)
        if len(key) == 24
        else hashlib.blake2b(key.encode(), digest_size=12).digest()
    )
    return (
        digest,
        e.time,
        caller,
        action,
        e.resources,
        request_id,
        bool(e.issued_key or e.created_key),
    )


def full_fields(rec: Any, file: str, index: int, dims: Dimensions) -> tuple[Fields, str]:
    """(fields, time field used) through normalise_event; raises RecordError as it does."""
    e = normalise_event(rec, file, index)
    return event_fields(e, dims), e.time_field


def posting(arn: str) -> str:
    """The resource posting an ARN is found under: an S3 object under its bucket (objects are
    many and each is touched rarely), anything else under itself. Reads filter exactly."""
    at = arn.find(":s3:::")  # arn:<partition>:s3:::bucket/key
    if 3 <= at <= 20 and arn.startswith("arn:") and arn.count(":", 0, at) == 1:
        return arn.partition("/")[0]
    return arn


class Chunk(NamedTuple):
    """One caller's events from consecutive sources, encoded for the store: key digests (12
    bytes each), meta (orjson [source names, source of each event, index in its source, times,
    action ids]) and data (orjson list of items: a raw record, or an Event's stored fields as
    an array), plus postings (positions in the chunk) and counts."""

    caller: int
    lo: str
    hi: str
    n: int
    keys: bytes
    meta: bytes
    data: bytes
    resources: tuple[tuple[str, bytes], ...]  # (posting, orjson positions)
    requests: tuple[tuple[str, int], ...]  # (Bedrock request id, position)
    credentials: tuple[tuple[int, str, int, bytes], ...]
    """Events that issued or created credentials: few, and they drive the session tree, so
    each is also kept on its own (position, source, index, item) and read without the chunk."""
    actions: dict[int, int]
    hours: tuple[str, ...]


Row = tuple[str, int, str, int, tuple[str, ...], str | None, bytes | None]
"""An event in an open chunk: time, action id, source name, index, and what is posted:
resource ARNs, Bedrock request id, and the encoded item when it issued credentials."""


class Pending:
    """A chunk being filled: its rows, its key digests appended to a buffer, and its encoded
    items as a list joined once when the chunk is cut (appending each record to a growing
    buffer copied it again at every reallocation: 1.1 us of the 4 us a record cost here).

    A delivery record is a view into its whole document (msgspec.Raw), so open chunks keep
    documents alive: `compact` joins the items added since the last compaction into one bytes
    object, which lets those documents go (source_chunks calls it on every open chunk after
    about MAX_HELD_BYTES of records were read)."""

    __slots__ = ("data", "fixed", "keys", "rows")

    def __init__(self) -> None:
        self.keys = bytearray()
        self.data: list[Any] = []
        self.rows: list[Row] = []
        self.fixed = 0  # items before this index are bytes of their own (no document view)

    def compact(self) -> None:
        data, fixed = self.data, self.fixed
        if len(data) > fixed:
            data[fixed:] = [b",".join(data[fixed:])]
            self.fixed = len(data)

    def encoded(self) -> bytes:
        """The items as one JSON array, each copied once (the brackets join the first and last
        items, which are copied twice); the pending chunk is done with."""
        items = self.data
        items[0] = b"[" + bytes(items[0])
        items[-1] = bytes(items[-1]) + b"]"
        return b",".join(items)


KEY_BYTES = 12
CHUNK_EVENTS = 4000
"""A caller's chunk is cut at this many events: a read decodes a whole chunk's meta."""
MAX_BUFFERED = 60_000
"""Events held in open chunks before the big ones (or all) are cut. Chunks span sources so
that per-chunk costs (a row, postings, encoding calls) are shared by many events."""
_BIG = 64
MAX_HELD_BYTES = 64 * 1024 * 1024
"""Bytes of delivery records read before the open chunks are compacted (Pending.compact):
bounds the documents their records keep alive when few records of each are kept."""


def encode_chunk(caller: int, pending: Pending) -> Chunk:
    """A chunk from its pending events in source order."""
    rows = pending.rows
    times, actions, files, idx, arns, requests, creds = zip(*rows, strict=True)
    names = list(dict.fromkeys(files))
    if len(names) == 1:
        refs: list[int] = [0] * len(files)
    else:
        at = {f: i for i, f in enumerate(names)}
        refs = [at[f] for f in files]
    by_arn: dict[str, list[int]] = {}
    for pos, these in enumerate(arns):
        for arn in these:
            got = by_arn.get(arn)
            if got is None:
                by_arn[arn] = [pos]
            elif got[-1] != pos:
                got.append(pos)
    posted: dict[str, list[int]] = {}
    for arn, positions in by_arn.items():
        key = posting(arn)
        if key in posted:
            posted[key] = sorted({*posted[key], *positions})
        else:
            posted[key] = positions
    return Chunk(
        caller,
        min(times),
        max(times),
        len(rows),
        bytes(pending.keys),
        orjson.dumps((names, refs, idx, times, actions)),
        pending.encoded(),
        tuple((arn, orjson.dumps(p)) for arn, p in sorted(posted.items())),
        tuple((r, pos) for pos, r in enumerate(requests) if r),
        tuple((pos, files[pos], idx[pos], c) for pos, c in enumerate(creds) if c is not None),
        dict(Counter(actions)),
        tuple(sorted({t[:13] for t in times})),
    )


def drop_events(chunk: Chunk, drop: set[int]) -> Chunk | None:
    """The chunk without the events at positions `drop` (None if none is left): a repeat of a
    stored event met by the writer."""
    names, refs, idx, times, actions = orjson.loads(chunk.meta)
    items = orjson.loads(chunk.data)
    keys = chunk.keys
    kept = [i for i in range(chunk.n) if i not in drop]
    if not kept:
        return None
    new = {old: i for i, old in enumerate(kept)}
    resources = []
    for arn, positions in chunk.resources:
        moved = [new[p] for p in orjson.loads(positions) if p in new]
        if moved:
            resources.append((arn, orjson.dumps(moved)))
    kept_times = [times[i] for i in kept]
    kept_actions = [actions[i] for i in kept]
    return Chunk(
        chunk.caller,
        min(kept_times),
        max(kept_times),
        len(kept),
        b"".join(keys[i * KEY_BYTES : (i + 1) * KEY_BYTES] for i in kept),
        orjson.dumps(
            (names, [refs[i] for i in kept], [idx[i] for i in kept], kept_times, kept_actions)
        ),
        orjson.dumps([items[i] for i in kept]),
        tuple(resources),
        tuple((r, new[p]) for r, p in chunk.requests if p in new),
        tuple((new[p], *rest) for p, *rest in chunk.credentials if p in new),
        dict(Counter(kept_actions)),
        tuple(sorted({t[:13] for t in kept_times})),
    )


@dataclass(slots=True)
class _Open:
    """The chunks still being filled, by caller."""

    chunks: dict[int, Pending] = field(default_factory=dict)
    buffered: int = 0

    def cut(self, caller: int) -> Chunk:
        pending = self.chunks.pop(caller)
        self.buffered -= len(pending.rows)
        return encode_chunk(caller, pending)

    def cut_some(self) -> Iterator[Chunk]:
        """Cut the big chunks, or every chunk when small ones fill most of the buffer."""
        big = [c for c, p in self.chunks.items() if len(p.rows) >= _BIG]
        if sum(len(self.chunks[c].rows) for c in big) * 2 < self.buffered:
            big = list(self.chunks)
        for caller in big:
            yield self.cut(caller)
        self.compact()

    def compact(self) -> None:
        """Let go of the documents the open chunks' records are views into."""
        for pending in self.chunks.values():
            pending.compact()

    def cut_all(self) -> Iterator[Chunk]:
        for caller in list(self.chunks):
            yield self.cut(caller)


Source = tuple[str, Iterable[tuple[int, Any]]]
"""A source's name and its (index, raw record) pairs."""


def source_chunks(
    sources: Iterable[Source],
    stats: ReadStats,
    dims: Dimensions,
    seen: set[bytes] | None = None,
) -> Iterator[Chunk]:
    """Chunks from consecutive sources' raw records; unusable ones are counted in `stats` with
    the reasons events_from gives, repeats of an event in `seen` or met before (the first one
    in source order is kept) in stats.duplicates; `seen` gets the keys of the events taken.
    One loop, no per-record generator: this is the hot path."""
    open_ = _Open()
    pending_of = open_.chunks
    pending_get = pending_of.get
    dumps = orjson.dumps
    loads = orjson.loads
    if seen is None:
        seen = set()
    seen_add = seen.add
    lean = 0
    held = 0  # bytes of delivery records (views into documents) read since the last compaction
    fields: Counter[str] = Counter()
    try:
        for file, raw in sources:
            for index, rec in raw:
                if type(rec) is RawRecord:
                    item = rec.raw  # stored as read: the same record when parsed back
                    held += len(item)
                    got = lean_record(rec.lean, dims)
                    if got is None:
                        rec = loads(memoryview(item))
                        got = lean_fields(rec, dims)
                else:
                    item = None
                    got = lean_fields(rec, dims)
                if got is not None:
                    lean += 1
                else:
                    try:
                        got, time_field = full_fields(rec, file, index, dims)
                    except UNUSABLE as exc:
                        stats.skip(file, index, unusable_reason(exc))
                        continue
                    fields[time_field] += 1
                key, time, caller, action, arns, request_id, cred = got
                if key in seen:
                    stats.duplicates += 1
                    continue
                seen_add(key)
                pending = pending_get(caller)
                if pending is None:
                    pending = pending_of[caller] = Pending()
                pending.keys += key
                if item is None:
                    item = dumps(rec)
                pending.data.append(item)
                rows = pending.rows
                rows.append(
                    (time, action, file, index, arns, request_id, bytes(item) if cred else None)
                )
                open_.buffered += 1
                if len(rows) >= CHUNK_EVENTS:
                    yield open_.cut(caller)
                elif open_.buffered >= MAX_BUFFERED:
                    yield from open_.cut_some()
                    held = 0
            if held >= MAX_HELD_BYTES:  # a source's records are views into one document
                open_.compact()
                held = 0
        yield from open_.cut_all()
    finally:
        if lean:
            fields["eventTime"] += lean
        stats.records += sum(fields.values())
        stats.time_fields.update(fields)


def file_chunks(
    file: str, raw: Iterable[tuple[int, Any]], stats: ReadStats, dims: Dimensions
) -> Iterator[Chunk]:
    """Chunks of one source (see source_chunks)."""
    return source_chunks([(file, raw)], stats, dims)


def event_chunks(
    events: Iterable[Event], dims: Dimensions, stats: ReadStats, item: Callable[[Event], Any]
) -> Iterator[Chunk]:
    """Chunks of Events given as such, each stored as `item(event)`."""
    open_ = _Open()
    seen: set[bytes] = set()
    for e in events:
        key, time, caller, action, arns, request_id, cred = event_fields(e, dims)
        if key in seen:
            stats.duplicates += 1
            continue
        seen.add(key)
        pending = open_.chunks.get(caller)
        if pending is None:
            pending = open_.chunks[caller] = Pending()
        data = orjson.dumps(item(e))
        pending.keys += key
        pending.data.append(data)
        pending.rows.append(
            (time, action, e.file, e.index, arns, request_id, data if cred else None)
        )
        open_.buffered += 1
        if len(pending.rows) >= CHUNK_EVENTS:
            yield open_.cut(caller)
        elif open_.buffered >= MAX_BUFFERED:
            yield from open_.cut_some()
    yield from open_.cut_all()
