"""Request and response models of the API that are not part of the CLI's JSON contract.

The answers themselves are the contract models (queries/contract.py), serialised exactly as the
CLI prints them (`contract_json`), so a client may diff API and CLI output byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graphscope.window import window_bound

ARN_MAX = 2048
KEY_PATTERN = r"^[A-Za-z0-9]{16,128}$"
ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?)?$"


def contract_json(model: BaseModel) -> bytes:
    """The bytes `graphscope <command> --format json` writes to stdout."""
    return (model.model_dump_json(by_alias=True, indent=2) + "\n").encode("utf-8")


class ScopeRequest(BaseModel):
    """Exactly one of access_key_id or principal_arn; an optional ISO-8601 window."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"access_key_id": "AKIAIOSFODNN7EXAMPLE", "since": "2025-03-14"}]
        },
    )

    access_key_id: str | None = Field(None, pattern=KEY_PATTERN)
    principal_arn: str | None = Field(None, min_length=1, max_length=ARN_MAX)
    since: str | None = Field(None, max_length=40, pattern=ISO_PATTERN)
    until: str | None = Field(None, max_length=40, pattern=ISO_PATTERN)

    @model_validator(mode="after")
    def _one_subject(self) -> ScopeRequest:
        if (self.access_key_id is None) == (self.principal_arn is None):
            raise ValueError("give exactly one of access_key_id or principal_arn")
        return self

    @field_validator("since", "until")
    @classmethod
    def _iso(cls, v: str | None) -> str | None:
        if v is not None:
            window_bound(v)  # raises ValueError with a clear message
        return v

    def digest(self) -> str:
        """The cache key: the same subject and window give the same scope on one server."""
        canon = {
            "access_key_id": self.access_key_id,
            "principal_arn": self.principal_arn,
            "since": window_bound(self.since),
            "until": window_bound(self.until, end=True),
        }
        return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()


class JobStatus(BaseModel):
    id: str
    status: Literal["running", "done", "failed"]
    request: dict[str, Any]
    created: str
    finished: str | None
    result: str | None = Field(None, description="URL of the scope report once done")
    report_html: str | None = None
    error: dict[str, Any] | None = Field(None, description="problem document when failed")


class Health(BaseModel):
    status: Literal["ok"]
    inventory: bool
    events: int
    jobs: int


class GraphNode(BaseModel):
    id: str
    kind: str
    component: str
    name: str
    account: str | None
    region: str | None
    props: dict[str, Any] | None = None


class GraphEdge(BaseModel):
    src: str
    dst: str
    kind: str
    family: str
    key: str
    props: dict[str, Any] | None = None


class GraphPage(BaseModel):
    """One page of nodes (ordered by id) with the edges leaving them inside the subgraph."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    total_nodes: int
    next_cursor: str | None
