"""`graphscope reach`, `who-can` and `path`: questions about potential access, from the inventory."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.cli.options import (
    AuthOpt,
    BackendOpt,
    DatabaseOpt,
    PasswordEnvOpt,
    SnapshotOpt,
    UriOpt,
    UserOpt,
)
from graphscope.ingest.base_graph import LoadError
from graphscope.ingest.inventory import Inventory, load_inventory
from graphscope.ingest.snapshot import SnapshotError
from graphscope.queries.potential import (
    ACCESS_LEVELS,
    HopOut,
    SubjectNotFound,
    reach_report,
    resolve_subject,
    who_can,
)
from graphscope.store import GraphStore
from graphscope.store.backend import BackendError, open_query_store
from graphscope.store.paths import path_report


class Format(StrEnum):
    json = "json"
    table = "table"


FormatOpt = Annotated[
    Format | None, typer.Option("--format", help="json, or table (default on a terminal).")
]


def _load(snapshot: list[Path] | None, auth: list[Path] | None) -> Inventory:
    try:
        return load_inventory(snapshot or [], auth or [])
    except (LoadError, SnapshotError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None


def _engine(store: GraphStore) -> ReachEngine:
    return ReachEngine(AccessInputs(store))


def _store(snapshot, auth, backend, uri, user, password_env, database) -> GraphStore:
    try:
        return open_query_store(
            backend, uri, user, password_env, database, snapshot or [], auth or []
        )
    except (LoadError, SnapshotError, BackendError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None


def _fmt(fmt: Format | None) -> Format:
    return fmt or (Format.table if sys.stdout.isatty() else Format.json)


def _hops(path: list[HopOut]) -> str:
    return " -> ".join([path[0].from_, *(f"[{h.edge}] {h.to}" for h in path)]) if path else ""


def reach_cmd(
    snapshot: SnapshotOpt = None,
    iam_auth_details: AuthOpt = None,
    principal: Annotated[str | None, typer.Option("--principal", help="Principal ARN.")] = None,
    access_key: Annotated[
        str | None, typer.Option("--access-key", help="Access key id found in the inventory.")
    ] = None,
    backend: BackendOpt = "networkx",
    uri: UriOpt = None,
    user: UserOpt = None,
    password_env: PasswordEnvOpt = "NEO4J_PASSWORD",
    database: DatabaseOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Potential blast radius of one principal: every resource and role it can reach, and how."""
    if bool(principal) == bool(access_key):
        typer.echo("error: give exactly one of --principal or --access-key", err=True)
        raise typer.Exit(2)
    store = _store(snapshot, iam_auth_details, backend, uri, user, password_env, database)
    try:
        subject = resolve_subject(store, principal, access_key)
    except SubjectNotFound as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    report = reach_report(_engine(store), subject)
    if _fmt(fmt) is Format.json:
        typer.echo(report.model_dump_json(by_alias=True, indent=2))
        return
    table = Table(title=f"reach of {subject.principal_arn}")
    for col in ("resource", "type", "access", "conditional", "via"):
        table.add_column(col)
    for r in report.potential.resources:
        via = _hops(r.paths[0]) if r.paths else ""
        kind = f"{r.type} (proxy: {'; '.join(r.proxy_limits)})" if r.proxy else r.type
        table.add_row(r.arn, kind, ", ".join(r.access_levels), "yes" if r.conditional else "", via)
    Console().print(table)


def who_can_cmd(
    resource: Annotated[str, typer.Option("--resource", help="Resource ARN.")],
    snapshot: SnapshotOpt = None,
    iam_auth_details: AuthOpt = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action.")] = None,
    access_level: Annotated[
        str | None,
        typer.Option(
            "--access-level", help="Only actions of this level: " + ", ".join(ACCESS_LEVELS)
        ),
    ] = None,
    backend: BackendOpt = "networkx",
    uri: UriOpt = None,
    user: UserOpt = None,
    password_env: PasswordEnvOpt = "NEO4J_PASSWORD",
    database: DatabaseOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Every principal that can reach a resource, directly or through others, compute or AI apps."""
    if action and access_level:
        typer.echo("error: give --action or --access-level, not both", err=True)
        raise typer.Exit(2)
    if access_level and access_level not in ACCESS_LEVELS:
        typer.echo(f"error: --access-level must be one of {', '.join(ACCESS_LEVELS)}", err=True)
        raise typer.Exit(2)
    store = _store(snapshot, iam_auth_details, backend, uri, user, password_env, database)
    if store.node(resource) is None:
        typer.echo(f"error: resource {resource} is not in the inventory", err=True)
        raise typer.Exit(1)
    report = who_can(_engine(store), resource, action, access_level)
    if _fmt(fmt) is Format.json:
        typer.echo(report.model_dump_json(by_alias=True, indent=2))
        return
    table = Table(title=f"who can reach {resource}")
    for col in ("principal", "actions", "conditional", "shortest path"):
        table.add_column(col)
    for p in report.principals:
        table.add_row(
            p.arn,
            ", ".join(p.actions[:6]) + (" ..." if len(p.actions) > 6 else ""),
            "yes" if p.conditional else "",
            _hops(p.paths[0]) if p.paths else "",
        )
    Console().print(table)


def path_cmd(
    src: Annotated[str, typer.Option("--from", help="Starting principal ARN.")],
    dst: Annotated[str, typer.Option("--to", help="Target resource or role ARN.")],
    snapshot: SnapshotOpt = None,
    iam_auth_details: AuthOpt = None,
    backend: BackendOpt = "networkx",
    uri: UriOpt = None,
    user: UserOpt = None,
    password_env: PasswordEnvOpt = "NEO4J_PASSWORD",
    database: DatabaseOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Every path from a principal to a resource, shortest first, each hop with its statement."""
    store = _store(snapshot, iam_auth_details, backend, uri, user, password_env, database)
    for arn in (src, dst):
        if store.node(arn) is None:
            typer.echo(f"error: {arn} is not in the inventory", err=True)
            raise typer.Exit(1)
    try:  # paths start at an identity; a bucket or function as --from is a usage error
        resolve_subject(store, src, None)
    except SubjectNotFound as e:
        typer.echo(f"error: --from {e}", err=True)
        raise typer.Exit(2) from None
    report = path_report(_engine(store), src, dst)  # on Neo4j the walk runs in Cypher
    if _fmt(fmt) is Format.json:
        typer.echo(report.model_dump_json(by_alias=True, indent=2))
        return
    if not report.paths:
        typer.echo(f"no path from {src} to {dst}")
    for i, path in enumerate(report.paths, 1):
        typer.echo(f"{i}. {_hops(path)}")
        for hop in path:
            typer.echo(f"     {hop.edge}: granted by {hop.granted_by}")
