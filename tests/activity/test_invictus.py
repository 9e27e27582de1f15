"""The 2,900 real records of the invictus-ir Stratus Red Team run.

How the expected numbers were verified by hand (independently of graphscope's code): a plain
json script over the 55 files selected the records whose userIdentity.accessKeyId is the
attacker's AKIATFQR7NSC8Q4X20BJ or one of the keys in responseElements.credentials of its 10
successful AssumeRole calls (2,151 records: 2,104 by the AKIA key, 29 GetPasswordData, 15
DescribeInstanceAttribute, 2 RunInstances, 1 LeaveOrganization by the sessions), plus the one
ConsoleLogin of user stratus-red-team-nmfalu-gfjyeaypjt, whose password the key set with
CreateLoginProfile 3 minutes earlier = 2,152. Counts per (eventSource, eventName, errorCode)
came from the same script; the element of each name was read off ../shared/elements.md.
"""

from __future__ import annotations

from graphscope.eventstore import EventStore
from graphscope.queries.activity import build_activity

AKIA = "AKIATFQR7NSC8Q4X20BJ"
ACCOUNT = "123837392027"
BERT = f"arn:aws:iam::{ACCOUNT}:user/bert-jan"
BENJAMIN = f"arn:aws:iam::{ACCOUNT}:user/benjamin"
ROLE_SESSIONS = {
    "ASIATFQR7NSCWLLE7IWW": "stratus-red-team-ec2-get-password-data-role/aws-go-sdk-1688990082523310002",
    "ASIATFQR7NSC7E2ZIBM2": "stratus-red-team-ec2-get-password-data-role/aws-go-sdk-1688990082523310002",
    "ASIATFQR7NSCVW2R4OHT": "stratus-red-team-leave-org-role/aws-go-sdk-1688990515440126480",
    "ASIATFQR7NSC2AF7XJOS": "stratus-red-team-leave-org-role/aws-go-sdk-1688990515440126480",
    "ASIATFQR7NSC2632JLFK": "stratus-red-team-get-usr-data-role/aws-go-sdk-1688990565286187801",
    "ASIATFQR7NSC6LRKSQNV": "stratus-red-team-get-usr-data-role/aws-go-sdk-1688990565286187801",
    "ASIATFQR7NSCR2E3KSFW": "stratus-red-team-ec2lui-role-pcccexdthk/aws-go-sdk-1688990797103471741",
    "ASIATFQR7NSC7TITDFL2": "stratus-red-team-ec2lui-role-pcccexdthk/aws-go-sdk-1688990797103471741",
    "ASIATFQR7NSCXLFJ4S5E": "stratus-red-team-ec2lui-role-wuzemnoeqa/aws-go-sdk-1688990966084647983",
    "ASIATFQR7NSCQJB6MQOY": "stratus-red-team-ec2lui-role-wuzemnoeqa/aws-go-sdk-1688990966084647983",
}
CREATED_KEYS = {
    "AKIATFQR7NSC3ZO6PKAZ": "stratus-red-team-backdoor-u-user",
    "AKIATFQR7NSCQLA2F4OD": "malicious-iam-user",
}


def _item(report, element: str, name: str):
    return next(i for i in report.observed.elements[element] if i.event_name == name)


def test_all_records_ingested(invictus_store: EventStore) -> None:
    assert invictus_store.event_count() == 2900
    assert invictus_store.issues() == []


def test_session_tree_through_the_attack_roles(invictus_store: EventStore) -> None:
    result = build_activity(invictus_store, access_key=AKIA)
    tree = result.tree
    assert tree.root_principal == BERT
    expected = {AKIA, *ROLE_SESSIONS, *CREATED_KEYS}
    assert set(tree.credentials) == expected
    for key, session in ROLE_SESSIONS.items():
        cred = tree.credentials[key]
        assert cred.issued_by == AKIA and cred.kind == "assumed-role"
        assert cred.principal == f"arn:aws:sts::{ACCOUNT}:assumed-role/{session}"
    for key, user in CREATED_KEYS.items():
        assert tree.credentials[key].principal == f"arn:aws:iam::{ACCOUNT}:user/{user}"
    sessions = {s.access_key_id: s for s in result.report.observed.sessions}
    assert set(sessions) == expected
    assert (
        sessions[AKIA].first_seen == "2023-07-10T11:54:33Z"
        and sessions[AKIA].last_seen == "2023-07-10T12:29:09Z"
    )
    assert sessions[AKIA].source_ips == ["192.168.10.20"]
    assert sessions["ASIATFQR7NSCWLLE7IWW"].issued_by == AKIA


def test_event_and_element_counts_verified_by_hand(invictus_store: EventStore) -> None:
    result = build_activity(invictus_store, access_key=AKIA)
    report = result.report
    assert result.event_count == 2152
    # Private data: secrets, SSM parameters, EC2 password data and instance user data
    pd = {i.event_name: (i.count, i.error_count) for i in report.observed.elements["Private data"]}
    assert pd == {
        "GetSecretValue": (60, 0),
        "GetParameter": (82, 0),
        "GetParameters": (5, 0),
        "GetPasswordData": (29, 29),
        "DescribeInstanceAttribute": (25, 15),
    }
    # Access: role assumption with 13 denied attempts, identity checks, new ways in
    assert (
        _item(report, "Access", "AssumeRole").count,
        _item(report, "Access", "AssumeRole").error_count,
    ) == (23, 13)
    assert _item(report, "Access", "GetCallerIdentity").count == 14
    assert _item(report, "Access", "CreateAccessKey").count == 2
    assert _item(report, "Access", "CreateLoginProfile").count == 2
    assert (
        _item(report, "Access", "LeaveOrganization").count,
        _item(report, "Access", "LeaveOrganization").error_count,
    ) == (1, 1)
    assert _item(report, "Access", "ConsoleLogin").count == 1  # stratus-red-team-nmfalu-gfjyeaypjt
    # denied recon also lands in Access: GetPasswordData answered Client.UnauthorizedOperation
    assert _item(report, "Access", "GetPasswordData").error_count == 29
    # Data store changes: bucket policy, snapshot and AMI sharing
    ds = {i.event_name: i.count for i in report.observed.elements["Data store changes"]}
    assert (
        ds["PutBucketPolicy"] == 3
        and ds["ModifySnapshotAttribute"] == 2
        and ds["ModifyDBSnapshotAttribute"] == 2
    )
    assert ds["ModifyImageAttribute"] == 2
    # Computing changes: instances, Lambda (versioned names), SSM commands, trail tampering
    cc = {
        i.event_name: (i.count, i.error_count)
        for i in report.observed.elements["Computing changes"]
    }
    assert cc["RunInstances"] == (8, 6)
    assert cc["CreateFunction20150331"] == (6, 4)
    assert cc["SendCommand"] == (2, 1)
    assert cc["StopLogging"] == (3, 3)
    assert cc["DeleteTrail"] == (3, 1)
    for element in ("AI changes", "Invocation", "Proxy"):
        assert report.observed.elements[element] == []  # no Bedrock or SageMaker calls in this run
    assert report.observed.invocations == []
    assert report.observed.source_ips == ["192.168.10.20"]
    created = {c.name for c in report.observed.created_resources}
    assert {"AKIATFQR7NSC3ZO6PKAZ", "AKIATFQR7NSCQLA2F4OD", "malicious-iam-user"} <= created


def test_benjamin_never_leaks_in(invictus_store: EventStore) -> None:
    result = build_activity(invictus_store, access_key=AKIA)
    text = result.report.model_dump_json()
    assert "benjamin" not in text  # neither in observed nor in coverage
    assert "10.248.16.43" not in text  # benjamin's console IP
    ben_keys = {u.access_key_id for u in invictus_store.key_uses() if u.principal == BENJAMIN}
    assert ben_keys and not ben_keys & set(result.tree.credentials)
    # and benjamin's own activity holds nothing of bert-jan's
    ben_key = next(k for k in ben_keys if k and k.startswith("AKIA"))
    ben = build_activity(invictus_store, access_key=ben_key)
    assert ben.report.subject.principal_arn == BENJAMIN
    assert "bert-jan" not in ben.report.observed.model_dump_json()
    # coverage may name bert-jan: his DeleteTrail hides events from everyone, benjamin included
    assert any(
        "another principal (arn:aws:iam::123837392027:user/bert-jan)" in g.detail
        for g in ben.report.coverage.gaps
    )


def test_bert_jans_other_credentials_are_reported_not_merged(invictus_store: EventStore) -> None:
    report = build_activity(invictus_store, access_key=AKIA).report
    gap = next(g for g in report.coverage.gaps if g.source == "session-resolution")
    assert "536 call(s)" in gap.detail and BERT in gap.detail
    whole = build_activity(invictus_store, principal=BERT)
    # + bert-jan's 536 calls with unlinked temporary keys + his own key-less ConsoleLogin
    assert whole.event_count == 2152 + 536 + 1


def test_logging_tampering_in_coverage(invictus_store: EventStore) -> None:
    gaps = build_activity(invictus_store, access_key=AKIA).report.coverage.gaps
    deleted = [g for g in gaps if "DeleteTrail" in g.detail]
    assert {g.since for g in deleted} == {"2023-07-10T12:08:04Z"} and len(
        deleted
    ) == 2  # the failed third is not a gap
    assert not any(
        "StopLogging" in g.detail for g in gaps
    )  # all three StopLogging calls failed (TrailNotFound)
    assert any(
        g.source == "cloudtrail-data-events:s3" for g in gaps
    )  # the dataset has no S3 data events
