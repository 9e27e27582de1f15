"""`graphscope activity`: what a key and every session derived from it did, from logs alone."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import boto3
import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table

from graphscope.cli.inputs import load_workspace, sources_from
from graphscope.cli.options import (
    AccessKeyOpt,
    CloudTrailOpt,
    InvocationLogsOpt,
    PrincipalOpt,
    SinceOpt,
    SnapshotOpt,
    StoreOpt,
    UntilOpt,
    WorkersOpt,
)
from graphscope.elements import element_map
from graphscope.ingest.athena import (
    PullResult,
    QueryError,
    TableInfo,
    athena_record,
    athena_sql,
    lake_record,
    lake_sql,
    pull_subject,
    run_athena,
    run_lake,
    table_info,
)
from graphscope.queries.activity import build_activity, subject_scope
from graphscope.queries.contract import ActivityReport, Gap
from graphscope.window import window_bound
from graphscope.workspace import Workspace

MAX_ISSUES_SHOWN = 20


class Format(StrEnum):
    json = "json"
    table = "table"


def activity_cmd(
    access_key: AccessKeyOpt = None,
    principal: PrincipalOpt = None,
    snapshot: SnapshotOpt = None,
    cloudtrail: CloudTrailOpt = None,
    invocation_logs: InvocationLogsOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format", help="json (the scope report's observed/coverage contract) or table."
        ),
    ] = Format.json,
    workers: WorkersOpt = None,
    store: StoreOpt = None,
    athena_table: Annotated[
        str | None,
        typer.Option(
            "--athena-table",
            help="Athena CloudTrail table DATABASE.TABLE: pull only the subject's events (its keys, then its sessions', until closed).",
        ),
    ] = None,
    athena_workgroup: Annotated[
        str | None, typer.Option("--athena-workgroup", help="Athena workgroup for those queries.")
    ] = None,
    athena_output: Annotated[
        str | None,
        typer.Option(
            "--athena-output",
            help="s3:// location for Athena results (unless the workgroup sets one).",
        ),
    ] = None,
    lake_event_data_store: Annotated[
        str | None,
        typer.Option(
            "--lake-event-data-store",
            help="CloudTrail Lake event data store id or ARN: pull only the subject's events from it.",
        ),
    ] = None,
) -> None:
    """Print what the subject and every session derived from it did, grouped by the seven elements."""
    err = Console(stderr=True)
    if (access_key is None) == (principal is None):
        err.print("give exactly one of --access-key or --principal")
        raise typer.Exit(2)
    sources = sources_from(
        snapshot, None, cloudtrail, invocation_logs, since, until, store, workers
    )
    ws = load_workspace(sources)
    events = ws.events
    results = list(ws.ingests)
    pulls = []
    try:
        if athena_table:
            pulls.append(
                _pull_athena(
                    ws, athena_table, athena_workgroup, athena_output, access_key, principal
                )
            )
        if lake_event_data_store:
            pulls.append(_pull_lake(ws, lake_event_data_store, access_key, principal))
    except (BotoCoreError, ClientError, QueryError, ValueError) as exc:
        err.print(f"cannot pull from Athena/CloudTrail Lake: {exc}", highlight=False)
        raise typer.Exit(1) from None
    extra: list[Gap] = []
    for pull in pulls:
        results.extend(pull.ingests)
        err.print(f"{pull.label}: {pull.rounds} quer(ies), {pull.rows} rows", highlight=False)
        if not pull.complete:
            extra.append(
                Gap(
                    source="cloudtrail",
                    detail=f"{pull.label}: stopped widening after {pull.rounds} rounds of queries; deeper sessions may be missing",
                    since=None,
                )
            )
    for r in results:
        renamed = {
            f: n for f, n in r.stats.time_fields.items() if f not in ("eventTime", "timestamp")
        }
        if renamed:  # say where the time came from when an exporter renamed the field
            used = ", ".join(f"{f} ({n} records)" for f, n in sorted(renamed.items()))
            err.print(f"{r.kind}: event time read from {used}", highlight=False)
        for issue in r.stats.issues[:MAX_ISSUES_SHOWN]:
            err.print(f"[yellow]skipped[/yellow] {issue}", markup=True, highlight=False)
        if r.stats.skipped > MAX_ISSUES_SHOWN:
            err.print(
                f"... {r.stats.skipped - MAX_ISSUES_SHOWN} more skipped {r.kind} records (see coverage)"
            )
    result = build_activity(
        events,
        access_key=access_key,
        principal=principal,
        since=since,
        until=until,
        invocation_logs_given=bool(invocation_logs) or "invocation-log" in events.source_kinds(),
        inventory=ws.inventory,
        extra_gaps=extra,
    )
    ws.close()
    if fmt is Format.json:
        sys.stdout.write(result.report.model_dump_json(indent=2) + "\n")
        return
    _print_table(result.report)


def _signals() -> list[tuple[str, str]]:
    """Logging changes by anyone are pulled too: coverage must see them whoever made them."""
    pairs = [(k.split(":", 1)[0], k.split(":", 1)[1]) for k in element_map().coverage_signals]
    return [*pairs, ("cloudtrail.amazonaws.com", "StartLogging")]


def _pull_athena(
    ws: Workspace,
    table: str,
    workgroup: str | None,
    output: str | None,
    access_key: str | None,
    principal: str | None,
) -> PullResult:
    client = boto3.client("athena")
    try:
        info = table_info(client, table)
    except ClientError as exc:  # no glue/athena metadata rights: the documented columns, no pruning
        Console(stderr=True).print(
            f"{table}: table metadata unreadable ({exc}); assuming the documented columns and no partitions",
            highlight=False,
        )
        info = TableInfo.parse(table)
    lo, hi = window_bound(ws.sources.since), window_bound(ws.sources.until, end=True)
    return pull_subject(
        ws.events,
        f"athena://{table}",
        lambda f: athena_sql(info, f),
        lambda sql: run_athena(client, sql, workgroup=workgroup, output_location=output),
        athena_record,
        lambda s: subject_scope(s, access_key, principal),
        access_key=access_key,
        principal=principal,
        since=lo,
        until=hi,
        signals=_signals(),
    )


def _pull_lake(
    ws: Workspace, eds: str, access_key: str | None, principal: str | None
) -> PullResult:
    client = boto3.client("cloudtrail")
    lo, hi = window_bound(ws.sources.since), window_bound(ws.sources.until, end=True)
    return pull_subject(
        ws.events,
        f"cloudtrail-lake://{eds.rsplit('/', 1)[-1]}",
        lambda f: lake_sql(eds, f),
        lambda sql: run_lake(client, sql),
        lake_record,
        lambda s: subject_scope(s, access_key, principal),
        access_key=access_key,
        principal=principal,
        since=lo,
        until=hi,
        signals=_signals(),
    )


def _print_table(report: ActivityReport) -> None:
    out = Console(highlight=False)
    s = report.subject
    out.print(
        f"[bold]subject[/bold] {s.input}  principal {s.principal_arn or 'unknown'}  "
        f"window {report.window.since or '-'} .. {report.window.until or '-'}"
    )
    t = Table(title="sessions", show_lines=False)
    t.add_column("access key", no_wrap=True)
    for col in ("principal", "issued by", "first seen", "last seen", "source IPs"):
        t.add_column(col, overflow="fold")
    for sess in report.observed.sessions:
        t.add_row(
            sess.access_key_id,
            sess.principal_arn,
            sess.issued_by or "",
            sess.first_seen,
            sess.last_seen,
            ", ".join(sess.source_ips),
        )
    out.print(t)
    t = Table(title="elements")
    for col in ("element", "event", "count", "errors", "first seen", "last seen"):
        t.add_column(col, overflow="fold")
    for element, items in report.observed.elements.items():
        for item in items:
            t.add_row(
                element,
                f"{item.event_source.split('.', 1)[0]}:{item.event_name}",
                str(item.count),
                str(item.error_count),
                item.first_seen,
                item.last_seen,
            )
    out.print(t)
    if report.observed.invocations:
        t = Table(title="model invocations")
        for col in ("model", "source", "calls", "input tokens", "output tokens"):
            t.add_column(col)
        for inv in report.observed.invocations:
            t.add_row(
                inv.model_id,
                inv.source,
                str(inv.count),
                "unknown" if inv.input_tokens is None else str(inv.input_tokens),
                "unknown" if inv.output_tokens is None else str(inv.output_tokens),
            )
        out.print(t)
    if report.observed.created_resources:
        t = Table(title="created resources")
        for col in ("time", "event", "name", "arn"):
            t.add_column(col, overflow="fold")
        for c in report.observed.created_resources:
            t.add_row(c.event_time, c.event_name, c.name, c.arn or "")
        out.print(t)
    t = Table(title="coverage gaps")
    for col in ("source", "since", "detail"):
        t.add_column(col, overflow="fold")
    for g in report.coverage.gaps:
        t.add_row(g.source, g.since or "", g.detail)
    out.print(t)
