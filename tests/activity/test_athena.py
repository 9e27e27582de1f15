"""Athena and CloudTrail Lake pulls: the generated SQL runs for real on DuckDB over JSON shaped
like the documented Athena CloudTrail table, its rows travel through boto3 Athena against a moto
server (results queued through moto's API), and the report equals the one from the files."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import boto3
import duckdb
import orjson
import pytest
import requests
from botocore.stub import Stubber

from graphscope.elements import element_map
from graphscope.eventstore import EventStore
from graphscope.ingest.athena import (
    LEAD_HOURS,
    SubjectFilter,
    TableInfo,
    athena_record,
    athena_sql,
    lake_record,
    lake_sql,
    pull_subject,
    run_athena,
    run_lake,
    sql_literal,
    table_info,
)
from graphscope.ingest.logfiles import ReadStats, iter_log_files, iter_raw_records
from graphscope.queries.activity import build_activity, subject_scope

from .conftest import ATTACKER_KEY, INCIDENT, LEGIT_KEY

INVICTUS_KEY = "AKIATFQR7NSC8Q4X20BJ"
LQ = "11111111-2222-3333-4444-555555555555"
_UI = (
    "STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR, invokedby VARCHAR, "
    "accesskeyid VARCHAR, username VARCHAR, sessioncontext STRUCT(attributes STRUCT("
    "mfaauthenticated VARCHAR, creationdate VARCHAR), sessionissuer STRUCT(type VARCHAR, "
    "principalid VARCHAR, arn VARCHAR, accountid VARCHAR, username VARCHAR), ec2roledelivery "
    "VARCHAR, webidfederationdata STRUCT(federatedprovider VARCHAR), sourceidentity VARCHAR))"
)
COLUMNS = {  # the documented CREATE TABLE of the Athena CloudTrail table, plus its partitions
    "eventversion": "VARCHAR",
    "useridentity": _UI,
    "eventtime": "VARCHAR",
    "eventsource": "VARCHAR",
    "eventname": "VARCHAR",
    "awsregion": "VARCHAR",
    "sourceipaddress": "VARCHAR",
    "useragent": "VARCHAR",
    "errorcode": "VARCHAR",
    "errormessage": "VARCHAR",
    "requestparameters": "VARCHAR",
    "responseelements": "VARCHAR",
    "additionaleventdata": "VARCHAR",
    "requestid": "VARCHAR",
    "eventid": "VARCHAR",
    "resources": "STRUCT(arn VARCHAR, accountid VARCHAR, type VARCHAR)[]",
    "eventtype": "VARCHAR",
    "apiversion": "VARCHAR",
    "readonly": "VARCHAR",
    "recipientaccountid": "VARCHAR",
    "serviceeventdetails": "VARCHAR",
    "sharedeventid": "VARCHAR",
    "vpcendpointid": "VARCHAR",
    "region": "VARCHAR",
    "year": "VARCHAR",
    "month": "VARCHAR",
    "day": "VARCHAR",
    "timestamp": "VARCHAR",
}
_JSON_STRINGS = (
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "serviceEventDetails",
)


def _lower(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k.lower(): _lower(v) for k, v in obj.items()}
    return obj


def athena_row(rec: dict[str, Any]) -> dict[str, Any]:
    """A CloudTrail record as the Athena CloudTrail SerDe presents it: lower-case names, the
    free-form objects as JSON text, resources as an array of structs, partition values."""
    out: dict[str, Any] = {}
    for k, v in rec.items():
        if k in _JSON_STRINGS:
            out[k.lower()] = None if v is None else orjson.dumps(v).decode()
        elif k == "userIdentity":
            ui = _lower(v)
            fed = (ui.get("sessioncontext") or {}).get("webidfederationdata")
            if isinstance(fed, dict):
                fed.pop("attributes", None)
            out["useridentity"] = ui
        elif k == "resources":
            out["resources"] = [_lower(r) for r in v or []]
        elif isinstance(v, bool):
            out[k.lower()] = "true" if v else "false"
        elif isinstance(v, str | int | float) or v is None:
            out[k.lower()] = None if v is None else str(v)
    t = rec["eventTime"]
    out.update(
        region=rec.get("awsRegion"),
        year=t[:4],
        month=t[5:7],
        day=t[8:10],
        timestamp=t[:10].replace("-", "/"),
    )
    return out


def _write_table(src: Path, dest: Path) -> Path:
    lines = []
    for path in iter_log_files([src], skip_dirs=("BedrockModelInvocationLogs",)):
        for _, rec in iter_raw_records(path, ReadStats()):
            lines.append(orjson.dumps(athena_row(rec)))
    dest.write_bytes(b"\n".join(lines) + b"\n")
    return dest


def duck(path: Path) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.execute("CREATE SCHEMA ctdb")
    cols = ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items())
    db.execute(
        f"CREATE TABLE ctdb.cloudtrail_logs AS SELECT * FROM read_json('{path}', "
        f"format='newline_delimited', columns={{{cols}}})"
    )
    return db


def duck_rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, str | None]]:
    cur = db.execute(sql)
    names = [d[0] for d in cur.description]
    return [
        dict(zip(names, (None if v is None else str(v) for v in row), strict=True))
        for row in cur.fetchall()
    ]


TABLE = TableInfo("ctdb", "cloudtrail_logs", ("region", "year", "month", "day"), True, True)


@pytest.fixture(scope="module")
def incident_db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return duck(_write_table(INCIDENT, tmp_path_factory.mktemp("athena") / "incident.jsonl"))


def _pull(
    store: EventStore, run: Callable[[str], Iterable[dict[str, str | None]]], key: str, **kw: Any
) -> Any:
    signals = [tuple(k.split(":", 1)) for k in element_map().coverage_signals]
    signals.append(("cloudtrail.amazonaws.com", "StartLogging"))
    return pull_subject(
        store,
        "athena://ctdb.cloudtrail_logs",
        lambda f: athena_sql(TABLE, f, dialect="duckdb"),
        run,
        athena_record,
        lambda s: subject_scope(s, key, None),
        access_key=key,
        principal=None,
        since=kw.get("since"),
        until=kw.get("until"),
        signals=signals,
    )


def _files_store(src: Path) -> EventStore:
    store = EventStore()
    store.ingest_cloudtrail([src])
    return store


def test_incident_pull_matches_the_files(incident_db: duckdb.DuckDBPyConnection) -> None:
    pulled = EventStore()
    res = _pull(pulled, lambda sql: duck_rows(incident_db, sql), ATTACKER_KEY)
    assert res.complete and res.rounds >= 3  # key -> alice-x session -> hop, backdoor key ...
    full = build_activity(_files_store(INCIDENT), access_key=ATTACKER_KEY).report
    got = build_activity(pulled, access_key=ATTACKER_KEY).report
    assert got.observed == full.observed
    # the pull is narrower than the files: the legitimate job's own calls never came
    assert pulled.event_count() < _files_store(INCIDENT).event_count()
    assert not list(pulled.events_by_keys([LEGIT_KEY]))
    # and coverage says the pull was filtered instead of inventing missing hours
    details = [g.detail for g in got.coverage.gaps]
    assert any("filtered to the subject" in d for d in details)
    assert not any("no events at all" in d for d in details)


def test_invictus_pull_matches_the_files(invictus_dir: Path, tmp_path: Path) -> None:
    db = duck(_write_table(invictus_dir, tmp_path / "invictus.jsonl"))
    pulled = EventStore()
    res = _pull(pulled, lambda sql: duck_rows(db, sql), INVICTUS_KEY)
    assert res.complete
    full = build_activity(_files_store(invictus_dir), access_key=INVICTUS_KEY).report
    got = build_activity(pulled, access_key=INVICTUS_KEY).report
    assert got.observed == full.observed
    assert len(got.observed.sessions) == len(full.observed.sessions) >= 10


def test_window_and_partitions_prune(incident_db: duckdb.DuckDBPyConnection) -> None:
    f = SubjectFilter(
        key_ids=frozenset({ATTACKER_KEY}),
        since="2026-03-01T10:05:00Z",
        until="2026-03-01T10:09:00Z",
    )
    sql = athena_sql(TABLE, f, dialect="duckdb")
    assert "(year = '2026' AND month = '03' AND day = '01')" in sql
    rows = duck_rows(incident_db, sql)
    assert rows and all(
        "2026-03-01T10:05:00Z" <= r["eventtime"] <= "2026-03-01T10:09:00Z" for r in rows
    )
    outside = SubjectFilter(
        key_ids=f.key_ids, since="2026-03-02T00:00:00Z", until="2026-03-03T00:00:00Z"
    )
    assert duck_rows(incident_db, athena_sql(TABLE, outside, dialect="duckdb")) == []
    projected = TableInfo("ctdb", "cloudtrail_logs", ("timestamp",))
    sql = athena_sql(projected, f, dialect="duckdb")
    assert "\"timestamp\" BETWEEN '2026/03/01' AND '2026/03/01'" in sql
    assert len(duck_rows(incident_db, sql)) == len(rows)
    # a window of months lists months, not days
    long = SubjectFilter(
        key_ids=f.key_ids, since="2026-01-01T00:00:00Z", until="2026-04-30T00:00:00Z"
    )
    sql = athena_sql(TABLE, long, dialect="duckdb")
    assert "day =" not in sql and sql.count("month =") == 4
    # the pull widens --since by LEAD_HOURS so earlier issuing calls are found
    assert LEAD_HOURS == 12


HOSTILE = [
    "AKIA' OR '1'='1",
    "x'); DROP TABLE cloudtrail_logs; --",
    "arn:aws:sts::1:assumed-role/r/a\\' OR 1=1 --",
    "it''s",
    "/* */ ' UNION SELECT 1 --",
    "ünïcødé '' \n newline",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_literals(value: str, incident_db: duckdb.DuckDBPyConnection) -> None:
    assert duck_rows(incident_db, f"SELECT {sql_literal(value)} AS v") == [{"v": value}]
    f = SubjectFilter(
        key_ids=frozenset({value}),
        principals=frozenset({value}),
        issued_keys=frozenset({value}),
        signals=((value, value),),
    )
    assert duck_rows(incident_db, athena_sql(TABLE, f, dialect="duckdb")) == []
    # the table is intact and a real key still matches alongside the hostile one
    f2 = SubjectFilter(key_ids=frozenset({value, ATTACKER_KEY}))
    assert duck_rows(incident_db, athena_sql(TABLE, f2, dialect="duckdb"))
    with pytest.raises(ValueError):
        sql_literal("a\x00b")


def test_bad_names_are_refused() -> None:
    with pytest.raises(ValueError):
        TableInfo.parse('db"; DROP.x')
    with pytest.raises(ValueError):
        TableInfo.parse("no_dot")
    with pytest.raises(ValueError):
        lake_sql("eds; DROP", SubjectFilter(key_ids=frozenset({"AKIA1"})))
    with pytest.raises(ValueError):
        athena_sql(TABLE, SubjectFilter())


# boto3 ------------------------------------------------------------------------------------------
def _athena_results(rows: list[dict[str, str | None]], names: list[str]) -> dict:
    header = {"Data": [{"VarCharValue": n} for n in names]}
    data = [
        {"Data": [{"VarCharValue": r[n]} if r[n] is not None else {} for n in names]} for r in rows
    ]
    return {
        "rows": [header, *data],
        "column_info": [{"Name": n, "Type": "varchar", "Nullable": "UNKNOWN"} for n in names],
    }


def test_pull_through_boto3_athena_on_moto(
    incident_db: duckdb.DuckDBPyConnection,
    start_moto: Callable[[], str],
    fake_aws_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for k, v in fake_aws_env.items():
        monkeypatch.setenv(k, v)
    url = start_moto()
    client = boto3.client("athena", endpoint_url=url, region_name="us-east-1")
    seen: list[str] = []

    def run(sql: str) -> Iterator[dict[str, str | None]]:
        # moto does not execute SQL: DuckDB runs it, moto serves the rows the Athena way
        cur = incident_db.execute(sql)
        names = [d[0] for d in cur.description]
        rows = duck_rows(incident_db, sql)
        requests.post(
            f"{url}/moto-api/static/athena/query-results",
            json={"results": [_athena_results(rows, names)]},
            timeout=10,
        ).raise_for_status()
        seen.append(sql)
        return run_athena(client, sql, output_location="s3://results/", poll=0.01)

    pulled = EventStore()
    res = _pull(pulled, run, ATTACKER_KEY)
    assert res.complete and len(seen) == res.rounds
    full = build_activity(_files_store(INCIDENT), access_key=ATTACKER_KEY).report
    assert build_activity(pulled, access_key=ATTACKER_KEY).report.observed == full.observed


def test_run_athena_pages_and_failures() -> None:
    client = boto3.client(
        "athena", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    cols = [{"Name": "eventname", "Type": "varchar"}, {"Name": "errorcode", "Type": "varchar"}]
    with Stubber(client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q1"})
        stub.add_response(
            "get_query_execution",
            {"QueryExecution": {"QueryExecutionId": "q1", "Status": {"State": "RUNNING"}}},
        )
        stub.add_response(
            "get_query_execution",
            {"QueryExecution": {"QueryExecutionId": "q1", "Status": {"State": "SUCCEEDED"}}},
        )
        stub.add_response(
            "get_query_results",
            {
                "ResultSet": {
                    "Rows": [
                        {"Data": [{"VarCharValue": "eventname"}, {"VarCharValue": "errorcode"}]},
                        {"Data": [{"VarCharValue": "GetObject"}, {}]},
                    ],
                    "ResultSetMetadata": {"ColumnInfo": cols},
                },
                "NextToken": "t2",
            },
        )
        stub.add_response(
            "get_query_results",
            {
                "ResultSet": {
                    # a later page: no header row, and a value equal to a column name is data
                    "Rows": [
                        {"Data": [{"VarCharValue": "eventname"}, {"VarCharValue": "AccessDenied"}]}
                    ],
                    "ResultSetMetadata": {"ColumnInfo": cols},
                }
            },
            {"QueryExecutionId": "q1", "NextToken": "t2"},
        )
        rows = list(run_athena(client, "SELECT 1", workgroup="ir", poll=0))
        assert rows == [
            {"eventname": "GetObject", "errorcode": None},
            {"eventname": "eventname", "errorcode": "AccessDenied"},
        ]
        stub.add_response("start_query_execution", {"QueryExecutionId": "q2"})
        stub.add_response(
            "get_query_execution",
            {
                "QueryExecution": {
                    "QueryExecutionId": "q2",
                    "Status": {"State": "FAILED", "StateChangeReason": "TABLE_NOT_FOUND"},
                }
            },
        )
        with pytest.raises(RuntimeError, match="TABLE_NOT_FOUND"):
            list(run_athena(client, "SELECT 1", poll=0))


def test_table_info_from_metadata() -> None:
    client = boto3.client(
        "athena", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "get_table_metadata",
            {
                "TableMetadata": {
                    "Name": "cloudtrail_logs",
                    "Columns": [
                        {
                            "Name": "useridentity",
                            "Type": "struct<type:string,sessioncontext:struct<sourceidentity:string>>",
                        },
                    ],
                    "PartitionKeys": [
                        {"Name": "Region", "Type": "string"},
                        {"Name": "year"},
                        {"Name": "month"},
                        {"Name": "day"},
                    ],
                }
            },
            {
                "CatalogName": "AwsDataCatalog",
                "DatabaseName": "ctdb",
                "TableName": "cloudtrail_logs",
            },
        )
        info = table_info(client, "ctdb.cloudtrail_logs")
    assert info.partitions == ("region", "year", "month", "day")
    assert info.source_identity and not info.web_identity


def test_cloudtrail_lake_sql_and_rows() -> None:
    f = SubjectFilter(
        key_ids=frozenset({"ASIAZZ'X"}), since="2026-03-01T10:00:00Z", until="2026-03-01T11:00:00Z"
    )
    sql = lake_sql(
        "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/0d3c5f4e-aaaa-bbbb-cccc-123456789012",
        f,
    )
    assert "FROM 0d3c5f4e-aaaa-bbbb-cccc-123456789012" in sql
    assert "'ASIAZZ''X'" in sql and "eventTime >= '2026-03-01 10:00:00'" in sql
    client = boto3.client(
        "cloudtrail", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    response = {
        "credentials": orjson.dumps(
            {"accessKeyId": "ASIAZZCHILD", "expiration": "Mar 1, 2026, 11:00:00 PM"}
        ).decode(),
        "assumedRoleUser": orjson.dumps({"arn": "arn:aws:sts::1:assumed-role/r/s"}).decode(),
    }
    row = [
        {"eventid": "e1"},
        {"eventtime": "2026-03-01 10:00:05.000"},
        {"eventsource": "sts.amazonaws.com"},
        {"eventname": "AssumeRole"},
        {"ui_accesskeyid": "ASIAZZ'X"},
        {"ui_arn": "arn:aws:iam::1:user/u"},
        {"ui_type": "IAMUser"},
        {
            "requestparameters": orjson.dumps(
                {"roleArn": "arn:aws:iam::1:role/r", "roleSessionName": "s"}
            ).decode()
        },
        {"responseelements": orjson.dumps(response).decode()},
        {"recipientaccountid": "1"},
    ]
    with Stubber(client) as stub:
        stub.add_response("start_query", {"QueryId": LQ}, {"QueryStatement": sql})
        stub.add_response("describe_query", {"QueryId": LQ, "QueryStatus": "RUNNING"})
        stub.add_response("describe_query", {"QueryId": LQ, "QueryStatus": "FINISHED"})
        stub.add_response(
            "get_query_results",
            {"QueryStatus": "FINISHED", "QueryResultRows": [row], "NextToken": "next-page-1"},
        )
        stub.add_response(
            "get_query_results",
            {"QueryStatus": "FINISHED", "QueryResultRows": []},
            {"QueryId": LQ, "NextToken": "next-page-1"},
        )
        rows = list(run_lake(client, sql, poll=0))
    assert len(rows) == 1
    store = EventStore()
    store.ingest_records("lake://eds#1", enumerate(lake_record(r) for r in rows))
    (e,) = list(store.issuances())
    assert (e.time, e.issued_key, e.issued_principal, e.access_key_id) == (
        "2026-03-01T10:00:05Z",
        "ASIAZZCHILD",
        "arn:aws:sts::1:assumed-role/r/s",
        "ASIAZZ'X",
    )


def test_cli_athena_table_through_moto(
    incident_db: duckdb.DuckDBPyConnection,
    start_moto: Callable[[], str],
    fake_aws_env: dict[str, str],
) -> None:
    """`activity --athena-table` end to end: the rounds' rows (computed on DuckDB) are queued in
    moto in order; the CLI's boto3 calls then receive them round by round."""
    import json
    import os
    import subprocess
    import sys

    url = start_moto()
    rounds: list[tuple[list[str], list[dict[str, str | None]]]] = []

    def record(sql: str) -> list[dict[str, str | None]]:
        cur = incident_db.execute(sql)
        names = [d[0] for d in cur.description]
        rows = duck_rows(incident_db, sql)
        rounds.append((names, rows))
        return rows

    _pull(EventStore(), record, ATTACKER_KEY)
    requests.post(
        f"{url}/moto-api/static/athena/query-results",
        json={"results": [_athena_results(rows, names) for names, rows in rounds]},
        timeout=10,
    ).raise_for_status()
    env = {**os.environ, **fake_aws_env, "AWS_ENDPOINT_URL": url, "COLUMNS": "200"}
    cmd = [
        sys.executable,
        "-c",
        "from graphscope.cli import main; main()",
        "activity",
        "--access-key",
        ATTACKER_KEY,
        "--athena-table",
        "ctdb.cloudtrail_logs",
        "--athena-output",
        "s3://athena-results/",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert out.returncode == 0, out.stderr
    assert f"athena://ctdb.cloudtrail_logs: {len(rounds)} quer(ies)" in out.stderr.replace(
        "\n", " "
    )
    report = json.loads(out.stdout)
    full = build_activity(_files_store(INCIDENT), access_key=ATTACKER_KEY).report
    assert report["observed"] == full.observed.model_dump(mode="json")
