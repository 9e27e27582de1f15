"""`graphscope collect`: read-only inventory from AWS into an aws-api-responses/1 snapshot."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def collect_cmd(
    out: Annotated[
        Path, typer.Option("--out", help="Snapshot directory to create (must be empty).")
    ],
    profile: Annotated[str | None, typer.Option("--profile", help="AWS profile to use.")] = None,
    regions: Annotated[
        str | None, typer.Option("--regions", help="Comma-separated regions.")
    ] = None,
    all_regions: Annotated[
        bool, typer.Option("--all-regions", help="Every region enabled in the account.")
    ] = False,
    org: Annotated[
        bool, typer.Option("--org", help="Also collect every member account of the organisation.")
    ] = False,
    member_role: Annotated[
        str | None, typer.Option("--member-role", help="Role name to assume in member accounts.")
    ] = None,
    services: Annotated[
        str | None,
        typer.Option(
            "--services",
            help="Only these boto3 services (comma-separated); the rest are reported as not collected when loaded.",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=32, help="Parallel service calls.")
    ] = 4,
) -> None:
    """Collect read-only metadata (IAM, Organizations, S3, Bedrock, SageMaker, ...) into a snapshot."""
    import boto3

    from graphscope.ingest.collect import collect
    from graphscope.ingest.collect_ops import OPERATIONS
    from graphscope.ingest.snapshot import SnapshotError

    if regions and all_regions:
        raise typer.BadParameter("use --regions or --all-regions, not both")
    if org and not member_role:
        raise typer.BadParameter("--org needs --member-role NAME")
    ops = list(OPERATIONS)
    if services:
        wanted = {x.strip() for x in services.split(",") if x.strip()} | {"sts"}
        unknown = wanted - {op.service for op in OPERATIONS}
        if unknown:
            raise typer.BadParameter(f"unknown services: {', '.join(sorted(unknown))}")
        ops = [op for op in OPERATIONS if op.service in wanted]
    session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    try:
        result = collect(
            out,
            session,
            regions=regions.split(",") if regions else None,
            all_regions=all_regions,
            org=org,
            member_role=member_role,
            operations=ops,
            workers=workers,
        )
    except SnapshotError as e:
        raise typer.BadParameter(str(e)) from None
    m = result.manifest
    console = Console(stderr=False, highlight=False)
    console.print(f"snapshot   {result.out}")
    console.print(f"collected  by {m.collected_by} at {m.collected_at}")
    console.print(f"accounts   {len(m.accounts)}: {', '.join(m.accounts)}")
    console.print(f"regions    {len(m.regions)}: {', '.join(m.regions)}")
    console.print(f"files      {len(m.files)}")
    reasons = Counter(g.reason for g in m.gaps)
    detail = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
    console.print(f"gaps       {len(m.gaps)}" + (f" ({detail})" if detail else ""))
    for g in m.gaps[:20]:
        console.print(
            f"  - {g.account}/{g.region} {g.service}:{g.operation} {g.reason} {g.error_code}"
        )
    if len(m.gaps) > 20:
        console.print(f"  ... {len(m.gaps) - 20} more in {result.out / 'manifest.json'}")
