"""CloudTrail and Bedrock invocation logs read straight from S3 (`s3://bucket/prefix`).

Only the objects a responder needs are fetched: below the AWSLogs layout
(`AWSLogs/[o-org/]<account>/<CloudTrail|BedrockModelInvocationLogs>/<region>/YYYY/MM/DD/`) the
day folders inside the window (one day of margin each side, since delivery lags the event) are
listed, the others never are. Objects are read one at a time into memory and parsed by the same
code as local files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from graphscope.ingest.cloudtrail import Event, events_from
from graphscope.ingest.invocation_logs import Invocation, invocations_from
from graphscope.ingest.logfiles import LOG_SUFFIXES, ReadStats, iter_raw_records, open_bytes

CLOUDTRAIL = "CloudTrail"
INVOCATION_LOGS = "BedrockModelInvocationLogs"
_DAY = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")
_ACCOUNT = re.compile(r"^\d{12}$|^o-[a-z0-9]+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def is_s3_url(text: str) -> bool:
    return str(text).startswith("s3://")


def parse_s3_url(url: str) -> tuple[str, str]:
    """('bucket', 'prefix') from s3://bucket/prefix."""
    rest = url[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ValueError(f"{url}: no bucket in the S3 URL")
    return bucket, prefix


def _days(since: str | None, until: str | None) -> list[date] | None:
    """Days of the window with one day of margin; None when the window is open-ended."""
    if not since or not until:
        return None
    first = datetime.strptime(since[:10], "%Y-%m-%d").date() - timedelta(days=1)
    last = datetime.strptime(until[:10], "%Y-%m-%d").date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _in_window(key: str, since: str | None, until: str | None) -> bool:
    m = _DAY.search(key)
    if m is None:
        return True  # not in the dated layout: cannot tell, so read it
    day = "-".join(m.groups())
    lo = (
        (datetime.strptime(since[:10], "%Y-%m-%d") - timedelta(days=1)).strftime("%Y-%m-%d")
        if since
        else ""
    )
    hi = (
        (datetime.strptime(until[:10], "%Y-%m-%d") + timedelta(days=1)).strftime("%Y-%m-%d")
        if until
        else "9999"
    )
    return lo <= day <= hi


def _subfolders(client: Any, bucket: str, prefix: str) -> list[str]:
    out = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, Delimiter="/"
    ):
        out.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
    return out


def _region_prefixes(
    client: Any, bucket: str, prefix: str, kind: str, depth: int = 0
) -> Iterator[str]:
    """Walk the AWSLogs layout down to '<kind>/<region>/' folders, skipping other log kinds."""
    parts = [p for p in prefix.split("/") if p]
    if kind in parts:
        after = parts[parts.index(kind) + 1 :]
        if after and _REGION.match(after[0]):
            yield prefix if prefix.endswith("/") else prefix + "/"
            return
        if not after:
            for sub in _subfolders(
                client, bucket, prefix if prefix.endswith("/") else prefix + "/"
            ):
                if _REGION.match(sub.rstrip("/").rsplit("/", 1)[-1]):
                    yield sub
            return
    if depth > 4:
        return
    base = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    for sub in _subfolders(client, bucket, base):
        last = sub.rstrip("/").rsplit("/", 1)[-1]
        if last in ("AWSLogs", kind) or _ACCOUNT.match(last):
            yield from _region_prefixes(client, bucket, sub, kind, depth + 1)


def list_log_keys(
    client: Any, url: str, kind: str, since: str | None, until: str | None
) -> Iterator[str]:
    """Keys of log objects under an S3 URL that can hold events of the window."""
    bucket, prefix = parse_s3_url(url)
    days = _days(since, until)
    parts = [p for p in prefix.split("/") if p]
    below_region = kind in parts and len(parts) > parts.index(kind) + 2
    regions = [] if below_region else list(_region_prefixes(client, bucket, prefix, kind))
    if (
        not regions
    ):  # below the region level, or not the AWSLogs layout: list it all, dates permitting
        starts = [prefix]
    elif days is None:
        starts = regions
    else:
        starts = [f"{r}{d:%Y/%m/%d}/" for r in regions for d in days]
    for start in starts:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if (
                    key.endswith(LOG_SUFFIXES)
                    and "-Digest/" not in key
                    and _in_window(key, since, until)
                ):
                    yield key


def _objects(
    client: Any, url: str, kind: str, since: str | None, until: str | None, stats: ReadStats
) -> Iterator[tuple[str, Iterable[tuple[int, Any]]]]:
    bucket, _ = parse_s3_url(url)
    for key in list_log_keys(client, url, kind, since, until):
        name = f"s3://{bucket}/{key}"
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as exc:  # botocore ClientError and transport errors alike
            stats.files += 1
            stats.file_names.append(name)
            stats.skip(name, None, f"cannot read from S3: {exc}")
            continue
        yield name, iter_raw_records(name, stats, opener=lambda body=body: open_bytes(body))


def read_cloudtrail_s3(
    urls: Iterable[str], since: str | None, until: str | None, stats: ReadStats, client: Any = None
) -> Iterator[Event]:
    """Events from CloudTrail delivery objects under S3 URLs, limited to the window's days."""
    client = client or _client()
    for url in urls:
        for name, raw in _objects(client, url, CLOUDTRAIL, since, until, stats):
            yield from events_from(name, raw, stats)


def read_invocation_logs_s3(
    urls: Iterable[str], since: str | None, until: str | None, stats: ReadStats, client: Any = None
) -> Iterator[Invocation]:
    """Invocation-log records under S3 URLs, limited to the window's days."""
    client = client or _client()
    for url in urls:
        for name, raw in _objects(client, url, INVOCATION_LOGS, since, until, stats):
            yield from invocations_from(name, raw, stats)


def _client() -> Any:
    import boto3  # only S3 sources need it

    return boto3.client("s3")
