"""Bedrock model-invocation log records -> one compact, typed Invocation.

Reads the JSON Lines (gzip) files Bedrock writes to S3 and CloudWatch Logs exports of the same
records (filter-log-events JSON, or text lines with a timestamp prefix). Prompts and completions
are not kept here: only who, when, which model, how many tokens, and S3 references to large
bodies (evidence of private data flowing into a model).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphscope.ingest.cloudtrail import RecordError, find_time
from graphscope.ingest.logfiles import ReadStats, iter_log_files, iter_raw_records

TIME_FIELDS = ("timestamp", "@timestamp", "eventTime", "time")
OTHER_LOG_DIRS = ("CloudTrail", "vpcflowlogs", "elasticloadbalancing", "Config")
"""AWSLogs folders of other log kinds, skipped when a folder is walked for invocation logs."""


@dataclass(slots=True)
class Invocation:
    key: str  # deduplication key (see invocation_key)
    request_id: str | None
    time: str
    account: str | None
    region: str | None
    identity_arn: str
    model_id: str
    operation: str
    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int | None
    cache_write_tokens: int | None
    inference_region: str | None
    error_code: str | None
    s3_refs: tuple[str, ...]
    file: str
    index: int
    time_field: str


def invocation_key(
    request_id: str | None, identity: str, operation: str, model: str, time: str
) -> str:
    """requestId is the record's id; identity, operation, model and time keep two different
    records that share one (as in test data) apart, while a re-read file collapses."""
    raw = "|".join((request_id or "", identity, operation, model, time))
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def _s3_refs(part: dict[str, Any]) -> list[str]:
    refs = []
    for key in ("inputBodyS3Path", "outputBodyS3Path", "inputBodyS3Uri", "outputBodyS3Uri"):
        v = part.get(key)
        if isinstance(v, str) and v.startswith("s3://"):
            refs.append(v)
    return refs


def normalise_invocation(rec: Any, file: str, index: int) -> Invocation:
    """One raw record -> Invocation, or RecordError with the reason it cannot be used."""
    if not isinstance(rec, dict):
        raise RecordError(f"record is {type(rec).__name__}, expected a JSON object")
    if "eventName" in rec and "eventSource" in rec:
        raise RecordError(
            "a CloudTrail event, not a model-invocation log record (give it with --cloudtrail)"
        )
    identity = rec.get("identity")
    if (
        not isinstance(identity, dict)
        or not isinstance(identity.get("arn"), str)
        or not identity["arn"]
    ):
        if "schemaType" not in rec and "modelId" not in rec:
            raise RecordError(
                "not a model-invocation log record: no schemaType, identity or modelId"
            )
        raise RecordError("no identity.arn: the caller cannot be attributed")
    model = rec.get("modelId")
    if not isinstance(model, str) or not model:
        raise RecordError("no modelId")
    time, time_field = find_time(rec, TIME_FIELDS)
    operation = rec.get("operation")
    operation = operation if isinstance(operation, str) and operation else "unknown"
    inp = rec.get("input") if isinstance(rec.get("input"), dict) else {}
    out = rec.get("output") if isinstance(rec.get("output"), dict) else {}
    request_id = rec.get("requestId") if isinstance(rec.get("requestId"), str) else None
    error = rec.get("errorCode") or rec.get("error")
    return Invocation(
        key=invocation_key(request_id, identity["arn"], operation, model, time),
        request_id=request_id,
        time=time,
        account=rec.get("accountId") if isinstance(rec.get("accountId"), str) else None,
        region=rec.get("region") if isinstance(rec.get("region"), str) else None,
        identity_arn=identity["arn"],
        model_id=model,
        operation=operation,
        input_tokens=_int(inp.get("inputTokenCount")),
        output_tokens=_int(out.get("outputTokenCount")),
        cache_read_tokens=_int(inp.get("cacheReadInputTokenCount")),
        cache_write_tokens=_int(inp.get("cacheWriteInputTokenCount")),
        inference_region=rec.get("inferenceRegion")
        if isinstance(rec.get("inferenceRegion"), str)
        else None,
        error_code=error if isinstance(error, str) else None,
        s3_refs=tuple(_s3_refs(inp) + _s3_refs(out)),
        file=file,
        index=index,
        time_field=time_field,
    )


def invocations_from(
    name: str, raw: Iterable[tuple[int, Any]], stats: ReadStats
) -> Iterator[Invocation]:
    """Normalise the raw records of one source; unusable ones are counted in `stats`."""
    for index, rec in raw:
        try:
            inv = normalise_invocation(rec, name, index)
        except RecordError as exc:
            stats.skip(name, index, str(exc))
            continue
        except (TypeError, AttributeError, ValueError) as exc:
            stats.skip(name, index, f"malformed record: {type(exc).__name__}: {exc}")
            continue
        stats.records += 1
        stats.time_fields[inv.time_field] += 1
        yield inv


def read_invocation_logs(
    paths: Iterable[str | Path], stats: ReadStats | None = None
) -> Iterator[Invocation]:
    """Stream Invocations from files/folders; unusable records are counted in `stats` with reasons."""
    stats = stats if stats is not None else ReadStats()
    for path in iter_log_files(paths, skip_dirs=OTHER_LOG_DIRS):
        yield from invocations_from(str(path), iter_raw_records(path, stats), stats)
