"""Generate a seeded synthetic AWS organisation as an `aws-api-responses/1` snapshot.

Used by the inventory, scoping and Neo4j benchmarks (never by tests' assertions about speed).
Defaults follow the inventory issue: 3 accounts, 5,000 roles, 2,000 users, 20,000 buckets with
policies, 500 AI resources. Each account's IAM is also written as a plain
`aws iam get-account-authorization-details` file, the input Cloudsplaining and responders use.

    python benchmarks/synth_org.py --out /tmp/synth-org [--seed 7] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

FORMAT = "aws-api-responses/1"
REGION = "us-east-1"
MODELS = [
    "anthropic.claude-3-haiku-20240307-v1:0",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "amazon.titan-embed-text-v2:0",
    "meta.llama3-70b-instruct-v1:0",
    "mistral.mistral-large-2402-v1:0",
]


@dataclass
class Org:
    seed: int
    accounts: list[str]
    management: str
    rng: random.Random
    files: dict[str, Any] = field(default_factory=dict)  # relative path -> document

    def put(
        self,
        account: str,
        region: str,
        client: str,
        op: str,
        key: str,
        request: dict[str, Any],
        response: dict[str, Any],
    ) -> None:
        self.files[f"{account}/{region}/{client}/{op}/{key}.json"] = {
            "request": request,
            "response": response,
        }


def _doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class Profile:
    """How often a policy grants `*` on `*`: a shared (managed) policy, an inline one. The
    default ("dense") makes 8-15% of identities administrators (every one can take over every
    user of its account); "realistic" about 1%. The random draws are the same either way."""

    shared_admin: float = 0.05
    inline_admin: float = 0.05


PROFILES = {"dense": Profile(), "realistic": Profile(shared_admin=0.0, inline_admin=0.01)}


def _identity_statements(
    rng: random.Random, account: str, buckets: list[str], roles: list[str], admin: float = 0.05
) -> list[dict[str, Any]]:
    """A realistic mix: broad reads, narrow writes, role assumption, PassRole, Bedrock, conditions."""
    out: list[dict[str, Any]] = []
    roll = rng.random()
    if roll < admin:
        out.append({"Effect": "Allow", "Action": "*", "Resource": "*"})
    if roll < 0.3:
        out.append({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"})
    for b in rng.sample(buckets, k=min(len(buckets), rng.randint(1, 6))):
        out.append(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"arn:aws:s3:::{b}/*",
            }
        )
    if rng.random() < 0.4:
        out.append(
            {
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel*", "bedrock:Converse*"],
                "Resource": "*",
            }
        )
    if rng.random() < 0.2:
        out.append({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": rng.choice(roles)})
    if rng.random() < 0.05:
        out.append(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{account}:role/app-*",
            }
        )
    if rng.random() < 0.08:
        out.append(
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": rng.choice(roles),
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            }
        )
        out.append(
            {
                "Effect": "Allow",
                "Action": ["sagemaker:CreateNotebookInstance", "sagemaker:CreateTrainingJob"],
                "Resource": "*",
            }
        )
    if rng.random() < 0.1:
        out.append(
            {
                "Effect": "Allow",
                "Action": [
                    "bedrock:Retrieve",
                    "bedrock:RetrieveAndGenerate",
                    "bedrock:InvokeAgent",
                ],
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            }
        )
    if rng.random() < 0.1:
        out.append({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})
    return out


def _iam(
    org: Org,
    account: str,
    n_users: int,
    n_roles: int,
    buckets: list[str],
    profile: Profile = PROFILES["dense"],
) -> dict[str, Any]:
    rng = org.rng
    role_arns = [f"arn:aws:iam::{account}:role/app-{i}" for i in range(n_roles)]
    boundary = f"arn:aws:iam::{account}:policy/boundary-no-iam"
    policies = [
        {
            "PolicyName": "boundary-no-iam",
            "PolicyId": f"ANPA{account}B",
            "Arn": boundary,
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 0,
            "IsAttachable": True,
            "PolicyVersionList": [
                {
                    "Document": quote(
                        json.dumps(
                            _doc([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}])
                        )
                    ),
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                }
            ],
        }
    ]
    for i in range(max(1, n_roles // 50)):
        arn = f"arn:aws:iam::{account}:policy/shared-{i}"
        policies.append(
            {
                "PolicyName": f"shared-{i}",
                "PolicyId": f"ANPA{account}{i}",
                "Arn": arn,
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "IsAttachable": True,
                "PolicyVersionList": [
                    {
                        "Document": quote(
                            json.dumps(
                                _doc(
                                    _identity_statements(
                                        rng, account, buckets, role_arns, profile.shared_admin
                                    )
                                )
                            )
                        ),
                        "VersionId": "v1",
                        "IsDefaultVersion": True,
                    }
                ],
            }
        )
    shared = [p["Arn"] for p in policies[1:]]
    users = []
    for i in range(n_users):
        u = {
            "UserName": f"user-{i}",
            "UserId": f"AIDA{account}{i:06d}",
            "Arn": f"arn:aws:iam::{account}:user/user-{i}",
            "Path": "/",
            "CreateDate": "2024-01-01T00:00:00+00:00",
            "GroupList": [f"team-{i % 20}"],
            "AttachedManagedPolicies": [
                {"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                for a in rng.sample(shared, k=min(2, len(shared)))
            ],
            "UserPolicyList": [
                {
                    "PolicyName": "inline",
                    "PolicyDocument": quote(
                        json.dumps(
                            _doc(
                                _identity_statements(
                                    rng, account, buckets, role_arns, profile.inline_admin
                                )
                            )
                        )
                    ),
                }
            ],
            "Tags": [],
        }
        if rng.random() < 0.2:
            u["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": boundary,
            }
        users.append(u)
    groups = [
        {
            "GroupName": f"team-{g}",
            "GroupId": f"AGPA{account}{g}",
            "Arn": f"arn:aws:iam::{account}:group/team-{g}",
            "Path": "/",
            "CreateDate": "2024-01-01T00:00:00+00:00",
            "GroupPolicyList": [],
            "AttachedManagedPolicies": [
                {
                    "PolicyName": shared[g % len(shared)].rsplit("/", 1)[1],
                    "PolicyArn": shared[g % len(shared)],
                }
            ],
        }
        for g in range(20)
    ]
    services = [
        "sagemaker.amazonaws.com",
        "lambda.amazonaws.com",
        "bedrock.amazonaws.com",
        "ec2.amazonaws.com",
    ]
    roles = []
    for i, arn in enumerate(role_arns):
        if rng.random() < 0.5:
            principal: dict[str, Any] = {"Service": rng.choice(services)}
        elif rng.random() < 0.7:
            principal = {"AWS": f"arn:aws:iam::{account}:root"}
        else:
            principal = {
                "AWS": f"arn:aws:iam::{rng.choice(org.accounts)}:user/user-{rng.randrange(max(1, n_users))}"
            }
        trust_stmt: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sts:AssumeRole",
        }
        if "AWS" in principal and rng.random() < 0.2:
            trust_stmt["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        roles.append(
            {
                "RoleName": f"app-{i}",
                "RoleId": f"AROA{account}{i:06d}",
                "Arn": arn,
                "Path": "/",
                "CreateDate": "2024-01-01T00:00:00+00:00",
                "AssumeRolePolicyDocument": quote(json.dumps(_doc([trust_stmt]))),
                "InstanceProfileList": [],
                "RolePolicyList": [
                    {
                        "PolicyName": "inline",
                        "PolicyDocument": quote(
                            json.dumps(
                                _doc(
                                    _identity_statements(
                                        rng, account, buckets, role_arns, profile.inline_admin
                                    )
                                )
                            )
                        ),
                    }
                ],
                "AttachedManagedPolicies": [
                    {"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                    for a in rng.sample(shared, k=min(1, len(shared)))
                ],
                "Tags": [],
                "RoleLastUsed": {},
            }
        )
    return {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
    }


def _bucket_policy(
    rng: random.Random, bucket: str, accounts: list[str], account: str
) -> dict[str, Any]:
    stmts: list[dict[str, Any]] = [
        {
            "Sid": "DenyInsecure",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if rng.random() < 0.1:
        other = rng.choice(accounts)
        stmts.append(
            {
                "Sid": "CrossAccountRead",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{other}:root"},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        )
    if rng.random() < 0.01:
        stmts.append(
            {
                "Sid": "Public",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        )
    return _doc(stmts)


def generate(
    out: Path, seed: int = 7, scale: float = 1.0, profile: str = "dense"
) -> dict[str, int]:
    """Write the organisation under `out`; `profile` names how dense administrators are
    (`PROFILES`); "dense" is the benchmark's historical default."""
    prof = PROFILES[profile]
    rng = random.Random(seed)
    accounts = [f"{100000000000 + 111111111 * (i + 1)}" for i in range(3)]
    org = Org(seed, accounts, accounts[0], rng)
    n_users, n_roles, n_buckets, n_ai = (max(1, int(x * scale)) for x in (2000, 5000, 20000, 500))
    per = lambda n, i: n // 3 + (1 if i < n % 3 else 0)  # noqa: E731
    # organisation
    org_id = "o-synth0001"
    root_id = "r-syn1"
    scp = _doc(
        [
            {
                "Sid": "DenyLeaveOrg",
                "Effect": "Deny",
                "Action": "organizations:LeaveOrganization",
                "Resource": "*",
            },
            {"Sid": "AllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"},
        ]
    )
    m = org.management
    org.put(
        m,
        "global",
        "organizations",
        "DescribeOrganization",
        "all",
        {},
        {
            "Organization": {
                "Id": org_id,
                "Arn": f"arn:aws:organizations::{m}:organization/{org_id}",
                "MasterAccountId": m,
                "MasterAccountArn": f"arn:aws:organizations::{m}:account/{org_id}/{m}",
            }
        },
    )
    org.put(
        m,
        "global",
        "organizations",
        "ListRoots",
        "all",
        {},
        {
            "Roots": [
                {
                    "Id": root_id,
                    "Arn": f"arn:aws:organizations::{m}:root/{org_id}/{root_id}",
                    "Name": "Root",
                    "PolicyTypes": [],
                }
            ]
        },
    )
    org.put(
        m,
        "global",
        "organizations",
        "ListAccounts",
        "all",
        {},
        {
            "Accounts": [
                {
                    "Id": a,
                    "Arn": f"arn:aws:organizations::{m}:account/{org_id}/{a}",
                    "Name": f"acct-{i}",
                    "Status": "ACTIVE",
                    "Email": f"a{i}@example.com",
                }
                for i, a in enumerate(accounts)
            ]
        },
    )
    org.put(
        m,
        "global",
        "organizations",
        "ListPolicies",
        "SERVICE_CONTROL_POLICY",
        {"Filter": "SERVICE_CONTROL_POLICY"},
        {
            "Policies": [
                {
                    "Id": "p-synthscp",
                    "Arn": f"arn:aws:organizations::{m}:policy/{org_id}/service_control_policy/p-synthscp",
                    "Name": "guardrails",
                    "Type": "SERVICE_CONTROL_POLICY",
                    "AwsManaged": False,
                }
            ]
        },
    )
    org.put(
        m,
        "global",
        "organizations",
        "DescribePolicy",
        "p-synthscp",
        {"PolicyId": "p-synthscp"},
        {
            "Policy": {
                "PolicySummary": {
                    "Id": "p-synthscp",
                    "Arn": f"arn:aws:organizations::{m}:policy/{org_id}/service_control_policy/p-synthscp",
                    "Name": "guardrails",
                    "Type": "SERVICE_CONTROL_POLICY",
                    "AwsManaged": False,
                },
                "Content": json.dumps(scp),
            }
        },
    )
    org.put(
        m,
        "global",
        "organizations",
        "ListTargetsForPolicy",
        "p-synthscp",
        {"PolicyId": "p-synthscp"},
        {
            "Targets": [
                {
                    "TargetId": root_id,
                    "Arn": f"arn:aws:organizations::{m}:root/{org_id}/{root_id}",
                    "Name": "Root",
                    "Type": "ROOT",
                }
            ]
        },
    )
    counts = {"users": 0, "roles": 0, "buckets": 0, "ai": 0}
    for i, account in enumerate(accounts):
        buckets = [f"synth-{account}-data-{j}" for j in range(per(n_buckets, i))]
        auth = _iam(org, account, per(n_users, i), per(n_roles, i), buckets, prof)
        org.put(account, "global", "iam", "GetAccountAuthorizationDetails", "all", {}, auth)
        org.files[f"_iam-auth-details/{account}.json"] = auth
        org.put(
            account,
            "global",
            "sts",
            "GetCallerIdentity",
            "all",
            {},
            {
                "Account": account,
                "Arn": f"arn:aws:iam::{account}:user/collector",
                "UserId": "AIDACOLLECTOR",
            },
        )
        org.put(
            account,
            "global",
            "s3",
            "ListBuckets",
            "all",
            {},
            {
                "Buckets": [
                    {"Name": b, "CreationDate": "2024-01-01T00:00:00+00:00"} for b in buckets
                ]
            },
        )
        for b in buckets:
            org.put(
                account,
                "global",
                "s3",
                "GetBucketPolicy",
                b,
                {"Bucket": b},
                {"Policy": json.dumps(_bucket_policy(rng, b, accounts, account))},
            )
            org.put(
                account,
                "global",
                "s3",
                "GetBucketLocation",
                b,
                {"Bucket": b},
                {"LocationConstraint": None},
            )
        role_arns = [r["Arn"] for r in auth["RoleDetailList"]]
        n_ai_here = per(n_ai, i)
        agents, kbs, notebooks = [], [], []
        for j in range(n_ai_here):
            kind = j % 3
            role = rng.choice(role_arns)
            if kind == 0:
                kb_id = f"KB{account[-4:]}{j:04d}"
                kbs.append(
                    {
                        "knowledgeBaseId": kb_id,
                        "name": f"kb-{j}",
                        "status": "ACTIVE",
                        "updatedAt": "2024-01-01T00:00:00+00:00",
                    }
                )
                org.put(
                    account,
                    REGION,
                    "bedrock-agent",
                    "GetKnowledgeBase",
                    kb_id,
                    {"knowledgeBaseId": kb_id},
                    {
                        "knowledgeBase": {
                            "knowledgeBaseId": kb_id,
                            "name": f"kb-{j}",
                            "roleArn": role,
                            "knowledgeBaseArn": f"arn:aws:bedrock:{REGION}:{account}:knowledge-base/{kb_id}",
                            "status": "ACTIVE",
                            "knowledgeBaseConfiguration": {
                                "type": "VECTOR",
                                "vectorKnowledgeBaseConfiguration": {
                                    "embeddingModelArn": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-embed-text-v2:0"
                                },
                            },
                            "storageConfiguration": {
                                "type": "OPENSEARCH_SERVERLESS",
                                "opensearchServerlessConfiguration": {
                                    "collectionArn": f"arn:aws:aoss:{REGION}:{account}:collection/c{j}",
                                    "vectorIndexName": "idx",
                                    "fieldMapping": {
                                        "vectorField": "v",
                                        "textField": "t",
                                        "metadataField": "m",
                                    },
                                },
                            },
                            "createdAt": "2024-01-01T00:00:00+00:00",
                            "updatedAt": "2024-01-01T00:00:00+00:00",
                        }
                    },
                )
                ds_id = f"DS{j:06d}"
                org.put(
                    account,
                    REGION,
                    "bedrock-agent",
                    "ListDataSources",
                    kb_id,
                    {"knowledgeBaseId": kb_id},
                    {
                        "dataSourceSummaries": [
                            {
                                "knowledgeBaseId": kb_id,
                                "dataSourceId": ds_id,
                                "name": f"ds-{j}",
                                "status": "AVAILABLE",
                                "updatedAt": "2024-01-01T00:00:00+00:00",
                            }
                        ]
                    },
                )
                org.put(
                    account,
                    REGION,
                    "bedrock-agent",
                    "GetDataSource",
                    f"{kb_id}__{ds_id}",
                    {"knowledgeBaseId": kb_id, "dataSourceId": ds_id},
                    {
                        "dataSource": {
                            "knowledgeBaseId": kb_id,
                            "dataSourceId": ds_id,
                            "name": f"ds-{j}",
                            "status": "AVAILABLE",
                            "dataSourceConfiguration": {
                                "type": "S3",
                                "s3Configuration": {
                                    "bucketArn": f"arn:aws:s3:::{rng.choice(buckets)}"
                                },
                            },
                            "createdAt": "2024-01-01T00:00:00+00:00",
                            "updatedAt": "2024-01-01T00:00:00+00:00",
                        }
                    },
                )
            elif kind == 1:
                agent_id = f"AG{account[-4:]}{j:04d}"
                agents.append(
                    {
                        "agentId": agent_id,
                        "agentName": f"agent-{j}",
                        "agentStatus": "PREPARED",
                        "updatedAt": "2024-01-01T00:00:00+00:00",
                    }
                )
                org.put(
                    account,
                    REGION,
                    "bedrock-agent",
                    "GetAgent",
                    agent_id,
                    {"agentId": agent_id},
                    {
                        "agent": {
                            "agentId": agent_id,
                            "agentName": f"agent-{j}",
                            "agentArn": f"arn:aws:bedrock:{REGION}:{account}:agent/{agent_id}",
                            "agentResourceRoleArn": role,
                            "foundationModel": rng.choice(MODELS),
                            "agentStatus": "PREPARED",
                            "agentVersion": "DRAFT",
                            "idleSessionTTLInSeconds": 600,
                            "createdAt": "2024-01-01T00:00:00+00:00",
                            "updatedAt": "2024-01-01T00:00:00+00:00",
                        }
                    },
                )
                if kbs:
                    kb = rng.choice(kbs)
                    org.put(
                        account,
                        REGION,
                        "bedrock-agent",
                        "ListAgentKnowledgeBases",
                        f"{agent_id}__DRAFT",
                        {"agentId": agent_id, "agentVersion": "DRAFT"},
                        {
                            "agentKnowledgeBaseSummaries": [
                                {
                                    "knowledgeBaseId": kb["knowledgeBaseId"],
                                    "knowledgeBaseState": "ENABLED",
                                    "updatedAt": "2024-01-01T00:00:00+00:00",
                                }
                            ]
                        },
                    )
            else:
                name = f"nb-{j}"
                notebooks.append(
                    {
                        "NotebookInstanceName": name,
                        "NotebookInstanceArn": f"arn:aws:sagemaker:{REGION}:{account}:notebook-instance/{name}",
                        "NotebookInstanceStatus": "InService",
                        "CreationTime": "2024-01-01T00:00:00+00:00",
                        "LastModifiedTime": "2024-01-01T00:00:00+00:00",
                    }
                )
                org.put(
                    account,
                    REGION,
                    "sagemaker",
                    "DescribeNotebookInstance",
                    name,
                    {"NotebookInstanceName": name},
                    {
                        "NotebookInstanceName": name,
                        "NotebookInstanceArn": f"arn:aws:sagemaker:{REGION}:{account}:notebook-instance/{name}",
                        "NotebookInstanceStatus": "InService",
                        "RoleArn": role,
                        "InstanceType": "ml.t3.medium",
                        "DirectInternetAccess": "Enabled",
                        "RootAccess": "Enabled",
                        "CreationTime": "2024-01-01T00:00:00+00:00",
                        "LastModifiedTime": "2024-01-01T00:00:00+00:00",
                    },
                )
        org.put(
            account,
            REGION,
            "bedrock-agent",
            "ListKnowledgeBases",
            "all",
            {},
            {"knowledgeBaseSummaries": kbs},
        )
        org.put(
            account, REGION, "bedrock-agent", "ListAgents", "all", {}, {"agentSummaries": agents}
        )
        org.put(
            account,
            REGION,
            "sagemaker",
            "ListNotebookInstances",
            "all",
            {},
            {"NotebookInstances": notebooks},
        )
        counts["users"] += len(auth["UserDetailList"])
        counts["roles"] += len(auth["RoleDetailList"])
        counts["buckets"] += len(buckets)
        counts["ai"] += n_ai_here
    _write(org, out)
    return counts


def _write(org: Org, out: Path) -> None:
    snap = out / "snapshot"
    hashes: dict[str, str] = {}
    for rel, doc in org.files.items():
        target = out / rel.removeprefix("_") if rel.startswith("_") else snap / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(doc, separators=(",", ":")).encode()
        target.write_bytes(data)
        if not rel.startswith("_"):
            hashes[rel] = hashlib.sha256(data).hexdigest()
    manifest = {
        "format": FORMAT,
        "collected_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
        "collected_by": f"arn:aws:iam::{org.management}:user/collector",
        "accounts": org.accounts,
        "regions": [REGION],
        "gaps": [],
        "files": dict(sorted(hashes.items())),
    }
    (snap / "manifest.json").write_text(json.dumps(manifest, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every count (0.01 for a quick run)"
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="dense",
        help="administrator density: dense (8-15%% hold *:*, the default) or realistic (~1%%)",
    )
    args = parser.parse_args()
    counts = generate(args.out, args.seed, args.scale, args.profile)
    print(json.dumps({"out": str(args.out), **counts}))


if __name__ == "__main__":
    main()
