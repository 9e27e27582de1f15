"""`graphscope neo4j push`: write an investigation's graph into Neo4j (server, cluster or Aura)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from graphscope.cli.inputs import sources_from
from graphscope.cli.options import AuthOpt, CloudTrailOpt, InvocationLogsOpt, SnapshotOpt
from graphscope.ingest.base_graph import LoadError
from graphscope.ingest.snapshot import SnapshotError
from graphscope.push import push
from graphscope.store.backend import BackendError, neo4j_auth
from graphscope.workspace import Workspace

app = typer.Typer(no_args_is_help=True)


@app.callback()
def neo4j_group() -> None:
    """Keep the graph in Neo4j: push it, then query with --backend neo4j or Neo4j Browser."""


@app.command("push")
def push_cmd(
    uri: Annotated[
        str,
        typer.Option("--uri", help="bolt://host:7687, neo4j://host (cluster), neo4j+s:// (Aura)."),
    ],
    snapshot: SnapshotOpt = None,
    iam_auth_details: AuthOpt = None,
    cloudtrail: CloudTrailOpt = None,
    invocation_logs: InvocationLogsOpt = None,
    event_store: Annotated[
        str | None,
        typer.Option("--event-store", help="SQLite event store to create or reuse across pushes."),
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Neo4j user (none: no auth).")] = None,
    password_env: Annotated[
        str, typer.Option("--password-env", help="Environment variable holding the password.")
    ] = "NEO4J_PASSWORD",
    database: Annotated[
        str | None, typer.Option("--database", help="Database name (default: the server's).")
    ] = None,
) -> None:
    """Push the graph: constraints first, then batched writes of only what changed (idempotent)."""
    from graphscope.store.neo4j import Neo4jGraphStore

    sources = sources_from(
        snapshot, iam_auth_details, cloudtrail, invocation_logs, store=event_store
    )
    if not (sources.snapshots or sources.iam_auth_details or sources.cloudtrail):
        typer.echo("error: give --snapshot, --iam-auth-details or --cloudtrail", err=True)
        raise typer.Exit(2)
    if missing := sources.missing_local_paths():
        typer.echo(f"error: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    try:
        auth = neo4j_auth(user, password_env)
        ws = Workspace.load(sources)
    except (BackendError, LoadError, SnapshotError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    try:
        with Neo4jGraphStore(uri, auth, database) as target:
            result = push(ws, target)
    except (ServiceUnavailable, Neo4jError, ValueError) as e:
        typer.echo(f"error: Neo4j push to {uri} failed: {e}", err=True)
        raise typer.Exit(1) from None
    finally:
        ws.close()
    summary = {
        "uri": uri,
        "database": database,
        "nodes": result.nodes,
        "edges": result.edges,
        "nodes_written": result.nodes_written,
        "edges_written": result.edges_written,
        "observed_subjects": result.observed_subjects,
        "identity_edges": result.identity_edges,
        "identity_edge_seconds": round(result.hop_seconds, 3),  # of "seconds": deriving them
        "seconds": round(result.seconds, 3),
        "items_per_second": round(result.per_second, 1),
        "notes": result.notes,
    }
    typer.echo(json.dumps(summary, indent=2))
