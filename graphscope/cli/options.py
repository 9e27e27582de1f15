"""Command-line options shared by every command that loads an investigation, declared once so
`scope`, `activity`, `viz`, `serve`, `neo4j push` and the potential-access commands agree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

SnapshotOpt = Annotated[
    list[Path] | None,
    typer.Option("--snapshot", help="Collected snapshot folder (repeatable, one per collection)."),
]
AuthOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--iam-auth-details",
        help="Output of `aws iam get-account-authorization-details` (repeatable, one per account).",
    ),
]
CloudTrailOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--cloudtrail",
        help="CloudTrail file, folder or s3://bucket/prefix (repeatable): delivery files, "
        "JSON Lines, lookup-events output; .gz ok.",
    ),
]
InvocationLogsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--invocation-logs",
        help="Bedrock model-invocation logs: file, folder, s3://bucket/prefix or "
        "cloudwatch://LOG_GROUP (repeatable).",
    ),
]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Window start, ISO-8601 (UTC when no zone).")
]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Window end, ISO-8601.")]

# --- where the graph lives: the embedded networkx store, or a Neo4j database ---
BackendOpt = Annotated[str, typer.Option("--backend", help="networkx (default) or neo4j.")]
UriOpt = Annotated[str | None, typer.Option("--uri", help="Neo4j: bolt://, neo4j://, neo4j+s://.")]
UserOpt = Annotated[str | None, typer.Option("--user", help="Neo4j user (none: no auth).")]
PasswordEnvOpt = Annotated[
    str, typer.Option("--password-env", help="Environment variable holding the Neo4j password.")
]
DatabaseOpt = Annotated[str | None, typer.Option("--database", help="Neo4j database.")]

# --- the subject of a scope, and where its events are kept ---
AccessKeyOpt = Annotated[
    str | None,
    typer.Option("--access-key", help="Access key id of the subject (AKIA... or ASIA...)."),
]
PrincipalOpt = Annotated[
    str | None,
    typer.Option("--principal", help="Principal ARN of the subject (user, role or session)."),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="SQLite event store to create or reuse (default: in memory)."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Processes parsing CloudTrail files (default: 1, or up to 4 for inputs over 64 MB).",
    ),
]
