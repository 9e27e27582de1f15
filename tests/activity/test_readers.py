"""Readers: every container and field variant a responder is handed, streamed into Events."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from graphscope.ingest.cloudtrail import RecordError, normalise_time, read_cloudtrail
from graphscope.ingest.invocation_logs import read_invocation_logs
from graphscope.ingest.logfiles import ReadStats

from .conftest import ATTACKER_KEY, INCIDENT


def _event(i: int, **extra: object) -> dict:
    rec = {
        "eventVersion": "1.09",
        "eventID": f"e-{i}",
        "eventTime": f"2026-03-01T10:00:{i:02d}Z",
        "eventSource": "sts.amazonaws.com",
        "eventName": "GetCallerIdentity",
        "awsRegion": "us-east-1",
        "recipientAccountId": "111122223333",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::111122223333:user/u",
            "accessKeyId": "AKIAZZREADER00000001",
        },
    }
    rec.update(extra)
    return rec


def test_delivery_files_walked_in_awslogs_layout() -> None:
    stats = ReadStats()
    events = list(read_cloudtrail([INCIDENT], stats))
    assert stats.files == 4  # the BedrockModelInvocationLogs folders are skipped by this reader
    assert stats.skipped == 0
    assert stats.formats == {"cloudtrail-delivery": 4}
    assert len(events) == 31 and stats.time_fields == {"eventTime": 31}
    first = next(e for e in events if e.access_key_id == ATTACKER_KEY)
    assert first.name == "GetCallerIdentity" and first.source_ip == "203.0.113.66"
    assert first.file.endswith("_inc0001.json") and first.index == 2


def test_gzip_delivery_file(tmp_path: Path) -> None:
    path = tmp_path / "f.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": [_event(1), _event(2)]}).encode()))
    assert [e.event_id for e in read_cloudtrail([path])] == ["e-1", "e-2"]


def test_json_lines_with_logstash_timestamp_and_renamed_fields(tmp_path: Path) -> None:
    siem = {k: v for k, v in _event(3).items() if k not in ("eventTime", "eventName")}
    siem["@timestamp"] = "2026-03-01T10:00:03.123+00:00"
    siem["event_name"] = "GetCallerIdentity"
    lines = [json.dumps(_event(1)), json.dumps({"_source": _event(2)}), json.dumps(siem)]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")
    stats = ReadStats()
    events = list(read_cloudtrail([path], stats))
    assert [e.event_id for e in events] == ["e-1", "e-2", "e-3"]
    assert events[2].time == "2026-03-01T10:00:03Z" and events[2].name == "GetCallerIdentity"
    assert stats.time_fields == {"eventTime": 2, "@timestamp": 1}
    assert events[2].time_field == "@timestamp"


def test_lookup_events_output_and_eventbridge_wrapper(tmp_path: Path) -> None:
    lookup = {
        "Events": [
            {
                "EventId": "e-1",
                "EventName": "GetCallerIdentity",
                "CloudTrailEvent": json.dumps(_event(1)),
            }
        ]
    }
    (tmp_path / "lookup.json").write_text(json.dumps(lookup, indent=2))
    (tmp_path / "bridge.json").write_text(
        json.dumps({"detail-type": "AWS API Call via CloudTrail", "detail": _event(2)})
    )
    stats = ReadStats()
    events = list(read_cloudtrail([tmp_path], stats))
    assert sorted(e.event_id for e in events) == ["e-1", "e-2"]
    assert stats.formats["lookup-events"] == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z"),
        ("2026-03-01 10:00:00", "2026-03-01T10:00:00Z"),
        ("2025-01-20 16:52:14.000000000", "2025-01-20T16:52:14Z"),
        ("2026-03-01T12:00:00+02:00", "2026-03-01T10:00:00Z"),
        (1772359200000, "2026-03-01T10:00:00Z"),
    ],
)
def test_time_shapes(raw: object, expected: str) -> None:
    assert normalise_time(raw) == expected


def test_unreadable_time_is_an_error() -> None:
    with pytest.raises(RecordError):
        normalise_time("redacted")


def test_issuance_fields_are_normalised() -> None:
    events = list(read_cloudtrail([INCIDENT]))
    assume = next(e for e in events if e.name == "AssumeRole" and e.access_key_id == ATTACKER_KEY)
    assert assume.issued_key == "ASIAZZATTACKSESS0001"
    assert assume.issued_principal == "arn:aws:sts::111122223333:assumed-role/ml-pipeline/alice-x"
    assert assume.issued_role == "arn:aws:iam::111122223333:role/ml-pipeline"
    assert assume.issued_expiry == "2026-03-01T11:00:10Z"  # "Mar 1, 2026, 11:00:10 AM"
    api_key = next(e for e in events if e.name == "CreateServiceSpecificCredential")
    assert api_key.created_key == "ACCAZZBEDROCKKEY0001"
    assert api_key.created_for == "arn:aws:iam::111122223333:user/BedrockAPIKey-zz"
    bearer = next(e for e in events if e.bearer)
    assert (
        bearer.name == "InvokeModel" and bearer.model_id == "anthropic.claude-3-haiku-20240307-v1:0"
    )
    web = next(e for e in events if e.name == "AssumeRoleWithWebIdentity")
    assert (
        web.principal
        == "web-identity:token.actions.githubusercontent.com:repo:example-org/app:ref:refs/heads/main"
    )
    run = next(e for e in events if e.name == "RunInstances")
    assert run.created_name == "i-0feedfacecafe0001"


def test_invocation_logs_s3_layout_and_cloudwatch_exports(tmp_path: Path) -> None:
    stats = ReadStats()
    records = list(read_invocation_logs([INCIDENT], stats))
    assert stats.files == 2 and stats.skipped == 0 and len(records) == 5
    rec = json.loads(
        (next(INCIDENT.rglob("111122223333_invocations_*.json"))).read_text().splitlines()[0]
    )
    # CloudWatch Logs: filter-log-events JSON, and an exported text file with timestamp prefixes
    (tmp_path / "filter.json").write_text(
        json.dumps(
            {
                "events": [
                    {
                        "logStreamName": "aws/bedrock/modelinvocations",
                        "timestamp": 1,
                        "message": json.dumps(rec),
                    }
                ]
            }
        )
    )
    (tmp_path / "export.txt").write_text(f"2026-03-01T10:03:00.000Z {json.dumps(rec)}\n")
    stats = ReadStats()
    got = list(read_invocation_logs([tmp_path], stats))
    assert stats.skipped == 0 and len(got) == 2
    assert {g.input_tokens for g in got} == {1200} and {g.request_id for g in got} == {
        "req-attack-0001"
    }
    assert got[0].identity_arn == "arn:aws:sts::111122223333:assumed-role/ml-pipeline/alice-x"


def test_organization_trail_layout_and_lake_rows(tmp_path: Path) -> None:
    day = (
        tmp_path
        / "AWSLogs"
        / "o-exampleorg1"
        / "111122223333"
        / "CloudTrail"
        / "eu-west-1"
        / "2026"
        / "03"
        / "01"
    )
    day.mkdir(parents=True)
    (day / "111122223333_CloudTrail_eu-west-1_20260301T1000Z_x.json.gz").write_bytes(
        gzip.compress(json.dumps({"Records": [_event(1)]}).encode())
    )
    digest = tmp_path / "AWSLogs" / "o-exampleorg1" / "111122223333" / "CloudTrail-Digest"
    digest.mkdir(parents=True)
    (digest / "d.json.gz").write_bytes(gzip.compress(b'{"digestStartTime": "x"}'))
    (tmp_path / "lake.jsonl").write_text(json.dumps({"eventJson": json.dumps(_event(2))}) + "\n")
    stats = ReadStats()
    assert sorted(e.event_id for e in read_cloudtrail([tmp_path], stats)) == ["e-1", "e-2"]
    assert stats.skipped == 0 and stats.files == 2  # the digest folder is not read as events
