"""Invocation logs straight from a CloudWatch Logs group (logs:FilterLogEvents), against a moto
server on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from graphscope.eventstore import EventStore

from .conftest import ATTACKER_KEY, HAIKU, INCIDENT, SONNET

GROUP = "/aws/bedrock/modelinvocations"
INCIDENT_START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def _iso(minutes: float) -> str:
    return (BASE + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def endpoint(start_moto: Callable[[], str]) -> Iterator[str]:
    url = start_moto()
    logs = boto3.client(
        "logs",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="aws/bedrock/modelinvocations")
    records = [
        json.loads(line)
        for p in sorted(INCIDENT.rglob("*_invocations_*.json"))
        for line in p.read_text().splitlines()
    ]
    # CloudWatch (and moto) refuse log events older than 14 days: the log-event clock is shifted
    # to an hour ago, keeping the records' own spacing; the records keep their timestamps.
    events = []
    for r in sorted(records, key=lambda r: r["timestamp"]):
        at = datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        events.append(
            {
                "timestamp": int((BASE + (at - INCIDENT_START)).timestamp() * 1000),
                "message": json.dumps(r),
            }
        )
    events.append({"timestamp": events[-1]["timestamp"] + 1000, "message": "not json at all"})
    logs.put_log_events(
        logGroupName=GROUP, logStreamName="aws/bedrock/modelinvocations", logEvents=events
    )
    yield url


def test_log_group_records_and_window(endpoint: str) -> None:
    logs = boto3.client(
        "logs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    store = EventStore()
    result = store.ingest_invocation_logs([f"cloudwatch://{GROUP}"], logs_client=logs)
    assert (result.added, result.stats.skipped) == (5, 1)
    assert (
        "is not JSON" in result.stats.issues[0].reason
        and result.stats.issues[0].file == f"cloudwatch://{GROUP}"
    )
    narrow = EventStore()
    r = narrow.ingest_invocation_logs(
        [f"cloudwatch://{GROUP}"],
        since=_iso(3),
        until=_iso(3.5),
        logs_client=logs,
    )
    assert sorted(i.request_id for i in narrow.invocations()) == [
        "req-attack-0001",
        "req-attack-0002",
        "req-legit-0001",
    ]
    assert r.added == 3


def test_cli_joins_log_group_records_to_the_tree(
    endpoint: str, fake_aws_env: dict[str, str]
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
            str(INCIDENT),
            "--invocation-logs",
            f"cloudwatch://{GROUP}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    logged = [
        (i["model_id"], i["count"], i["input_tokens"], i["output_tokens"])
        for i in json.loads(out.stdout)["observed"]["invocations"]
        if i["source"] == "invocation-log"
    ]
    assert logged == [(HAIKU, 2, 1300, 350), (SONNET, 1, 2000, 1000)]
