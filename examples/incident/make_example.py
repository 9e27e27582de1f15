"""Writes the bundled example incident: snapshot/, cloudtrail/, invocation-logs/, expected.json.

    python examples/incident/make_example.py            # regenerate in place
    python examples/incident/make_example.py --out DIR  # write elsewhere (tests compare bytes)

Seeded and deterministic (gzip without timestamps, sorted JSON keys in the snapshot), stdlib only:
world.py holds the organisation, story.py the incident day, and this file the writers and the
expected facts, computed from the story's ground truth (who really made each call), never from
graphscope's output. README.md tells the story.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import story  # noqa: E402
import world  # noqa: E402
from story import ATTACKER, Day, at  # noqa: E402
from world import (  # noqa: E402
    ACCOUNTS,
    DEV,
    MGMT,
    ORG,
    PROD,
    R1,
    R2,
    REGIONS,
    iam,
    s3,
)

FORMAT = "aws-api-responses/1"
OUTPUTS = ("snapshot", "cloudtrail", "invocation-logs", "expected.json")


# ------------------------------------------------------------------------------- writers
def _json_file(obj: Any) -> bytes:
    """The snapshot's deterministic JSON: sorted keys, two-space indent."""
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def write_snapshot(root: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for (account, region, service, op, key), (req, resp, err) in world.snapshot_files().items():
        rel = f"{account}/{region}/{service}/{op}/{key}.json"
        body: dict[str, Any] = {"request": req, "response": resp}
        if err is not None:
            body["error"] = err
        data = _json_file(body)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[rel] = hashlib.sha256(data).hexdigest()
    manifest = {
        "format": FORMAT,
        "collected_at": world.COLLECTED_AT,
        "collected_by": f"arn:aws:sts::{MGMT}:assumed-role/ir-collector/responder",
        "accounts": sorted(ACCOUNTS),
        "regions": list(REGIONS),
        "gaps": [],
        "files": dict(sorted(files.items())),
    }
    (root / "manifest.json").write_bytes(_json_file(manifest))
    return files


def write_cloudtrail(root: Path, day: Day) -> list[str]:
    """Delivery files: one per account, region and hour, as an organisation trail lays them out."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for rec, _ in day.records:
        groups[(rec["recipientAccountId"], rec["awsRegion"], rec["eventTime"][:13])].append(rec)
    written = []
    for account, region, hour in sorted(groups):
        recs = sorted(groups[(account, region, hour)], key=lambda r: (r["eventTime"], r["eventID"]))
        y, m, dd = hour[:10].split("-")
        stamp = f"{y}{m}{dd}T{hour[11:13]}55Z"
        name = f"{account}_CloudTrail_{region}_{stamp}_{day.chars(16, _ALNUM)}.json.gz"
        rel = f"AWSLogs/{ORG}/{account}/CloudTrail/{region}/{y}/{m}/{dd}/{name}"
        data = json.dumps({"Records": recs}, separators=(",", ":"), ensure_ascii=False).encode()
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_gz(data))
        written.append(rel)
    return written


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def write_invocation_logs(root: Path, day: Day) -> list[str]:
    """JSON Lines, gzip, one file per hour, in Bedrock's S3 delivery layout."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for inv in day.invocations:
        groups[inv.record["timestamp"][:13]].append(inv.record)
    written = []
    for hour in sorted(groups):
        recs = sorted(groups[hour], key=lambda r: (r["timestamp"], r["requestId"]))
        y, m, dd = hour[:10].split("-")
        hh = hour[11:13]
        name = f"{y}{m}{dd}T{hh}5959Z_{day.chars(16, '0123456789abcdef')}.json.gz"
        rel = f"AWSLogs/{PROD}/BedrockModelInvocationLogs/{R1}/{y}/{m}/{dd}/{hh}/{name}"
        data = "".join(
            json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in recs
        ).encode()
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_gz(data))
        written.append(rel)
    return written


# ------------------------------------------------------------------------- expected facts
# The seven elements of ../shared/elements.md, assigned by hand to the calls this story uses.
# A denied call (AccessDenied*, Client.UnauthorizedOperation) is also Access: reconnaissance.
ELEMENTS_BY_CALL: dict[tuple[str, str], tuple[str, ...]] = {
    ("sts", "GetCallerIdentity"): ("Access",),
    ("sts", "AssumeRole"): ("Access",),
    ("s3", "ListBuckets"): ("Access",),
    ("iam", "ListRoles"): ("Access",),
    ("iam", "ListAttachedUserPolicies"): ("Access",),
    ("iam", "ListUserPolicies"): ("Access",),
    ("iam", "ListAccessKeys"): ("Access",),
    ("iam", "CreateUser"): ("Access",),
    ("iam", "CreateAccessKey"): ("Access",),
    ("iam", "CreateServiceSpecificCredential"): ("Access",),
    ("ec2", "DescribeInstances"): ("Access",),
    ("bedrock", "ListFoundationModels"): ("Access",),
    ("bedrock", "ListCustomModels"): ("Access",),
    ("bedrock", "GetModelInvocationLoggingConfiguration"): ("Access",),
    ("bedrock", "DeleteModelInvocationLoggingConfiguration"): ("AI changes",),
    ("bedrock", "UpdateDataSource"): ("AI changes",),
    ("bedrock", "StartIngestionJob"): ("Data store changes",),
    ("bedrock", "InvokeModel"): ("Invocation",),
    ("bedrock", "Retrieve"): ("Invocation", "Private data", "Proxy"),
    ("bedrock", "RetrieveAndGenerate"): ("Invocation", "Private data", "Proxy"),
    ("bedrock", "InvokeAgent"): ("Invocation", "Proxy"),
    ("s3", "ListObjects"): ("Private data",),
    ("s3", "GetObject"): ("Private data",),
    ("sagemaker", "CreateNotebookInstance"): ("Computing changes",),
    ("sagemaker", "CreatePresignedNotebookInstanceUrl"): ("Computing changes",),
    ("sagemaker", "DescribeNotebookInstance"): ("Access",),
}
ELEMENT_NAMES = (
    "Access",
    "Computing changes",
    "AI changes",
    "Data store changes",
    "Invocation",
    "Private data",
    "Proxy",
)
DENIED = ("AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation")


def attacker_events(day: Day) -> list[dict[str, Any]]:
    """Each call the attacker made, once (the role account's copy of an AssumeRole is the same call)."""
    return [r for r, m in day.records if m.actor == ATTACKER and not m.copy]


def expected_elements(day: Day) -> dict[str, list[dict[str, Any]]]:
    items: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in attacker_events(day):
        svc = r["eventSource"].split(".", 1)[0]
        elements = set(ELEMENTS_BY_CALL[(svc, r["eventName"])])
        if r.get("errorCode") in DENIED:
            elements.add("Access")
        for el in elements:
            it = items.setdefault(
                (el, r["eventSource"], r["eventName"]),
                {
                    "event_source": r["eventSource"],
                    "event_name": r["eventName"],
                    "count": 0,
                    "error_count": 0,
                },
            )
            it["count"] += 1
            it["error_count"] += 1 if r.get("errorCode") else 0
    out: dict[str, list[dict[str, Any]]] = {el: [] for el in ELEMENT_NAMES}
    for (el, _source, _name), it in sorted(items.items()):
        out[el].append(it)
    return out


def expected_invocations(day: Day) -> list[dict[str, Any]]:
    ct: dict[str, int] = defaultdict(int)
    for r in attacker_events(day):
        if r["eventName"] == "InvokeModel" and not r.get("errorCode"):
            ct[r["requestParameters"]["modelId"]] += 1
    logs: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for inv in day.invocations:
        if inv.actor == ATTACKER:
            acc = logs[inv.record["modelId"]]
            acc[0] += 1
            acc[1] += inv.record["input"]["inputTokenCount"]
            acc[2] += inv.record["output"]["outputTokenCount"]
    out = [
        {
            "model_id": m,
            "source": "invocation-log",
            "count": c,
            "input_tokens": i,
            "output_tokens": o,
        }
        for m, (c, i, o) in sorted(logs.items())
    ]
    out += [
        {
            "model_id": m,
            "source": "cloudtrail",
            "count": c,
            "input_tokens": None,
            "output_tokens": None,
        }
        for m, c in sorted(ct.items())
    ]
    return out


def expected_sessions(day: Day) -> list[dict[str, Any]]:
    """The credential tree in issue order, each with when and from where it was used."""
    tree = [c for c in day.issued if c["actor"] == ATTACKER]
    tree.sort(key=lambda c: c["time"] or "")
    used: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec, meta in day.records:
        if meta.actor == ATTACKER and not meta.copy:
            used[meta.cred].append(rec)
    out = []
    for c in tree:
        recs = used[c["label"]]
        out.append(
            {
                **{
                    k: c[k]
                    for k in (
                        "label",
                        "access_key_id",
                        "principal_arn",
                        "issued_by",
                        "kind",
                        "time",
                    )
                },
                "first_seen": min(r["eventTime"] for r in recs),
                "last_seen": max(r["eventTime"] for r in recs),
                "calls": len(recs),
                "source_ips": sorted({r["sourceIPAddress"] for r in recs}),
            }
        )
    return out


def never_in_report(day: Day) -> dict[str, list[str]]:
    """Keys and principals of everyone else: none may appear among the subject's sessions."""
    attacker_keys = {c["access_key_id"] for c in day.issued if c["actor"] == ATTACKER}
    attacker_arns = {c["principal_arn"] for c in day.issued if c["actor"] == ATTACKER}
    keys: set[str] = set()
    arns: set[str] = set()
    for rec, meta in day.records:
        if meta.actor == ATTACKER:
            continue
        ui = rec["userIdentity"]
        if ui.get("accessKeyId") and ui["accessKeyId"] not in attacker_keys:
            keys.add(ui["accessKeyId"])
        if ui.get("arn") and ui["arn"] not in attacker_arns:
            arns.add(ui["arn"])
        creds = (rec.get("responseElements") or {}).get("credentials") or {}
        if creds.get("accessKeyId"):
            keys.add(creds["accessKeyId"])
    return {"access_key_ids": sorted(keys), "principal_arns": sorted(arns)}


def proxy_downstream(day: Day) -> list[dict[str, Any]]:
    """Calls the agent's tool function made with its own role seconds after each InvokeAgent of
    the attacker: Proxy evidence (elements.md), attributed by time, never a subject session."""
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for rec, meta in day.records:
        if meta.actor == "agent-tool" and rec["eventName"] != "AssumeRole":
            it = items.setdefault(
                (rec["eventSource"], rec["eventName"]),
                {
                    "event_source": rec["eventSource"],
                    "event_name": rec["eventName"],
                    "count": 0,
                    "error_count": 0,
                    "principal_arn": rec["userIdentity"]["arn"],
                    "via": [
                        world.AGENT_ALIAS,
                        world.ORDER_TOOLS,
                        iam(PROD, "role/order-tools-lambda-role"),
                    ],
                },
            )
            it["count"] += 1
    return list(items.values())


def compute_downstream(day: Day) -> list[dict[str, Any]]:
    """What ran inside the attacker's notebook with the notebook's role: the attacker's hands,
    but a credential the SageMaker service obtained, linked to the subject only through the
    notebook it created. Not subject sessions (never in `sessions`); shown for the responder."""
    nb = day.sessions["notebook"]
    calls = [r for r, m in day.records if m.cred == nb.label and r["eventName"] != "AssumeRole"]
    return [
        {
            "principal_arn": nb.arn,
            "access_key_id": nb.key,
            "notebook": world.ATTACKER_NB,
            "event_source": "s3.amazonaws.com",
            "event_name": "GetObject",
            "count": len(calls),
            "resources": sorted(r["resources"][0]["ARN"] for r in calls),
        }
    ]


def expected_gaps(day: Day) -> list[dict[str, Any]]:
    off_from, off_until = day.logging_off[0]
    return [
        {
            "id": "invocation-logging-deleted",
            "source": "bedrock-invocation-logs",
            "since": off_from,
            "mentions": ["DeleteModelInvocationLoggingConfiguration", PROD, R1],
            "why": "S4 deleted the us-east-1 logging configuration: 30 later Claude calls there "
            "(and the API key's and the minted key's) have CloudTrail counts but no tokens, "
            "prompts or completions until the administrator restored it",
        },
        {
            "id": "invocation-logging-restored",
            "source": "bedrock-invocation-logs",
            "since": off_until,
            "mentions": ["PutModelInvocationLoggingConfiguration"],
            "why": "alice.admin re-created the configuration: the gap ends here (a change by "
            "another principal, named as such)",
        },
        {
            "id": "invocation-logging-never-enabled-us-west-2",
            "source": "bedrock-invocation-logs",
            "since": None,
            "mentions": [PROD, R2],
            "why": "6 InvokeModel calls in us-west-2, where invocation logging was never configured",
        },
        {
            "id": "no-s3-data-events-customer-docs",
            "source": "cloudtrail-data-events:s3",
            "since": None,
            "mentions": [world.CUSTOMER_DOCS],
            "why": "the trail selects S3 object events only for examplecorp-training-data: what the "
            "knowledge-base role (and the attacker's notebook role) read from "
            "examplecorp-customer-docs is invisible",
        },
        {
            "id": "no-lambda-data-events",
            "source": "cloudtrail-data-events:lambda",
            "since": None,
            "mentions": [],
            "why": "no Lambda data events are selected: the agent's action-group function "
            "order-tools ran invisibly (only its own role's management calls show)",
        },
    ]


ABSENT_GAPS = [
    {
        "source": "cloudtrail-data-events:bedrock",
        "why": "knowledge-base and agent-alias data events ARE selected and present",
    },
    {
        "source": "cloudtrail",
        "contains": "no events at all",
        "why": "every account has events in every hour of the day's span: no delivery gap",
    },
    {
        "source": "bedrock-invocation-logs",
        "contains": "both held",
        "why": "every invocation-log record has a CloudTrail requestID twin: nothing is ambiguous, "
        "even for S4, whose session ARN equals the Lambda job's",
    },
]

# Potential access of ci-runner, reasoned from the policies in world.py (not from graphscope).
# `actions`: a subset the resource must list; `paths_through`: alternatives, each a set of nodes
# one of its paths must pass; `edges`: edge kinds its paths must use (union over paths).
_R = {
    "ml": iam(PROD, "role/ml-deployer"),
    "app": iam(PROD, "role/bedrock-app-role"),
    "exec": iam(PROD, "role/sagemaker-exec-role"),
    "kb": iam(PROD, "role/bedrock-kb-role"),
    "agent": iam(PROD, "role/bedrock-agent-role"),
    "tools": iam(PROD, "role/order-tools-lambda-role"),
}


def _reach(
    arn: str,
    rtype: str,
    why: str,
    actions: tuple[str, ...] = (),
    through: tuple[tuple[str, ...], ...] = (),
    edges: tuple[str, ...] = ("can_access",),
) -> dict[str, Any]:
    return {
        "arn": arn,
        "type": rtype,
        "actions": list(actions),
        "paths_through": [list(t) for t in through],
        "edges": list(edges),
        "why": why,
    }


POTENTIAL_REACHABLE = [
    _reach(
        _R["ml"],
        "role",
        "ml-deployer trusts user/ci-runner by ARN and ci-runner's inline "
        "policy allows sts:AssumeRole on it (cross-account: both sides allow)",
        edges=("can_assume",),
    ),
    _reach(
        _R["app"],
        "role",
        "bedrock-app-role trusts role/ml-deployer, whose policy allows the chain",
        through=((_R["ml"],),),
        edges=("can_assume",),
    ),
    _reach(
        _R["exec"],
        "role",
        "ml-deployer may iam:PassRole sagemaker-exec-role to "
        "sagemaker.amazonaws.com and call sagemaker:CreateNotebookInstance (the attacker's "
        "path)",
        through=((_R["ml"],),),
        edges=("can_pass_role_to",),
    ),
    _reach(
        _R["kb"],
        "role",
        "bedrock:Retrieve on the knowledge base acts with its role (proxy)",
        through=((_R["app"], world.KB),),
        edges=("runs_as",),
    ),
    _reach(
        _R["agent"],
        "role",
        "bedrock:InvokeAgent acts with the agent's role (proxy)",
        through=((_R["app"],),),
        edges=("runs_as",),
    ),
    _reach(
        _R["tools"],
        "role",
        "the agent's action group calls order-tools, which runs as this role",
        through=((_R["app"],),),
        edges=("has_action_group", "invokes_function", "runs_as"),
    ),
    _reach(
        world.arn_model(world.SONNET),
        "foundation_model",
        "bedrock-app-role has bedrock:* on *",
        ("bedrock:InvokeModel",),
        ((_R["app"],),),
    ),
    _reach(
        world.arn_model(world.SONNET, R2),
        "foundation_model",
        "bedrock:* on *, any region",
        ("bedrock:InvokeModel",),
        ((_R["app"],),),
    ),
    _reach(
        world.KB,
        "knowledge_base",
        "bedrock:* on * (RetrieveAndGenerate has no resource "
        "type in IAM, so it is not listed on the knowledge base)",
        ("bedrock:Retrieve", "bedrock:StartIngestionJob"),
        ((_R["app"],),),
    ),
    _reach(
        world.AGENT_ALIAS,
        "agent_alias",
        "bedrock:InvokeAgent on the alias",
        ("bedrock:InvokeAgent",),
        ((_R["app"],),),
    ),
    _reach(
        world.CUSTOM_MODEL,
        "custom_model",
        "bedrock:* on * (a custom model is invoked "
        "through provisioned throughput, not InvokeModel on its ARN)",
        ("bedrock:DeleteCustomModel", "bedrock:CreateProvisionedModelThroughput"),
        ((_R["app"],),),
    ),
    _reach(
        world.GUARDRAIL,
        "guardrail",
        "bedrock:* on *",
        ("bedrock:DeleteGuardrail",),
        ((_R["app"],),),
    ),
    _reach(
        s3(world.TRAINING_DATA),
        "s3_bucket",
        "bedrock-app-role and sagemaker-exec-role read the custom model's training data",
        ("s3:GetObject", "s3:ListBucket"),
        ((_R["app"],), (_R["exec"],)),
    ),
    _reach(
        s3(world.CUSTOMER_DOCS),
        "s3_bucket",
        "read through the knowledge base's role (proxy) and through sagemaker-exec-role",
        ("s3:GetObject", "s3:ListBucket"),
        ((world.KB, _R["kb"]), (_R["exec"],)),
        ("can_access", "runs_as"),
    ),
    _reach(
        s3(world.MODEL_ARTIFACTS),
        "s3_bucket",
        "sagemaker-exec-role reads and writes model artifacts",
        ("s3:PutObject",),
        ((_R["exec"],),),
    ),
    _reach(
        s3(world.CI_ARTIFACTS),
        "s3_bucket",
        "ci-runner's own policy",
        ("s3:GetObject", "s3:PutObject"),
    ),
    _reach(
        world.ORDERS_SECRET,
        "secret",
        "the agent's tool function reads the orders secret",
        ("secretsmanager:GetSecretValue",),
        ((world.ORDER_TOOLS, _R["tools"]),),
        ("has_action_group", "invokes_function", "runs_as", "can_access"),
    ),
    _reach(
        world.COLLECTION,
        "aoss_collection",
        "the knowledge-base role has aoss:APIAccessAll",
        through=((_R["kb"],),),
    ),
    _reach(
        world.CUSTOMER_KEY,
        "kms_key",
        "kms:Decrypt through sagemaker-exec-role or the knowledge-base role",
        ("kms:Decrypt",),
    ),
    _reach(
        world.ENDPOINT,
        "sagemaker_endpoint",
        "ml-deployer may update the endpoint",
        ("sagemaker:UpdateEndpoint",),
        ((_R["ml"],),),
    ),
    _reach(
        world.RESEARCH_NB,
        "sagemaker_notebook",
        "a presigned URL opens the notebook, which runs as sagemaker-exec-role",
        ("sagemaker:CreatePresignedNotebookInstanceUrl",),
        ((_R["ml"],),),
    ),
    _reach(
        world.SUMMARIZER,
        "lambda_function",
        "ml-deployer deploys the summarizer, which runs as bedrock-app-role",
        ("lambda:UpdateFunctionCode",),
        ((_R["ml"],),),
    ),
    _reach(
        iam(PROD, "user/svc-reporting"),
        "user",
        "ml-deployer may create access keys for user/svc-* (the attacker's persistence)",
        ("iam:CreateAccessKey",),
        ((_R["ml"],),),
    ),
    _reach(
        iam(PROD, "user/bedrock-tester"),
        "user",
        "ml-deployer may mint Bedrock API keys for user/bedrock-*",
        ("iam:CreateServiceSpecificCredential",),
        ((_R["ml"],),),
    ),
    _reach(
        f"invocation-logging/{PROD}/{R1}",
        "invocation_logging",
        "bedrock:* includes "
        "switching invocation logging off (the SCP does not forbid it): what the attacker did",
        ("bedrock:DeleteModelInvocationLoggingConfiguration",),
        ((_R["app"],),),
    ),
]
POTENTIAL_UNREACHABLE = [
    (iam(PROD, "role/gha-deploy"), "trusts only GitHub's OIDC provider (web identity)"),
    (iam(PROD, "role/OrganizationAccountAccessRole"), "trusts the management account only"),
    (iam(DEV, "role/OrganizationAccountAccessRole"), "trusts the management account only"),
    (iam(PROD, "role/bedrock-customization-role"), "nobody in the chain may pass it"),
    (iam(PROD, "role/audit-readonly"), "trusts the management scanner only"),
    (iam(PROD, "user/alice.admin"), "CreateAccessKey is limited to user/svc-* and user/bedrock-*"),
    (iam(PROD, "user/dana.ds"), "same"),
    (s3(world.BEDROCK_LOGS), "no role in reach has S3 rights on the invocation-log bucket"),
    (s3(world.ORG_TRAIL_BUCKET), "management account's trail bucket"),
]


def expected_facts(day: Day) -> dict[str, Any]:
    tree = expected_sessions(day)
    attacker = attacker_events(day)
    return {
        "about": "Facts a responder must get for the leaked CI key; computed by make_example.py "
        "from the story's ground truth and reviewed by hand. See README.md.",
        "subject": {"access_key_id": world.LEAKED_KEY, "principal_arn": iam(DEV, "user/ci-runner")},
        "window": {
            "first_seen": min(r["eventTime"] for r in attacker),
            "last_seen": max(r["eventTime"] for r in attacker),
        },
        "sessions": tree,
        "elements": expected_elements(day),
        "event_count": len(attacker),
        "created_resources": sorted(day.created, key=lambda c: c["event_time"]),
        "invocations": expected_invocations(day),
        "source_ips": sorted({r["sourceIPAddress"] for r in attacker}),
        "user_agents": sorted({r["userAgent"] for r in attacker}),
        "resources_touched_include": [
            iam(PROD, "role/ml-deployer"),
            iam(PROD, "role/bedrock-app-role"),
            world.KB,
            s3(world.TRAINING_DATA, "support/train.jsonl"),
            s3(world.TRAINING_DATA, "finetune/pii-sample.csv"),
            world.ATTACKER_NB,
            iam(PROD, "user/svc-reporting"),
            iam(PROD, "user/bedrock-tester"),
            world.arn_model(world.SONNET),
        ],
        "resources_touched_exclude": [
            world.ORDERS_SECRET,
            world.SUMMARIZER,
            world.RESEARCH_NB,
            iam(PROD, "role/gha-deploy"),
            s3(world.CUSTOMER_DOCS),
        ],
        "coverage_gaps": expected_gaps(day),
        "coverage_gaps_absent": ABSENT_GAPS,
        "never_in_report": never_in_report(day),
        "proxy_downstream": proxy_downstream(day),
        "compute_downstream": compute_downstream(day),
        "potential": {
            "subject": iam(DEV, "user/ci-runner"),
            "reachable": POTENTIAL_REACHABLE,
            "unreachable": [{"arn": a, "why": w} for a, w in POTENTIAL_UNREACHABLE],
        },
        "timeline": {
            "invocation_logging_deleted": day.logging_off[0][0],
            "invocation_logging_restored": day.logging_off[0][1],
            "leak_first_used": at("09:12:05"),
        },
    }


# ---------------------------------------------------------------------------------- main
def generate(out: Path) -> None:
    for name in OUTPUTS:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    day = story.tell()
    write_snapshot(out / "snapshot")
    write_cloudtrail(out / "cloudtrail", day)
    write_invocation_logs(out / "invocation-logs", day)
    (out / "expected.json").write_bytes(_json_file(expected_facts(day)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = parser.parse_args(argv)
    generate(args.out)
    print(f"wrote {', '.join(OUTPUTS)} under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
