"""Helpers for the IAM engine tests: build a policy set from plain documents and decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphscope.iam import (
    Evaluation,
    PolicyKind,
    PolicySet,
    Request,
    compile_policy,
    evaluate,
    parse_principal,
)

USER = "arn:aws:iam::111122223333:user/alice"


def _doc(statements: Any) -> dict[str, Any]:
    if isinstance(statements, dict) and "Statement" in statements:
        return statements
    return {"Version": "2012-10-17", "Statement": statements}


def decide_impl(
    identity: Any = None,
    *,
    principal: str | dict[str, str] = USER,
    action: str = "s3:GetObject",
    resource: str = "arn:aws:s3:::bucket/key",
    resource_account: str | None = "111122223333",
    context: dict[str, Any] | None = None,
    unknown: tuple[str, ...] = (),
    assume_unknown: bool = False,
    resource_policy: Any = None,
    boundary: Any = None,
    session: Any = None,
    scps: list[Any] | None = None,
    rcps: list[Any] | None = None,
    endpoints: list[Any] | None = None,
    management_account: str | None = None,
) -> Evaluation:
    """Evaluate one request; each policy argument is a statement, a list, or a document."""
    req = Request(
        principal=parse_principal(principal),
        action=action,
        resource=resource,
        resource_account=resource_account,
        context=context or {},
        unknown_keys=frozenset(unknown),
        assume_unknown=assume_unknown,
    )
    pols = PolicySet(
        identity=(compile_policy(_doc(identity), "identity", PolicyKind.IDENTITY),)
        if identity
        else (),
        resource=(compile_policy(_doc(resource_policy), "bucket-policy", PolicyKind.RESOURCE),)
        if resource_policy
        else (),
        boundary=(compile_policy(_doc(boundary), "boundary", PolicyKind.BOUNDARY),)
        if boundary
        else (),
        session=compile_policy(_doc(session), "session", PolicyKind.SESSION) if session else None,
        scps=tuple(
            (compile_policy(_doc(s), f"scp[{i}]", PolicyKind.SCP),)
            for i, s in enumerate(scps or [])
        ),
        rcps=tuple(
            (compile_policy(_doc(s), f"rcp[{i}]", PolicyKind.RCP),)
            for i, s in enumerate(rcps or [])
        ),
        endpoints=tuple(
            compile_policy(_doc(e), f"vpce[{i}]", PolicyKind.ENDPOINT)
            for i, e in enumerate(endpoints or [])
        ),
        management_account=management_account,
    )
    return evaluate(req, pols)


@pytest.fixture
def decide() -> Callable[..., Evaluation]:
    return decide_impl


def cond(condition: dict[str, Any], effect: str = "Allow", sid: str = "S") -> dict[str, Any]:
    """One statement on s3:GetObject / * with the given Condition block."""
    return {
        "Sid": sid,
        "Effect": effect,
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": condition,
    }


@pytest.fixture
def check() -> Callable[..., str]:
    """Decision text of a single-condition Allow statement against a context."""

    def run(condition: dict[str, Any], context: dict[str, Any] | None = None, **kw: Any) -> str:
        return decide_impl(cond(condition), context=context, **kw).decision.value

    return run
