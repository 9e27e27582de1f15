"""Writes the hand-built example organisation snapshot (org-snapshot/) and an auth-details file.

Run `python tests/inventory/data/make_fixture.py` after editing; README.md describes the design.
Responses have boto3's shapes; the SnapshotWriter computes the manifest's sha256 values.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from graphscope.ingest.collect_ops import (
    GLOBAL,
    OPERATIONS,
    base_requests,
    derived_requests,
    file_key,
)
from graphscope.ingest.snapshot import Gap, SnapshotWriter

HERE = Path(__file__).resolve().parent
MGMT, PROD = "111111111111", "222222222222"
R = "us-east-1"
ORG, ROOT, OU = "o-exampleorg", "r-ex01", "ou-ex01-workload"
T = "2025-06-01T12:00:00+00:00"


def doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(
    principal: dict[str, Any], condition: dict[str, Any] | None = None, sid: str | None = None
) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    if sid:
        stmt["Sid"] = sid
    return doc(stmt)


def iam_arn(account: str, rest: str) -> str:
    return f"arn:aws:iam::{account}:{rest}"


def managed(account: str, name: str, document: dict[str, Any]) -> dict[str, Any]:
    arn = (
        iam_arn(account, f"policy/{name}")
        if account != "aws"
        else f"arn:aws:iam::aws:policy/{name}"
    )
    return {
        "PolicyName": name,
        "PolicyId": f"ANPA{name.upper()[:12]:0<12}",
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": T,
        "UpdateDate": T,
        "PolicyVersionList": [
            {"Document": document, "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": T}
        ],
    }


def role(
    account: str,
    name: str,
    trust_doc: dict[str, Any],
    attached: list[str] = (),
    inline: dict[str, Any] | None = None,
    boundary: str | None = None,
    profiles: list[str] = (),
) -> dict[str, Any]:
    arn = iam_arn(account, f"role/{name}")
    r: dict[str, Any] = {
        "Path": "/",
        "RoleName": name,
        "RoleId": f"AROA{name.upper()[:12]:0<12}",
        "Arn": arn,
        "CreateDate": T,
        "AssumeRolePolicyDocument": trust_doc,
        "Tags": [],
        "InstanceProfileList": [
            {
                "Path": "/",
                "InstanceProfileName": p,
                "InstanceProfileId": f"AIPA{p.upper()[:12]:0<12}",
                "Arn": iam_arn(account, f"instance-profile/{p}"),
                "CreateDate": T,
                "Roles": [
                    {
                        "Path": "/",
                        "RoleName": name,
                        "RoleId": f"AROA{name.upper()[:12]:0<12}",
                        "Arn": arn,
                        "CreateDate": T,
                        "AssumeRolePolicyDocument": trust_doc,
                    }
                ],
            }
            for p in profiles
        ],
        "RolePolicyList": [
            {"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached
        ],
        "RoleLastUsed": {},
    }
    if boundary:
        r["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    return r


def user(
    account: str,
    name: str,
    groups: list[str] = (),
    attached: list[str] = (),
    inline: dict[str, Any] | None = None,
    boundary: str | None = None,
) -> dict[str, Any]:
    u: dict[str, Any] = {
        "Path": "/",
        "UserName": name,
        "UserId": f"AIDA{name.upper()[:12]:0<12}",
        "Arn": iam_arn(account, f"user/{name}"),
        "CreateDate": T,
        "GroupList": list(groups),
        "Tags": [],
        "UserPolicyList": [
            {"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached
        ],
    }
    if boundary:
        u["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    return u


ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
CLAUDE = f"arn:aws:bedrock:{R}::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
TITAN = f"arn:aws:bedrock:{R}::foundation-model/amazon.titan-embed-text-v2:0"
AGENT_ID, ALIAS_ID, AG_ID, KB_ID, DS_ID = (
    "AGENT00001",
    "ALIAS00001",
    "ACTGRP0001",
    "KBASE00001",
    "DSRC000001",
)
AGENT = f"arn:aws:bedrock:{R}:{PROD}:agent/{AGENT_ID}"
KB = f"arn:aws:bedrock:{R}:{PROD}:knowledge-base/{KB_ID}"
COLLECTION = f"arn:aws:aoss:{R}:{PROD}:collection/coll0000001"
LAMBDA = f"arn:aws:lambda:{R}:{PROD}:function:order-lookup"
GUARDRAIL = f"arn:aws:bedrock:{R}:{PROD}:guardrail/grd0000001"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = f"arn:aws:kms:{R}:{PROD}:key/{KEY_ID}"
SECRET = f"arn:aws:secretsmanager:{R}:{PROD}:secret:orders-db-AbCdEf"
NOTEBOOK = f"arn:aws:sagemaker:{R}:{PROD}:notebook-instance/research-nb"


def prod_iam() -> dict[str, Any]:
    p = {
        "ml-boundary": managed(
            PROD,
            "ml-boundary",
            doc(
                allow(
                    [
                        "s3:GetObject",
                        "s3:ListBucket",
                        "s3:PutObject",
                        "sagemaker:*",
                        "bedrock:InvokeModel",
                        "logs:*",
                    ]
                )
            ),
        ),
        "ci-boundary": managed(PROD, "ci-boundary", doc(allow(["lambda:*", "s3:GetObject"]))),
        "ml-engineer-access": managed(
            PROD,
            "ml-engineer-access",
            doc(
                allow(
                    [
                        "bedrock:InvokeModel",
                        "bedrock:InvokeAgent",
                        "bedrock:Retrieve",
                        "bedrock:RetrieveAndGenerate",
                    ]
                ),
                allow(
                    "iam:PassRole",
                    iam_arn(PROD, "role/NotebookRole"),
                    Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                ),
                allow(
                    [
                        "sagemaker:CreateNotebookInstance",
                        "sagemaker:CreatePresignedNotebookInstanceUrl",
                    ]
                ),
            ),
        ),
        "agent-permissions": managed(
            PROD,
            "agent-permissions",
            doc(
                allow("bedrock:InvokeModel", CLAUDE),
                allow(["bedrock:Retrieve"], KB),
                allow("bedrock:ApplyGuardrail", GUARDRAIL),
            ),
        ),
    }
    roles = [
        role(PROD, "OrganizationAccountAccessRole", trust({"AWS": iam_arn(MGMT, "root")}), [ADMIN]),
        role(
            PROD,
            "analyst",
            trust({"AWS": iam_arn(PROD, "user/dev-alice")}),
            inline={
                "assume-audit": doc(allow("sts:AssumeRole", iam_arn(MGMT, "role/AuditReader")))
            },
        ),
        role(
            PROD,
            "BedrockAgentRole",
            trust(
                {"Service": "bedrock.amazonaws.com"},
                {
                    "StringEquals": {"aws:SourceAccount": PROD},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{R}:{PROD}:agent/*"},
                },
            ),
            [p["agent-permissions"]["Arn"]],
            inline={"invoke-action-lambda": doc(allow("lambda:InvokeFunction", LAMBDA))},
        ),
        role(
            PROD,
            "BedrockKbRole",
            trust(
                {"Service": "bedrock.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": PROD}}
            ),
            inline={
                "kb-data": doc(
                    allow(
                        ["s3:GetObject", "s3:ListBucket"],
                        ["arn:aws:s3:::acme-kb-docs", "arn:aws:s3:::acme-kb-docs/*"],
                    ),
                    allow("aoss:APIAccessAll", COLLECTION),
                    allow("bedrock:InvokeModel", TITAN),
                )
            },
        ),
        role(
            PROD,
            "NotebookRole",
            trust({"Service": "sagemaker.amazonaws.com"}),
            [ADMIN],
            boundary=p["ml-boundary"]["Arn"],
        ),
        role(
            PROD,
            "OrderLookupLambdaRole",
            trust({"Service": "lambda.amazonaws.com"}),
            inline={
                "orders": doc(
                    allow("secretsmanager:GetSecretValue", SECRET), allow("kms:Decrypt", KEY)
                )
            },
        ),
        role(
            PROD,
            "BatchRole",
            trust({"Service": "ec2.amazonaws.com"}),
            inline={
                "batch": doc(
                    allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::acme-training-data/*")
                )
            },
            profiles=["batch-profile"],
        ),
    ]
    users = [
        user(
            PROD,
            "dev-alice",
            groups=["ml-engineers"],
            inline={
                "self-service": doc(allow("iam:ListAccessKeys", iam_arn(PROD, "user/dev-alice")))
            },
        ),
        user(
            PROD,
            "ci-bot",
            inline={
                "deploy": doc(
                    allow(
                        [
                            "lambda:UpdateFunctionCode",
                            "lambda:GetFunction",
                            "iam:PassRole",
                            "s3:DeleteObject",
                        ]
                    )
                )
            },
            boundary=p["ci-boundary"]["Arn"],
        ),
    ]
    groups = [
        {
            "Path": "/",
            "GroupName": "ml-engineers",
            "GroupId": "AGPAMLENGINEERS0",
            "Arn": iam_arn(PROD, "group/ml-engineers"),
            "CreateDate": T,
            "GroupPolicyList": [],
            "AttachedManagedPolicies": [
                {"PolicyName": "ml-engineer-access", "PolicyArn": p["ml-engineer-access"]["Arn"]}
            ],
        }
    ]
    admin = managed("aws", "AdministratorAccess", doc(allow("*")))
    return {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": [*p.values(), admin],
    }


def mgmt_iam() -> dict[str, Any]:
    admin = managed("aws", "AdministratorAccess", doc(allow("*")))
    audit = managed(
        MGMT,
        "audit-read",
        doc(
            allow(
                ["s3:GetObject", "s3:ListBucket"],
                ["arn:aws:s3:::acme-training-data", "arn:aws:s3:::acme-training-data/*"],
            )
        ),
    )
    return {
        "UserDetailList": [user(MGMT, "ops-admin", attached=[ADMIN])],
        "GroupDetailList": [],
        "RoleDetailList": [
            role(
                MGMT,
                "AuditReader",
                trust(
                    {"AWS": iam_arn(PROD, "role/analyst")},
                    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    sid="FromProdAnalyst",
                ),
                [audit["Arn"]],
            )
        ],
        "Policies": [admin, audit],
    }


def org_responses() -> dict[tuple[str, str], Any]:
    org_arn = f"arn:aws:organizations::{MGMT}:organization/{ORG}"
    root_arn = f"arn:aws:organizations::{MGMT}:root/{ORG}/{ROOT}"
    ou_arn = f"arn:aws:organizations::{MGMT}:ou/{ORG}/{OU}"

    def acct(i: str, name: str) -> dict[str, Any]:
        return {
            "Id": i,
            "Arn": f"arn:aws:organizations::{MGMT}:account/{ORG}/{i}",
            "Email": f"{name}@example.com",
            "Name": name,
            "Status": "ACTIVE",
            "JoinedMethod": "CREATED",
            "JoinedTimestamp": T,
        }

    def pol(pid: str, name: str, ptype: str, aws: bool) -> dict[str, Any]:
        kind = ptype.lower()
        owner = "aws" if aws else MGMT
        return {
            "Id": pid,
            "Arn": f"arn:aws:organizations::{owner}:policy/{ORG if not aws else ''}{'/' if not aws else ''}{kind}/{pid}".replace(
                "//", "/"
            ),
            "Name": name,
            "Description": name,
            "Type": ptype,
            "AwsManaged": aws,
        }

    full = pol("p-FullAWSAccess", "FullAWSAccess", "SERVICE_CONTROL_POLICY", True)
    deny = pol("p-denyai0001", "DenyAIDestruction", "SERVICE_CONTROL_POLICY", False)
    rcp = pol("p-RCPFullAWSAccess", "RCPFullAWSAccess", "RESOURCE_CONTROL_POLICY", True)
    contents = {
        full["Id"]: doc(allow("*")),
        deny["Id"]: doc(
            {
                "Sid": "DenyKbAndModelDeletion",
                "Effect": "Deny",
                "Action": [
                    "bedrock:DeleteKnowledgeBase",
                    "bedrock:DeleteCustomModel",
                    "s3:DeleteBucket",
                ],
                "Resource": "*",
            }
        ),
        rcp["Id"]: doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}),
    }
    targets = {
        full["Id"]: [
            ("ROOT", ROOT, root_arn, "Root"),
            ("ORGANIZATIONAL_UNIT", OU, ou_arn, "workloads"),
            ("ACCOUNT", MGMT, acct(MGMT, "management")["Arn"], "management"),
            ("ACCOUNT", PROD, acct(PROD, "ml-prod")["Arn"], "ml-prod"),
        ],
        deny["Id"]: [("ORGANIZATIONAL_UNIT", OU, ou_arn, "workloads")],
        rcp["Id"]: [("ROOT", ROOT, root_arn, "Root")],
    }
    out: dict[tuple[str, str], Any] = {
        ("DescribeOrganization", "all"): {
            "Organization": {
                "Id": ORG,
                "Arn": org_arn,
                "FeatureSet": "ALL",
                "MasterAccountArn": acct(MGMT, "management")["Arn"],
                "MasterAccountId": MGMT,
                "MasterAccountEmail": "management@example.com",
                "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
            }
        },
        ("ListRoots", "all"): {
            "Roots": [
                {
                    "Id": ROOT,
                    "Arn": root_arn,
                    "Name": "Root",
                    "PolicyTypes": [
                        {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
                        {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"},
                    ],
                }
            ]
        },
        ("ListAccounts", "all"): {"Accounts": [acct(MGMT, "management"), acct(PROD, "ml-prod")]},
        ("ListOrganizationalUnitsForParent", ROOT): {
            "OrganizationalUnits": [{"Id": OU, "Arn": ou_arn, "Name": "workloads"}]
        },
        ("ListOrganizationalUnitsForParent", OU): {"OrganizationalUnits": []},
        ("ListAccountsForParent", ROOT): {"Accounts": [acct(MGMT, "management")]},
        ("ListAccountsForParent", OU): {"Accounts": [acct(PROD, "ml-prod")]},
        ("ListPolicies", "SERVICE_CONTROL_POLICY"): {"Policies": [full, deny]},
        ("ListPolicies", "RESOURCE_CONTROL_POLICY"): {"Policies": [rcp]},
    }
    for p in (full, deny, rcp):
        out[("DescribePolicy", p["Id"])] = {
            "Policy": {"PolicySummary": p, "Content": json.dumps(contents[p["Id"]])}
        }
        out[("ListTargetsForPolicy", p["Id"])] = {
            "Targets": [
                {"TargetId": i, "Arn": a, "Name": n, "Type": t} for t, i, a, n in targets[p["Id"]]
            ]
        }
    return out


def prod_regional() -> dict[tuple[str, str, str], Any]:
    """(service, operation, key) -> response for the ml-prod account in us-east-1."""
    kb = {
        "knowledgeBaseId": KB_ID,
        "name": "support-kb",
        "knowledgeBaseArn": KB,
        "roleArn": iam_arn(PROD, "role/BedrockKbRole"),
        "knowledgeBaseConfiguration": {
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {"embeddingModelArn": TITAN},
        },
        "storageConfiguration": {
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": COLLECTION,
                "vectorIndexName": "support-index",
                "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
            },
        },
        "status": "ACTIVE",
        "createdAt": T,
        "updatedAt": T,
    }
    agent = {
        "agentId": AGENT_ID,
        "agentName": "support-agent",
        "agentArn": AGENT,
        "agentVersion": "DRAFT",
        "instruction": "Answer support questions.",
        "agentStatus": "PREPARED",
        "foundationModel": CLAUDE.rsplit("/", 1)[1],
        "idleSessionTTLInSeconds": 600,
        "agentResourceRoleArn": iam_arn(PROD, "role/BedrockAgentRole"),
        "guardrailConfiguration": {"guardrailIdentifier": "grd0000001", "guardrailVersion": "1"},
        "createdAt": T,
        "updatedAt": T,
    }

    def group(v: str) -> dict[str, Any]:
        return {
            "agentActionGroup": {
                "agentId": AGENT_ID,
                "agentVersion": v,
                "actionGroupId": AG_ID,
                "actionGroupName": "orders",
                "actionGroupExecutor": {"lambda": LAMBDA},
                "actionGroupState": "ENABLED",
                "createdAt": T,
                "updatedAt": T,
            }
        }

    return {
        ("bedrock", "ListFoundationModels", "all"): {
            "modelSummaries": [
                {
                    "modelArn": CLAUDE,
                    "modelId": CLAUDE.rsplit("/", 1)[1],
                    "providerName": "Anthropic",
                },
                {"modelArn": TITAN, "modelId": TITAN.rsplit("/", 1)[1], "providerName": "Amazon"},
            ]
        },
        ("bedrock", "ListCustomModels", "all"): {
            "modelSummaries": [
                {
                    "modelArn": f"arn:aws:bedrock:{R}:{PROD}:custom-model/amazon.titan-text-express-v1:0:8k/abc123def456",
                    "modelName": "support-tuned",
                    "creationTime": T,
                    "baseModelArn": f"arn:aws:bedrock:{R}::foundation-model/amazon.titan-text-express-v1",
                    "baseModelName": "titan-text-express",
                }
            ]
        },
        (
            "bedrock",
            "GetCustomModel",
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A222222222222%3Acustom-model%2Famazon.titan-text-express-v1%3A0%3A8k%2Fabc123def456",
        ): {
            "modelArn": f"arn:aws:bedrock:{R}:{PROD}:custom-model/amazon.titan-text-express-v1:0:8k/abc123def456",
            "modelName": "support-tuned",
            "jobArn": f"arn:aws:bedrock:{R}:{PROD}:model-customization-job/amazon.titan-text-express-v1:0:8k/job00001",
            "baseModelArn": f"arn:aws:bedrock:{R}::foundation-model/amazon.titan-text-express-v1",
            "trainingDataConfig": {"s3Uri": "s3://acme-training-data/support/train.jsonl"},
            "outputDataConfig": {"s3Uri": "s3://acme-model-artifacts/tuning/"},
            "creationTime": T,
        },
        ("bedrock", "ListModelCustomizationJobs", "all"): {
            "modelCustomizationJobSummaries": [
                {
                    "jobArn": f"arn:aws:bedrock:{R}:{PROD}:model-customization-job/amazon.titan-text-express-v1:0:8k/job00001",
                    "baseModelArn": f"arn:aws:bedrock:{R}::foundation-model/amazon.titan-text-express-v1",
                    "jobName": "support-tune",
                    "status": "Completed",
                    "creationTime": T,
                    "customModelName": "support-tuned",
                }
            ]
        },
        ("bedrock", "ListGuardrails", "all"): {
            "guardrails": [
                {
                    "id": "grd0000001",
                    "arn": GUARDRAIL,
                    "status": "READY",
                    "name": "pii-guard",
                    "version": "1",
                    "createdAt": T,
                    "updatedAt": T,
                }
            ]
        },
        ("bedrock", "GetModelInvocationLoggingConfiguration", "all"): {
            "loggingConfig": {
                "cloudWatchConfig": {
                    "logGroupName": "/aws/bedrock/invocations",
                    "roleArn": iam_arn(PROD, "role/BedrockAgentRole"),
                },
                "s3Config": {"bucketName": "acme-model-artifacts", "keyPrefix": "invocation-logs/"},
                "textDataDeliveryEnabled": True,
                "imageDataDeliveryEnabled": False,
                "embeddingDataDeliveryEnabled": False,
            }
        },
        ("bedrock-agent", "ListAgents", "all"): {
            "agentSummaries": [
                {
                    "agentId": AGENT_ID,
                    "agentName": "support-agent",
                    "agentStatus": "PREPARED",
                    "updatedAt": T,
                }
            ]
        },
        ("bedrock-agent", "GetAgent", AGENT_ID): {"agent": agent},
        ("bedrock-agent", "ListAgentAliases", AGENT_ID): {
            "agentAliasSummaries": [
                {
                    "agentAliasId": ALIAS_ID,
                    "agentAliasName": "prod",
                    "routingConfiguration": [{"agentVersion": "1"}],
                    "agentAliasStatus": "PREPARED",
                    "createdAt": T,
                    "updatedAt": T,
                }
            ]
        },
        **{
            ("bedrock-agent", "ListAgentActionGroups", f"{AGENT_ID}__{v}"): {
                "actionGroupSummaries": [
                    {
                        "actionGroupId": AG_ID,
                        "actionGroupName": "orders",
                        "actionGroupState": "ENABLED",
                        "updatedAt": T,
                    }
                ]
            }
            for v in ("DRAFT", "1")
        },
        **{
            ("bedrock-agent", "GetAgentActionGroup", f"{AGENT_ID}__{v}__{AG_ID}"): group(v)
            for v in ("DRAFT", "1")
        },
        **{
            ("bedrock-agent", "ListAgentKnowledgeBases", f"{AGENT_ID}__{v}"): {
                "agentKnowledgeBaseSummaries": [
                    {"knowledgeBaseId": KB_ID, "knowledgeBaseState": "ENABLED", "updatedAt": T}
                ]
            }
            for v in ("DRAFT", "1")
        },
        ("bedrock-agent", "ListKnowledgeBases", "all"): {
            "knowledgeBaseSummaries": [
                {"knowledgeBaseId": KB_ID, "name": "support-kb", "status": "ACTIVE", "updatedAt": T}
            ]
        },
        ("bedrock-agent", "GetKnowledgeBase", KB_ID): {"knowledgeBase": kb},
        ("bedrock-agent", "ListDataSources", KB_ID): {
            "dataSourceSummaries": [
                {
                    "knowledgeBaseId": KB_ID,
                    "dataSourceId": DS_ID,
                    "name": "support-docs",
                    "status": "AVAILABLE",
                    "updatedAt": T,
                }
            ]
        },
        ("bedrock-agent", "GetDataSource", f"{KB_ID}__{DS_ID}"): {
            "dataSource": {
                "knowledgeBaseId": KB_ID,
                "dataSourceId": DS_ID,
                "name": "support-docs",
                "status": "AVAILABLE",
                "dataSourceConfiguration": {
                    "type": "S3",
                    "s3Configuration": {
                        "bucketArn": "arn:aws:s3:::acme-kb-docs",
                        "inclusionPrefixes": ["public/"],
                    },
                },
                "dataDeletionPolicy": "RETAIN",
                "createdAt": T,
                "updatedAt": T,
            }
        },
        ("sagemaker", "ListNotebookInstances", "all"): {
            "NotebookInstances": [
                {
                    "NotebookInstanceName": "research-nb",
                    "NotebookInstanceArn": NOTEBOOK,
                    "NotebookInstanceStatus": "InService",
                    "CreationTime": T,
                    "LastModifiedTime": T,
                }
            ]
        },
        ("sagemaker", "DescribeNotebookInstance", "research-nb"): {
            "NotebookInstanceArn": NOTEBOOK,
            "NotebookInstanceName": "research-nb",
            "NotebookInstanceStatus": "InService",
            "InstanceType": "ml.t3.medium",
            "RoleArn": iam_arn(PROD, "role/NotebookRole"),
            "DirectInternetAccess": "Enabled",
            "RootAccess": "Enabled",
            "NotebookInstanceLifecycleConfigName": "on-start",
            "CreationTime": T,
        },
        ("sagemaker", "ListModels", "all"): {
            "Models": [
                {
                    "ModelName": "churn",
                    "ModelArn": f"arn:aws:sagemaker:{R}:{PROD}:model/churn",
                    "CreationTime": T,
                }
            ]
        },
        ("sagemaker", "DescribeModel", "churn"): {
            "ModelName": "churn",
            "ModelArn": f"arn:aws:sagemaker:{R}:{PROD}:model/churn",
            "ExecutionRoleArn": iam_arn(PROD, "role/NotebookRole"),
            "CreationTime": T,
            "PrimaryContainer": {
                "Image": f"{PROD}.dkr.ecr.{R}.amazonaws.com/churn:1",
                "ModelDataUrl": "s3://acme-model-artifacts/churn/model.tar.gz",
            },
        },
        ("lambda", "ListFunctions", "all"): {
            "Functions": [
                {
                    "FunctionName": "order-lookup",
                    "FunctionArn": LAMBDA,
                    "Runtime": "python3.12",
                    "Handler": "app.handler",
                    "Role": iam_arn(PROD, "role/OrderLookupLambdaRole"),
                    "LastModified": T,
                    "PackageType": "Zip",
                }
            ]
        },
        ("lambda", "GetPolicy", "order-lookup"): {
            "Policy": json.dumps(
                doc(
                    {
                        "Sid": "bedrock-agent",
                        "Effect": "Allow",
                        "Principal": {"Service": "bedrock.amazonaws.com"},
                        "Action": "lambda:InvokeFunction",
                        "Resource": LAMBDA,
                        "Condition": {"ArnLike": {"AWS:SourceArn": AGENT}},
                    }
                )
            ),
            "RevisionId": "1",
        },
        ("ec2", "DescribeInstances", "all"): {
            "Reservations": [
                {
                    "ReservationId": "r-0001",
                    "OwnerId": PROD,
                    "Instances": [
                        {
                            "InstanceId": "i-0123456789abcdef0",
                            "ImageId": "ami-12345678",
                            "State": {"Code": 16, "Name": "running"},
                            "IamInstanceProfile": {
                                "Arn": iam_arn(PROD, "instance-profile/batch-profile"),
                                "Id": "AIPABATCHPROFILE",
                            },
                            "LaunchTime": T,
                        }
                    ],
                }
            ]
        },
        ("ec2", "DescribeIamInstanceProfileAssociations", "all"): {
            "IamInstanceProfileAssociations": [
                {
                    "AssociationId": "iip-assoc-0001",
                    "InstanceId": "i-0123456789abcdef0",
                    "IamInstanceProfile": {
                        "Arn": iam_arn(PROD, "instance-profile/batch-profile"),
                        "Id": "AIPABATCHPROFILE",
                    },
                    "State": "associated",
                }
            ]
        },
        ("opensearchserverless", "ListCollections", "all"): {
            "collectionSummaries": [
                {
                    "id": "coll0000001",
                    "name": "support-vectors",
                    "status": "ACTIVE",
                    "arn": COLLECTION,
                }
            ]
        },
        ("opensearchserverless", "ListAccessPolicies", "data"): {
            "accessPolicySummaries": [
                {
                    "name": "support-kb-access",
                    "type": "data",
                    "policyVersion": "MTY4MDAwMDAwMDAwMF8x",
                }
            ]
        },
        ("opensearchserverless", "GetAccessPolicy", "data__support-kb-access"): {
            "accessPolicyDetail": {
                "name": "support-kb-access",
                "type": "data",
                "policyVersion": "MTY4MDAwMDAwMDAwMF8x",
                "policy": [
                    {
                        "Rules": [
                            {
                                "ResourceType": "index",
                                "Resource": ["index/support-vectors/*"],
                                "Permission": ["aoss:ReadDocument", "aoss:WriteDocument"],
                            },
                            {
                                "ResourceType": "collection",
                                "Resource": ["collection/support-vectors"],
                                "Permission": ["aoss:DescribeCollectionItems"],
                            },
                        ],
                        "Principal": [iam_arn(PROD, "role/BedrockKbRole")],
                    }
                ],
            }
        },
        ("kms", "ListKeys", "all"): {"Keys": [{"KeyId": KEY_ID, "KeyArn": KEY}]},
        ("kms", "GetKeyPolicy", KEY_ID): {
            "PolicyName": "default",
            "Policy": json.dumps(
                doc(
                    {
                        "Sid": "EnableRoot",
                        "Effect": "Allow",
                        "Principal": {"AWS": iam_arn(PROD, "root")},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                )
            ),
        },
        ("secretsmanager", "ListSecrets", "all"): {
            "SecretList": [{"ARN": SECRET, "Name": "orders-db", "KmsKeyId": KEY}]
        },
        (
            "secretsmanager",
            "GetResourcePolicy",
            "arn%3Aaws%3Asecretsmanager%3Aus-east-1%3A222222222222%3Asecret%3Aorders-db-AbCdEf",
        ): {
            "ARN": SECRET,
            "Name": "orders-db",
            "ResourcePolicy": json.dumps(
                doc(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": iam_arn(PROD, "role/OrderLookupLambdaRole")},
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": "*",
                    }
                )
            ),
        },
        ("cloudtrail", "DescribeTrails", "all"): {
            "trailList": [
                {
                    "Name": "org-trail",
                    "TrailARN": f"arn:aws:cloudtrail:{R}:{MGMT}:trail/org-trail",
                    "S3BucketName": "acme-org-trail",
                    "IsMultiRegionTrail": True,
                    "IsOrganizationTrail": True,
                    "HomeRegion": R,
                    "IncludeGlobalServiceEvents": True,
                    "LogFileValidationEnabled": True,
                }
            ]
        },
        ("logs", "DescribeLogGroups", "all"): {
            "logGroups": [
                {
                    "logGroupName": "/aws/bedrock/invocations",
                    "arn": f"arn:aws:logs:{R}:{PROD}:log-group:/aws/bedrock/invocations:*",
                    "logGroupArn": f"arn:aws:logs:{R}:{PROD}:log-group:/aws/bedrock/invocations",
                    "retentionInDays": 90,
                }
            ]
        },
    }


def mgmt_regional() -> dict[tuple[str, str, str], Any]:
    trail = f"arn:aws:cloudtrail:{R}:{MGMT}:trail/org-trail"
    key = trail.replace(":", "%3A").replace("/", "%2F")
    return {
        ("cloudtrail", "DescribeTrails", "all"): {
            "trailList": [
                {
                    "Name": "org-trail",
                    "TrailARN": trail,
                    "S3BucketName": "acme-org-trail",
                    "IsMultiRegionTrail": True,
                    "IsOrganizationTrail": True,
                    "HomeRegion": R,
                    "IncludeGlobalServiceEvents": True,
                    "LogFileValidationEnabled": True,
                }
            ]
        },
        ("cloudtrail", "GetEventSelectors", key): {
            "TrailARN": trail,
            "EventSelectors": [
                {
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": True,
                    "DataResources": [
                        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::acme-kb-docs/"]}
                    ],
                }
            ],
        },
        ("cloudtrail", "GetTrailStatus", key): {"IsLogging": True, "LatestDeliveryTime": T},
    }


def buckets(account: str, names: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    out: dict[tuple[str, str, str], Any] = {
        ("s3", "ListBuckets", "all"): {
            "Buckets": [{"Name": n, "CreationDate": T} for n in names],
            "Owner": {"ID": f"owner-{account}"},
        }
    }
    for name, spec in names.items():
        out[("s3", "GetBucketLocation", name)] = {"LocationConstraint": None}
        if spec.get("policy"):
            out[("s3", "GetBucketPolicy", name)] = {"Policy": json.dumps(spec["policy"])}
        out[("s3", "GetPublicAccessBlock", name)] = {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            }
        }
        if spec.get("kms"):
            out[("s3", "GetBucketEncryption", name)] = {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": spec["kms"],
                            }
                        }
                    ]
                }
            }
        out[("s3", "GetBucketOwnershipControls", name)] = {
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        }
        out[("s3", "GetBucketAcl", name)] = {
            "Owner": {"ID": f"owner-{account}"},
            "Grants": [
                {
                    "Grantee": {"ID": f"owner-{account}", "Type": "CanonicalUser"},
                    "Permission": "FULL_CONTROL",
                }
            ],
        }
    out[("s3control", "GetPublicAccessBlock", account)] = {
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }
    }
    return out


ABSENT = {  # error codes the collector keeps as facts, by operation
    ("s3", "GetBucketPolicy"): "NoSuchBucketPolicy",
    ("s3", "GetBucketEncryption"): "ServerSideEncryptionConfigurationNotFoundError",
    ("s3", "GetPublicAccessBlock"): "NoSuchPublicAccessBlockConfiguration",
    ("lambda", "GetPolicy"): "ResourceNotFoundException",
}
DENIED = {(MGMT, "sagemaker", "ListDomains")}  # one deliberate coverage gap


def write(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    w = SnapshotWriter(out)
    gaps: list[Gap] = []
    prod_buckets = buckets(
        PROD,
        {
            "acme-kb-docs": {
                "policy": doc(
                    {
                        "Sid": "DenyConfidentialExceptKb",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::acme-kb-docs/confidential/*",
                        "Condition": {
                            "ArnNotEquals": {
                                "aws:PrincipalArn": iam_arn(PROD, "role/BedrockKbRole")
                            }
                        },
                    }
                )
            },
            "acme-training-data": {
                "kms": KEY,
                "policy": doc(
                    {
                        "Sid": "AuditFromManagement",
                        "Effect": "Allow",
                        "Principal": {"AWS": iam_arn(MGMT, "role/AuditReader")},
                        "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": [
                            "arn:aws:s3:::acme-training-data",
                            "arn:aws:s3:::acme-training-data/*",
                        ],
                    }
                ),
            },
            "acme-model-artifacts": {},
        },
    )
    mgmt_buckets = buckets(MGMT, {"acme-org-trail": {}})
    plan = {
        # the organisation trail shows in the member account too, and its details read the same there
        PROD: (
            {("iam", "GetAccountAuthorizationDetails", "all"): prod_iam(), **prod_buckets},
            {
                **prod_regional(),
                **{k: v for k, v in mgmt_regional().items() if k[1] != "DescribeTrails"},
            },
        ),
        MGMT: (
            {
                ("iam", "GetAccountAuthorizationDetails", "all"): mgmt_iam(),
                **mgmt_buckets,
                **{("organizations", op, k): v for (op, k), v in org_responses().items()},
            },
            mgmt_regional(),
        ),
    }
    keys = {PROD: ["AKIAPRODALICE0000001"], MGMT: ["AKIAMGMTOPSADMIN0001"]}
    for account, (glob, regional) in plan.items():
        for region, table in ((GLOBAL, glob), (R, regional)):
            done: dict[str, list[tuple[dict[str, Any], Any]]] = {}
            for op in OPERATIONS:
                if (op.scope == "global") != (region == GLOBAL):
                    continue
                if op.service == "organizations" and account != MGMT:
                    continue  # collected with --org: the management account reads the organisation
                while True:
                    reqs = (
                        derived_requests(op, done, account, region)
                        if op.each
                        else base_requests(op, account, region)
                    )
                    new = [
                        q
                        for q in reqs
                        if file_key(op, q)
                        not in {file_key(op, d[0]) for d in done.get(op.name, [])}
                    ]
                    if not new:
                        break
                    for req in new:
                        k = file_key(op, req)
                        resp = _response(account, op, k, req, table, keys)
                        if (account, op.service, op.name) in DENIED:
                            gaps.append(
                                Gap(
                                    account=account,
                                    region=region,
                                    service=op.service,
                                    operation=op.name,
                                    request=req,
                                    reason="denied",
                                    error_code="AccessDeniedException",
                                    message="User is not authorized to perform: sagemaker:ListDomains",
                                )
                            )
                            resp = None
                        elif resp is None:
                            code = ABSENT[(op.service, op.name)]
                            w.write(
                                account,
                                region,
                                op.service,
                                op.name,
                                k,
                                req,
                                None,
                                {"Code": code, "Message": "absent"},
                            )
                        else:
                            w.write(account, region, op.service, op.name, k, req, resp)
                        done.setdefault(op.name, []).append((req, resp))
                    if not any(s.operation == op.name for s in op.each):
                        break
    w.finish(
        collected_by=iam_arn(MGMT, "user/ops-admin"),
        accounts=[MGMT, PROD],
        regions=[R],
        gaps=gaps,
        collected_at=T,
    )


def _response(
    account: str,
    op: Any,
    key: str,
    req: dict[str, Any],
    table: dict[tuple[str, str, str], Any],
    keys: dict[str, list[str]],
) -> Any:
    if (op.service, op.name, key) in table:
        return table[(op.service, op.name, key)]
    if (op.service, op.name) in ABSENT:
        return None
    if op.ident == "sts:GetCallerIdentity":
        return {
            "UserId": "AIDAEXAMPLE",
            "Account": account,
            "Arn": iam_arn(MGMT, "user/ops-admin")
            if account == MGMT
            else f"arn:aws:sts::{account}:assumed-role/OrganizationAccountAccessRole/graphscope-collect",
        }
    if op.ident == "iam:ListAccessKeys":
        user = req["UserName"]
        owned = [
            k
            for k in keys[account]
            if (user == "dev-alice" and "ALICE" in k) or (user == "ops-admin" and "OPS" in k)
        ]
        return {
            "AccessKeyMetadata": [
                {"UserName": user, "AccessKeyId": k, "Status": "Active", "CreateDate": T}
                for k in owned
            ]
        }
    if op.ident == "iam:GetAccountSummary":
        return {"SummaryMap": {"AccountMFAEnabled": 1}}
    if op.ident == "bedrock:GetModelInvocationLoggingConfiguration":
        return {}  # logging switched off: a fact the coverage report must show
    return {}  # nothing of this kind in the account


if __name__ == "__main__":
    write(HERE / "org-snapshot")
    (HERE / f"iam-auth-details-{PROD}.json").write_text(json.dumps(prod_iam(), indent=2) + "\n")
    print("wrote", HERE / "org-snapshot", "and", HERE / f"iam-auth-details-{PROD}.json")
