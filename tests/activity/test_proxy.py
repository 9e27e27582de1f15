"""Proxy attribution: what an AI application's role did right after the subject invoked it is
listed under Proxy, marked as attributed by time proximity, and never joins the session tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphscope.eventstore import EventStore
from graphscope.ingest.inventory import Inventory
from graphscope.model import Edge, Node
from graphscope.queries.activity import (
    ATTRIBUTION_FIELD,
    PROXY_WINDOW_SECONDS,
    build_activity,
    overlay_activity,
)
from graphscope.store import MemoryGraphStore

ACCT = "111122223333"
KEY = "AKIAZZPROXYSUBJECT01"
OTHER_KEY = "AKIAZZPROXYOTHER0001"
AGENT_ROLE = f"arn:aws:iam::{ACCT}:role/agent-role"
KB_ROLE = f"arn:aws:iam::{ACCT}:role/kb-role"
AGENT = f"arn:aws:bedrock:us-east-1:{ACCT}:agent/AG1"
KB = f"arn:aws:bedrock:us-east-1:{ACCT}:knowledge-base/KB1"


def _user(name: str, key: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "arn": f"arn:aws:iam::{ACCT}:user/{name}",
        "accountId": ACCT,
        "accessKeyId": key,
    }


def _role(role: str, session: str, key: str) -> dict[str, Any]:
    name = role.rsplit("/", 1)[-1]
    return {
        "type": "AssumedRole",
        "arn": f"arn:aws:sts::{ACCT}:assumed-role/{name}/{session}",
        "accountId": ACCT,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": role},
            "attributes": {"creationDate": "2026-03-01T09:00:00Z"},
        },
        "invokedBy": "bedrock.amazonaws.com",
    }


def _ev(
    i: int, t: str, who: dict[str, Any], source: str, name: str, **extra: Any
) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "eventID": f"proxy-{i}",
        "eventTime": t,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "recipientAccountId": ACCT,
        "userIdentity": who,
        **extra,
    }


BR, S3 = "bedrock.amazonaws.com", "s3.amazonaws.com"
AGENT_SESSION = _role(AGENT_ROLE, "agent-session", "ASIAZZAGENTROLE00001")
KB_SESSION = _role(KB_ROLE, "kb-session", "ASIAZZKBROLE00000001")
ADMIN = _user("admin", "AKIAZZADMIN000000001")
RECORDS = [
    # set-up long before: the agent and the knowledge base and their roles
    _ev(
        1,
        "2026-03-01T08:00:00Z",
        ADMIN,
        BR,
        "CreateAgent",
        requestParameters={"agentName": "helper", "agentResourceRoleArn": AGENT_ROLE},
        responseElements={"agent": {"agentArn": AGENT, "agentId": "AG1", "agentName": "helper"}},
    ),
    _ev(
        2,
        "2026-03-01T08:01:00Z",
        ADMIN,
        BR,
        "CreateKnowledgeBase",
        requestParameters={"name": "docs", "roleArn": KB_ROLE},
        responseElements={"knowledgeBase": {"knowledgeBaseArn": KB, "knowledgeBaseId": "KB1"}},
    ),
    # 10:00 the subject invokes the agent; its role reads a model and an object right after
    _ev(
        3,
        "2026-03-01T10:00:00Z",
        _user("dev", KEY),
        BR,
        "InvokeAgent",
        requestParameters={"agentId": "AG1", "agentAliasId": "TSTALIASID", "sessionId": "s1"},
    ),
    _ev(
        4,
        "2026-03-01T10:00:05Z",
        AGENT_SESSION,
        BR,
        "InvokeModel",
        requestParameters={"modelId": "anthropic.claude-3-haiku-20240307-v1:0"},
    ),
    _ev(
        5,
        "2026-03-01T10:00:30Z",
        AGENT_SESSION,
        S3,
        "GetObject",
        requestParameters={"bucketName": "secrets-111", "key": "payroll.csv"},
    ),
    _ev(
        6,
        "2026-03-01T10:00:31Z",
        AGENT_SESSION,
        S3,
        "GetObject",
        requestParameters={"bucketName": "secrets-111", "key": "salaries.csv"},
        errorCode="AccessDenied",
    ),
    # 10:05: outside the window: the role acting on its own schedule is not the subject's
    _ev(
        7,
        "2026-03-01T10:05:00Z",
        AGENT_SESSION,
        S3,
        "PutObject",
        requestParameters={"bucketName": "reports-111", "key": "daily.csv"},
    ),
    # 10:10 the subject queries the knowledge base (id nested, as RetrieveAndGenerate logs it)
    _ev(
        8,
        "2026-03-01T10:10:00Z",
        _user("dev", KEY),
        BR,
        "RetrieveAndGenerate",
        requestParameters={
            "input": {"text": "..."},
            "retrieveAndGenerateConfiguration": {
                "type": "KNOWLEDGE_BASE",
                "knowledgeBaseConfiguration": {"knowledgeBaseId": "KB1"},
            },
        },
    ),
    _ev(
        9,
        "2026-03-01T10:10:02Z",
        KB_SESSION,
        S3,
        "GetObject",
        requestParameters={"bucketName": "kb-docs-111", "key": "hr/handbook.pdf"},
    ),
    # 10:20 another user queries the same knowledge base; at 10:20:03 the KB role reads: ambiguous
    _ev(
        10,
        "2026-03-01T10:20:00Z",
        _user("other", OTHER_KEY),
        BR,
        "Retrieve",
        requestParameters={"knowledgeBaseId": "KB1", "retrievalQuery": {"text": "..."}},
    ),
    _ev(
        11,
        "2026-03-01T10:20:01Z",
        _user("dev", KEY),
        BR,
        "Retrieve",
        requestParameters={"knowledgeBaseId": "KB1", "retrievalQuery": {"text": "..."}},
    ),
    _ev(
        12,
        "2026-03-01T10:20:03Z",
        KB_SESSION,
        S3,
        "GetObject",
        requestParameters={"bucketName": "kb-docs-111", "key": "hr/salaries.pdf"},
    ),
]


@pytest.fixture()
def store(tmp_path: Path) -> EventStore:
    (tmp_path / "ct.json").write_text(json.dumps({"Records": RECORDS}))
    s = EventStore()
    s.ingest_cloudtrail([tmp_path / "ct.json"])
    return s


def _proxy_items(report: Any) -> dict[str, Any]:
    return {
        f"{i.event_source.split('.', 1)[0]}:{i.event_name}": i
        for i in report.observed.elements["Proxy"]
    }


def test_proxy_items_by_time_proximity(store: EventStore) -> None:
    result = build_activity(store, access_key=KEY)
    items = _proxy_items(result.report)
    # the subject's own calls, then the roles' calls within PROXY_WINDOW_SECONDS
    assert items["bedrock:InvokeAgent"].count == 1
    assert (items["bedrock:InvokeModel"].count, items["bedrock:InvokeModel"].first_seen) == (
        1,
        "2026-03-01T10:00:05Z",
    )
    gets = [i for i in result.report.observed.elements["Proxy"] if i.event_name == "GetObject"]
    # one item per application: the agent role's payroll (ok) + salaries (denied), the KB
    # role's 10:10:02 read; not the ambiguous 10:20:03 read
    assert [(g.count, g.error_count, g.resources) for g in gets] == [
        (2, 1, ["arn:aws:s3:::secrets-111/payroll.csv", "arn:aws:s3:::secrets-111/salaries.csv"]),
        (1, 0, ["arn:aws:s3:::kb-docs-111/hr/handbook.pdf"]),
    ]
    get = gets[0]
    assert "s3:PutObject" not in items  # 10:05 is outside the window
    assert PROXY_WINDOW_SECONDS < 300
    if ATTRIBUTION_FIELD:
        assert "time proximity" in (get.attribution or "")
        assert items["bedrock:InvokeAgent"].attribution is None


def test_roles_never_join_the_tree(store: EventStore) -> None:
    result = build_activity(store, access_key=KEY)
    keys = {s.access_key_id for s in result.report.observed.sessions}
    assert keys == {KEY}
    assert "ASIAZZAGENTROLE00001" not in result.tree.credentials
    # the subject's own resources do not include what the roles touched
    assert not any("secrets-111" in r for r in result.report.observed.resources)
    # nor do the role's calls land in the subject's own elements
    assert "s3:GetObject" not in {
        f"{i.event_source.split('.', 1)[0]}:{i.event_name}"
        for i in result.report.observed.elements["Private data"]
    }


def test_marker_and_ambiguity_in_coverage(store: EventStore) -> None:
    gaps = [
        g
        for g in build_activity(store, access_key=KEY).report.coverage.gaps
        if g.source == "proxy-attribution"
    ]
    by_app = {
        AGENT: [g for g in gaps if AGENT in g.detail],
        KB: [g for g in gaps if KB in g.detail],
    }
    agent, kb = by_app[AGENT][0], by_app[KB][0]
    assert agent.detail.startswith("attributed by time proximity")
    assert AGENT_ROLE in agent.detail and agent.since == "2026-03-01T10:00:00Z"
    assert "1 call(s) of that role are left out" in kb.detail
    assert "arn:aws:iam::111122223333:user/other" in kb.detail


def test_other_callers_get_nothing(store: EventStore) -> None:
    other = build_activity(store, access_key=OTHER_KEY)
    items = _proxy_items(other.report)
    # the KB role's 10:20:03 read is ambiguous for both callers: neither gets it
    assert "s3:GetObject" not in items and items["bedrock:Retrieve"].count == 1


def test_unknown_role_is_a_gap_and_inventory_supplies_it(tmp_path: Path) -> None:
    records = [r for r in RECORDS if r["eventName"] not in ("CreateAgent", "CreateKnowledgeBase")]
    (tmp_path / "ct.json").write_text(json.dumps({"Records": records}))
    s = EventStore()
    s.ingest_cloudtrail([tmp_path / "ct.json"])
    res = build_activity(s, access_key=KEY)
    assert "s3:GetObject" not in _proxy_items(res.report)
    assert any(
        g.source == "proxy-attribution" and "role is unknown" in g.detail and AGENT in g.detail
        for g in res.report.coverage.gaps
    )
    graph = MemoryGraphStore()
    graph.upsert_nodes(
        [
            Node(AGENT, "agent", "helper", ACCT, "us-east-1"),
            Node(KB, "knowledge_base", "docs", ACCT, "us-east-1"),
            Node(AGENT_ROLE, "role", "agent-role", ACCT, None),
            Node(KB_ROLE, "role", "kb-role", ACCT, None),
        ]
    )
    graph.upsert_edges([Edge(AGENT, AGENT_ROLE, "runs_as"), Edge(KB, KB_ROLE, "runs_as")])
    inv = Inventory(graph, [ACCT])
    res = build_activity(s, access_key=KEY, inventory=inv)
    gets = [i for i in res.report.observed.elements["Proxy"] if i.event_name == "GetObject"]
    assert [g.count for g in gets] == [2, 1]


def test_overlay_marks_proxied_edges(store: EventStore) -> None:
    result = build_activity(store, access_key=KEY)
    graph = MemoryGraphStore()
    overlay_activity(graph, result)
    edges = [e for e in graph.out_edges(AGENT, {"performed"})]
    assert edges and all(e.props["attribution"] == "time proximity" for e in edges)
    assert {e.props["on_behalf_of"] for e in edges} == {KEY}
