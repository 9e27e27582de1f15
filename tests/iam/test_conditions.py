"""Every condition operator family, from AWS's documentation of condition operators.

Each row is (Condition block, request context, expected decision) for one Allow statement.
"""

from __future__ import annotations

import pytest

A, D, C = "Allow", "ImplicitDeny", "Conditional"

STRING = [
    ({"StringEquals": {"aws:PrincipalTag/team": "ml"}}, {"aws:PrincipalTag/team": "ml"}, A),
    ({"StringEquals": {"aws:PrincipalTag/team": "ml"}}, {"aws:PrincipalTag/team": "ML"}, D),
    ({"StringEquals": {"aws:PrincipalTag/team": ["a", "ml"]}}, {"aws:PrincipalTag/team": "ml"}, A),
    ({"StringEquals": {"aws:PrincipalTag/team": "m*"}}, {"aws:PrincipalTag/team": "ml"}, D),
    (
        {"StringEquals": {"AWS:PRINCIPALTAG/TEAM": "ml"}},
        {"aws:principaltag/team": "ml"},
        A,
    ),  # key case
    ({"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b"]}}, {"aws:PrincipalTag/team": "c"}, A),
    ({"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b"]}}, {"aws:PrincipalTag/team": "b"}, D),
    (
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "ML"}},
        {"aws:PrincipalTag/team": "ml"},
        A,
    ),
    (
        {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "ML"}},
        {"aws:PrincipalTag/team": "ml"},
        D,
    ),
    ({"StringLike": {"s3:prefix": "home/*/docs/?.txt"}}, {"s3:prefix": "home/al/docs/a.txt"}, A),
    ({"StringLike": {"s3:prefix": "home/*/docs/?.txt"}}, {"s3:prefix": "home/al/docs/ab.txt"}, D),
    ({"StringLike": {"s3:prefix": "Home/*"}}, {"s3:prefix": "home/x"}, D),  # case-sensitive
    ({"StringNotLike": {"s3:prefix": ["a*", "b*"]}}, {"s3:prefix": "cat"}, A),
    ({"StringNotLike": {"s3:prefix": ["a*", "b*"]}}, {"s3:prefix": "bat"}, D),
]

NUMERIC = [
    ({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}, A),
    ({"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, A),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "9.5"}, A),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, D),
    ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, A),
    ({"NumericGreaterThan": {"s3:max-keys": "-1"}}, {"s3:max-keys": "0"}, A),
    ({"NumericGreaterThanEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"}, A),  # JSON number
    ({"NumericEquals": {"s3:max-keys": "ten"}}, {"s3:max-keys": "10"}, D),  # bad policy value
    ({"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "x"}, D),  # bad request value
]

DATE = [
    (
        {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2024-06-01T12:00:00Z"},
        A,
    ),
    (
        {"DateLessThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2023-12-31T23:59:59Z"},
        A,
    ),
    (
        {"DateEquals": {"aws:CurrentTime": "2024-01-01T01:00:00+01:00"}},
        {"aws:CurrentTime": "2024-01-01T00:00:00Z"},
        A,
    ),
    (
        {"DateEquals": {"aws:EpochTime": "1704067200"}},
        {"aws:EpochTime": "2024-01-01T00:00:00Z"},
        A,
    ),  # epoch
    (
        {"DateGreaterThanEquals": {"aws:CurrentTime": "1704067200"}},
        {"aws:CurrentTime": "1704067200"},
        A,
    ),
    (
        {"DateLessThanEquals": {"aws:CurrentTime": "2024-01-01"}},
        {"aws:CurrentTime": "2024-01-01T00:00:00Z"},
        A,
    ),
    (
        {"DateNotEquals": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2024-01-02T00:00:00Z"},
        A,
    ),
    (
        {"DateNotEquals": {"aws:CurrentTime": "yesterday"}},
        {"aws:CurrentTime": "2024-01-02T00:00:00Z"},
        D,
    ),
]

BOOL_BINARY = [
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "TRUE"}, A),
    ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, A),
    ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, D),
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "yes"}, D),
    (
        {"BinaryEquals": {"aws:RequestTag/b": "QmluYXJ5VmFsdWU="}},
        {"aws:RequestTag/b": "QmluYXJ5VmFsdWU="},
        A,
    ),
    (
        {"BinaryEquals": {"aws:RequestTag/b": "QmluYXJ5VmFsdWU="}},
        {"aws:RequestTag/b": "T3RoZXI="},
        D,
    ),
]

IP = [
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.77"}, A),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.114.1"}, D),
    (
        {"IpAddress": {"aws:SourceIp": "203.0.113.9"}},
        {"aws:SourceIp": "203.0.113.9"},
        A,
    ),  # bare IP = /32
    ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:0db8:1::5"}, A),
    ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db9::5"}, D),
    (
        {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}},
        {"aws:SourceIp": "10.0.0.1"},
        D,
    ),  # family mismatch
    (
        {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
        {"aws:SourceIp": "2001:db9::1"},
        A,
    ),
    (
        {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
        {"aws:SourceIp": "10.1.2.3"},
        D,
    ),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "not-an-ip"}, D),
]

ARN = [
    (
        {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::bucket"}},
        {"aws:SourceArn": "arn:aws:s3:::bucket"},
        A,
    ),
    (
        {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:111122223333:function:*"}},
        {"aws:SourceArn": "arn:aws:lambda:us-east-1:111122223333:function:f"},
        A,
    ),
    (
        {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:111122223333:function:*"}},
        {"aws:SourceArn": "arn:aws:lambda:us-east-1:999999999999:function:f"},
        D,
    ),
    # `*` does not cross the region/account segments of an ARN
    (
        {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:function:*"}},
        {"aws:SourceArn": "arn:aws:lambda:us-east-1:111122223333:function:f"},
        D,
    ),
    (
        {"ArnNotEquals": {"aws:SourceArn": "arn:aws:s3:::bucket"}},
        {"aws:SourceArn": "arn:aws:s3:::other"},
        A,
    ),
    (
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::b*"}},
        {"aws:SourceArn": "arn:aws:s3:::bucket"},
        D,
    ),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}, {"aws:SourceArn": "not-an-arn"}, D),
]

NULL = [
    ({"Null": {"aws:TokenIssueTime": "true"}}, {}, A),  # absent key: Null true holds
    ({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, D),
    ({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, A),
    ({"Null": {"aws:TokenIssueTime": "false"}}, {}, D),
]

MISSING_AND_IFEXISTS = [
    ({"StringEquals": {"aws:PrincipalTag/team": "ml"}}, {}, D),  # missing key: positive is false
    (
        {"StringNotEquals": {"aws:PrincipalTag/team": "ml"}},
        {},
        A,
    ),  # negated on missing: true (docs)
    ({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::x"}}, {}, A),
    ({"StringEqualsIfExists": {"aws:PrincipalTag/team": "ml"}}, {}, A),
    ({"StringEqualsIfExists": {"aws:PrincipalTag/team": "ml"}}, {"aws:PrincipalTag/team": "x"}, D),
    ({"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {}, A),
    ({"DateGreaterThanIfExists": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}, {}, A),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {}, A),
    (
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
        {"aws:MultiFactorAuthPresent": "false"},
        D,
    ),
    ({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}, {}, A),
    ({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::b*"}}, {}, A),
    ({"BinaryEqualsIfExists": {"aws:RequestTag/b": "QQ=="}}, {}, A),
]

SETS = [
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "b"]}, A),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "c"]}, D),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {}, A),  # missing: true
    (
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
        {"aws:TagKeys": []},
        A,
    ),  # empty: true
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["z", "b"]}, A),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["z"]}, D),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {}, D),  # missing: false
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": []}, D),  # empty: false
    ({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["a"]}}, {}, A),
    ({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}, {"aws:TagKeys": ["a", "b"]}, A),
    (
        {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}},
        {"aws:TagKeys": ["a", "secret"]},
        D,
    ),
    ({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}, {}, A),
    (
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}},
        {"aws:TagKeys": ["secret", "a"]},
        A,
    ),
    ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}}, {"aws:TagKeys": ["secret"]}, D),
    ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}}, {}, D),
    (
        {"ForAllValues:StringLike": {"aws:TagKeys": ["team-*"]}},
        {"aws:TagKeys": ["team-a", "team-b"]},
        A,
    ),
    (
        {"ForAnyValue:IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"aws:SourceIp": ["192.0.2.1", "10.2.3.4"]},
        A,
    ),
]

VARIABLES = [
    (
        {"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
        {"s3:prefix": "home/alice/", "aws:username": "alice"},
        A,
    ),
    (
        {"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
        {"s3:prefix": "home/bob/", "aws:username": "alice"},
        D,
    ),
    (
        {"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
        {"s3:prefix": "home//"},
        D,
    ),  # unresolved
    (
        {"StringEquals": {"s3:prefix": "home/${aws:username, 'guest'}/"}},
        {"s3:prefix": "home/guest/"},
        A,
    ),
    (
        {"StringEquals": {"s3:prefix": "home/${aws:username,'guest'}/"}},
        {"s3:prefix": "home/al/", "aws:username": "al"},
        A,
    ),
    (
        {"StringEquals": {"aws:PrincipalTag/dept": "${aws:ResourceTag/dept}"}},
        {"aws:PrincipalTag/dept": "ai", "aws:ResourceTag/dept": "ai"},
        A,
    ),
    (
        {"StringEquals": {"aws:PrincipalTag/dept": "${aws:ResourceTag/dept}"}},
        {"aws:PrincipalTag/dept": "ai", "aws:ResourceTag/dept": "hr"},
        D,
    ),
    # ${*} ${?} ${$} are literal characters, never wildcards
    ({"StringLike": {"s3:prefix": "a${*}b"}}, {"s3:prefix": "a*b"}, A),
    ({"StringLike": {"s3:prefix": "a${*}b"}}, {"s3:prefix": "axxb"}, D),
    ({"StringLike": {"s3:prefix": "a${?}b"}}, {"s3:prefix": "a?b"}, A),
    ({"StringLike": {"s3:prefix": "a${?}b"}}, {"s3:prefix": "axb"}, D),
    ({"StringEquals": {"s3:prefix": "cost${$}"}}, {"s3:prefix": "cost$"}, A),
    # a `*` inside a substituted value is literal too
    (
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": "home/al/x", "aws:username": "*"},
        D,
    ),
    (
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": "home/*/x", "aws:username": "*"},
        A,
    ),
    (
        {"ArnLike": {"aws:SourceArn": "arn:aws:iam::111122223333:user/${aws:username}"}},
        {"aws:SourceArn": "arn:aws:iam::111122223333:user/al", "aws:username": "al"},
        A,
    ),
]

ALL = (
    STRING
    + NUMERIC
    + DATE
    + BOOL_BINARY
    + IP
    + ARN
    + NULL
    + MISSING_AND_IFEXISTS
    + SETS
    + VARIABLES
)


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    ALL,
    ids=[f"{next(iter(c))}-{i}" for i, (c, _, _) in enumerate(ALL)],
)
def test_operator(check, condition, context, expected) -> None:
    assert check(condition, context) == expected


def test_pre_2012_policy_treats_variables_literally(decide) -> None:
    doc = {
        "Version": "2008-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"s3:prefix": "${aws:username}"}},
            }
        ],
    }
    assert (
        decide(doc, context={"s3:prefix": "${aws:username}", "aws:username": "al"}).decision.value
        == A
    )
    assert decide(doc, context={"s3:prefix": "al", "aws:username": "al"}).decision.value == D


UNKNOWN = [
    # (condition, context, unknown keys, expected) — unknown keys make the grant Conditional
    ({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, {}, ("aws:SourceVpc",), C),
    ({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}, {}, ("aws:SourceVpc",), C),
    (
        {"Null": {"aws:SourceVpc": "false"}},
        {"aws:SourceVpc": "?"},
        ("aws:SourceVpc",),
        A,
    ),  # presence known
    ({"Null": {"aws:SourceVpc": "false"}}, {}, ("aws:SourceVpc",), C),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, ("aws:TagKeys",), C),
    ({"StringEquals": {"s3:prefix": "${aws:username}"}}, {"s3:prefix": "al"}, ("aws:username",), C),
    # a condition that is false on a known key settles the statement whatever is unknown
    (
        {"StringEquals": {"aws:SourceVpc": "vpc-1", "s3:prefix": "x"}},
        {"s3:prefix": "y"},
        ("aws:SourceVpc",),
        D,
    ),
]


@pytest.mark.parametrize(("condition", "context", "unknown", "expected"), UNKNOWN)
def test_unknown_keys(check, condition, context, unknown, expected) -> None:
    assert check(condition, context, unknown=unknown) == expected


def test_unknown_everything_mode(decide) -> None:
    stmt = {
        "Sid": "Vpc",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceVpc": "vpc-1"},
            "Bool": {"aws:SecureTransport": "true"},
        },
    }
    got = decide(stmt, context={"aws:SecureTransport": "true"}, assume_unknown=True)
    assert got.decision.value == C
    assert [c.key for c in got.conditions] == ["aws:SourceVpc"]  # the known key is settled
    assert got.conditions[0].polarity.value == "must hold"
    assert got.conditions[0].text == '"StringEquals": {"aws:SourceVpc": ["vpc-1"]}'
    assert str(got.conditions[0].statement) == "identity#Vpc"
    # the same statement with a known, different value is a plain implicit deny
    assert (
        decide(stmt, context={"aws:SecureTransport": "false"}, assume_unknown=True).decision.value
        == D
    )


def test_deny_on_unknown_key_is_conditional_not_allow(decide) -> None:
    stmts = [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {
            "Sid": "NoOutsideIps",
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        },
    ]
    got = decide(stmts, assume_unknown=True)
    assert got.decision.value == C
    assert [str(r) for r in got.allowed_by] == ["identity#Read"]
    assert [str(r) for r in got.denied_by] == ["identity#NoOutsideIps"]
    (req,) = got.conditions
    assert req.polarity.value == "must not hold"
    assert req.operator == "NotIpAddress" and req.values == ("10.0.0.0/8",)
    # known and inside the range: the deny does not apply
    assert (
        decide(stmts, context={"aws:SourceIp": "10.1.1.1"}, assume_unknown=True).decision.value == A
    )
    # known and outside: explicit deny
    assert (
        decide(stmts, context={"aws:SourceIp": "8.8.8.8"}, assume_unknown=True).decision.value
        == "ExplicitDeny"
    )
