"""`graphscope viz`: the scope, a who-can answer or the paths between two ARNs as one
self-contained interactive HTML page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError

from graphscope.cli.options import (
    AuthOpt,
    CloudTrailOpt,
    InvocationLogsOpt,
    SinceOpt,
    SnapshotOpt,
    UntilOpt,
)
from graphscope.ingest.base_graph import LoadError
from graphscope.ingest.snapshot import SnapshotError
from graphscope.queries.potential import SubjectNotFound, paths_between, who_can
from graphscope.viz import DEFAULT_NODE_BUDGET, render_paths, render_scope, render_who_can
from graphscope.workspace import Sources, Workspace


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def load_workspace(sources: Sources) -> Workspace:
    """Load the inputs, turning the loaders' errors into one clear line and exit code 2."""
    missing = sources.missing_local_paths()
    if missing:
        raise _fail(f"{missing[0]}: no such file or folder")
    try:
        return Workspace.load(sources, progress=sys.stderr.isatty())
    except (LoadError, SnapshotError) as e:
        raise _fail(str(e)) from None
    except (BotoCoreError, ClientError) as e:
        raise _fail(f"cannot read from AWS: {e}", 1) from None


def scope_html(
    ws: Workspace, access_key: str | None, principal: str | None, node_budget: int
) -> str:
    try:
        from graphscope.queries.scope import build_scope
    except ImportError:
        raise _fail(
            "the scope query is not installed in this build; use --who-can or --path"
        ) from None
    try:
        result = build_scope(
            ws,
            access_key=access_key,
            principal=principal,
            since=ws.sources.since,
            until=ws.sources.until,
        )
    except (SubjectNotFound, ValueError) as e:
        raise _fail(str(e), 1) from None
    return render_scope(result.report, node_budget=node_budget)


def viz_cmd(
    access_key: Annotated[
        str | None, typer.Option("--access-key", help="Access key id (AKIA.../ASIA...) to scope.")
    ] = None,
    principal: Annotated[
        str | None, typer.Option("--principal", help="Principal ARN to scope.")
    ] = None,
    who_can_arn: Annotated[
        str | None, typer.Option("--who-can", help="Draw every principal that can reach this ARN.")
    ] = None,
    path: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--path", help="Draw every path FROM a principal TO a resource.", metavar="FROM TO"
        ),
    ] = None,
    snapshot: SnapshotOpt = None,
    iam_auth_details: AuthOpt = None,
    cloudtrail: CloudTrailOpt = None,
    invocation_logs: InvocationLogsOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    node_budget: Annotated[
        int,
        typer.Option(
            "--node-budget", min=10, help="Fold by account/service above this many nodes."
        ),
    ] = DEFAULT_NODE_BUDGET,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML file to write (default: stdout).")
    ] = None,
) -> None:
    """Write an interactive HTML graph that opens offline: a scope, --who-can ARN or --path FROM TO."""
    modes = [bool(access_key or principal), bool(who_can_arn), path is not None]
    if sum(modes) != 1 or (access_key and principal):
        raise _fail("give one of --access-key, --principal, --who-can ARN or --path FROM TO")
    sources = Sources(
        snapshots=tuple(str(p) for p in snapshot or ()),
        iam_auth_details=tuple(str(p) for p in iam_auth_details or ()),
        cloudtrail=tuple(cloudtrail or ()),
        invocation_logs=tuple(invocation_logs or ()),
        since=since,
        until=until,
    )
    if (who_can_arn or path) and not (sources.snapshots or sources.iam_auth_details):
        raise _fail("--who-can and --path need an inventory: give --snapshot or --iam-auth-details")
    ws = load_workspace(sources)
    try:
        if access_key or principal:
            page = scope_html(ws, access_key, principal, node_budget)
        elif who_can_arn:
            assert ws.engine is not None
            if ws.store.node(who_can_arn) is None:
                raise _fail(f"resource {who_can_arn} is not in the inventory", 1)
            page = render_who_can(who_can(ws.engine, who_can_arn), node_budget=node_budget)
        else:
            assert ws.engine is not None and path is not None
            for arn in path:
                if ws.store.node(arn) is None:
                    raise _fail(f"{arn} is not in the inventory", 1)
            page = render_paths(paths_between(ws.engine, *path), *path, node_budget=node_budget)
    finally:
        ws.close()
    if out is None:
        sys.stdout.write(page)
        return
    out.write_text(page, encoding="utf-8")
    typer.echo(f"wrote {out}", err=True)
