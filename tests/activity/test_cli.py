"""`graphscope activity` end to end through a subprocess, JSON checked field by field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphscope.queries.contract import ActivityReport
from graphscope.schema import ELEMENTS

from .conftest import ATTACKER_KEY, HAIKU, INCIDENT, SONNET, A, B
from .test_readers import _event


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from graphscope.cli import main; main()", "activity", *args]
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120, env=env)


@pytest.fixture(scope="module")
def report() -> dict:
    out = _run(
        "--access-key",
        ATTACKER_KEY,
        "--cloudtrail",
        str(INCIDENT),
        "--invocation-logs",
        str(INCIDENT),
    )
    assert out.stderr == ""
    return json.loads(out.stdout)


def test_top_level_shape(report: dict) -> None:
    assert list(report) == ["subject", "window", "observed", "coverage"]
    assert report["subject"] == {
        "input": ATTACKER_KEY,
        "access_key_id": ATTACKER_KEY,
        "principal_arn": f"arn:aws:iam::{A}:user/dev-alice",
    }
    assert report["window"] == {"since": None, "until": None}
    assert list(report["observed"]) == [
        "sessions",
        "elements",
        "resources",
        "created_resources",
        "invocations",
        "source_ips",
        "user_agents",
    ]
    assert list(report["observed"]["elements"]) == list(ELEMENTS)
    assert list(report["coverage"]) == ["gaps"]
    ActivityReport.model_validate(report)  # and nothing beyond the contract


def test_sessions(report: dict) -> None:
    sessions = {s["access_key_id"]: s for s in report["observed"]["sessions"]}
    assert set(sessions) == {
        ATTACKER_KEY,
        "ASIAZZATTACKSESS0001",
        "ASIAZZCROSSHOP000001",
        "ACCAZZBEDROCKKEY0001",
        "AKIAZZBACKDOOR000001",
        "ASIAZZCONSOLEBOB0001",
        "ASIAZZCONSOLEBOB0002",
    }
    assert sessions[ATTACKER_KEY] == {
        "access_key_id": ATTACKER_KEY,
        "principal_arn": f"arn:aws:iam::{A}:user/dev-alice",
        "issued_by": None,
        "first_seen": "2026-03-01T10:00:00Z",
        "last_seen": "2026-03-01T10:11:00Z",
        "source_ips": ["203.0.113.66"],
        "user_agents": ["Boto3/1.34.0 Python/3.11.4 Linux/6.1 Botocore/1.34.0"],
    }
    hop = sessions["ASIAZZCROSSHOP000001"]
    assert hop["principal_arn"] == f"arn:aws:sts::{B}:assumed-role/cross-admin/hop"
    assert hop["issued_by"] == "ASIAZZATTACKSESS0001"
    assert (hop["first_seen"], hop["last_seen"]) == ("2026-03-01T10:02:00Z", "2026-03-01T10:02:40Z")
    api_key = sessions["ACCAZZBEDROCKKEY0001"]
    assert (
        api_key["principal_arn"] == f"arn:aws:iam::{A}:user/BedrockAPIKey-zz"
        and api_key["issued_by"] == ATTACKER_KEY
    )
    # the bearer-token call names no key id: it is the API key the subject minted for that user
    assert (api_key["first_seen"], api_key["last_seen"]) == (
        "2026-03-01T10:07:00Z",
        "2026-03-01T10:07:00Z",
    )
    assert (api_key["source_ips"], api_key["user_agents"]) == (["192.0.2.200"], ["curl/8.5.0"])
    assert sessions["ASIAZZCONSOLEBOB0002"]["user_agents"] == ["console.ec2.amazonaws.com"]


def _items(report: dict, element: str) -> dict[str, dict]:
    return {
        f"{i['event_source'].split('.')[0]}:{i['event_name']}": i
        for i in report["observed"]["elements"][element]
    }


def test_elements(report: dict) -> None:
    counts = {
        el: {k: (i["count"], i["error_count"]) for k, i in _items(report, el).items()}
        for el in ELEMENTS
    }
    assert counts == {
        "Access": {
            "sts:GetCallerIdentity": (2, 0),
            "sts:AssumeRole": (2, 0),
            "s3:GetObject": (1, 1),
            "iam:CreateUser": (1, 0),
            "iam:CreateServiceSpecificCredential": (1, 0),
            "iam:CreateAccessKey": (1, 0),
            "iam:ListUsers": (1, 0),
            "iam:CreateLoginProfile": (1, 0),
            "signin:ConsoleLogin": (1, 0),
            "ec2:DescribeInstances": (1, 0),
        },
        "Computing changes": {"ec2:RunInstances": (1, 0)},
        "AI changes": {"bedrock:DeleteModelInvocationLoggingConfiguration": (1, 0)},
        "Data store changes": {"s3:PutBucketPolicy": (1, 0)},
        "Invocation": {"bedrock:InvokeModel": (4, 1), "bedrock:Converse": (1, 0)},
        "Private data": {"s3:GetObject": (2, 1), "secretsmanager:GetSecretValue": (1, 0)},
        "Proxy": {},
    }
    get = _items(report, "Private data")["s3:GetObject"]
    assert get == {
        "event_source": "s3.amazonaws.com",
        "event_name": "GetObject",
        "count": 2,
        "error_count": 1,
        "resources": [
            "arn:aws:s3:::training-data-444",
            "arn:aws:s3:::training-data-444/customers.csv",
            "arn:aws:s3:::training-data-444/payroll.csv",
        ],
        "first_seen": "2026-03-01T10:02:00Z",
        "last_seen": "2026-03-01T10:02:05Z",
        "attribution": None,
    }
    invoke = _items(report, "Invocation")["bedrock:InvokeModel"]
    assert (invoke["first_seen"], invoke["last_seen"]) == (
        "2026-03-01T10:02:20Z",
        "2026-03-01T10:07:00Z",
    )


def test_resources_created_invocations_ips(report: dict) -> None:
    obs = report["observed"]
    # touched successfully only: payroll.csv was denied; the legitimate job's bucket never appears
    assert "arn:aws:s3:::training-data-444/payroll.csv" not in obs["resources"]
    assert "arn:aws:s3:::training-data-444/customers.csv" in obs["resources"]
    assert not any("ml-models-111" in r or "web-site-111" in r for r in obs["resources"])
    assert [(c["event_name"], c["name"], c["arn"]) for c in obs["created_resources"]] == [
        ("CreateUser", "BedrockAPIKey-zz", f"arn:aws:iam::{A}:user/BedrockAPIKey-zz"),
        (
            "CreateServiceSpecificCredential",
            "ACCAZZBEDROCKKEY0001",
            f"arn:aws:iam::{A}:user/BedrockAPIKey-zz",
        ),
        ("CreateAccessKey", "AKIAZZBACKDOOR000001", f"arn:aws:iam::{A}:user/svc-backup"),
        ("CreateLoginProfile", "intern-bob", f"arn:aws:iam::{A}:user/intern-bob"),
        ("RunInstances", "i-0feedfacecafe0001", None),
    ]
    assert obs["invocations"] == [
        # invocation logs: alice-x's two records (1200+100, 300+50) and the hop's Converse; the
        # legitimate nightly-train records on the same role are not counted
        {
            "model_id": HAIKU,
            "source": "invocation-log",
            "count": 2,
            "input_tokens": 1300,
            "output_tokens": 350,
            "estimated_cost_usd": None,
        },
        {
            "model_id": SONNET,
            "source": "invocation-log",
            "count": 1,
            "input_tokens": 2000,
            "output_tokens": 1000,
            "estimated_cost_usd": None,
        },
        # CloudTrail: alice-x at 10:03 and 10:05 (after logging was deleted) and the Bedrock API key at 10:07
        {
            "model_id": HAIKU,
            "source": "cloudtrail",
            "count": 3,
            "input_tokens": None,
            "output_tokens": None,
            "estimated_cost_usd": None,
        },
        # the hop's InvokeModel failed (ValidationException): only its Converse invoked a model
        {
            "model_id": SONNET,
            "source": "cloudtrail",
            "count": 1,
            "input_tokens": None,
            "output_tokens": None,
            "estimated_cost_usd": None,
        },
    ]
    assert obs["source_ips"] == ["192.0.2.200", "192.0.2.201", "203.0.113.66"]
    assert "aws-sdk-java/2.25.1 Linux/5.10 ci-runner" not in obs["user_agents"]


def test_coverage(report: dict) -> None:
    gaps = report["coverage"]["gaps"]
    assert all(set(g) == {"source", "detail", "since"} for g in gaps)
    deleted = [g for g in gaps if "DeleteModelInvocationLoggingConfiguration" in g["detail"]]
    assert deleted == [
        {
            "source": "bedrock-invocation-logs",
            "since": "2026-03-01T10:04:00Z",
            "detail": deleted[0]["detail"],
        }
    ]
    assert "by this subject" in deleted[0]["detail"] and f"{A}/us-east-1" in deleted[0]["detail"]
    hours = [g for g in gaps if g["source"] == "cloudtrail" and "no events at all" in g["detail"]]
    assert [g["since"] for g in hours] == [
        "2026-03-01T11:00:00Z"
    ] and "to 2026-03-01T13:00:00Z" in hours[0]["detail"]
    api_key = [g for g in gaps if g["source"] == "session-resolution"]
    assert len(api_key) == 1 and f"arn:aws:iam::{A}:user/BedrockAPIKey-zz" in api_key[0]["detail"]
    assert (
        "indistinguishable" in api_key[0]["detail"]
        and api_key[0]["since"] == "2026-03-01T10:06:05Z"
    )
    sources = {g["source"] for g in gaps}
    assert "cloudtrail-data-events:s3" not in sources  # this incident has S3 data events
    assert {"cloudtrail-data-events:lambda", "cloudtrail-data-events:bedrock"} <= sources


def test_window_filters_events_but_not_sessions_issued_before(tmp_path: Path) -> None:
    out = _run(
        "--access-key",
        ATTACKER_KEY,
        "--cloudtrail",
        str(INCIDENT),
        "--invocation-logs",
        str(INCIDENT),
        "--since",
        "2026-03-01T10:02:00Z",
        "--until",
        "2026-03-01T10:02:59Z",
    )
    rep = json.loads(out.stdout)
    assert rep["window"] == {"since": "2026-03-01T10:02:00Z", "until": "2026-03-01T10:02:59Z"}
    assert [s["access_key_id"] for s in rep["observed"]["sessions"]] == ["ASIAZZCROSSHOP000001"]
    names = sorted(i["event_name"] for items in rep["observed"]["elements"].values() for i in items)
    assert names == [
        "Converse",
        "GetObject",
        "GetObject",
        "GetSecretValue",
        "InvokeModel",
        "PutBucketPolicy",
    ]
    assert [(i["model_id"], i["source"], i["count"]) for i in rep["observed"]["invocations"]] == [
        (SONNET, "invocation-log", 1),
        (SONNET, "cloudtrail", 1),  # the failed InvokeModel invoked nothing
    ]


def test_principal_subject_and_table_format() -> None:
    out = _run(
        "--principal",
        f"arn:aws:sts::{A}:assumed-role/ml-pipeline/nightly-train",
        "--cloudtrail",
        str(INCIDENT),
        "--format",
        "table",
    )
    assert "ASIAZZLEGITSESS00001" in out.stdout and "coverage gaps" in out.stdout
    assert "ASIAZZATTACKSESS0001" not in out.stdout


def test_logs_alone_no_invocation_logs() -> None:
    out = _run("--access-key", ATTACKER_KEY, "--cloudtrail", str(INCIDENT))
    rep = json.loads(out.stdout)
    # no invocation logs given: tokens unknown, said once
    assert any(
        g["source"] == "bedrock-invocation-logs"
        and g["detail"].startswith("no model-invocation logs were given")
        for g in rep["coverage"]["gaps"]
    )
    assert all(i["source"] == "cloudtrail" for i in rep["observed"]["invocations"])


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert _run("--cloudtrail", str(INCIDENT), check=False).returncode == 2
    assert (
        _run(
            "--access-key", "AKIA1", "--principal", "arn:aws:iam::1:user/x", check=False
        ).returncode
        == 2
    )
    bad_time = _run(
        "--access-key",
        ATTACKER_KEY,
        "--cloudtrail",
        str(INCIDENT),
        "--since",
        "yesterday",
        check=False,
    )
    assert bad_time.returncode == 2 and "yesterday" in bad_time.stderr
    missing = _run(
        "--access-key", ATTACKER_KEY, "--cloudtrail", str(tmp_path / "nope"), check=False
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_skipped_records_are_named_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(json.dumps(_event(1)) + "\n{oops\n")
    out = _run(
        "--access-key",
        ATTACKER_KEY,
        "--cloudtrail",
        str(INCIDENT),
        "--cloudtrail",
        str(tmp_path / "bad.jsonl"),
    )
    assert "bad.jsonl: record 1: invalid JSON" in out.stderr.replace("\n", "")
    rep = json.loads(out.stdout)
    assert any("bad.jsonl" in g["detail"] for g in rep["coverage"]["gaps"])


def test_renamed_time_field_is_reported(tmp_path: Path) -> None:
    rec = _event(1)
    rec["@timestamp"] = rec.pop("eventTime")
    (tmp_path / "siem.jsonl").write_text(json.dumps(rec) + "\n" + json.dumps(_event(2)) + "\n")
    out = _run("--access-key", "AKIAZZREADER00000001", "--cloudtrail", str(tmp_path / "siem.jsonl"))
    assert "cloudtrail: event time read from @timestamp (1 records)" in out.stderr
    access = json.loads(out.stdout)["observed"]["elements"]["Access"]
    assert [(i["event_name"], i["count"], i["first_seen"]) for i in access] == [
        ("GetCallerIdentity", 2, "2026-03-01T10:00:01Z")
    ]
