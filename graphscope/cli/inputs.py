"""Turning command-line inputs into a loaded Workspace, once for every command that needs one:
the same checks, the same error lines and exit codes for scope, exposure, viz, serve, activity
and neo4j push."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console

from graphscope.eventstore import EventStoreError
from graphscope.ingest.base_graph import LoadError
from graphscope.ingest.snapshot import SnapshotError
from graphscope.store.backend import BackendError, open_store
from graphscope.window import window_bound
from graphscope.workspace import Sources, Workspace


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one `error:` line to stderr and give the exit to raise (no traceback)."""
    Console(stderr=True).print(f"error: {message}", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(code)


@dataclass(frozen=True)
class GraphAt:
    """Where the graph lives: `--backend networkx` (built in memory) or a Neo4j database."""

    backend: str = "networkx"
    uri: str | None = None
    user: str | None = None
    password_env: str = "NEO4J_PASSWORD"
    database: str | None = None


def sources_from(
    snapshot: list[Path] | None = None,
    iam_auth_details: list[Path] | None = None,
    cloudtrail: list[str] | None = None,
    invocation_logs: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    store: Path | str | None = None,
    workers: int | None = None,
) -> Sources:
    """The options as Sources; a bad --since/--until is a usage error (exit 2)."""
    try:
        window_bound(since)
        window_bound(until, end=True)
    except ValueError as e:
        raise fail(str(e)) from None
    return Sources(
        snapshots=tuple(str(p) for p in snapshot or ()),
        iam_auth_details=tuple(str(p) for p in iam_auth_details or ()),
        cloudtrail=tuple(cloudtrail or ()),
        invocation_logs=tuple(invocation_logs or ()),
        since=since,
        until=until,
        event_store=str(store) if store else None,
        workers=workers,
    )


def load_workspace(sources: Sources, at: GraphAt = GraphAt()) -> Workspace:
    """Load the inputs; a missing path or a loader error is one clear line and exit 2, an AWS
    read failure exit 1."""
    missing = sources.missing_local_paths()
    if missing:
        raise fail(f"{missing[0]}: no such file or folder")
    try:
        graph = open_store(at.backend, at.uri, at.user, at.password_env, at.database)
        return Workspace.load(sources, store=graph, progress=sys.stderr.isatty())
    except (LoadError, SnapshotError, BackendError, EventStoreError) as e:
        raise fail(str(e)) from None
    except (BotoCoreError, ClientError) as e:
        raise fail(f"cannot read from AWS: {e}", 1) from None
