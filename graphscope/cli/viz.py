"""`graphscope viz`: the scope, a who-can answer or the paths between two ARNs as one
self-contained interactive HTML page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from graphscope.cli.inputs import fail, load_workspace, sources_from
from graphscope.cli.options import (
    AccessKeyOpt,
    AuthOpt,
    CloudTrailOpt,
    InvocationLogsOpt,
    PrincipalOpt,
    SinceOpt,
    SnapshotOpt,
    UntilOpt,
)
from graphscope.queries.potential import SUBJECT_KINDS, SubjectNotFound, paths_between, who_can
from graphscope.queries.scope import build_scope
from graphscope.viz import DEFAULT_NODE_BUDGET, render_paths, render_scope, render_who_can
from graphscope.workspace import Workspace


def scope_html(
    ws: Workspace, access_key: str | None, principal: str | None, node_budget: int
) -> str:
    try:
        result = build_scope(
            ws,
            access_key=access_key,
            principal=principal,
            since=ws.sources.since,
            until=ws.sources.until,
        )
    except (SubjectNotFound, ValueError) as e:
        raise fail(str(e), 1) from None
    return render_scope(result.report, node_budget=node_budget)


def viz_cmd(
    access_key: AccessKeyOpt = None,
    principal: PrincipalOpt = None,
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
        raise fail("give one of --access-key, --principal, --who-can ARN or --path FROM TO")
    sources = sources_from(snapshot, iam_auth_details, cloudtrail, invocation_logs, since, until)
    if (who_can_arn or path) and not (sources.snapshots or sources.iam_auth_details):
        raise fail("--who-can and --path need an inventory: give --snapshot or --iam-auth-details")
    ws = load_workspace(sources)
    try:
        if access_key or principal:
            page = scope_html(ws, access_key, principal, node_budget)
        elif who_can_arn:
            assert ws.engine is not None
            if ws.store.node(who_can_arn) is None:
                raise fail(f"resource {who_can_arn} is not in the inventory", 1)
            page = render_who_can(who_can(ws.engine, who_can_arn), node_budget=node_budget)
        else:
            assert ws.engine is not None and path is not None
            for arn in path:
                if ws.store.node(arn) is None:
                    raise fail(f"{arn} is not in the inventory", 1)
            start = ws.store.node(path[0])
            if start is None or start.kind not in SUBJECT_KINDS:
                raise fail(f"--path FROM must be a user or role, not {path[0]}")
            page = render_paths(paths_between(ws.engine, *path), *path, node_budget=node_budget)
    finally:
        ws.close()
    if out is None:
        sys.stdout.write(page)
        return
    out.write_text(page, encoding="utf-8")
    typer.echo(f"wrote {out}", err=True)
