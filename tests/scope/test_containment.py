"""Containment commands: every attacker-chosen value stays one shell argument."""

from __future__ import annotations

import json
import shlex

from graphscope.ingest.cloudtrail import normalise_event
from graphscope.queries.containment import aws, containment_steps, revoke_policy
from graphscope.queries.contract import Subject
from graphscope.queries.sessions import resolve_tree

EVIL = ["a b", "x'; rm -rf / #", "$(id)", "`id`", '"quoted"', "new\nline", "--profile=evil"]


def test_aws_quotes_every_argument() -> None:
    for value in EVIL:
        cmd = aws(
            "lambda", "delete-function", "--function-name", value, region="us-east-1", account="1"
        )
        assert shlex.split(cmd) == [
            "aws",
            "lambda",
            "delete-function",
            "--function-name",
            value,
            "--region",
            "us-east-1",
            "--profile",
            "1",
        ]


def test_revoke_policy_shape() -> None:
    p = revoke_policy("2026-01-01T00:00:00Z")
    st = p["Statement"][0]
    assert (st["Effect"], st["Action"], st["Resource"]) == ("Deny", "*", "*")
    assert st["Condition"] == {"DateLessThan": {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}}


def _rec(name: str, source: str, params: dict, response: dict | None = None, i: int = 0) -> dict:
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::123456789012:user/u",
            "accountId": "123456789012",
            "accessKeyId": "AKIATESTTESTTEST0001",
        },
        "eventTime": f"2026-01-01T00:00:{i:02d}Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.1",
        "userAgent": "x",
        "requestParameters": params,
        "responseElements": response,
        "eventID": f"id-{i}",
        "recipientAccountId": "123456789012",
    }


def test_policy_changes_and_created_compute_are_undone() -> None:
    recs = [
        _rec(
            "AttachUserPolicy",
            "iam.amazonaws.com",
            {"userName": "u", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
            i=1,
        ),
        _rec("PutRolePolicy", "iam.amazonaws.com", {"roleName": EVIL[1], "policyName": "p"}, i=2),
        _rec(
            "CreateFunction20150331",
            "lambda.amazonaws.com",
            {"functionName": EVIL[2]},
            {"functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:f"},
            i=3,
        ),
        _rec(
            "RunInstances",
            "ec2.amazonaws.com",
            {"instanceType": "p5.48xlarge"},
            {"instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]}},
            i=4,
        ),
        _rec("StopLogging", "cloudtrail.amazonaws.com", {"name": "org-trail"}, i=5),
        _rec(
            "CreateUser",
            "iam.amazonaws.com",
            {"userName": "u"},
            i=6,
            response={"user": {"userName": "u", "arn": "arn:aws:iam::123456789012:user/u"}},
        ),
    ]
    events = [normalise_event(r, "mem", i) for i, r in enumerate(recs)]
    tree = resolve_tree("AKIATESTTESTTEST0001", None, [], [])
    steps = containment_steps(
        subject=Subject(
            input="AKIATESTTESTTEST0001",
            access_key_id="AKIATESTTESTTEST0001",
            principal_arn="arn:aws:iam::123456789012:user/u",
        ),
        tree=tree,
        events=events,
        inventory=None,
        now="2026-01-02T00:00:00Z",
    )
    argv = {
        tuple(shlex.split(s.command.split(" && ")[0])[1:3]): shlex.split(s.command.split(" && ")[0])
        for s in steps
    }
    assert argv[("iam", "detach-user-policy")][3:7] == [
        "--user-name",
        "u",
        "--policy-arn",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ]
    assert argv[("iam", "delete-role-policy")][4] == EVIL[1]
    assert argv[("lambda", "delete-function")][4] == EVIL[2]
    assert argv[("ec2", "terminate-instances")][3:6] == ["--instance-ids", "i-1", "i-2"]
    assert argv[("ec2", "terminate-instances")][-4:] == [
        "--region",
        "eu-west-1",
        "--profile",
        "123456789012",
    ]
    assert argv[("cloudtrail", "start-logging")][3:5] == ["--name", "org-trail"]
    assert "--region" not in argv[("iam", "delete-user")]  # IAM is global
    # the subject's own key comes first
    assert shlex.split(steps[0].command)[2] == "update-access-key"
    assert all(s.why for s in steps)
    json.dumps([s.model_dump() for s in steps])
