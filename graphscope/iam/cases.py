"""The neutral case shape of ../shared/iam-cases (pydantic) and its conversion to engine inputs.

Discovery cases: with no `unknown_context_keys`, every key is open (values given in the context
only say the key is present); with a list, exactly the listed keys are unknown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from graphscope.iam.evaluate import PolicySet, Request
from graphscope.iam.policy import CompiledPolicy, PolicyKind, compile_policy
from graphscope.iam.principals import parse as parse_principal

PolicyDoc = dict[str, Any]


class CaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    principal: str | dict[str, Any]
    action: str
    resource: str
    resource_account: str | None = None
    context: dict[str, str | list[str]] = {}
    wildcard_only_action: bool = False


class Case(BaseModel):
    """One conformance case as stored in the shared JSONL files."""

    model_config = ConfigDict(extra="ignore")
    id: str
    name: str = ""
    source: str = ""
    request: CaseRequest
    identity_policies: list[PolicyDoc] = []
    resource_policies: list[PolicyDoc] = []
    permission_boundaries: list[PolicyDoc] = []
    scps: list[list[PolicyDoc]] = []
    rcps: list[list[PolicyDoc]] = []
    session_policy: PolicyDoc | None = None
    endpoint_policies: list[PolicyDoc] = []
    unknown_context_keys: list[str] = []
    discovery: bool = False
    expected: Literal["Allow", "ImplicitDeny", "ExplicitDeny", "Conditional"] | None = None
    features: list[str] = []


class CaseFileError(ValueError):
    """A cases file that cannot be read: names the file and line."""


def load_cases(path: Path) -> list[Case]:
    """Read a JSONL (one case a line) or JSON (a list) file of cases."""
    return [case for _, case in read_cases(path)]


def read_cases(path: Path) -> list[tuple[int, Case]]:
    """Cases with their line number (JSONL) or 1-based position (JSON list)."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read: {exc.strerror}") from None
    records: list[tuple[int, Any]] = []
    stripped = text.lstrip()
    if stripped.startswith(b"["):
        try:
            records = [(i + 1, r) for i, r in enumerate(orjson.loads(text))]
        except orjson.JSONDecodeError as exc:
            raise CaseFileError(f"{path}: invalid JSON: {exc}") from None
    else:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((lineno, orjson.loads(line)))
            except orjson.JSONDecodeError as exc:
                raise CaseFileError(f"{path}:{lineno}: invalid JSON: {exc}") from None
    cases: list[tuple[int, Case]] = []
    for lineno, rec in records:
        try:
            cases.append((lineno, Case.model_validate(rec)))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            raise CaseFileError(f"{path}:{lineno}: not a case: {loc}: {first['msg']}") from None
    return cases


def _compile_all(
    docs: list[PolicyDoc], prefix: str, kind: PolicyKind
) -> tuple[CompiledPolicy, ...]:
    return tuple(compile_policy(d, f"{prefix}[{i}]", kind) for i, d in enumerate(docs))


def to_inputs(case: Case) -> tuple[Request, PolicySet]:
    """Compile a case into a Request and PolicySet (raises PolicyError / ValueError)."""
    r = case.request
    principal = parse_principal(r.principal)
    context: dict[str, str | list[str]] = dict(r.context)
    if case.discovery and not case.unknown_context_keys:
        unknown = frozenset(context)  # present, value open
        assume_unknown = True
    else:
        unknown = frozenset(case.unknown_context_keys)
        assume_unknown = False
    request = Request(
        principal=principal,
        action=r.action,
        resource=r.resource,
        resource_account=r.resource_account,
        context=context,
        unknown_keys=unknown,
        assume_unknown=assume_unknown,
        resource_is_pattern=not r.wildcard_only_action and ("*" in r.resource or "?" in r.resource),
    )
    policies = PolicySet(
        identity=_compile_all(case.identity_policies, "identity", PolicyKind.IDENTITY),
        resource=_compile_all(case.resource_policies, "resource", PolicyKind.RESOURCE),
        boundary=_compile_all(case.permission_boundaries, "boundary", PolicyKind.BOUNDARY),
        session=compile_policy(case.session_policy, "session", PolicyKind.SESSION)
        if case.session_policy
        else None,
        scps=tuple(
            _compile_all(level, f"scp[{n}]", PolicyKind.SCP) for n, level in enumerate(case.scps)
        ),
        rcps=tuple(
            _compile_all(level, f"rcp[{n}]", PolicyKind.RCP) for n, level in enumerate(case.rcps)
        ),
        endpoints=_compile_all(case.endpoint_policies, "endpoint", PolicyKind.ENDPOINT),
    )
    return request, policies
