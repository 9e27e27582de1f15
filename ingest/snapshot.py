"""The snapshot format `aws-api-responses/1`: its one writer, reader and verifier.

DIR/manifest.json lists every file with its sha256; each response file is
DIR/<account>/<region or "global">/<client>/<OperationName>/<key>.json holding
{"request": ..., "response": ...}. A call whose error code means "nothing configured" (e.g.
NoSuchBucketPolicy) is kept as a fact: {"request": ..., "response": null, "error": {"Code", "Message"}}.
"""

from __future__ import annotations

import hashlib
import os
import threading
from base64 import b64encode
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT = "aws-api-responses/1"
MANIFEST = "manifest.json"


class SnapshotError(ValueError):
    """A snapshot file is malformed; the message names the file."""


class Gap(BaseModel):
    """A part of the inventory that could not be read: a coverage gap, never an error."""

    model_config = ConfigDict(extra="allow", frozen=True)

    account: str = ""
    region: str = ""
    service: str = ""
    operation: str = ""
    request: dict[str, Any] = Field(default_factory=dict)
    reason: str  # denied | unavailable | throttled | error | not-collected | missing-file
    error_code: str = ""
    message: str = ""

    def ident(self) -> tuple[str, str, str, str, bytes]:
        return (
            self.account,
            self.region,
            self.service,
            self.operation,
            orjson.dumps(self.request, option=orjson.OPT_SORT_KEYS),
        )


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    format: str
    collected_at: str
    collected_by: str
    accounts: list[str]
    regions: list[str]
    gaps: list[Gap]
    files: dict[str, str]


@dataclass(frozen=True, slots=True)
class Record:
    """One stored API response and where it came from."""

    account: str
    region: str  # "global" for global services
    service: str
    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None
    error: dict[str, Any] | None
    path: str  # file path, for error messages


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return (obj if obj.tzinfo else obj.replace(tzinfo=UTC)).isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, bytes | bytearray):
        return b64encode(bytes(obj)).decode()
    if isinstance(obj, Decimal):
        return float(obj)
    if hasattr(obj, "read"):  # a streaming body
        return b64encode(obj.read()).decode()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def dumps(obj: Any) -> bytes:
    """Deterministic JSON: sorted keys, ISO 8601 datetimes."""
    return orjson.dumps(
        obj,
        default=_default,
        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
    )


def relpath(account: str, region: str, service: str, operation: str, key: str) -> str:
    return f"{account}/{region}/{service}/{operation}/{key}.json"


class SnapshotWriter:
    """Writes response files and, at the end, the manifest with their sha256 (thread-safe)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        if (self.root / MANIFEST).exists() or any(self.root.iterdir()):
            raise SnapshotError(f"{self.root}: output directory is not empty")
        self.files: dict[str, str] = {}
        self._lock = threading.Lock()

    def write(
        self,
        account: str,
        region: str,
        service: str,
        operation: str,
        key: str,
        request: Mapping[str, Any],
        response: Mapping[str, Any] | None,
        error: Mapping[str, Any] | None = None,
    ) -> str:
        rel = relpath(account, region, service, operation, key)
        body: dict[str, Any] = {"request": dict(request), "response": _clean(response)}
        if error is not None:
            body["error"] = dict(error)
        data = dumps(body)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        with self._lock:
            if rel in self.files:
                raise SnapshotError(f"{rel}: written twice (two requests share one key)")
            self.files[rel] = hashlib.sha256(data).hexdigest()
        return rel

    def finish(
        self,
        *,
        collected_by: str,
        accounts: list[str],
        regions: list[str],
        gaps: list[Gap],
        collected_at: str | None = None,
    ) -> Manifest:
        manifest = Manifest(
            format=FORMAT,
            collected_at=collected_at or datetime.now(UTC).isoformat(timespec="seconds"),
            collected_by=collected_by,
            accounts=sorted(accounts),
            regions=list(regions),
            gaps=gaps,
            files=dict(sorted(self.files.items())),
        )
        (self.root / MANIFEST).write_bytes(dumps(manifest.model_dump(mode="json")))
        return manifest


def _clean(response: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if response is None:
        return None
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def read_manifest(root: Path) -> Manifest:
    path = Path(root) / MANIFEST
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no manifest; not an {FORMAT} snapshot") from None
    except orjson.JSONDecodeError as e:
        raise SnapshotError(f"{path}: invalid JSON: {e}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        fmt = raw.get("format") if isinstance(raw, dict) else None
        raise SnapshotError(f"{path}: format is {fmt!r}, expected {FORMAT!r}")
    try:
        return Manifest.model_validate(raw)
    except ValidationError as e:
        raise SnapshotError(f"{path}: {e}") from None


def parse_record(rel: str, data: bytes, source: str) -> Record:
    """Parse one response file; `source` names it in errors."""
    parts = rel.split("/")
    if len(parts) != 5 or not parts[4].endswith(".json"):
        raise SnapshotError(
            f"{source}: path is not <account>/<region>/<service>/<operation>/<key>.json"
        )
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise SnapshotError(f"{source}: invalid JSON: {e}") from None
    if not isinstance(body, dict) or "request" not in body or "response" not in body:
        raise SnapshotError(f"{source}: expected an object with 'request' and 'response'")
    request, response, error = body["request"], body["response"], body.get("error")
    if not isinstance(request, dict):
        raise SnapshotError(f"{source}: 'request' must be an object")
    if response is None and not isinstance(error, dict):
        raise SnapshotError(f"{source}: 'response' is null without an 'error' object")
    if response is not None and not isinstance(response, dict):
        raise SnapshotError(f"{source}: 'response' must be an object")
    return Record(parts[0], parts[1], parts[2], parts[3], request, response, error, source)


@dataclass
class Snapshot:
    """A snapshot directory opened for reading; files are read lazily, in manifest order."""

    root: Path
    manifest: Manifest
    notes: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, root: Path | str) -> Snapshot:
        root = Path(root)
        if not root.is_dir():
            raise SnapshotError(f"{root}: not a directory")
        return cls(root, read_manifest(root))

    def records(self) -> Iterator[Record]:
        """Every response file listed in the manifest; listed files that are gone are skipped
        (they show as missing in `verify` and as coverage gaps in the loader)."""
        for rel in self.manifest.files:
            path = self.root / rel
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            yield parse_record(rel, data, str(path))

    def missing_files(self) -> list[str]:
        return [rel for rel in self.manifest.files if not (self.root / rel).is_file()]


@dataclass
class VerifyResult:
    tampered: list[str] = field(default_factory=list)  # sha256 differs from the manifest
    missing: list[str] = field(default_factory=list)  # listed, not on disk
    extra: list[str] = field(default_factory=list)  # on disk, not listed

    @property
    def ok(self) -> bool:
        return not (self.tampered or self.missing or self.extra)


def verify(root: Path | str) -> VerifyResult:
    """Compare every file against the manifest's sha256."""
    root = Path(root)
    manifest = read_manifest(root)
    result = VerifyResult()
    for rel, digest in manifest.files.items():
        path = root / rel
        if not path.is_file():
            result.missing.append(rel)
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            result.tampered.append(rel)
    for dirpath, _, names in os.walk(root):
        for name in names:
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            if rel != MANIFEST and rel not in manifest.files:
                result.extra.append(rel)
    result.extra.sort()
    return result
