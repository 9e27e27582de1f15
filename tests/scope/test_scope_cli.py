"""`graphscope scope` end to end through the CLI on the hand-built incident (handmade.py): every
field of the JSON contract, the findings, the cost and the containment steps."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from graphscope.queries.contract import ScopeReport
from graphscope.schema import ELEMENTS, NODE_KINDS

from .conftest import ACTIVITY_INCIDENT, ORG_SNAPSHOT, run_cli, scope_args
from .handmade import (
    ALICE,
    ANALYST,
    ATTACKER_IP,
    AUDIT,
    BACKDOOR,
    CI_KEY,
    EVIL_URL_AGENT,
    HAIKU,
    HAIKU_COST,
    KEY,
    MGMT,
    ML,
    NOTEBOOK,
    OPS_KEY,
    OTHER_IP,
    SESSION_1,
    SESSION_1_ARN,
    SESSION_2,
    SESSION_2_ARN,
    SONNET,
    XSS_AGENT,
)

CONTRACT_KEYS = {"subject", "window", "potential", "observed", "coverage", "containment"}


def test_top_level_contract_and_extensions(hand_report: dict) -> None:
    assert set(hand_report) >= CONTRACT_KEYS
    assert set(hand_report) - CONTRACT_KEYS <= {"generated_at", "headline", "timeline", "cost"}
    ScopeReport.model_validate(hand_report)  # the printed JSON parses back into the contract


def test_subject_and_window(hand_report: dict) -> None:
    assert hand_report["subject"] == {"input": KEY, "access_key_id": KEY, "principal_arn": ALICE}
    assert hand_report["window"] == {
        "since": "2026-04-02T00:00:00Z",
        "until": "2026-04-02T23:59:59Z",
    }


def test_potential_resources(hand_report: dict) -> None:
    resources = {r["arn"]: r for r in hand_report["potential"]["resources"]}
    assert ALICE not in resources  # never the subject itself
    assert ANALYST in resources and AUDIT in resources
    analyst = resources[ANALYST]
    assert analyst["type"] == "role" and analyst["component"] == "Users"
    assert analyst["paths"][0] == [
        {
            "from": ALICE,
            "to": ANALYST,
            "edge": "can_assume",
            "granted_by": analyst["paths"][0][0]["granted_by"],
        }
    ]
    # the management account's AuditReader trusts analyst only with MFA: a conditional, two-hop reach
    audit = resources[AUDIT]
    assert audit["conditional"] is True and audit["conditions"]
    assert [h["to"] for h in audit["paths"][0]] == [ANALYST, AUDIT]
    bucket = resources["arn:aws:s3:::acme-training-data"]
    assert bucket["component"] == "Private data" and bucket["type"] == "s3_bucket"
    assert bucket["actions"] and set(bucket["access_levels"]) <= {
        "List",
        "Read",
        "Write",
        "Permissions management",
        "Tagging",
    }
    for r in resources.values():
        assert set(r) >= {
            "arn",
            "type",
            "component",
            "actions",
            "access_levels",
            "conditional",
            "conditions",
            "paths",
        }
        assert r["type"] in NODE_KINDS and r["paths"]
        for path in r["paths"]:
            assert path[0]["from"] == ALICE and path[-1]["to"] == r["arn"]


def test_observed_sessions_are_the_tree_only(hand_report: dict) -> None:
    sessions = {s["access_key_id"]: s for s in hand_report["observed"]["sessions"]}
    assert set(sessions) == {KEY, SESSION_1, SESSION_2, BACKDOOR}
    assert sessions[KEY] == {
        "access_key_id": KEY,
        "principal_arn": ALICE,
        "issued_by": None,
        "first_seen": "2026-04-02T08:00:00Z",
        "last_seen": "2026-04-02T08:10:00Z",
        "source_ips": [ATTACKER_IP],
        "user_agents": sorted([XSS_AGENT, EVIL_URL_AGENT]),
    }
    assert sessions[SESSION_1]["issued_by"] == KEY
    assert sessions[SESSION_1]["principal_arn"] == SESSION_1_ARN
    assert sessions[SESSION_2]["issued_by"] == SESSION_1
    assert sessions[SESSION_2]["principal_arn"] == SESSION_2_ARN
    assert sessions[BACKDOOR]["principal_arn"] == f"arn:aws:iam::{ML}:user/ci-bot"
    text = json.dumps(hand_report)
    for foreign in (
        OPS_KEY,
        CI_KEY,
        OTHER_IP,
        "ops-legit-agent",
        "ci-legit-agent",
        "UpdateFunctionCode",
    ):
        assert foreign not in text


def test_observed_elements_items(hand_report: dict) -> None:
    elements = hand_report["observed"]["elements"]
    assert list(elements) == list(ELEMENTS)
    by_name = {(el, i["event_name"]): i for el, items in elements.items() for i in items}
    get = by_name[("Private data", "GetObject")]
    assert get == {
        "event_source": "s3.amazonaws.com",
        "event_name": "GetObject",
        "count": 1,
        "error_count": 0,
        "resources": [
            "arn:aws:s3:::acme-training-data",
            "arn:aws:s3:::acme-training-data/train.csv",
        ],
        "first_seen": "2026-04-02T08:04:00Z",
        "last_seen": "2026-04-02T08:04:00Z",
        "attribution": None,  # set only on items tied to the subject by time (Proxy)
    }
    denied = by_name[("Access", "ListRoles")]
    assert denied["count"] == 1 and denied["error_count"] == 1
    invoke = by_name[("Invocation", "InvokeModel")]
    assert invoke["count"] == 2 and invoke["error_count"] == 0
    assert ("Computing changes", "CreateNotebookInstance") in by_name
    assert ("Data store changes", "PutBucketPolicy") in by_name


def test_observed_resources_created_ips_agents(hand_report: dict) -> None:
    obs = hand_report["observed"]
    assert "arn:aws:s3:::acme-training-data/train.csv" in obs["resources"]
    assert ANALYST in obs["resources"] and AUDIT in obs["resources"]
    assert all("ListRoles" not in r for r in obs["resources"])
    assert obs["created_resources"] == [
        {
            "arn": f"arn:aws:iam::{ML}:user/ci-bot",
            "name": BACKDOOR,
            "event_name": "CreateAccessKey",
            "event_time": "2026-04-02T08:09:00Z",
        },
        {
            "arn": f"arn:aws:sagemaker:us-east-1:{ML}:notebook-instance/nb-x",
            "name": NOTEBOOK,
            "event_name": "CreateNotebookInstance",
            "event_time": "2026-04-02T08:10:00Z",
        },
    ]
    assert obs["source_ips"] == [ATTACKER_IP]
    assert obs["user_agents"] == sorted(["Boto3/1.34.0", EVIL_URL_AGENT, XSS_AGENT])


def test_invocations_are_priced_from_tokens(hand_report: dict) -> None:
    inv = {(i["model_id"], i["source"]): i for i in hand_report["observed"]["invocations"]}
    assert inv[(HAIKU, "invocation-log")] == {
        "model_id": HAIKU,
        "source": "invocation-log",
        "count": 1,
        "input_tokens": 10_000,
        "output_tokens": 2_000,
        "estimated_cost_usd": HAIKU_COST,
    }
    sonnet = inv[(SONNET, "cloudtrail")]
    assert sonnet["count"] == 1 and sonnet["input_tokens"] is None
    assert sonnet["estimated_cost_usd"] is None
    cost = hand_report["cost"]
    assert cost["total_usd"] == HAIKU_COST and cost["lower_bound"] is True
    assert cost["prices_as_of"] and "bedrock/pricing" in cost["price_source"]
    sonnet_line = next(ln for ln in cost["lines"] if ln["model_id"] == SONNET)
    assert sonnet_line["note"].startswith("tokens unknown")
    assert "1 call(s) have no invocation-log record" in sonnet_line["note"]
    haiku_ct = next(
        ln for ln in cost["lines"] if ln["model_id"] == HAIKU and ln["source"] == "cloudtrail"
    )
    assert "the invocation-log line prices these calls" in haiku_ct["note"]


def test_coverage_gaps(hand_report: dict) -> None:
    gaps = hand_report["coverage"]["gaps"]
    assert all(set(g) == {"source", "detail", "since"} for g in gaps)
    deleted = [g for g in gaps if "DeleteModelInvocationLoggingConfiguration" in g["detail"]]
    assert deleted and deleted[0]["source"] == "bedrock-invocation-logs"
    assert deleted[0]["since"] == "2026-04-02T08:06:00Z"
    # the snapshot's own collection gap weakens the potential block
    assert any(g["source"] == "inventory" and "ListDomains" in g["detail"] for g in gaps)
    # a gap found twice is shown once
    assert len({(g["source"], g["detail"]) for g in gaps}) == len(gaps)


def test_findings_worst_first_with_their_gaps(hand_report: dict) -> None:
    findings = hand_report["headline"]["findings"]
    kinds = [f["kind"] for f in findings]
    assert kinds == [
        "logging-disabled",
        "data-read",
        "compute-started",
        "privilege-escalation",
        "lateral-movement",
        "money-spent",
        "data-store-changed",
        "recon",
    ]
    by_kind = {f["kind"]: f for f in findings}
    assert by_kind["logging-disabled"]["severity"] == "critical"
    assert any("acme-training-data/train.csv" in e for e in by_kind["data-read"]["evidence"])
    money = by_kind["money-spent"]
    assert {g["source"] for g in money["weakened_by"]} == {
        "bedrock-invocation-logs",
        "cloudtrail-data-events:bedrock",
    }
    assert "lower bound" in money["title"]
    assert by_kind["recon"]["evidence"] == ["iam:ListRoles x1"]
    head = hand_report["headline"]
    assert head["first_seen"] == "2026-04-02T08:00:00Z" and head["sessions"] == 4
    assert head["accounts"] == [MGMT, ML]
    reach = {c["component"]: c for c in head["reach"]}
    assert reach["Private data"]["potential"] >= 3 and reach["Private data"]["observed"] >= 1


def test_timeline_keeps_recon_apart(hand_report: dict) -> None:
    tl = hand_report["timeline"]
    assert [e["event_name"] for e in tl["recon"]] == ["ListRoles"]
    names = [e["event_name"] for e in tl["actions"]]
    assert "ListRoles" not in names
    assert names[0] == "GetCallerIdentity" and names[-1] == "CreateNotebookInstance"
    times = [e["first_seen"] for e in tl["actions"]]
    assert times == sorted(times)


def test_containment_commands(hand_report: dict) -> None:
    steps = hand_report["containment"]
    assert all({"action", "command"} <= set(s) for s in steps)
    cmds = [shlex.split(s["command"].split(" && ")[0]) for s in steps]
    assert cmds[0] == [
        "aws",
        "iam",
        "update-access-key",
        "--user-name",
        "dev-alice",
        "--access-key-id",
        KEY,
        "--status",
        "Inactive",
        "--profile",
        ML,
    ]
    generated = hand_report["generated_at"]
    revokes = {
        c[c.index("--role-name") + 1]: c for c in cmds if c[:3] == ["aws", "iam", "put-role-policy"]
    }
    assert set(revokes) == {"analyst", "AuditReader"}
    assert revokes["AuditReader"][-1] == MGMT and revokes["analyst"][-1] == ML
    policy = json.loads(revokes["analyst"][revokes["analyst"].index("--policy-document") + 1])
    assert policy["Statement"][0]["Effect"] == "Deny"
    assert policy["Statement"][0]["Condition"] == {
        "DateLessThan": {"aws:TokenIssueTime": generated}
    }
    by_op = {tuple(c[1:3]): c for c in cmds}
    assert by_op[("iam", "update-access-key")]  # subject key first, backdoor below
    backdoor = [c for c in cmds if BACKDOOR in c]
    assert backdoor and backdoor[0][backdoor[0].index("--user-name") + 1] == "ci-bot"
    logging = by_op[("bedrock", "put-model-invocation-logging-configuration")]
    config = json.loads(logging[logging.index("--logging-config") + 1])
    assert config["s3Config"] == {
        "bucketName": "acme-model-artifacts",
        "keyPrefix": "invocation-logs/",
    }
    assert logging[logging.index("--region") + 1] == "us-east-1"
    restore = by_op[("s3api", "put-bucket-policy")]
    before = json.loads(restore[restore.index("--policy") + 1])
    assert before["Statement"][0]["Sid"] == "DenyConfidentialExceptKb"  # the snapshot's policy
    nb = by_op[("sagemaker", "stop-notebook-instance")]
    assert nb[nb.index("--notebook-instance-name") + 1] == NOTEBOOK  # one argument, not code


def test_scope_from_a_temporary_key_starts_at_its_role(hand_inputs: tuple[Path, Path]) -> None:
    out = run_cli(*scope_args(hand_inputs, "--access-key", SESSION_1))
    r = json.loads(out.stdout)
    assert r["subject"] == {
        "input": SESSION_1,
        "access_key_id": SESSION_1,
        "principal_arn": ANALYST,
    }
    sessions = {s["access_key_id"] for s in r["observed"]["sessions"]}
    assert sessions == {SESSION_1, SESSION_2}  # the parent key is upstream, not in the tree
    assert {p["arn"] for p in r["potential"]["resources"]} >= {AUDIT}
    assert ALICE not in {p["arn"] for p in r["potential"]["resources"]}
    assert any(KEY in n and "issued" in n for n in r["headline"]["notes"])
    cmds = [shlex.split(s["command"]) for s in r["containment"]]
    assert not any(c[2] == "update-access-key" and SESSION_1 in c for c in cmds)
    upstream = [c for c in cmds if c[2] == "update-access-key" and KEY in c]
    assert upstream and upstream[0][upstream[0].index("--user-name") + 1] == "dev-alice"
    assert "CreateAccessKey" not in json.dumps(r["observed"]["elements"])  # the parent's call


def test_without_a_snapshot_potential_is_empty_and_coverage_says_so(
    hand_inputs: tuple[Path, Path],
) -> None:
    ct, inv = hand_inputs
    out = run_cli(
        "scope", "--access-key", KEY, "--cloudtrail", str(ct), "--invocation-logs", str(inv)
    )
    r = json.loads(out.stdout)
    assert r["potential"] == {"resources": []}
    assert r["subject"]["principal_arn"] == ALICE  # found through the events
    assert any(
        g["source"] == "inventory" and "no snapshot" in g["detail"] for g in r["coverage"]["gaps"]
    )
    # without the snapshot, the earlier bucket policy is unknown: the command asks for it
    assert any("file://bucket-policy-before.json" in s["command"] for s in r["containment"])


def test_key_found_only_through_the_snapshot() -> None:
    out = run_cli("scope", "--access-key", KEY, "--snapshot", str(ORG_SNAPSHOT))
    r = json.loads(out.stdout)
    assert r["subject"]["principal_arn"] == ALICE
    assert r["potential"]["resources"] and r["observed"]["sessions"] == []


def test_unknown_key_is_a_clear_error(hand_inputs: tuple[Path, Path]) -> None:
    out = run_cli(*scope_args(hand_inputs, "--access-key", "AKIANOTFOUND00000000"), check=False)
    assert out.returncode == 1
    assert "AKIANOTFOUND00000000" in out.stderr and out.stdout == ""


def test_bad_flags(hand_inputs: tuple[Path, Path]) -> None:
    both = run_cli(*scope_args(hand_inputs, "--access-key", KEY, "--principal", ALICE), check=False)
    assert both.returncode == 2 and "exactly one" in both.stderr
    bad_time = run_cli(
        *scope_args(hand_inputs, "--access-key", KEY, "--since", "yesterday"), check=False
    )
    assert bad_time.returncode == 2 and "yesterday" in bad_time.stderr
    missing = run_cli("scope", "--access-key", KEY, "--cloudtrail", "/nonexistent/ct", check=False)
    assert missing.returncode == 2 and "/nonexistent/ct" in missing.stderr


def test_principal_subject_and_output_file(hand_inputs: tuple[Path, Path], tmp_path: Path) -> None:
    out_file = tmp_path / "r.md"
    run_cli(
        *scope_args(hand_inputs, "--principal", ALICE, "--format", "md", "--out", str(out_file))
    )
    text = out_file.read_text()
    assert text.startswith(f"# Incident scope: {ALICE}\n")
    assert f"- **Principal**: {ALICE}" in text
    assert "## Containment" in text and "## Findings (worst first)" in text
    # a user given as a principal: every long-term key of it seen in the logs is deactivated
    assert "update-access-key --user-name dev-alice --access-key-id AKIAPRODALICE0000001" in text


def test_activity_incident_logs_only() -> None:
    """The activity fixture: a legitimate job shares ml-pipeline with the attacker; only the
    attacker's session is scoped and revoked-sessions steps name both roles it used."""
    out = run_cli(
        "scope",
        "--access-key",
        "AKIAZZATTACKER000001",
        "--cloudtrail",
        str(ACTIVITY_INCIDENT),
        "--invocation-logs",
        str(ACTIVITY_INCIDENT),
    )
    r = json.loads(out.stdout)
    assert "ASIAZZLEGITSESS00001" not in out.stdout and "nightly-train" not in out.stdout
    roles = sorted(
        shlex.split(s["command"])[4] for s in r["containment"] if "put-role-policy" in s["command"]
    )
    assert roles == ["cross-admin", "ml-pipeline"]
    terminate = [s for s in r["containment"] if "terminate-instances" in s["command"]]
    assert terminate and "i-0feedfacecafe0001" in terminate[0]["command"]
