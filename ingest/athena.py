"""Pull one subject's CloudTrail events out of Athena or CloudTrail Lake instead of downloading a trail.

An organisation's trail can be too large for one machine; both services filter where the data
lives. The SQL names the subject's key ids and session ARNs, the window, and the partitions to
read. Key ids and ARNs come from attackers' logs, so they only ever enter the SQL through
`sql_literal`, which doubles quotes (standard SQL; neither Trino nor DuckDB treats a backslash as
an escape). `pull_subject` widens the key and ARN sets as sessions are found (first the key, then
the sessions it issued, and so on) until a round brings nothing new.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from graphscope.ingest.cloudtrail import normalise_time

if TYPE_CHECKING:
    from graphscope.eventstore import EventStore, IngestResult

LEAD_HOURS = 12
"""The query starts this long before --since: sessions used in the window may have been issued
earlier (12 h is the longest AssumeRole session), and their issuing calls are what link them."""
MAX_ROUNDS = 8
"""Rounds of widening; a tree deeper than this is reported as possibly incomplete."""
MAX_DAY_PARTITIONS = 62
"""Up to this many days, partitions are listed per day; beyond, per month."""
_SEP = "chr(31)"  # joins resource ARNs in one string; never appears in an ARN
_IDENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_EDS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_FMT = "%Y-%m-%dT%H:%M:%SZ"


class QueryError(RuntimeError):
    """A query that failed, was cancelled or did not finish in time; the message says which."""


def sql_literal(value: str) -> str:
    """A string as a SQL literal that cannot end early, whatever it contains."""
    if "\x00" in value:
        raise ValueError("a NUL character cannot appear in a SQL literal")
    return "'" + value.replace("'", "''") + "'"


def _in_list(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(sql_literal(v) for v in sorted(values))})"


@dataclass(frozen=True, slots=True)
class TableInfo:
    """An Athena CloudTrail table: its name, partition columns and which optional identity
    sub-fields its useridentity struct declares (tables made from older DDL lack some)."""

    database: str
    table: str
    partitions: tuple[str, ...] = ()
    source_identity: bool = False  # useridentity.sessioncontext.sourceidentity
    web_identity: bool = False  # useridentity.sessioncontext.webidfederationdata.federatedprovider

    def __post_init__(self) -> None:
        for part in (self.database, self.table):
            if not _IDENT.match(part):
                raise ValueError(f"{part!r} is not an Athena database or table name")

    @property
    def qualified(self) -> str:
        return f'"{self.database}"."{self.table}"'

    @classmethod
    def parse(cls, name: str, **kwargs: Any) -> TableInfo:
        """'DB.TABLE' as given on the command line."""
        db, dot, table = name.partition(".")
        if not dot:
            raise ValueError(f"{name!r}: give the table as DATABASE.TABLE")
        return cls(db, table, **kwargs)


@dataclass(frozen=True, slots=True)
class SubjectFilter:
    """Which events one query pulls: calls made with these keys or as these principals, the
    calls that issued these keys, and coverage-signal calls (logging changes) by anyone."""

    key_ids: frozenset[str] = frozenset()
    principals: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()  # role ARNs: every session of these roles
    issued_keys: frozenset[str] = frozenset()
    signals: tuple[tuple[str, str], ...] = ()
    since: str | None = None  # already widened by LEAD_HOURS
    until: str | None = None

    def empty(self) -> bool:
        return not (
            self.key_ids or self.principals or self.roles or self.issued_keys or self.signals
        )


# --- Athena ------------------------------------------------------------------------------------
_ATHENA_COLUMNS = (
    ("eventversion", "eventversion"),
    ("eventid", "eventid"),
    ("eventtime", "eventtime"),
    ("eventsource", "eventsource"),
    ("eventname", "eventname"),
    ("awsregion", "awsregion"),
    ("sourceipaddress", "sourceipaddress"),
    ("useragent", "useragent"),
    ("errorcode", "errorcode"),
    ("errormessage", "errormessage"),
    ("requestparameters", "requestparameters"),
    ("responseelements", "responseelements"),
    ("additionaleventdata", "additionaleventdata"),
    ("requestid", "requestid"),
    ("eventtype", "eventtype"),
    ("readonly", "readonly"),
    ("recipientaccountid", "recipientaccountid"),
    ("sharedeventid", "sharedeventid"),
    ("vpcendpointid", "vpcendpointid"),
    ("useridentity.type", "ui_type"),
    ("useridentity.principalid", "ui_principalid"),
    ("useridentity.arn", "ui_arn"),
    ("useridentity.accountid", "ui_accountid"),
    ("useridentity.invokedby", "ui_invokedby"),
    ("useridentity.accesskeyid", "ui_accesskeyid"),
    ("useridentity.username", "ui_username"),
    ("useridentity.sessioncontext.attributes.creationdate", "ui_creationdate"),
    ("useridentity.sessioncontext.attributes.mfaauthenticated", "ui_mfa"),
    ("useridentity.sessioncontext.sessionissuer.type", "ui_issuer_type"),
    ("useridentity.sessioncontext.sessionissuer.arn", "ui_issuer_arn"),
)
"""(expression, alias): the documented CloudTrail table's columns, struct fields flattened
(Athena renders a struct as 'k=v' text, which cannot be parsed back safely)."""


def _select_list(table: TableInfo, dialect: str) -> str:
    cols = list(_ATHENA_COLUMNS)
    if table.source_identity:
        cols.append(("useridentity.sessioncontext.sourceidentity", "ui_sourceidentity"))
    if table.web_identity:
        cols.append(("useridentity.sessioncontext.webidfederationdata.federatedprovider", "ui_idp"))
    if dialect == "duckdb":  # the test engine: the same columns, DuckDB's list functions
        res = f"array_to_string(list_transform(resources, lambda r: r.arn), {_SEP})"
    else:
        res = f"array_join(transform(resources, r -> r.arn), {_SEP})"
    cols.append((res, "resource_arns"))
    return ",\n  ".join(f"{expr} AS {alias}" for expr, alias in cols)


def _days(since: str, until: str) -> list[date]:
    a = datetime.strptime(since, _FMT).date()
    b = datetime.strptime(until, _FMT).date()
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def _partition_clause(table: TableInfo, since: str | None, until: str | None) -> str | None:
    """Only the partitions the window touches, for the two layouts of the documented table:
    (year, month, day) partitions or a projected 'timestamp' partition as yyyy/MM/dd."""
    if since is None:
        return None
    hi = until or datetime.now(UTC).strftime(_FMT)
    parts = set(table.partitions)
    if "timestamp" in parts:
        return f'"timestamp" BETWEEN {sql_literal(since[:10].replace("-", "/"))} AND {sql_literal(hi[:10].replace("-", "/"))}'
    if {"year", "month", "day"} <= parts:
        days = _days(since, hi)
        if len(days) <= MAX_DAY_PARTITIONS:
            terms = [
                f"(year = {sql_literal(f'{d.year:04d}')} AND month = {sql_literal(f'{d.month:02d}')} AND day = {sql_literal(f'{d.day:02d}')})"
                for d in days
            ]
        else:
            months = sorted({(d.year, d.month) for d in days})
            terms = [
                f"(year = {sql_literal(f'{y:04d}')} AND month = {sql_literal(f'{m:02d}')})"
                for y, m in months
            ]
        return "(" + " OR ".join(terms) + ")"
    return None


def _subject_terms(
    f: SubjectFilter, key_col: str, arn_col: str, issuer_col: str, response_col: str
) -> list[str]:
    terms = []
    if f.key_ids:
        terms.append(_in_list(key_col, f.key_ids))
    if f.principals:
        terms.append(_in_list(arn_col, f.principals))
    if f.roles:
        terms.append(_in_list(issuer_col, f.roles))
    for k in sorted(f.issued_keys):  # the call that handed out this key names it in its response
        terms.append(f"strpos({response_col}, {sql_literal(k)}) > 0")
    for source, name in f.signals:
        terms.append(f"(eventsource = {sql_literal(source)} AND eventname = {sql_literal(name)})")
    return terms


def athena_sql(table: TableInfo, f: SubjectFilter, dialect: str = "athena") -> str:
    """SELECT over the documented Athena CloudTrail table for one round of a subject pull."""
    if f.empty():
        raise ValueError("nothing to select: no keys, principals or signals")
    terms = _subject_terms(
        f,
        "useridentity.accesskeyid",
        "useridentity.arn",
        "useridentity.sessioncontext.sessionissuer.arn",
        "responseelements",
    )
    where = ["(" + "\n    OR ".join(terms) + ")"]
    if f.since:
        where.append(f"eventtime >= {sql_literal(f.since)}")
    if f.until:
        where.append(f"eventtime <= {sql_literal(f.until)}")
    part = _partition_clause(table, f.since, f.until)
    if part:
        where.append(part)
    return (
        f"SELECT\n  {_select_list(table, dialect)}\nFROM {table.qualified}\nWHERE "
        + "\n  AND ".join(where)
    )


def _obj_or_text(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def athena_record(row: dict[str, str | None]) -> dict[str, Any]:
    """One result row (column alias -> text or None) back into a CloudTrail record."""
    g = row.get
    ctx: dict[str, Any] = {}
    if g("ui_creationdate") or g("ui_mfa"):
        ctx["attributes"] = {"creationDate": g("ui_creationdate"), "mfaAuthenticated": g("ui_mfa")}
    if g("ui_issuer_arn"):
        ctx["sessionIssuer"] = {"type": g("ui_issuer_type"), "arn": g("ui_issuer_arn")}
    if g("ui_sourceidentity"):
        ctx["sourceIdentity"] = g("ui_sourceidentity")
    ui: dict[str, Any] = {
        k: v
        for k, v in (
            ("type", g("ui_type")),
            ("principalId", g("ui_principalid")),
            ("arn", g("ui_arn")),
            ("accountId", g("ui_accountid")),
            ("invokedBy", g("ui_invokedby")),
            ("accessKeyId", g("ui_accesskeyid")),
            ("userName", g("ui_username")),
            ("identityProvider", g("ui_idp")),
        )
        if v is not None
    }
    if ctx:
        ui["sessionContext"] = ctx
    arns = (g("resource_arns") or "").split("\x1f")
    return {
        "eventVersion": g("eventversion"),
        "eventID": g("eventid"),
        "eventTime": g("eventtime"),
        "eventSource": g("eventsource"),
        "eventName": g("eventname"),
        "awsRegion": g("awsregion"),
        "sourceIPAddress": g("sourceipaddress"),
        "userAgent": g("useragent"),
        "errorCode": g("errorcode"),
        "errorMessage": g("errormessage"),
        "requestParameters": _obj_or_text(g("requestparameters")),
        "responseElements": _obj_or_text(g("responseelements")),
        "additionalEventData": _obj_or_text(g("additionaleventdata")),
        "requestID": g("requestid"),
        "eventType": g("eventtype"),
        "readOnly": g("readonly"),
        "recipientAccountId": g("recipientaccountid"),
        "sharedEventID": g("sharedeventid"),
        "vpcEndpointId": g("vpcendpointid"),
        "userIdentity": ui,
        "resources": [{"ARN": a} for a in arns if a],
    }


def table_info(client: Any, name: str, catalog: str = "AwsDataCatalog") -> TableInfo:
    """Partition columns and optional identity fields from Athena's GetTableMetadata."""
    base = TableInfo.parse(name)
    meta = client.get_table_metadata(
        CatalogName=catalog, DatabaseName=base.database, TableName=base.table
    )["TableMetadata"]
    ui_type = next(
        (c.get("Type", "") for c in meta.get("Columns", []) if c.get("Name") == "useridentity"),
        "",
    ).lower()
    return TableInfo(
        base.database,
        base.table,
        partitions=tuple(p["Name"].lower() for p in meta.get("PartitionKeys", [])),
        source_identity="sourceidentity:" in ui_type,
        web_identity="federatedprovider:" in ui_type,
    )


def _wait(
    get_state: Callable[[], tuple[str, str]],
    done: set[str],
    ok: str,
    what: str,
    poll: float,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        state, reason = get_state()
        if state in done:
            if state != ok:
                raise QueryError(f"{what} {state.lower()}: {reason or 'no reason given'}")
            return
        if time.monotonic() > deadline:
            raise QueryError(f"{what} still {state.lower()} after {timeout:.0f} s")
        time.sleep(poll)


def run_athena(
    client: Any,
    sql: str,
    *,
    workgroup: str | None = None,
    output_location: str | None = None,
    catalog: str = "AwsDataCatalog",
    poll: float = 1.0,
    timeout: float = 1800.0,
) -> Iterator[dict[str, str | None]]:
    """Run one query with boto3 Athena and stream its rows as {column: text or None}."""
    kwargs: dict[str, Any] = {"QueryString": sql, "QueryExecutionContext": {"Catalog": catalog}}
    if workgroup:
        kwargs["WorkGroup"] = workgroup
    if output_location:
        kwargs["ResultConfiguration"] = {"OutputLocation": output_location}
    qid = client.start_query_execution(**kwargs)["QueryExecutionId"]

    def state() -> tuple[str, str]:
        status = client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
        return status["State"], status.get("StateChangeReason", "")

    _wait(
        state,
        {"SUCCEEDED", "FAILED", "CANCELLED"},
        "SUCCEEDED",
        f"Athena query {qid}",
        poll,
        timeout,
    )
    names: list[str] | None = None
    first = True
    for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
        rs = page["ResultSet"]
        if names is None:
            names = [c["Name"] for c in rs.get("ResultSetMetadata", {}).get("ColumnInfo", [])]
        rows = rs.get("Rows", [])
        for row in rows:
            values = [d.get("VarCharValue") for d in row.get("Data", [])]
            if first:
                first = False
                if values == names:  # Athena repeats the column names as the first row
                    continue
            yield dict(zip(names, values, strict=False))


# --- CloudTrail Lake ---------------------------------------------------------------------------
_LAKE_COLUMNS = (
    ("eventVersion", "eventversion"),
    ("eventID", "eventid"),
    ("CAST(eventTime AS varchar)", "eventtime"),
    ("eventSource", "eventsource"),
    ("eventName", "eventname"),
    ("awsRegion", "awsregion"),
    ("sourceIPAddress", "sourceipaddress"),
    ("userAgent", "useragent"),
    ("errorCode", "errorcode"),
    ("errorMessage", "errormessage"),
    ("json_format(CAST(requestParameters AS JSON))", "requestparameters"),
    ("json_format(CAST(responseElements AS JSON))", "responseelements"),
    ("json_format(CAST(additionalEventData AS JSON))", "additionaleventdata"),
    ("requestID", "requestid"),
    ("eventType", "eventtype"),
    ("CAST(readOnly AS varchar)", "readonly"),
    ("recipientAccountId", "recipientaccountid"),
    ("sharedEventID", "sharedeventid"),
    ("vpcEndpointId", "vpcendpointid"),
    ("userIdentity.type", "ui_type"),
    ("userIdentity.principalId", "ui_principalid"),
    ("userIdentity.arn", "ui_arn"),
    ("userIdentity.accountId", "ui_accountid"),
    ("userIdentity.invokedBy", "ui_invokedby"),
    ("userIdentity.accessKeyId", "ui_accesskeyid"),
    ("userIdentity.userName", "ui_username"),
    ("userIdentity.sessionContext.attributes.creationDate", "ui_creationdate"),
    ("userIdentity.sessionContext.attributes.mfaAuthenticated", "ui_mfa"),
    ("userIdentity.sessionContext.sessionIssuer.type", "ui_issuer_type"),
    ("userIdentity.sessionContext.sessionIssuer.arn", "ui_issuer_arn"),
    ("userIdentity.sessionContext.sourceIdentity", "ui_sourceidentity"),
    ("userIdentity.identityProvider", "ui_idp"),
)
"""CloudTrail Lake's event schema: maps (requestParameters ...) come back as JSON objects whose
nested values are JSON text, which lake_record unfolds."""


def lake_sql(event_data_store: str, f: SubjectFilter) -> str:
    """SELECT over a CloudTrail Lake event data store (id, or its ARN) for one pull round."""
    eds = event_data_store.rsplit("/", 1)[-1]
    if not _EDS_ID.match(eds):
        raise ValueError(f"{event_data_store!r} is not an event data store id or ARN")
    if f.empty():
        raise ValueError("nothing to select: no keys, principals or signals")
    terms = _subject_terms(
        f,
        "userIdentity.accessKeyId",
        "userIdentity.arn",
        "userIdentity.sessionContext.sessionIssuer.arn",
        "json_format(CAST(responseElements AS JSON))",
    )
    where = ["(" + "\n    OR ".join(terms) + ")"]
    if f.since:  # Lake's eventTime is a timestamp: compare with 'YYYY-MM-DD HH:MM:SS'
        where.append(f"eventTime >= {sql_literal(f.since[:19].replace('T', ' '))}")
    if f.until:
        where.append(f"eventTime <= {sql_literal(f.until[:19].replace('T', ' '))}")
    select = ",\n  ".join(f"{expr} AS {alias}" for expr, alias in _LAKE_COLUMNS)
    return f"SELECT\n  {select}\nFROM {eds}\nWHERE " + "\n  AND ".join(where)


def _unfold(value: Any) -> Any:
    """Lake maps hold nested objects as JSON text: parse those back, one level at a time."""
    if isinstance(value, dict):
        return {k: _unfold(v) for k, v in value.items()}
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return _unfold(orjson.loads(value))
        except orjson.JSONDecodeError:
            return value
    return value


def lake_record(row: dict[str, str | None]) -> dict[str, Any]:
    rec = athena_record(row)
    for k in ("requestParameters", "responseElements", "additionalEventData"):
        rec[k] = _unfold(rec[k])
    if rec["eventTime"]:
        rec["eventTime"] = normalise_time(rec["eventTime"])
    return rec


def run_lake(
    client: Any, sql: str, *, poll: float = 1.0, timeout: float = 1800.0
) -> Iterator[dict[str, str | None]]:
    """Run one CloudTrail Lake query (StartQuery, DescribeQuery, GetQueryResults pages)."""
    qid = client.start_query(QueryStatement=sql)["QueryId"]

    def state() -> tuple[str, str]:
        d = client.describe_query(QueryId=qid)
        return d["QueryStatus"], d.get("ErrorMessage", "")

    _wait(
        state,
        {"FINISHED", "FAILED", "CANCELLED", "TIMED_OUT"},
        "FINISHED",
        f"CloudTrail Lake query {qid}",
        poll,
        timeout,
    )
    token: str | None = None
    while True:
        page = client.get_query_results(QueryId=qid, **({"NextToken": token} if token else {}))
        for row in page.get("QueryResultRows", []):
            out: dict[str, str | None] = {}
            for cell in row:  # each cell is a one-entry {column: value} map
                out.update(cell)
            yield out
        token = page.get("NextToken")
        if not token:
            return


# --- the widening pull -------------------------------------------------------------------------
@dataclass(slots=True)
class PullResult:
    """What a subject pull did: queries run, rows read, and whether it stopped early."""

    label: str
    queries: list[str] = field(default_factory=list)
    rows: int = 0
    rounds: int = 0
    complete: bool = True
    ingests: list[IngestResult] = field(default_factory=list)


def widen(since: str | None) -> str | None:
    if since is None:
        return None
    t = datetime.strptime(since, _FMT) - timedelta(hours=LEAD_HOURS)
    return t.strftime(_FMT)


def pull_subject(
    store: EventStore,
    label: str,
    make_sql: Callable[[SubjectFilter], str],
    run: Callable[[str], Iterable[dict[str, str | None]]],
    to_record: Callable[[dict[str, str | None]], dict[str, Any]],
    expand: Callable[[EventStore], tuple[set[str], set[str]]],
    *,
    access_key: str | None,
    principal: str | None,
    since: str | None,
    until: str | None,
    signals: Iterable[tuple[str, str]] = (),
) -> PullResult:
    """Query, ingest, resolve, and query again for the keys and ARNs found, until closed.

    `expand(store)` returns the subject tree's (key ids, principal ARNs) as resolved from what
    the store holds so far; only ones not asked about before go into the next query."""
    result = PullResult(label)
    keys = {access_key} if access_key else set()
    principals = {principal} if principal else set()
    asked_keys: set[str] = set()
    asked_principals: set[str] = set()
    lo = widen(since)
    first = True
    while True:
        new_keys, new_principals = keys - asked_keys, principals - asked_principals
        if not (new_keys or new_principals) and not first:
            break
        if result.rounds >= MAX_ROUNDS:
            result.complete = False
            break
        f = SubjectFilter(
            key_ids=frozenset(new_keys),
            principals=frozenset(new_principals),
            roles=frozenset(p for p in new_principals if ":iam::" in p and ":role/" in p),
            issued_keys=frozenset(k for k in new_keys if first and k.startswith("ASIA")),
            signals=tuple(sorted(signals)) if first else (),
            since=lo,
            until=until,
        )
        sql = make_sql(f)
        result.queries.append(sql)
        result.rounds += 1
        name = f"{label}#query{result.rounds}"
        rows = ((i, to_record(row)) for i, row in enumerate(run(sql)))
        ingest = store.ingest_records(name, rows, kind="cloudtrail-query")
        result.rows += ingest.stats.records + ingest.stats.skipped
        result.ingests.append(ingest)
        asked_keys |= new_keys
        asked_principals |= new_principals
        found_keys, found_principals = expand(store)
        keys |= found_keys
        principals |= found_principals
        first = False
    return result
