"""Bedrock model-invocation logs read straight from a CloudWatch Logs log group.

`cloudwatch://<log-group>` (e.g. cloudwatch:///aws/bedrock/modelinvocations) pages through
logs:FilterLogEvents, limited to the window when one is given; each log event's message is one
invocation record, parsed by the same code as files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from graphscope.ingest.invocation_logs import Invocation, invocations_from
from graphscope.ingest.logfiles import ReadStats, unwrap

PREFIX = "cloudwatch://"


def is_log_group_url(text: str) -> bool:
    return str(text).startswith(PREFIX)


def _millis(iso: str) -> int:
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp() * 1000)


def _raw(
    client: Any, group: str, name: str, since: str | None, until: str | None, stats: ReadStats
) -> Iterator[tuple[int, Any]]:
    kwargs: dict[str, Any] = {"logGroupName": group}
    if since:
        kwargs["startTime"] = _millis(since)
    if until:
        kwargs["endTime"] = _millis(until) + 999
    index = 0
    for page in client.get_paginator("filter_log_events").paginate(**kwargs):
        for event in page.get("events", []):
            try:
                yield index, unwrap(orjson.loads(event.get("message", "")))
            except orjson.JSONDecodeError as exc:
                stats.skip(name, index, f"log event {event.get('eventId', '?')} is not JSON: {exc}")
            index += 1


def read_invocation_log_groups(
    urls: Iterable[str], since: str | None, until: str | None, stats: ReadStats, client: Any = None
) -> Iterator[Invocation]:
    """Invocation records from CloudWatch Logs groups named by cloudwatch:// URLs."""
    if client is None:
        import boto3  # only log-group sources need it

        client = boto3.client("logs")
    for url in urls:
        group = url[len(PREFIX) :]
        name = url
        stats.files += 1
        stats.file_names.append(name)
        stats.formats["cloudwatch-log-group"] += 1
        yield from invocations_from(name, _raw(client, group, name, since, until, stats), stats)
