"""The neutral case shape: parsing, errors, and how discovery cases become engine inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphscope.iam import evaluate
from graphscope.iam.cases import Case, CaseFileError, load_cases, to_inputs
from graphscope.iam.context import UNKNOWN, UNKNOWN_VALUE

BASE = {
    "id": "t",
    "request": {"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
                "resource_account": "111122223333", "context": {"aws:SourceVpc": "vpc-1"}},
    "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                           "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}]}],
}  # fmt: skip


def test_discovery_without_list_leaves_every_key_open() -> None:
    req, pols = to_inputs(Case.model_validate({**BASE, "discovery": True}))
    assert req._ctx.get("aws:sourcevpc") is UNKNOWN_VALUE  # present, value open
    assert req._ctx.get("aws:sourceip") is UNKNOWN
    assert evaluate(req, pols).decision.value == "Conditional"


def test_listed_unknown_keys_only() -> None:
    case = Case.model_validate(
        {**BASE, "discovery": True, "unknown_context_keys": ["aws:SourceIp"]}
    )
    req, pols = to_inputs(case)
    assert req._ctx.get("aws:sourcevpc") == ("vpc-1",)
    assert evaluate(req, pols).decision.value == "Allow"


def test_plain_case_is_fully_known() -> None:
    req, pols = to_inputs(Case.model_validate(BASE))
    assert not req.assume_unknown and evaluate(req, pols).allowed


def test_wildcard_request_resource_is_a_pattern_unless_wildcard_only() -> None:
    c = json.loads(json.dumps(BASE))
    c["request"]["resource"] = "arn:aws:s3:::b/*"
    assert to_inputs(Case.model_validate(c))[0].resource_is_pattern
    c["request"].update(resource="*", wildcard_only_action=True)
    assert not to_inputs(Case.model_validate(c))[0].resource_is_pattern


def test_load_errors_name_the_line(tmp_path: Path) -> None:
    f = tmp_path / "c.jsonl"
    f.write_text(json.dumps(BASE) + "\n\n" + json.dumps({"id": 3}) + "\n")
    with pytest.raises(CaseFileError, match=r"c\.jsonl:3: not a case"):
        load_cases(f)
    f.write_text(json.dumps([BASE, BASE]))
    assert len(load_cases(f)) == 2
