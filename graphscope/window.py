"""The investigation window: --since/--until as the CLI, the API and the loaders all read them.

Core, not a query: the loaders narrow what they read with it before any query runs.
"""

from __future__ import annotations

from datetime import datetime

from graphscope.ingest.cloudtrail import RecordError, normalise_time


def window_bound(value: str | None, end: bool = False) -> str | None:
    """--since/--until as ISO UTC; a bare date means the start (or end) of that day."""
    if value is None:
        return None
    v = value.strip()
    if len(v) == 10:
        v += "T23:59:59Z" if end else "T00:00:00Z"
    try:
        out = normalise_time(v)
        datetime.fromisoformat(out.replace("Z", "+00:00"))  # the fast path checks shape only
        return out
    except (RecordError, ValueError) as exc:
        raise ValueError(f"bad time {value!r}: give ISO-8601 like 2024-05-01T12:00:00Z") from exc
