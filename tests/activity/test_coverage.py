"""Coverage gaps: logging switched off or altered, missing invocation logs, absent data events."""

from __future__ import annotations

import json
from pathlib import Path

from graphscope.eventstore import EventStore
from graphscope.queries.activity import build_activity

KEY = "AKIAZZCOVERAGE000001"


def _ev(
    t: str, source: str, name: str, key: str = KEY, region: str = "us-east-1", **extra: object
) -> dict:
    return {
        "eventVersion": "1.09",
        "eventID": f"{name}-{t}",
        "eventTime": t,
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "recipientAccountId": "111122223333",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::111122223333:user/u",
            "accessKeyId": key,
        },
        **extra,
    }


def _store(
    tmp_path: Path, records: list[dict], invocations: list[dict] | None = None
) -> EventStore:
    (tmp_path / "ct.json").write_text(json.dumps({"Records": records}))
    store = EventStore()
    store.ingest_cloudtrail([tmp_path / "ct.json"])
    if invocations is not None:
        (tmp_path / "inv.jsonl").write_text("".join(json.dumps(r) + "\n" for r in invocations))
        store.ingest_invocation_logs([tmp_path / "inv.jsonl"])
    return store


def test_stop_and_restart_logging_by_another_principal(tmp_path: Path) -> None:
    trail = {"name": "org-trail"}
    store = _store(
        tmp_path,
        [
            _ev("2026-03-01T10:00:00Z", "sts.amazonaws.com", "GetCallerIdentity"),
            _ev(
                "2026-03-01T10:05:00Z",
                "cloudtrail.amazonaws.com",
                "StopLogging",
                key="AKIAZZOTHER000000001",
                requestParameters=trail,
            ),
            _ev(
                "2026-03-01T10:20:00Z",
                "cloudtrail.amazonaws.com",
                "StartLogging",
                key="AKIAZZOTHER000000001",
                requestParameters=trail,
            ),
            _ev(
                "2026-03-01T10:30:00Z",
                "cloudtrail.amazonaws.com",
                "PutEventSelectors",
                requestParameters=trail,
            ),
            _ev(
                "2026-03-01T10:31:00Z",
                "cloudtrail.amazonaws.com",
                "DeleteTrail",
                requestParameters=trail,
                errorCode="AccessDenied",
            ),
        ],
    )
    gaps = build_activity(store, access_key=KEY).report.coverage.gaps
    stop = next(g for g in gaps if "StopLogging" in g.detail)
    assert stop.source == "cloudtrail" and stop.since == "2026-03-01T10:05:00Z"
    assert "another principal" in stop.detail and "restarted at 2026-03-01T10:20:00Z" in stop.detail
    assert "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail" in stop.detail
    selectors = next(g for g in gaps if "PutEventSelectors" in g.detail)
    assert "by this subject" in selectors.detail and selectors.since == "2026-03-01T10:30:00Z"
    assert not any("DeleteTrail" in g.detail for g in gaps)  # denied: nothing was hidden


def test_invocation_logs_missing_for_a_region_with_bedrock_calls(tmp_path: Path) -> None:
    inv = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-03-01T10:00:00Z",
        "accountId": "111122223333",
        "region": "us-east-1",
        "identity": {"arn": "arn:aws:iam::111122223333:user/u"},
        "modelId": "m",
        "operation": "InvokeModel",
        "requestId": "r1",
        "input": {"inputTokenCount": 1},
        "output": {"outputTokenCount": 1},
    }
    store = _store(
        tmp_path,
        [
            _ev(
                "2026-03-01T10:00:00Z",
                "bedrock.amazonaws.com",
                "InvokeModel",
                requestParameters={"modelId": "m"},
                requestID="r1",
            ),
            _ev(
                "2026-03-01T10:01:00Z",
                "bedrock.amazonaws.com",
                "InvokeModel",
                region="eu-west-1",
                requestParameters={"modelId": "m"},
            ),
        ],
        [inv],
    )
    result = build_activity(store, access_key=KEY)
    gaps = [g for g in result.report.coverage.gaps if g.source == "bedrock-invocation-logs"]
    assert len(gaps) == 1 and "region eu-west-1" in gaps[0].detail
    logged = [i for i in result.report.observed.invocations if i.source == "invocation-log"]
    assert [(i.count, i.input_tokens) for i in logged] == [(1, 1)]  # joined by requestId


def test_no_invocation_logs_and_no_data_events(tmp_path: Path) -> None:
    store = _store(
        tmp_path, [_ev("2026-03-01T10:00:00Z", "sts.amazonaws.com", "GetCallerIdentity")]
    )
    gaps = build_activity(store, access_key=KEY).report.coverage.gaps
    sources = [g.source for g in gaps]
    assert "bedrock-invocation-logs" in sources
    assert {
        "cloudtrail-data-events:s3",
        "cloudtrail-data-events:lambda",
        "cloudtrail-data-events:bedrock",
        "cloudtrail-data-events:dynamodb",
    } <= set(sources)


def test_subject_never_seen_and_window_outside_the_logs(tmp_path: Path) -> None:
    store = _store(
        tmp_path, [_ev("2026-03-01T10:00:00Z", "sts.amazonaws.com", "GetCallerIdentity")]
    )
    report = build_activity(
        store, access_key="AKIAZZNOBODY00000001", since="2026-02-28", until="2026-03-02"
    ).report
    details = [g.detail for g in report.coverage.gaps]
    assert any("makes no call" in d for d in details)
    assert any("starts at 2026-03-01T10:00:00Z, after the window's start" in d for d in details)
    assert any("ends at 2026-03-01T10:00:00Z, before the window's end" in d for d in details)
    assert report.subject.principal_arn is None and report.observed.sessions == []
    assert (
        report.window.since == "2026-02-28T00:00:00Z"
        and report.window.until == "2026-03-02T23:59:59Z"
    )


def test_unclassified_events_are_named(tmp_path: Path) -> None:
    store = _store(
        tmp_path, [_ev("2026-03-01T10:00:00Z", "example.amazonaws.com", "FrobnicateWidget")]
    )
    report = build_activity(store, access_key=KEY).report
    assert [i.event_name for i in report.observed.elements["Access"]] == ["FrobnicateWidget"]
    gap = next(g for g in report.coverage.gaps if g.source == "element-mapping")
    assert "example:FrobnicateWidget (1)" in gap.detail


def test_missing_hours_are_listed_then_counted(tmp_path: Path) -> None:
    records = [
        _ev(
            f"2026-03-{1 + h // 24:02d}T{h % 24:02d}:00:00Z",
            "sts.amazonaws.com",
            "GetCallerIdentity",
        )
        for h in range(0, 100, 4)
    ]
    store = _store(tmp_path, records)
    hours = [
        g
        for g in build_activity(store, access_key=KEY).report.coverage.gaps
        if g.source == "cloudtrail"
    ]
    assert len(hours) == 21  # 24 stretches of 3 silent hours: 20 listed, then one summary
    assert hours[0].since == "2026-03-01T01:00:00Z" and "to 2026-03-01T04:00:00Z" in hours[0].detail
    assert (
        hours[-1].detail.startswith("4 more stretches")
        and hours[-1].since == "2026-03-04T09:00:00Z"
    )
