"""`graphscope serve`: the scoping API over one investigation's inputs (FastAPI on uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graphscope.api.settings import LOOPBACK, TOKEN_ENV, ApiSettings, ConfigError, read_token
from graphscope.cli.inputs import GraphAt, fail, sources_from
from graphscope.cli.options import (
    AuthOpt,
    BackendOpt,
    CloudTrailOpt,
    DatabaseOpt,
    InvocationLogsOpt,
    PasswordEnvOpt,
    SnapshotOpt,
    UriOpt,
    UserOpt,
)


def serve_cmd(
    snapshot: SnapshotOpt = None,
    iam_auth_details: AuthOpt = None,
    cloudtrail: CloudTrailOpt = None,
    invocation_logs: InvocationLogsOpt = None,
    event_store: Annotated[
        Path | None,
        typer.Option("--store", help="SQLite event store to create or reuse (default: in memory)."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = LOOPBACK,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port (0 = any free port).")
    ] = 8080,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file", help=f"File whose first line is the bearer token (else ${TOKEN_ENV})."
        ),
    ] = None,
    insecure_local: Annotated[
        bool, typer.Option("--insecure-local", help="Serve without auth, bound to 127.0.0.1 only.")
    ] = False,
    max_body_bytes: Annotated[int, typer.Option("--max-body-bytes", min=256)] = 16 * 1024,
    query_cache: Annotated[
        int,
        typer.Option("--query-cache", min=0, help="Cached who-can/path/reach answers (0 = off)."),
    ] = 1024,
    time_budget: Annotated[
        float,
        typer.Option("--time-budget", min=0.1, help="Seconds a synchronous request may take."),
    ] = 30.0,
    backend: BackendOpt = "networkx",
    uri: UriOpt = None,
    user: UserOpt = None,
    password_env: PasswordEnvOpt = "NEO4J_PASSWORD",
    database: DatabaseOpt = None,
) -> None:
    """Serve /v1/scope, /v1/who-can, /v1/path, /v1/reach, /v1/exposure, /v1/graph and the HTML views.

    With --backend neo4j the inputs are merged into the database (nothing is written when they
    were pushed already) and every answer is read from it: the same JSON as networkx."""
    import uvicorn

    from graphscope.api import create_app
    from graphscope.cli.inputs import load_workspace

    try:
        token = read_token(token_file)
    except ConfigError as e:
        raise fail(str(e)) from None
    if insecure_local and host != LOOPBACK:
        raise fail(
            f"--insecure-local serves without auth and binds {LOOPBACK} only; drop --host {host}"
        )
    if insecure_local and token is not None:
        typer.echo("note: --insecure-local given: the token is ignored and auth is off", err=True)
    settings = ApiSettings(
        token=None if insecure_local else token,
        insecure_local=insecure_local,
        max_body_bytes=max_body_bytes,
        time_budget_s=time_budget,
        query_cache_entries=query_cache,
    )
    try:
        settings.check()
    except ConfigError as e:
        raise fail(str(e)) from None
    sources = sources_from(
        snapshot, iam_auth_details, cloudtrail, invocation_logs, store=event_store
    )
    at = GraphAt(backend, uri, user, password_env, database)
    # load on the app's query thread (its SQLite store is bound to it), reporting errors here;
    # on Neo4j every query reads through the driver, which opens a session per statement
    app = create_app(lambda: load_workspace(sources, at), settings)
    typer.echo(f"graphscope API on http://{host}:{port} (docs at /docs)", err=True)
    uvicorn.run(
        app, host=host, port=port, log_level="info", server_header=False, proxy_headers=False
    )
