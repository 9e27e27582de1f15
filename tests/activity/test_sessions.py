"""Session trees on the synthetic incident: role chaining, a shared role, a cross-account hop,
a console session, web-identity federation, a Bedrock API key and a backdoor access key."""

from __future__ import annotations

import json
from pathlib import Path

from graphscope.eventstore import EventStore
from graphscope.queries.activity import build_activity, subject_events
from graphscope.queries.sessions import resolve_tree

from .conftest import ATTACKER_KEY, LEGIT_KEY, A, B

ATTACKER_TREE = {
    ATTACKER_KEY: ("subject", None),
    "ASIAZZATTACKSESS0001": ("assumed-role", ATTACKER_KEY),  # ml-pipeline/alice-x
    "ASIAZZCROSSHOP000001": ("assumed-role", "ASIAZZATTACKSESS0001"),  # chained, into account B
    "ACCAZZBEDROCKKEY0001": ("bedrock-api-key", ATTACKER_KEY),
    "AKIAZZBACKDOOR000001": ("access-key-created", ATTACKER_KEY),
    "ASIAZZCONSOLEBOB0001": (
        "console",
        ATTACKER_KEY,
    ),  # intern-bob's password was set by the attacker
    "ASIAZZCONSOLEBOB0002": ("console", ATTACKER_KEY),
}


def _tree(store: EventStore, key: str | None = None, principal: str | None = None):
    return resolve_tree(
        key, principal, store.issuances(), store.key_uses(), store.login_profile_changes()
    )


def test_attacker_tree_is_exactly_what_derives_from_the_key(incident_store: EventStore) -> None:
    tree = _tree(incident_store, ATTACKER_KEY)
    assert {k: (c.kind, c.issued_by) for k, c in tree.credentials.items()} == ATTACKER_TREE
    hop = tree.credentials["ASIAZZCROSSHOP000001"]
    assert hop.principal == f"arn:aws:sts::{B}:assumed-role/cross-admin/hop" and hop.depth == 2
    assert tree.root_principal == f"arn:aws:iam::{A}:user/dev-alice"


def test_shared_role_attributed_by_session_not_by_role(incident_store: EventStore) -> None:
    tree = _tree(incident_store, ATTACKER_KEY)
    events = list(subject_events(incident_store, tree))
    principals = {e.principal for e in events}
    assert f"arn:aws:sts::{A}:assumed-role/ml-pipeline/alice-x" in principals
    assert f"arn:aws:sts::{A}:assumed-role/ml-pipeline/nightly-train" not in principals
    assert not any(e.access_key_id in (LEGIT_KEY, "ASIAZZLEGITSESS00001") for e in events)
    # and the other way round: the legitimate job's tree holds none of the attacker's sessions
    legit = _tree(incident_store, LEGIT_KEY)
    assert set(legit.credentials) == {LEGIT_KEY, "ASIAZZLEGITSESS00001"}
    assert not any(
        e.access_key_id == "ASIAZZATTACKSESS0001" for e in subject_events(incident_store, legit)
    )


def test_cross_account_assume_role_logged_twice_is_one_session(incident_store: EventStore) -> None:
    copies = [e for e in incident_store.issuances() if e.issued_key == "ASIAZZCROSSHOP000001"]
    assert {e.account for e in copies} == {A, B}
    tree = _tree(incident_store, ATTACKER_KEY)
    events = list(subject_events(incident_store, tree))
    assert (
        sum(e.name == "AssumeRole" for e in events) == 2
    )  # AKIA -> alice-x, alice-x -> hop; B's copy is not the subject's call
    assert {e.account for e in events if e.access_key_id == "ASIAZZCROSSHOP000001"} == {B}


def test_asia_subject_gets_its_descendants_and_ancestry(incident_store: EventStore) -> None:
    tree = _tree(incident_store, "ASIAZZATTACKSESS0001")
    assert set(tree.credentials) == {"ASIAZZATTACKSESS0001", "ASIAZZCROSSHOP000001"}
    assert [c.issued_by for c in tree.ancestry] == [ATTACKER_KEY]
    report = build_activity(incident_store, access_key="ASIAZZATTACKSESS0001").report
    assert report.observed.sessions[0].issued_by == ATTACKER_KEY


def test_web_identity_federation(incident_store: EventStore) -> None:
    web = (
        "web-identity:token.actions.githubusercontent.com:repo:example-org/app:ref:refs/heads/main"
    )
    tree = _tree(incident_store, principal=web)
    assert set(tree.credentials) == {"ASIAZZWEBIDENT000001"}
    assert tree.credentials["ASIAZZWEBIDENT000001"].kind == "web-identity"
    names = [e.name for e in sorted(subject_events(incident_store, tree), key=lambda e: e.time)]
    assert names == ["AssumeRoleWithWebIdentity", "PutObject"]
    assert "ASIAZZWEBIDENT000001" not in _tree(incident_store, ATTACKER_KEY).credentials


def test_console_sessions_not_derived_from_the_key_stay_out(incident_store: EventStore) -> None:
    tree = _tree(incident_store, ATTACKER_KEY)
    events = list(subject_events(incident_store, tree))
    assert not any(e.principal == f"arn:aws:iam::{A}:user/carol" for e in events)
    logins = [e for e in events if e.name == "ConsoleLogin"]
    assert [e.principal for e in logins] == [f"arn:aws:iam::{A}:user/intern-bob"]


def test_role_principal_subject_takes_all_of_its_sessions(incident_store: EventStore) -> None:
    tree = _tree(incident_store, principal=f"arn:aws:iam::{A}:role/ml-pipeline")
    assert {"ASIAZZATTACKSESS0001", "ASIAZZLEGITSESS00001"} <= set(tree.credentials)


def _role_event(t: str, name: str, key: str, session: str, created: str, **extra: object) -> dict:
    return {
        "eventVersion": "1.09",
        "eventID": f"{key}-{t}",
        "eventTime": t,
        "eventSource": "bedrock.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "recipientAccountId": A,
        "userIdentity": {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{A}:assumed-role/shared/{session}",
            "accessKeyId": key,
            "sessionContext": {"attributes": {"creationDate": created}},
        },
        "requestParameters": {"modelId": "m"},
        **extra,
    }


def _assume(t: str, caller_key: str, new_key: str, session: str) -> dict:
    return {
        "eventVersion": "1.09",
        "eventID": f"assume-{new_key}",
        "eventTime": t,
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRole",
        "awsRegion": "us-east-1",
        "recipientAccountId": A,
        "userIdentity": {
            "type": "IAMUser",
            "arn": f"arn:aws:iam::{A}:user/{caller_key}",
            "accessKeyId": caller_key,
        },
        "requestParameters": {
            "roleArn": f"arn:aws:iam::{A}:role/shared",
            "roleSessionName": session,
        },
        "responseElements": {
            "credentials": {"accessKeyId": new_key, "expiration": "2026-03-01T11:00:00Z"},
            "assumedRoleUser": {"arn": f"arn:aws:sts::{A}:assumed-role/shared/{session}"},
        },
    }


def test_same_session_name_overlap_is_ambiguous_for_invocation_logs(tmp_path: Path) -> None:
    """Attacker and job both use session name 'botocore' at the same time: ARN + time cannot
    tell their invocation-log records apart, so neither is attributed and coverage says so."""
    records = [
        _assume("2026-03-01T10:00:00Z", "AKIAZZEVIL0000000001", "ASIAZZEVILSESS000001", "botocore"),
        _assume("2026-03-01T10:00:30Z", "AKIAZZJOB00000000001", "ASIAZZJOBSESS0000001", "botocore"),
        _role_event(
            "2026-03-01T10:01:00Z",
            "InvokeModel",
            "ASIAZZEVILSESS000001",
            "botocore",
            "2026-03-01T10:00:00Z",
        ),
        _role_event(
            "2026-03-01T10:01:05Z",
            "InvokeModel",
            "ASIAZZJOBSESS0000001",
            "botocore",
            "2026-03-01T10:00:30Z",
        ),
    ]
    (tmp_path / "ct.json").write_text(json.dumps({"Records": records}))
    inv = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-03-01T10:02:00Z",
        "accountId": A,
        "region": "us-east-1",
        "identity": {"arn": f"arn:aws:sts::{A}:assumed-role/shared/botocore"},
        "modelId": "m",
        "operation": "InvokeModel",
        "requestId": "no-cloudtrail-match",
        "input": {"inputTokenCount": 10},
        "output": {"outputTokenCount": 5},
    }
    (tmp_path / "inv.jsonl").write_text(json.dumps(inv) + "\n")
    store = EventStore()
    store.ingest_cloudtrail([tmp_path / "ct.json"])
    store.ingest_invocation_logs([tmp_path / "inv.jsonl"])
    result = build_activity(store, access_key="AKIAZZEVIL0000000001")
    # CloudTrail: each session's calls go to its own tree, even with the same ARN
    invocation_item = result.report.observed.elements["Invocation"][0]
    assert invocation_item.count == 1
    assert [i.source for i in result.report.observed.invocations] == ["cloudtrail"]
    assert result.ambiguous_invocations == 1
    assert any("not attributed" in g.detail for g in result.report.coverage.gaps)


def test_invocation_log_joined_by_request_id_beats_arn(tmp_path: Path) -> None:
    """A record whose requestId matches a CloudTrail call is attributed by that call's key."""
    records = [
        _assume("2026-03-01T10:00:00Z", "AKIAZZEVIL0000000001", "ASIAZZEVILSESS000001", "botocore"),
        _assume("2026-03-01T10:00:30Z", "AKIAZZJOB00000000001", "ASIAZZJOBSESS0000001", "botocore"),
        _role_event(
            "2026-03-01T10:01:00Z",
            "InvokeModel",
            "ASIAZZEVILSESS000001",
            "botocore",
            "2026-03-01T10:00:00Z",
            requestID="rid-evil",
        ),
    ]
    (tmp_path / "ct.json").write_text(json.dumps({"Records": records}))
    inv = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-03-01T10:01:00Z",
        "accountId": A,
        "region": "us-east-1",
        "identity": {"arn": f"arn:aws:sts::{A}:assumed-role/shared/botocore"},
        "modelId": "m",
        "operation": "InvokeModel",
        "requestId": "rid-evil",
        "input": {"inputTokenCount": 10},
        "output": {"outputTokenCount": 5},
    }
    (tmp_path / "inv.jsonl").write_text(json.dumps(inv) + "\n")
    store = EventStore()
    store.ingest_cloudtrail([tmp_path / "ct.json"])
    store.ingest_invocation_logs([tmp_path / "inv.jsonl"])
    evil = build_activity(store, access_key="AKIAZZEVIL0000000001")
    logged = [i for i in evil.report.observed.invocations if i.source == "invocation-log"]
    assert [(i.count, i.input_tokens, i.output_tokens) for i in logged] == [(1, 10, 5)]
    job = build_activity(store, access_key="AKIAZZJOB00000000001")
    assert not [i for i in job.report.observed.invocations if i.source == "invocation-log"]


def test_get_session_token_and_federation_token(tmp_path: Path) -> None:
    user = {
        "type": "IAMUser",
        "arn": f"arn:aws:iam::{A}:user/dev",
        "accountId": A,
        "accessKeyId": "AKIAZZSTS00000000001",
    }
    fed_arn = f"arn:aws:sts::{A}:federated-user/contractor"

    def ev(
        t: str, name: str, ui: dict, resp: dict | None = None, source: str = "sts.amazonaws.com"
    ) -> dict:
        return {
            "eventVersion": "1.09",
            "eventID": f"{name}-{t}",
            "eventTime": t,
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "recipientAccountId": A,
            "userIdentity": ui,
            "responseElements": resp,
        }

    records = [
        ev(
            "2026-03-01T10:00:00Z",
            "GetSessionToken",
            user,
            {
                "credentials": {
                    "accessKeyId": "ASIAZZSTSTOKEN000001",
                    "expiration": "2026-03-01T22:00:00Z",
                }
            },
        ),
        ev(
            "2026-03-01T10:01:00Z",
            "GetFederationToken",
            user,
            {
                "credentials": {"accessKeyId": "ASIAZZFEDTOKEN000001"},
                "federatedUser": {"arn": fed_arn, "federatedUserId": f"{A}:contractor"},
            },
        ),
        ev(
            "2026-03-01T10:02:00Z",
            "ListBuckets",
            {
                **user,
                "accessKeyId": "ASIAZZSTSTOKEN000001",
                "sessionContext": {
                    "attributes": {
                        "creationDate": "2026-03-01T10:00:00Z",
                        "mfaAuthenticated": "true",
                    }
                },
            },
            source="s3.amazonaws.com",
        ),
        ev(
            "2026-03-01T10:03:00Z",
            "ListBuckets",
            {
                "type": "FederatedUser",
                "arn": fed_arn,
                "accountId": A,
                "accessKeyId": "ASIAZZFEDTOKEN000001",
            },
            source="s3.amazonaws.com",
        ),
    ]
    (tmp_path / "ct.json").write_text(json.dumps({"Records": records}))
    store = EventStore()
    store.ingest_cloudtrail([tmp_path / "ct.json"])
    tree = _tree(store, "AKIAZZSTS00000000001")
    assert {k: (c.kind, c.principal) for k, c in tree.credentials.items()} == {
        "AKIAZZSTS00000000001": ("subject", f"arn:aws:iam::{A}:user/dev"),
        "ASIAZZSTSTOKEN000001": ("session-token", f"arn:aws:iam::{A}:user/dev"),
        "ASIAZZFEDTOKEN000001": ("federation-token", fed_arn),
    }
    assert len(list(subject_events(store, tree))) == 4
