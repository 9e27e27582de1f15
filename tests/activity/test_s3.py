"""Logs straight from S3, against a moto server on loopback: only the window's day folders are
listed, and the result equals reading the same files locally."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from graphscope.eventstore import EventStore
from graphscope.ingest.logs_s3 import list_log_keys, parse_s3_url

from .conftest import ATTACKER_KEY, INCIDENT

BUCKET = "org-cloudtrail-logs"
OLD_KEY = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/02/01/111122223333_CloudTrail_us-east-1_20260201T1000Z_old.json"


@pytest.fixture(scope="module")
def endpoint(start_moto: Callable[[], str]) -> Iterator[str]:
    url = start_moto()
    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    for path in INCIDENT.rglob("*.json"):
        client.put_object(
            Bucket=BUCKET, Key=str(path.relative_to(INCIDENT.parent)), Body=path.read_bytes()
        )
    old = {
        "Records": [
            {
                "eventVersion": "1.09",
                "eventID": "old-1",
                "eventTime": "2026-02-01T10:00:00Z",
                "eventSource": "sts.amazonaws.com",
                "eventName": "GetCallerIdentity",
                "awsRegion": "us-east-1",
                "recipientAccountId": "111122223333",
                "userIdentity": {
                    "type": "IAMUser",
                    "arn": "arn:aws:iam::111122223333:user/dev-alice",
                    "accessKeyId": ATTACKER_KEY,
                },
            }
        ]
    }
    client.put_object(Bucket=BUCKET, Key=OLD_KEY, Body=json.dumps(old).encode())
    client.put_object(
        Bucket=BUCKET,
        Key="AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/01/digest.json.gz",
        Body=b"\x1f\x8bnot read",
    )
    yield url


@pytest.fixture()
def s3(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_parse_s3_url() -> None:
    assert parse_s3_url("s3://b/AWSLogs/1/") == ("b", "AWSLogs/1/")
    assert parse_s3_url("s3://b") == ("b", "")
    with pytest.raises(ValueError):
        parse_s3_url("s3:///x")


def test_only_the_windows_days_are_listed(s3) -> None:
    keys = list(
        list_log_keys(
            s3, f"s3://{BUCKET}", "CloudTrail", "2026-03-01T09:00:00Z", "2026-03-01T14:00:00Z"
        )
    )
    assert len(keys) == 4 and OLD_KEY not in keys and not any("Digest" in k for k in keys)
    everything = list(list_log_keys(s3, f"s3://{BUCKET}/AWSLogs/", "CloudTrail", None, None))
    assert len(everything) == 5 and OLD_KEY in everything
    one_region = list(
        list_log_keys(
            s3,
            f"s3://{BUCKET}/AWSLogs/444455556666/CloudTrail/us-east-1/",
            "CloudTrail",
            None,
            None,
        )
    )
    assert [k.rsplit("_", 1)[-1] for k in one_region] == ["inc0004.json"]


def test_s3_ingest_equals_local_ingest(s3) -> None:
    remote, local = EventStore(), EventStore()
    r = remote.ingest_cloudtrail(
        [f"s3://{BUCKET}"], since="2026-03-01T09:00:00Z", until="2026-03-01T14:00:00Z", s3_client=s3
    )
    inv = remote.ingest_invocation_logs(
        [f"s3://{BUCKET}"], since="2026-03-01T09:00:00Z", until="2026-03-01T14:00:00Z", s3_client=s3
    )
    assert (r.added, r.stats.files, r.stats.skipped) == (31, 4, 0) and (
        inv.added,
        inv.stats.files,
    ) == (5, 2)
    local.ingest_cloudtrail([INCIDENT])
    assert sorted(e.key for e in remote.events_between()) == sorted(
        e.key for e in local.events_between()
    )
    assert all(e.file.startswith(f"s3://{BUCKET}/AWSLogs/") for e in remote.events_between())


def test_cli_reads_s3(endpoint: str, fake_aws_env: dict[str, str]) -> None:
    env = {**os.environ, **fake_aws_env, "AWS_ENDPOINT_URL": endpoint}
    cmd = [
        sys.executable,
        "-c",
        "from graphscope.cli import main; main()",
        "activity",
        "--access-key",
        ATTACKER_KEY,
    ]
    remote = subprocess.run(
        [
            *cmd,
            "--cloudtrail",
            f"s3://{BUCKET}/AWSLogs/",
            "--invocation-logs",
            f"s3://{BUCKET}/AWSLogs/",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    local = subprocess.run(
        [*cmd, "--cloudtrail", str(INCIDENT), "--invocation-logs", str(INCIDENT)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    rem, loc = json.loads(remote.stdout), json.loads(local.stdout)
    # without a window the February file is read too: one more GetCallerIdentity, same tree
    rem_access = {i["event_name"]: i["count"] for i in rem["observed"]["elements"]["Access"]}
    loc_access = {i["event_name"]: i["count"] for i in loc["observed"]["elements"]["Access"]}
    assert (
        rem_access.pop("GetCallerIdentity") == loc_access.pop("GetCallerIdentity") + 1
        and rem_access == loc_access
    )
    assert rem["observed"]["invocations"] == loc["observed"]["invocations"]
    assert [s["access_key_id"] for s in rem["observed"]["sessions"]] == [
        s["access_key_id"] for s in loc["observed"]["sessions"]
    ]


def test_unreachable_bucket_exits_cleanly(
    endpoint: str, tmp_path: Path, fake_aws_env: dict[str, str]
) -> None:
    env = {**os.environ, **fake_aws_env, "AWS_ENDPOINT_URL": endpoint}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from graphscope.cli import main; main()",
            "activity",
            "--access-key",
            ATTACKER_KEY,
            "--cloudtrail",
            "s3://no-such-bucket/AWSLogs/",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert (
        out.returncode == 1
        and "cannot read from AWS" in out.stderr
        and "NoSuchBucket" in out.stderr
    )
