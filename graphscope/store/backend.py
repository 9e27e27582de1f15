"""Open the graph store a command should query: the embedded networkx one or a Neo4j database.

Credentials never come from the command line: a password is read from the environment variable
the user names (default NEO4J_PASSWORD), so it stays out of shell history and process lists.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from graphscope.store.base import GraphStore
from graphscope.store.memory import MemoryGraphStore

DEFAULT_PASSWORD_ENV = "NEO4J_PASSWORD"


class Backend(StrEnum):
    networkx = "networkx"
    neo4j = "neo4j"


class BackendError(ValueError):
    """The backend options do not describe a store that can be opened."""


def neo4j_auth(user: str | None, password_env: str | None) -> tuple[str, str] | None:
    """(user, password) from the named environment variable; None when no user is given."""
    if not user:
        return None
    var = password_env or DEFAULT_PASSWORD_ENV
    password = os.environ.get(var)
    if password is None:
        raise BackendError(f"--user {user} given but environment variable {var} is not set")
    return (user, password)


def open_store(
    backend: str = Backend.networkx,
    uri: str | None = None,
    user: str | None = None,
    password_env: str | None = None,
    database: str | None = None,
    *,
    inventory_view: bool = True,
) -> GraphStore:
    """An empty MemoryGraphStore for networkx, or a Neo4jGraphStore connected to `uri`.

    `inventory_view`: hide what `neo4j push` added from logs (observed edges, log-only nodes), so
    reach, who-can, path, scope and exposure see the graph the embedded backend builds."""
    if backend == Backend.networkx:
        return MemoryGraphStore()
    if backend != Backend.neo4j:
        raise BackendError(f"unknown backend {backend!r}: use networkx or neo4j")
    if not uri:
        raise BackendError("--backend neo4j needs --uri (bolt://, neo4j://, neo4j+s:// ...)")
    from neo4j.exceptions import DriverError, Neo4jError

    from graphscope.store.neo4j import Neo4jGraphStore  # the driver loads only when asked for

    try:
        return Neo4jGraphStore(
            uri,
            neo4j_auth(user, password_env),
            database,
            ensure_schema=False,
            hide_observed=inventory_view,
        )
    except (DriverError, Neo4jError) as e:  # unreachable, refused credentials, bad URI scheme
        raise BackendError(f"cannot use Neo4j at {uri}: {e}") from None


def open_query_store(
    backend: str = Backend.networkx,
    uri: str | None = None,
    user: str | None = None,
    password_env: str | None = None,
    database: str | None = None,
    snapshots: Sequence[str | Path] = (),
    iam_auth_details: Sequence[str | Path] = (),
) -> GraphStore:
    """The graph `reach`, `who-can` and `path` query: inventory inputs loaded into the chosen
    store, or, on Neo4j without inputs, the graph an earlier `neo4j push` left there.

    Loading inputs into Neo4j merges them (nothing is written when they were pushed already).
    Raises BackendError, and the loaders' LoadError/SnapshotError, for the CLI to report.
    """
    store = open_store(backend, uri, user, password_env, database)
    if snapshots or iam_auth_details or backend == Backend.networkx:
        from graphscope.ingest.inventory import load_inventory

        load_inventory(list(snapshots), list(iam_auth_details), store)
    return store
