"""Malformed or oversized policies fail with a PolicyError naming the policy and the element."""

from __future__ import annotations

import pytest

from graphscope.iam import MAX_POLICY_BYTES, MAX_STATEMENTS, PolicyError, compile_policy


def _err(doc, pid="p") -> str:
    with pytest.raises(PolicyError) as info:
        compile_policy(doc, pid)
    return str(info.value)


def test_messages_name_what_and_where() -> None:
    assert "invalid JSON" in _err("{not json", "inline:bad")
    assert "'inline:bad'" in _err("{not json", "inline:bad")
    assert "no Statement" in _err({"Version": "2012-10-17"})
    assert "must be a JSON object" in _err("[1, 2]")
    msg = _err(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Permit", "Action": "*"},
            ],
        }
    )
    assert "Statement[1].Effect" in msg and "Permit" in msg
    msg = _err(
        {"Version": "2012-10-17", "Statement": {"Sid": "X", "Effect": "Allow", "Resource": "*"}}
    )
    assert "Sid 'X'" in msg and "neither Action nor NotAction" in msg
    assert "both Action and NotAction" in _err(
        {"Statement": {"Effect": "Allow", "Action": "a:b", "NotAction": "c:d"}}
    )
    assert "Condition" in _err(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "a:b",
                "Condition": {"StringEqualz": {"k": "v"}},
            }
        }
    )
    assert "Principal" in _err(
        {"Statement": {"Effect": "Allow", "Action": "a:b", "Principal": {"AWS": "not an arn"}}}
    )
    assert "unknown element" in _err(
        {"Statement": {"Effect": "Allow", "Action": "a:b", "Actions": "c:d"}}
    )
    assert "must be strings" in _err({"Statement": {"Effect": "Allow", "Action": ["a:b", 3]}})
    assert "version" in _err({"Version": "2020-01-01", "Statement": []}).lower()


def test_size_limits() -> None:
    big = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/" + "x" * 1000,
            }
        ]
        * 200,
    }
    assert "byte limit" in _err(big)
    many = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "a:b"}] * (MAX_STATEMENTS + 1),
    }
    assert "over the limit" in _err(many)
    long_value = {"Statement": {"Effect": "Allow", "Action": "s3:" + "x" * 9000}}
    assert "longer than" in _err(long_value)
    assert MAX_POLICY_BYTES >= 32 * 1024


def test_single_statement_and_string_values_accepted() -> None:
    pol = compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        },
        "p",
    )
    assert len(pol.statements) == 1 and pol.statements[0].allow
