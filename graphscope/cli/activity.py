"""`graphscope activity`: what a key and every session derived from it did, from logs alone."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table

from graphscope.eventstore import EventStore
from graphscope.ingest.invocation_logs_cloudwatch import is_log_group_url
from graphscope.ingest.logs_s3 import is_s3_url
from graphscope.queries.activity import build_activity, window_bound
from graphscope.queries.contract import ActivityReport
from graphscope.queries.coverage import snapshot_gap

MAX_ISSUES_SHOWN = 20
AUTO_WORKERS_BYTES = 64 * 1024 * 1024


class Format(StrEnum):
    json = "json"
    table = "table"


def activity_cmd(
    access_key: Annotated[
        str | None,
        typer.Option("--access-key", help="Access key id (AKIA... or ASIA...) of the subject."),
    ] = None,
    principal: Annotated[
        str | None,
        typer.Option("--principal", help="Principal ARN of the subject (user, role or session)."),
    ] = None,
    snapshot: Annotated[
        list[Path] | None,
        typer.Option("--snapshot", help="Collected inventory snapshot folder (repeatable)."),
    ] = None,
    cloudtrail: Annotated[
        list[str] | None,
        typer.Option(
            "--cloudtrail",
            help="CloudTrail file, folder or s3://bucket/prefix (repeatable): delivery files, JSON Lines, lookup-events output; .gz ok.",
        ),
    ] = None,
    invocation_logs: Annotated[
        list[str] | None,
        typer.Option(
            "--invocation-logs",
            help="Bedrock model-invocation log file, folder, s3://bucket/prefix or cloudwatch://LOG_GROUP (repeatable).",
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Window start, ISO-8601 (UTC when no zone).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Window end, ISO-8601.")] = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format", help="json (the scope report's observed/coverage contract) or table."
        ),
    ] = Format.json,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Processes parsing CloudTrail files (default: 1, or up to 4 for inputs over 64 MB).",
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="SQLite event store to create or reuse (default: in memory)."),
    ] = None,
) -> None:
    """Print what the subject and every session derived from it did, grouped by the seven elements."""
    err = Console(stderr=True)
    if (access_key is None) == (principal is None):
        err.print("give exactly one of --access-key or --principal")
        raise typer.Exit(2)
    try:
        window_bound(since)
        window_bound(until, end=True)
    except ValueError as exc:
        err.print(str(exc))
        raise typer.Exit(2) from None
    remote = (is_s3_url, is_log_group_url)
    local = [
        Path(p)
        for p in [*(cloudtrail or []), *(invocation_logs or [])]
        if not any(f(p) for f in remote)
    ]
    for p in [*local, *(snapshot or [])]:
        if not p.exists():
            err.print(f"{p}: no such file or folder")
            raise typer.Exit(2)

    events = EventStore(store or ":memory:")
    progress = sys.stderr.isatty()
    results = []
    lo, hi = window_bound(since), window_bound(until, end=True)
    try:
        if cloudtrail:
            n = (
                workers
                if workers is not None
                else _auto_workers([Path(p) for p in cloudtrail if not is_s3_url(p)])
            )
            results.append(
                events.ingest_cloudtrail(
                    cloudtrail, progress=progress, workers=max(1, n), since=lo, until=hi
                )
            )
        if invocation_logs:
            results.append(
                events.ingest_invocation_logs(
                    invocation_logs, progress=progress, since=lo, until=hi
                )
            )
    except (BotoCoreError, ClientError) as exc:  # listing a bucket or log group failed
        err.print(f"cannot read from AWS: {exc}")
        raise typer.Exit(1) from None
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
    extra = [snapshot_gap(str(s) for s in snapshot)] if snapshot else []
    result = build_activity(
        events,
        access_key=access_key,
        principal=principal,
        since=since,
        until=until,
        invocation_logs_given=bool(invocation_logs) or "invocation-log" in events.source_kinds(),
        extra_gaps=extra,
    )
    events.close()
    if fmt is Format.json:
        sys.stdout.write(result.report.model_dump_json(indent=2) + "\n")
        return
    _print_table(result.report)


def _auto_workers(paths: list[Path]) -> int:
    """Parallel parsing pays for its process start-up only on big inputs."""
    total = 0
    for p in paths:
        files = p.rglob("*") if p.is_dir() else [p]
        total += sum(f.stat().st_size for f in files if f.is_file())
        if total > AUTO_WORKERS_BYTES:
            return min(os.cpu_count() or 1, 4)
    return 1


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
