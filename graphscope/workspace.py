"""Everything one investigation loads once: inventory graph, reach engine and event store.

`scope`, `viz`, `serve` and `neo4j push` all start from the same inputs; loading them here keeps
one place that turns command-line inputs into a graph, so the CLI and the API cannot drift.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.eventstore import EventStore, IngestResult
from graphscope.ingest.inventory import Inventory, load_inventory
from graphscope.ingest.invocation_logs_cloudwatch import is_log_group_url
from graphscope.ingest.logs_s3 import is_s3_url
from graphscope.store import GraphStore, MemoryGraphStore
from graphscope.window import window_bound

AUTO_WORKERS_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Sources:
    """The inputs of one investigation, as given on the command line or to the API server."""

    snapshots: tuple[str, ...] = ()
    iam_auth_details: tuple[str, ...] = ()
    cloudtrail: tuple[str, ...] = ()
    invocation_logs: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    event_store: str | None = None  # SQLite path to create or reuse; None = in memory
    workers: int | None = None  # CloudTrail parsing processes; None = automatic

    def missing_local_paths(self) -> list[str]:
        """Local inputs that do not exist (remote s3:// and cloudwatch:// inputs are not checked)."""
        local = [
            *self.snapshots,
            *self.iam_auth_details,
            *(p for p in (*self.cloudtrail, *self.invocation_logs) if not _remote(p)),
        ]
        return [p for p in local if not Path(p).exists()]

    @classmethod
    def of_case_folder(cls, folder: Path) -> Sources:
        """A case folder laid out like the bundled example: snapshot/, cloudtrail/, invocation-logs/."""
        return cls(
            snapshots=(str(folder / "snapshot"),),
            cloudtrail=(str(folder / "cloudtrail"),),
            invocation_logs=(str(folder / "invocation-logs"),),
        )

    def as_flags(self) -> list[str]:
        """The same inputs as command-line flags (the options every command shares)."""
        pairs = [
            *(("--snapshot", p) for p in self.snapshots),
            *(("--iam-auth-details", p) for p in self.iam_auth_details),
            *(("--cloudtrail", p) for p in self.cloudtrail),
            *(("--invocation-logs", p) for p in self.invocation_logs),
        ]
        return [x for pair in pairs for x in pair]


@dataclass
class Workspace:
    """A loaded investigation. `inventory` and `engine` are None when no inventory was given."""

    sources: Sources
    store: GraphStore
    inventory: Inventory | None
    engine: ReachEngine | None
    events: EventStore
    ingests: list[IngestResult] = field(default_factory=list)

    @classmethod
    def load(
        cls, sources: Sources, *, store: GraphStore | None = None, progress: bool = False
    ) -> Workspace:
        """Load the inventory (if any) and ingest the logs (if any). Raises the loaders' errors
        (LoadError, SnapshotError, botocore errors) unchanged for the caller to report."""
        store = store if store is not None else MemoryGraphStore()
        inventory = engine = None
        if sources.snapshots or sources.iam_auth_details:
            inventory = load_inventory(sources.snapshots, sources.iam_auth_details, store)
            engine = ReachEngine(AccessInputs(store))
        events = EventStore(sources.event_store or ":memory:")
        ws = cls(sources, store, inventory, engine, events)
        ws.ingest(progress=progress)
        return ws

    def ingest(self, *, progress: bool = False) -> None:
        """Read the log inputs into the event store (idempotent: repeats are not counted twice)."""
        s = self.sources
        lo, hi = window_bound(s.since), window_bound(s.until, end=True)
        if s.cloudtrail:
            n = s.workers if s.workers is not None else auto_workers(s.cloudtrail)
            self.ingests.append(
                self.events.ingest_cloudtrail(
                    list(s.cloudtrail), progress=progress, workers=max(1, n), since=lo, until=hi
                )
            )
        if s.invocation_logs:
            self.ingests.append(
                self.events.ingest_invocation_logs(
                    list(s.invocation_logs), progress=progress, since=lo, until=hi
                )
            )

    def close(self) -> None:
        self.events.close()


def auto_workers(paths: Sequence[str]) -> int:
    """Parallel parsing pays for its process start-up only on big local inputs."""
    total = 0
    for p in (Path(x) for x in paths if not _remote(x)):
        if not p.exists():
            continue
        files = p.rglob("*") if p.is_dir() else [p]
        total += sum(f.stat().st_size for f in files if f.is_file())
        if total > AUTO_WORKERS_BYTES:
            return min(os.cpu_count() or 1, 4)
    return 1


def _remote(path: str) -> bool:
    return is_s3_url(path) or is_log_group_url(path)
