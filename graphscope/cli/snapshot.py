"""`graphscope snapshot`: check a snapshot's evidence against its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("verify")
def verify_cmd(
    directory: Annotated[Path, typer.Argument(help="Snapshot directory.")],
) -> None:
    """Report tampered, missing and extra files; exit 1 on any mismatch."""
    from graphscope.ingest.snapshot import SnapshotError, verify

    try:
        result = verify(directory)
    except SnapshotError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    for label, items in (
        ("tampered (sha256 mismatch)", result.tampered),
        ("missing", result.missing),
        ("extra (not in manifest)", result.extra),
    ):
        for rel in items:
            typer.echo(f"{label}: {rel}")
    if not result.ok:
        typer.echo(
            f"{directory}: {len(result.tampered)} tampered, {len(result.missing)} missing, "
            f"{len(result.extra)} extra",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"{directory}: ok")
