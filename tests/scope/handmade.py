"""A hand-built incident over the inventory fixture (tests/inventory/data/org-snapshot), written
as CloudTrail delivery files and invocation logs so the whole CLI path is exercised.

Facts, each checked in test_scope_cli.py:
* 08:00 the leaked key of user/dev-alice (AKIAPRODALICE0000001, ml-prod 222222222222), with a
  user agent that is an XSS payload, calls GetCallerIdentity; 08:01 iam:ListRoles is denied;
* 08:02 it assumes role/analyst with a session name that is another payload -> SESSION_1;
  08:03 SESSION_1 assumes the management account's role/AuditReader -> SESSION_2;
  08:04 SESSION_2 reads s3://acme-training-data/train.csv (cross-account);
* 08:05 the key invokes Claude 3 Haiku (invocation log: 10,000 in / 2,000 out tokens);
  08:06 it deletes model-invocation logging in us-east-1; 08:07 it invokes Claude 3 Sonnet
  (no invocation-log record: tokens unknown);
* 08:08 PutBucketPolicy on acme-kb-docs; 08:09 CreateAccessKey for ci-bot -> BACKDOOR;
  08:10 CreateNotebookInstance whose name tries shell injection;
* unrelated: user/ops-admin (management) lists buckets at 08:04:30 and ci-bot's own key updates
  a function at 08:05:30: neither may appear in the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ML, MGMT = "222222222222", "111111111111"
KEY = "AKIAPRODALICE0000001"
ALICE = f"arn:aws:iam::{ML}:user/dev-alice"
ANALYST = f"arn:aws:iam::{ML}:role/analyst"
AUDIT = f"arn:aws:iam::{MGMT}:role/AuditReader"
SESSION_1, SESSION_2 = "ASIAHANDANALYST00001", "ASIAHANDAUDIT0000001"
BACKDOOR = "AKIAHANDBACKDOOR0001"
OPS_KEY, CI_KEY = "AKIAMGMTOPSADMIN0001", "AKIAPRODCIBOT0000001"
XSS_AGENT = "<script>alert(1)</script>"
XSS_SESSION = '"><img src=x onerror=alert(1)>'
EVIL_URL_AGENT = "curl/8 (+https://evil.example/x.js)"
NOTEBOOK = "nb'$(touch /tmp/pwned)'; rm -rf / #"
ATTACKER_IP, OTHER_IP = "198.51.100.7", "192.0.2.55"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET = "anthropic.claude-3-sonnet-20240229-v1:0"
SESSION_1_ARN = f"arn:aws:sts::{ML}:assumed-role/analyst/{XSS_SESSION}"
SESSION_2_ARN = f"arn:aws:sts::{MGMT}:assumed-role/AuditReader/audit"
HAIKU_COST = round(10_000 / 1000 * 0.00025 + 2_000 / 1000 * 0.00125, 6)


def _alice(t: str, source: str, name: str, **kw: Any) -> dict[str, Any]:
    ident = {
        "type": "IAMUser",
        "principalId": "AIDAALICE",
        "arn": ALICE,
        "accountId": ML,
        "accessKeyId": KEY,
        "userName": "dev-alice",
    }
    return _event(t, source, name, ident, ML, user_agent=kw.pop("user_agent", XSS_AGENT), **kw)


def _session(
    t: str,
    source: str,
    name: str,
    key: str,
    arn: str,
    role: str,
    account: str,
    created: str,
    **kw: Any,
) -> dict[str, Any]:
    ident = {
        "type": "AssumedRole",
        "principalId": f"AROA{key[-6:]}:{arn.rsplit('/', 1)[-1]}",
        "arn": arn,
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": role, "accountId": account},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"},
        },
    }
    return _event(t, source, name, ident, kw.pop("recipient", account), **kw)


_N = [0]


def _event(
    t: str,
    source: str,
    name: str,
    ident: dict[str, Any],
    recipient: str,
    *,
    params: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    error: str | None = None,
    resources: list[str] | None = None,
    request_id: str | None = None,
    ip: str = ATTACKER_IP,
    user_agent: str = "Boto3/1.34.0",
) -> dict[str, Any]:
    _N[0] += 1
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": ident,
        "eventTime": t,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "userAgent": user_agent,
        "requestParameters": params,
        "responseElements": response,
        "requestID": request_id or f"req-{_N[0]:04d}",
        "eventID": f"00000000-0000-4000-8000-{_N[0]:012d}",
        "eventType": "AwsApiCall",
        "recipientAccountId": recipient,
    }
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = "not authorized"
    if resources:
        rec["resources"] = [{"ARN": r} for r in resources]
    return rec


def records() -> list[dict[str, Any]]:
    d = "2026-04-02T"
    s1_created, s2_created = f"{d}08:02:00Z", f"{d}08:03:00Z"
    return [
        _alice(f"{d}08:00:00Z", "sts.amazonaws.com", "GetCallerIdentity"),
        _alice(f"{d}08:01:00Z", "iam.amazonaws.com", "ListRoles", error="AccessDenied"),
        _alice(
            f"{d}08:02:00Z",
            "sts.amazonaws.com",
            "AssumeRole",
            params={"roleArn": ANALYST, "roleSessionName": XSS_SESSION},
            response={
                "credentials": {"accessKeyId": SESSION_1, "expiration": f"{d}09:02:00Z"},
                "assumedRoleUser": {"arn": SESSION_1_ARN},
            },
            resources=[ANALYST],
        ),
        _session(
            f"{d}08:03:00Z",
            "sts.amazonaws.com",
            "AssumeRole",
            SESSION_1,
            SESSION_1_ARN,
            ANALYST,
            ML,
            s1_created,
            params={"roleArn": AUDIT, "roleSessionName": "audit"},
            response={
                "credentials": {"accessKeyId": SESSION_2, "expiration": f"{d}09:03:00Z"},
                "assumedRoleUser": {"arn": SESSION_2_ARN},
            },
            resources=[AUDIT],
        ),
        _session(
            f"{d}08:04:00Z",
            "s3.amazonaws.com",
            "GetObject",
            SESSION_2,
            SESSION_2_ARN,
            AUDIT,
            MGMT,
            s2_created,
            recipient=ML,
            params={"bucketName": "acme-training-data", "key": "train.csv"},
            resources=[
                "arn:aws:s3:::acme-training-data/train.csv",
                "arn:aws:s3:::acme-training-data",
            ],
        ),
        _event(
            f"{d}08:04:30Z",
            "s3.amazonaws.com",
            "ListBuckets",
            {
                "type": "IAMUser",
                "arn": f"arn:aws:iam::{MGMT}:user/ops-admin",
                "accountId": MGMT,
                "accessKeyId": OPS_KEY,
            },
            MGMT,
            ip=OTHER_IP,
            user_agent="ops-legit-agent",
        ),
        _alice(
            f"{d}08:05:00Z",
            "bedrock.amazonaws.com",
            "InvokeModel",
            params={"modelId": HAIKU},
            request_id="req-haiku-1",
            user_agent=EVIL_URL_AGENT,
        ),
        _event(
            f"{d}08:05:30Z",
            "lambda.amazonaws.com",
            "UpdateFunctionCode20150331v2",
            {
                "type": "IAMUser",
                "arn": f"arn:aws:iam::{ML}:user/ci-bot",
                "accountId": ML,
                "accessKeyId": CI_KEY,
            },
            ML,
            params={"functionName": "order-lookup"},
            ip=OTHER_IP,
            user_agent="ci-legit-agent",
        ),
        _alice(
            f"{d}08:06:00Z", "bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration"
        ),
        _alice(f"{d}08:07:00Z", "bedrock.amazonaws.com", "InvokeModel", params={"modelId": SONNET}),
        _alice(
            f"{d}08:08:00Z",
            "s3.amazonaws.com",
            "PutBucketPolicy",
            params={"bucketName": "acme-kb-docs", "bucketPolicy": {"Statement": []}},
        ),
        _alice(
            f"{d}08:09:00Z",
            "iam.amazonaws.com",
            "CreateAccessKey",
            params={"userName": "ci-bot"},
            response={
                "accessKey": {"accessKeyId": BACKDOOR, "userName": "ci-bot", "status": "Active"}
            },
        ),
        _alice(
            f"{d}08:10:00Z",
            "sagemaker.amazonaws.com",
            "CreateNotebookInstance",
            params={
                "notebookInstanceName": NOTEBOOK,
                "roleArn": f"arn:aws:iam::{ML}:role/NotebookRole",
                "instanceType": "ml.p3.2xlarge",
            },
            response={
                "notebookInstanceArn": f"arn:aws:sagemaker:us-east-1:{ML}:notebook-instance/nb-x"
            },
        ),
    ]


def invocation_logs() -> list[dict[str, Any]]:
    return [
        {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": "2026-04-02T08:05:00Z",
            "accountId": ML,
            "identity": {"arn": ALICE},
            "region": "us-east-1",
            "requestId": "req-haiku-1",
            "operation": "InvokeModel",
            "modelId": HAIKU,
            "input": {"inputContentType": "application/json", "inputTokenCount": 10_000},
            "output": {"outputContentType": "application/json", "outputTokenCount": 2_000},
        }
    ]


def write(root: Path) -> tuple[Path, Path]:
    """(cloudtrail dir, invocation-logs dir) under root, in the delivery layouts."""
    ct = root / "cloudtrail" / "AWSLogs" / ML / "CloudTrail" / "us-east-1" / "2026" / "04" / "02"
    ct.mkdir(parents=True)
    (ct / f"{ML}_CloudTrail_us-east-1_20260402T0800Z_hand.json").write_text(
        json.dumps({"Records": records()}), encoding="utf-8"
    )
    inv = (
        root
        / "invocation-logs"
        / "AWSLogs"
        / ML
        / "BedrockModelInvocationLogs"
        / "us-east-1"
        / "2026"
        / "04"
        / "02"
        / "08"
    )
    inv.mkdir(parents=True)
    (inv / "hand.json").write_text(
        "\n".join(json.dumps(r) for r in invocation_logs()) + "\n", encoding="utf-8"
    )
    return root / "cloudtrail", root / "invocation-logs"
