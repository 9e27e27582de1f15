"""`graphscope scope`, `exposure` and `demo`: the incident report for one leaked key, the
exposure of every data store and model, and the bundled example end to end."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table

from graphscope.cli.options import (
    AuthOpt,
    BackendOpt,
    CloudTrailOpt,
    DatabaseOpt,
    InvocationLogsOpt,
    PasswordEnvOpt,
    SinceOpt,
    SnapshotOpt,
    UntilOpt,
    UriOpt,
    UserOpt,
)
from graphscope.ingest.base_graph import LoadError
from graphscope.ingest.snapshot import SnapshotError
from graphscope.queries.activity import window_bound
from graphscope.queries.contract import ExposureReport, ScopeReport
from graphscope.queries.exposure import build_exposure, parse_tags
from graphscope.queries.potential import SubjectNotFound
from graphscope.queries.scope import build_scope
from graphscope.report.html import render_html
from graphscope.report.markdown import render_markdown
from graphscope.store.backend import BackendError, open_store
from graphscope.workspace import Sources, Workspace

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "incident"


class ScopeFormat(StrEnum):
    json = "json"
    md = "md"
    html = "html"


class ExposureFormat(StrEnum):
    json = "json"
    table = "table"


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True).print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(code)


@dataclass(frozen=True)
class GraphAt:
    """Where the graph lives: `--backend networkx` (built in memory) or a Neo4j database."""

    backend: str = "networkx"
    uri: str | None = None
    user: str | None = None
    password_env: str = "NEO4J_PASSWORD"
    database: str | None = None


def _load(sources: Sources, at: GraphAt = GraphAt()) -> Workspace:
    """Load the inputs; loader errors become one clear line and exit code 2."""
    missing = sources.missing_local_paths()
    if missing:
        raise _fail(f"{missing[0]}: no such file or folder")
    try:
        graph = open_store(at.backend, at.uri, at.user, at.password_env, at.database)
        return Workspace.load(sources, store=graph, progress=sys.stderr.isatty())
    except (LoadError, SnapshotError, BackendError) as e:
        raise _fail(str(e)) from None
    except (BotoCoreError, ClientError) as e:
        raise _fail(f"cannot read from AWS: {e}", 1) from None


def render(report: ScopeReport, fmt: ScopeFormat) -> str:
    """The report in one of the three formats (JSON: the contract, with HopOut's 'from' alias)."""
    if fmt is ScopeFormat.json:
        return report.model_dump_json(by_alias=True, indent=2) + "\n"
    if fmt is ScopeFormat.md:
        return render_markdown(report)
    return render_html(report)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}", err=True)


def scope_cmd(
    access_key: Annotated[
        str | None,
        typer.Option("--access-key", help="Leaked access key id (AKIA... or ASIA...)."),
    ] = None,
    principal: Annotated[
        str | None, typer.Option("--principal", help="Principal ARN (user, role or session).")
    ] = None,
    snapshot: SnapshotOpt = None,
    iam_auth_details: AuthOpt = None,
    cloudtrail: CloudTrailOpt = None,
    invocation_logs: InvocationLogsOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: Annotated[
        ScopeFormat, typer.Option("--format", help="json (the contract), md or html.")
    ] = ScopeFormat.json,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: stdout).")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="SQLite event store to create or reuse (default: in memory)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Processes parsing CloudTrail files (default: automatic)."),
    ] = None,
    backend: BackendOpt = "networkx",
    uri: UriOpt = None,
    user: UserOpt = None,
    password_env: PasswordEnvOpt = "NEO4J_PASSWORD",
    database: DatabaseOpt = None,
) -> None:
    """Scope a leaked key: what it could reach, touched, the logs cannot see, and how to contain it."""
    if (access_key is None) == (principal is None):
        raise _fail("give exactly one of --access-key or --principal")
    try:
        window_bound(since)
        window_bound(until, end=True)
    except ValueError as e:
        raise _fail(str(e)) from None
    sources = Sources(
        snapshots=tuple(str(p) for p in snapshot or ()),
        iam_auth_details=tuple(str(p) for p in iam_auth_details or ()),
        cloudtrail=tuple(cloudtrail or ()),
        invocation_logs=tuple(invocation_logs or ()),
        since=since,
        until=until,
        event_store=str(store) if store else None,
        workers=workers,
    )
    ws = _load(sources, GraphAt(backend, uri, user, password_env, database))
    try:
        result = build_scope(
            ws, access_key=access_key, principal=principal, since=since, until=until
        )
    except SubjectNotFound as e:
        raise _fail(str(e), 1) from None
    finally:
        ws.close()
    _write(render(result.report, fmt), out)


def exposure_cmd(
    snapshot: SnapshotOpt = None,
    iam_auth_details: AuthOpt = None,
    cloudtrail: CloudTrailOpt = None,
    tag_sensitive: Annotated[
        list[str] | None,
        typer.Option(
            "--tag-sensitive",
            help="KEY=VALUE: resources with this tag are marked sensitive and listed first (repeatable).",
        ),
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: Annotated[
        ExposureFormat | None,
        typer.Option("--format", help="json, or table (default on a terminal)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: stdout).")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="SQLite event store to create or reuse (default: in memory)."),
    ] = None,
    backend: BackendOpt = "networkx",
    uri: UriOpt = None,
    user: UserOpt = None,
    password_env: PasswordEnvOpt = "NEO4J_PASSWORD",
    database: DatabaseOpt = None,
) -> None:
    """Who can reach each data store and model, and through what; unused grants as policy diffs."""
    if not snapshot and not iam_auth_details:
        raise _fail("exposure needs an inventory: give --snapshot DIR or --iam-auth-details FILE")
    try:
        tags = parse_tags(tag_sensitive or [])
        window_bound(since)
        window_bound(until, end=True)
    except ValueError as e:
        raise _fail(str(e)) from None
    sources = Sources(
        snapshots=tuple(str(p) for p in snapshot or ()),
        iam_auth_details=tuple(str(p) for p in iam_auth_details or ()),
        cloudtrail=tuple(cloudtrail or ()),
        since=since,
        until=until,
        event_store=str(store) if store else None,
    )
    ws = _load(sources, GraphAt(backend, uri, user, password_env, database))
    try:
        result = build_exposure(ws, sensitive_tags=tags, since=since, until=until)
    finally:
        ws.close()
    fmt = fmt or (
        ExposureFormat.table if sys.stdout.isatty() and out is None else ExposureFormat.json
    )
    if fmt is ExposureFormat.json:
        _write(result.report.model_dump_json(indent=2) + "\n", out)
        return
    _print_exposure(result.report)


def _print_exposure(report: ExposureReport) -> None:
    con = Console(highlight=False)
    t = Table(title="exposure of private data and models")
    for col in ("resource", "type", "sensitive", "principals", "direct", "indirect", "through"):
        t.add_column(col, overflow="fold")
    for target in report.targets:
        through = sorted({p.via for p in target.principals})
        t.add_row(
            target.arn,
            target.type,
            "yes" if target.sensitive else "",
            str(target.principal_count),
            str(target.direct_count),
            str(target.indirect_count),
            ", ".join(through[:5]) + (" ..." if len(through) > 5 else ""),
        )
    con.print(t, markup=False)
    for diff in report.least_privilege:
        con.print(f"\n[bold]least privilege: {diff.principal}[/bold]", highlight=False)
        con.print(diff.diff, markup=False)
    for note in report.notes:
        con.print(f"note: {note}", markup=False)


def demo_cmd(
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder to write report.json, report.md, report.html.")
    ] = Path("."),
    example: Annotated[
        Path,
        typer.Option(
            "--example",
            help="Example folder (snapshot/, cloudtrail/, invocation-logs/, expected.json).",
        ),
    ] = EXAMPLE,
) -> None:
    """Scope the bundled example incident and write report.json, report.md and report.html."""
    expected = example / "expected.json"
    if not expected.is_file():
        raise _fail(f"{expected}: the bundled example is missing (install from a source checkout)")
    subject = json.loads(expected.read_text(encoding="utf-8"))["subject"]
    key = subject.get("access_key_id")
    sources = Sources(
        snapshots=(str(example / "snapshot"),),
        cloudtrail=(str(example / "cloudtrail"),),
        invocation_logs=(str(example / "invocation-logs"),),
    )
    ws = _load(sources)
    try:
        result = build_scope(
            ws, access_key=key, principal=None if key else subject.get("principal_arn")
        )
    finally:
        ws.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, fmt in (
        ("report.json", ScopeFormat.json),
        ("report.md", ScopeFormat.md),
        ("report.html", ScopeFormat.html),
    ):
        path = out_dir / name
        path.write_text(render(result.report, fmt), encoding="utf-8")
        typer.echo(str(path.resolve()))
