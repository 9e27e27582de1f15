"""`graphscope scope`, `exposure` and `demo`: the incident report for one leaked key, the
exposure of every data store and model, and the bundled example end to end."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graphscope.cli.inputs import GraphAt, fail, load_workspace, sources_from
from graphscope.cli.options import (
    AccessKeyOpt,
    AuthOpt,
    BackendOpt,
    CloudTrailOpt,
    DatabaseOpt,
    InvocationLogsOpt,
    PasswordEnvOpt,
    PrincipalOpt,
    SinceOpt,
    SnapshotOpt,
    StoreOpt,
    UntilOpt,
    UriOpt,
    UserOpt,
    WorkersOpt,
)
from graphscope.queries.contract import ExposureReport, ScopeReport
from graphscope.queries.exposure import build_exposure, parse_tags
from graphscope.queries.potential import SubjectNotFound
from graphscope.queries.scope import build_scope
from graphscope.report.html import render_html
from graphscope.report.markdown import render_markdown
from graphscope.workspace import Sources

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "incident"


class ScopeFormat(StrEnum):
    json = "json"
    md = "md"
    html = "html"


class ExposureFormat(StrEnum):
    json = "json"
    table = "table"


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
    access_key: AccessKeyOpt = None,
    principal: PrincipalOpt = None,
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
    store: StoreOpt = None,
    workers: WorkersOpt = None,
    backend: BackendOpt = "networkx",
    uri: UriOpt = None,
    user: UserOpt = None,
    password_env: PasswordEnvOpt = "NEO4J_PASSWORD",
    database: DatabaseOpt = None,
) -> None:
    """Scope a leaked key: what it could reach, touched, the logs cannot see, and how to contain it."""
    if (access_key is None) == (principal is None):
        raise fail("give exactly one of --access-key or --principal")
    sources = sources_from(
        snapshot, iam_auth_details, cloudtrail, invocation_logs, since, until, store, workers
    )
    ws = load_workspace(sources, GraphAt(backend, uri, user, password_env, database))
    try:
        result = build_scope(
            ws, access_key=access_key, principal=principal, since=since, until=until
        )
    except SubjectNotFound as e:
        raise fail(str(e), 1) from None
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
    store: StoreOpt = None,
    backend: BackendOpt = "networkx",
    uri: UriOpt = None,
    user: UserOpt = None,
    password_env: PasswordEnvOpt = "NEO4J_PASSWORD",
    database: DatabaseOpt = None,
) -> None:
    """Who can reach each data store and model, and through what; unused grants as policy diffs."""
    if not snapshot and not iam_auth_details:
        raise fail("exposure needs an inventory: give --snapshot DIR or --iam-auth-details FILE")
    try:
        tags = parse_tags(tag_sensitive or [])
    except ValueError as e:
        raise fail(str(e)) from None
    sources = sources_from(snapshot, iam_auth_details, cloudtrail, None, since, until, store)
    ws = load_workspace(sources, GraphAt(backend, uri, user, password_env, database))
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
        raise fail(f"{expected}: the bundled example is missing (install from a source checkout)")
    subject = json.loads(expected.read_text(encoding="utf-8"))["subject"]
    key = subject.get("access_key_id")
    sources = Sources.of_case_folder(example)
    ws = load_workspace(sources)
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
