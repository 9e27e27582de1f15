"""The example organisation: three accounts, their IAM, AI applications, data stores and logging.

Everything here is invented (documentation account ids, example.com names, TEST-NET addresses).
`snapshot_files()` turns it into the (account, region, service, operation, key) -> (request,
response or error) table of an `aws-api-responses/1` snapshot, with boto3's response shapes.
Stdlib only, so the example regenerates without graphscope installed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

MGMT, DEV, PROD = "111122223333", "444455556666", "777788889999"
ACCOUNTS = (MGMT, DEV, PROD)
ACCOUNT_NAMES = {MGMT: "management", DEV: "dev", PROD: "ai-prod"}
R1, R2 = "us-east-1", "us-west-2"
REGIONS = (R1, R2)
GLOBAL = "global"
ORG, ROOT = "o-exmpl12345", "r-ex12"
OU_DEV, OU_PROD = "ou-ex12-devwork1", "ou-ex12-prodwrk1"
CREATED = "2024-11-04T10:00:00+00:00"  # when the estate was built
COLLECTED_AT = "2025-03-14T16:30:00+00:00"  # the responder's snapshot, after containment

SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
TITAN_EMBED = "amazon.titan-embed-text-v2:0"
TITAN_TEXT = "amazon.titan-text-express-v1"
LLAMA = "meta.llama3-70b-instruct-v1:0"
FOUNDATION_MODELS = (
    (SONNET, "Anthropic", "Claude 3.5 Sonnet"),
    (HAIKU, "Anthropic", "Claude 3 Haiku"),
    (TITAN_EMBED, "Amazon", "Titan Text Embeddings V2"),
    (TITAN_TEXT, "Amazon", "Titan Text G1 - Express"),
    (LLAMA, "Meta", "Llama 3 70B Instruct"),
)

# AI application in ai-prod, us-east-1
AGENT_ID, ALIAS_ID, ACTION_GROUP_ID = "SUPAGT7Q2X", "PRDALS4K9M", "ORDTLS3H8B"
KB_ID, DS_ID = "KBCUST5R7T", "DSDOCS2W6Y"
GUARDRAIL_ID = "gr7x2k9m4p1q"
COLLECTION_ID = "c7k2m9x4p1q8w3e6r5t0"
CUSTOM_MODEL_SUFFIX = "q7w2e9r4t1y8"
ORDERS_SECRET_SUFFIX = "Xk9q2L"
CUSTOMER_KEY_ID = "8f1c2a7e-3b4d-4e5f-9a6b-7c8d9e0f1a2b"
TRAINING_KEY_ID = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"
SCANNER_INSTANCE = "i-0a1b2c3d4e5f60718"


def arn_model(model: str, region: str = R1) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


def iam(account: str, rest: str) -> str:
    return f"arn:aws:iam::{account}:{rest}"


def s3(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


AGENT = f"arn:aws:bedrock:{R1}:{PROD}:agent/{AGENT_ID}"
AGENT_ALIAS = f"arn:aws:bedrock:{R1}:{PROD}:agent-alias/{AGENT_ID}/{ALIAS_ID}"
KB = f"arn:aws:bedrock:{R1}:{PROD}:knowledge-base/{KB_ID}"
GUARDRAIL = f"arn:aws:bedrock:{R1}:{PROD}:guardrail/{GUARDRAIL_ID}"
COLLECTION = f"arn:aws:aoss:{R1}:{PROD}:collection/{COLLECTION_ID}"
CUSTOM_MODEL = f"arn:aws:bedrock:{R1}:{PROD}:custom-model/{TITAN_TEXT}:0:8k/{CUSTOM_MODEL_SUFFIX}"
CUSTOMIZATION_JOB = (
    f"arn:aws:bedrock:{R1}:{PROD}:model-customization-job/{TITAN_TEXT}:0:8k/j4k8m2n6p0r3"
)
SUMMARIZER = f"arn:aws:lambda:{R1}:{PROD}:function:support-summarizer"
ORDER_TOOLS = f"arn:aws:lambda:{R1}:{PROD}:function:order-tools"
ORDERS_SECRET = f"arn:aws:secretsmanager:{R1}:{PROD}:secret:orders-db-{ORDERS_SECRET_SUFFIX}"
CUSTOMER_KEY = f"arn:aws:kms:{R1}:{PROD}:key/{CUSTOMER_KEY_ID}"
TRAINING_KEY = f"arn:aws:kms:{R1}:{PROD}:key/{TRAINING_KEY_ID}"
RESEARCH_NB = f"arn:aws:sagemaker:{R1}:{PROD}:notebook-instance/research-nb"
ATTACKER_NB = f"arn:aws:sagemaker:{R1}:{PROD}:notebook-instance/ml-debug-nb"
ENDPOINT = f"arn:aws:sagemaker:{R1}:{PROD}:endpoint/churn-predictor"
TRAIL = f"arn:aws:cloudtrail:{R1}:{MGMT}:trail/org-trail"
OIDC_GITHUB = iam(PROD, "oidc-provider/token.actions.githubusercontent.com")

CUSTOMER_DOCS = "examplecorp-customer-docs"
TRAINING_DATA = "examplecorp-training-data"
MODEL_ARTIFACTS = "examplecorp-model-artifacts"
BEDROCK_LOGS = "examplecorp-bedrock-logs"
CI_ARTIFACTS = "examplecorp-ci-artifacts"
ORG_TRAIL_BUCKET = "examplecorp-org-trail"

# long-term keys that exist in the inventory (the leaked one first)
LEAKED_KEY = "AKIAIOSFODNN7EXAMPLE"
KEYS = {
    (DEV, "ci-runner"): [LEAKED_KEY],
    (DEV, "dev-bob"): ["AKIAJ2DEVBOB7EXAMPLE"],
    (PROD, "svc-reporting"): ["AKIAQ4REPORTS7XAMPLE"],
    (PROD, "bedrock-tester"): ["AKIAT6BRTESTER7XMPLE"],
    (PROD, "dana.ds"): ["AKIAD3DANADS7EXAMPLE"],
}
ATTACKER_CREATED_KEY = "AKIAW5PERSIST7XAMPLE"  # minted by the attacker for svc-reporting
ATTACKER_API_KEY = "ACCAZ7BEDROCKAPIKEY01"  # Bedrock API key minted for bedrock-tester


def ident(prefix: str, name: str) -> str:
    """A stable IAM unique id (AROA.../AIDA.../ANPA...) derived from a name."""
    digest = hashlib.sha256(name.encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return prefix + "".join(alphabet[b % 32] for b in digest[:17])


def doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def allow(action: Any, resource: Any = "*", sid: str | None = None, **extra: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if sid:
        stmt = {"Sid": sid, **stmt}
    return stmt


def trust(
    principal: dict[str, Any],
    condition: dict[str, Any] | None = None,
    action: str = "sts:AssumeRole",
) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        stmt["Condition"] = condition
    return doc(stmt)


# ------------------------------------------------------------------------------------ IAM
def managed(account: str, name: str, document: dict[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:iam::aws:policy/{name}" if account == "aws" else iam(account, f"policy/{name}")
    return {
        "PolicyName": name,
        "PolicyId": ident("ANPA", arn),
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": CREATED,
        "UpdateDate": CREATED,
        "PolicyVersionList": [
            {
                "Document": document,
                "VersionId": "v1",
                "IsDefaultVersion": True,
                "CreateDate": CREATED,
            }
        ],
    }


ADMIN = managed("aws", "AdministratorAccess", doc(allow("*")))


def role(
    account: str,
    name: str,
    trust_doc: dict[str, Any],
    attached: list[str] = (),
    inline: dict[str, Any] | None = None,
    profiles: list[str] = (),
) -> dict[str, Any]:
    arn = iam(account, f"role/{name}")
    base = {
        "Path": "/",
        "RoleName": name,
        "RoleId": ident("AROA", arn),
        "Arn": arn,
        "CreateDate": CREATED,
        "AssumeRolePolicyDocument": trust_doc,
    }
    return {
        **base,
        "Tags": [],
        "InstanceProfileList": [
            {
                "Path": "/",
                "InstanceProfileName": p,
                "InstanceProfileId": ident("AIPA", p),
                "Arn": iam(account, f"instance-profile/{p}"),
                "CreateDate": CREATED,
                "Roles": [base],
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


def user(
    account: str,
    name: str,
    groups: list[str] = (),
    attached: list[str] = (),
    inline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    arn = iam(account, f"user/{name}")
    return {
        "Path": "/",
        "UserName": name,
        "UserId": ident("AIDA", arn),
        "Arn": arn,
        "CreateDate": CREATED,
        "GroupList": list(groups),
        "Tags": [],
        "UserPolicyList": [
            {"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached
        ],
    }


def audit_readonly(account: str) -> dict[str, Any]:
    return role(
        account,
        "audit-readonly",
        trust({"AWS": iam(MGMT, "role/audit-scanner")}),
        inline={
            "inventory-read": doc(
                allow(
                    [
                        "iam:List*",
                        "iam:GetAccountSummary",
                        "s3:ListAllMyBuckets",
                        "s3:GetBucketPolicy",
                        "s3:GetBucketAcl",
                        "cloudtrail:Describe*",
                        "cloudtrail:GetTrailStatus",
                        "cloudtrail:GetEventSelectors",
                        "bedrock:ListFoundationModels",
                        "bedrock:ListCustomModels",
                        "sagemaker:List*",
                        "ec2:Describe*",
                        "lambda:ListFunctions",
                        "kms:ListKeys",
                        "logs:DescribeLogGroups",
                    ]
                )
            )
        },
    )


def org_access_role(account: str) -> dict[str, Any]:
    return role(
        account, "OrganizationAccountAccessRole", trust({"AWS": iam(MGMT, "root")}), [ADMIN["Arn"]]
    )


def prod_iam() -> dict[str, Any]:
    bedrock_full = managed(
        PROD,
        "bedrock-app-full",
        doc(allow("bedrock:*", "*", sid="BedrockEverything")),
    )
    ds_access = managed(
        PROD,
        "data-scientist-access",
        doc(
            allow(
                [
                    "sagemaker:Describe*",
                    "sagemaker:List*",
                    "sagemaker:CreatePresignedNotebookInstanceUrl",
                ]
            ),
            allow(["bedrock:InvokeModel", "bedrock:ListFoundationModels"]),
        ),
    )
    bedrock_source = {"StringEquals": {"aws:SourceAccount": PROD}}
    roles = [
        org_access_role(PROD),
        audit_readonly(PROD),
        role(
            PROD,
            "ml-deployer",
            trust({"AWS": iam(DEV, "user/ci-runner")}),
            inline={
                "deploy": doc(
                    allow("sts:AssumeRole", iam(PROD, "role/bedrock-app-role"), sid="ChainToApp"),
                    allow(
                        [
                            "bedrock:ListFoundationModels",
                            "bedrock:GetFoundationModel",
                            "bedrock:ListCustomModels",
                            "bedrock:GetModelInvocationLoggingConfiguration",
                        ],
                        sid="BedrockRead",
                    ),
                    allow(
                        [
                            "sagemaker:CreateNotebookInstance",
                            "sagemaker:DescribeNotebookInstance",
                            "sagemaker:ListNotebookInstances",
                            "sagemaker:StopNotebookInstance",
                            "sagemaker:CreatePresignedNotebookInstanceUrl",
                            "sagemaker:DescribeEndpoint",
                            "sagemaker:UpdateEndpoint",
                        ],
                        sid="SageMakerDeploy",
                    ),
                    allow(
                        "iam:PassRole",
                        iam(PROD, "role/sagemaker-exec-role"),
                        sid="PassExecRole",
                        Condition={
                            "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
                        },
                    ),
                    allow(
                        [
                            "iam:ListAccessKeys",
                            "iam:CreateAccessKey",
                            "iam:CreateServiceSpecificCredential",
                        ],
                        [iam(PROD, "user/svc-*"), iam(PROD, "user/bedrock-*")],
                        sid="RotateServiceCredentials",
                    ),
                    allow(
                        ["lambda:GetFunction", "lambda:UpdateFunctionCode"],
                        SUMMARIZER,
                        sid="DeploySummarizer",
                    ),
                )
            },
        ),
        role(
            PROD,
            "bedrock-app-role",
            doc(
                {
                    "Sid": "LambdaRuntime",
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                },
                {
                    "Sid": "Deployer",
                    "Effect": "Allow",
                    "Principal": {"AWS": iam(PROD, "role/ml-deployer")},
                    "Action": "sts:AssumeRole",
                },
            ),
            [bedrock_full["Arn"]],
            inline={
                "training-data-read": doc(
                    allow(
                        ["s3:GetObject", "s3:ListBucket"],
                        [s3(TRAINING_DATA), s3(TRAINING_DATA, "*")],
                    ),
                    allow("kms:Decrypt", TRAINING_KEY),
                    allow(["logs:CreateLogStream", "logs:PutLogEvents"]),
                )
            },
        ),
        role(
            PROD,
            "bedrock-kb-role",
            trust(
                {"Service": "bedrock.amazonaws.com"},
                {
                    **bedrock_source,
                    "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{R1}:{PROD}:knowledge-base/*"},
                },
            ),
            inline={
                "kb-data": doc(
                    allow(
                        ["s3:GetObject", "s3:ListBucket"],
                        [s3(CUSTOMER_DOCS), s3(CUSTOMER_DOCS, "*")],
                    ),
                    allow("kms:Decrypt", CUSTOMER_KEY),
                    allow("aoss:APIAccessAll", COLLECTION),
                    allow("bedrock:InvokeModel", arn_model(TITAN_EMBED)),
                )
            },
        ),
        role(
            PROD,
            "bedrock-agent-role",
            trust(
                {"Service": "bedrock.amazonaws.com"},
                {
                    **bedrock_source,
                    "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{R1}:{PROD}:agent/*"},
                },
            ),
            inline={
                "agent": doc(
                    allow("bedrock:InvokeModel", arn_model(SONNET)),
                    allow("bedrock:Retrieve", KB),
                    allow("bedrock:ApplyGuardrail", GUARDRAIL),
                )
            },
        ),
        role(
            PROD,
            "order-tools-lambda-role",
            trust({"Service": "lambda.amazonaws.com"}),
            inline={
                "orders": doc(
                    allow("secretsmanager:GetSecretValue", ORDERS_SECRET),
                    allow("kms:Decrypt", CUSTOMER_KEY),
                    allow(["logs:CreateLogStream", "logs:PutLogEvents"]),
                )
            },
        ),
        role(
            PROD,
            "sagemaker-exec-role",
            trust({"Service": "sagemaker.amazonaws.com"}),
            inline={
                "notebook-data": doc(
                    allow(
                        ["s3:GetObject", "s3:ListBucket"],
                        [
                            s3(TRAINING_DATA),
                            s3(TRAINING_DATA, "*"),
                            s3(CUSTOMER_DOCS),
                            s3(CUSTOMER_DOCS, "*"),
                        ],
                    ),
                    allow(["s3:GetObject", "s3:PutObject"], s3(MODEL_ARTIFACTS, "*")),
                    allow("kms:Decrypt", [CUSTOMER_KEY, TRAINING_KEY]),
                    allow("bedrock:InvokeModel", "*"),
                )
            },
        ),
        role(
            PROD,
            "bedrock-customization-role",
            trust({"Service": "bedrock.amazonaws.com"}, bedrock_source),
            inline={
                "customization": doc(
                    allow(
                        ["s3:GetObject", "s3:ListBucket"],
                        [s3(TRAINING_DATA), s3(TRAINING_DATA, "*")],
                    ),
                    allow("s3:PutObject", s3(MODEL_ARTIFACTS, "tuning/*")),
                    allow("kms:Decrypt", TRAINING_KEY),
                )
            },
        ),
        role(
            PROD,
            "gha-deploy",
            trust(
                {"Federated": OIDC_GITHUB},
                {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                    },
                    "StringLike": {
                        "token.actions.githubusercontent.com:sub": "repo:example-org/support-bot:ref:refs/heads/main"
                    },
                },
                action="sts:AssumeRoleWithWebIdentity",
            ),
            inline={
                "deploy": doc(
                    allow(
                        [
                            "lambda:GetFunction",
                            "lambda:UpdateFunctionCode",
                            "lambda:GetFunctionConfiguration",
                        ],
                        SUMMARIZER,
                    ),
                    allow("s3:PutObject", s3(MODEL_ARTIFACTS, "deploy/*")),
                )
            },
        ),
    ]
    users = [
        user(PROD, "alice.admin", attached=[ADMIN["Arn"]]),
        user(
            PROD,
            "svc-reporting",
            inline={
                "reporting": doc(
                    allow("bedrock:InvokeModel", arn_model(HAIKU)),
                    allow("s3:GetObject", s3(MODEL_ARTIFACTS, "reports/*")),
                )
            },
        ),
        user(
            PROD,
            "bedrock-tester",
            inline={
                "bedrock-try": doc(
                    allow(
                        [
                            "bedrock:InvokeModel",
                            "bedrock:Converse",
                            "bedrock:CallWithBearerToken",
                            "bedrock:ListFoundationModels",
                        ]
                    )
                )
            },
        ),
        user(PROD, "dana.ds", groups=["data-scientists"]),
    ]
    groups = [
        {
            "Path": "/",
            "GroupName": "data-scientists",
            "GroupId": ident("AGPA", "data-scientists"),
            "Arn": iam(PROD, "group/data-scientists"),
            "CreateDate": CREATED,
            "GroupPolicyList": [],
            "AttachedManagedPolicies": [
                {"PolicyName": "data-scientist-access", "PolicyArn": ds_access["Arn"]}
            ],
        }
    ]
    return {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": [bedrock_full, ds_access, ADMIN],
    }


def dev_iam() -> dict[str, Any]:
    dev_access = managed(
        DEV,
        "developer-access",
        doc(allow(["s3:*", "logs:*", "codebuild:*", "ecr:*", "lambda:*", "cloudwatch:*"])),
    )
    return {
        "UserDetailList": [
            user(
                DEV,
                "ci-runner",
                inline={
                    "ci": doc(
                        allow("sts:AssumeRole", iam(PROD, "role/ml-deployer"), sid="DeployToProd"),
                        allow(
                            ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                            [s3(CI_ARTIFACTS), s3(CI_ARTIFACTS, "*")],
                            sid="Artifacts",
                        ),
                        allow(
                            [
                                "ecr:GetAuthorizationToken",
                                "ecr:BatchGetImage",
                                "ecr:PutImage",
                                "ecr:InitiateLayerUpload",
                                "ecr:UploadLayerPart",
                                "ecr:CompleteLayerUpload",
                            ],
                            sid="Images",
                        ),
                    )
                },
            ),
            user(DEV, "dev-bob", attached=[dev_access["Arn"]]),
        ],
        "GroupDetailList": [],
        "RoleDetailList": [org_access_role(DEV), audit_readonly(DEV)],
        "Policies": [dev_access, ADMIN],
    }


def mgmt_iam() -> dict[str, Any]:
    return {
        "UserDetailList": [user(MGMT, "org-admin", attached=[ADMIN["Arn"]])],
        "GroupDetailList": [],
        "RoleDetailList": [
            role(
                MGMT,
                "audit-scanner",
                trust({"Service": "ec2.amazonaws.com"}),
                inline={"scan": doc(allow("sts:AssumeRole", "arn:aws:iam::*:role/audit-readonly"))},
                profiles=["audit-scanner"],
            ),
            audit_readonly(MGMT),
            role(
                MGMT,
                "ir-collector",
                trust({"AWS": iam(MGMT, "user/org-admin")}),
                inline={
                    "collect": doc(
                        allow(
                            "sts:AssumeRole", "arn:aws:iam::*:role/OrganizationAccountAccessRole"
                        ),
                        allow(["organizations:Describe*", "organizations:List*"]),
                    )
                },
            ),
        ],
        "Policies": [ADMIN],
    }


# ---------------------------------------------------------------------------- organisation
def _acct(i: str) -> dict[str, Any]:
    return {
        "Id": i,
        "Arn": f"arn:aws:organizations::{MGMT}:account/{ORG}/{i}",
        "Email": f"aws-{ACCOUNT_NAMES[i]}@example.com",
        "Name": ACCOUNT_NAMES[i],
        "Status": "ACTIVE",
        "JoinedMethod": "CREATED",
        "JoinedTimestamp": CREATED,
    }


def _org_policy(pid: str, name: str, ptype: str, aws_managed: bool) -> dict[str, Any]:
    kind = (
        "service_control_policy" if ptype == "SERVICE_CONTROL_POLICY" else "resource_control_policy"
    )
    arn = (
        f"arn:aws:organizations::aws:policy/{kind}/{pid}"
        if aws_managed
        else f"arn:aws:organizations::{MGMT}:policy/{ORG}/{kind}/{pid}"
    )
    return {
        "Id": pid,
        "Arn": arn,
        "Name": name,
        "Description": name,
        "Type": ptype,
        "AwsManaged": aws_managed,
    }


def org_files() -> dict[tuple[str, str], Any]:
    """(operation, key) -> response, read from the management account."""
    root_arn = f"arn:aws:organizations::{MGMT}:root/{ORG}/{ROOT}"
    ou = {OU_DEV: "dev", OU_PROD: "prod"}
    ou_arn = {k: f"arn:aws:organizations::{MGMT}:ou/{ORG}/{k}" for k in ou}
    full = _org_policy("p-FullAWSAccess", "FullAWSAccess", "SERVICE_CONTROL_POLICY", True)
    guard = _org_policy("p-ex12guard1", "protect-logging-and-org", "SERVICE_CONTROL_POLICY", False)
    rcp = _org_policy("p-RCPFullAWSAccess", "RCPFullAWSAccess", "RESOURCE_CONTROL_POLICY", True)
    contents = {
        full["Id"]: doc(allow("*")),
        # guards the trail and the organisation, but not Bedrock's invocation logging: the hole
        # the attacker uses
        guard["Id"]: doc(
            {
                "Sid": "ProtectTrailAndOrg",
                "Effect": "Deny",
                "Action": [
                    "cloudtrail:StopLogging",
                    "cloudtrail:DeleteTrail",
                    "cloudtrail:PutEventSelectors",
                    "cloudtrail:UpdateTrail",
                    "organizations:LeaveOrganization",
                ],
                "Resource": "*",
            }
        ),
        rcp["Id"]: doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}),
    }
    targets = {
        full["Id"]: [("ROOT", ROOT, root_arn, "Root")]
        + [("ORGANIZATIONAL_UNIT", k, ou_arn[k], v) for k, v in ou.items()]
        + [("ACCOUNT", a, _acct(a)["Arn"], ACCOUNT_NAMES[a]) for a in ACCOUNTS],
        guard["Id"]: [("ORGANIZATIONAL_UNIT", k, ou_arn[k], v) for k, v in ou.items()],
        rcp["Id"]: [("ROOT", ROOT, root_arn, "Root")],
    }
    out: dict[tuple[str, str], Any] = {
        ("DescribeOrganization", "all"): {
            "Organization": {
                "Id": ORG,
                "Arn": f"arn:aws:organizations::{MGMT}:organization/{ORG}",
                "FeatureSet": "ALL",
                "MasterAccountArn": _acct(MGMT)["Arn"],
                "MasterAccountId": MGMT,
                "MasterAccountEmail": "aws-management@example.com",
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
        ("ListAccounts", "all"): {"Accounts": [_acct(a) for a in ACCOUNTS]},
        ("ListOrganizationalUnitsForParent", ROOT): {
            "OrganizationalUnits": [{"Id": k, "Arn": ou_arn[k], "Name": v} for k, v in ou.items()]
        },
        ("ListOrganizationalUnitsForParent", OU_DEV): {"OrganizationalUnits": []},
        ("ListOrganizationalUnitsForParent", OU_PROD): {"OrganizationalUnits": []},
        ("ListAccountsForParent", ROOT): {"Accounts": [_acct(MGMT)]},
        ("ListAccountsForParent", OU_DEV): {"Accounts": [_acct(DEV)]},
        ("ListAccountsForParent", OU_PROD): {"Accounts": [_acct(PROD)]},
        ("ListPolicies", "SERVICE_CONTROL_POLICY"): {"Policies": [full, guard]},
        ("ListPolicies", "RESOURCE_CONTROL_POLICY"): {"Policies": [rcp]},
    }
    for p in (full, guard, rcp):
        out[("DescribePolicy", p["Id"])] = {
            "Policy": {"PolicySummary": p, "Content": json.dumps(contents[p["Id"]])}
        }
        out[("ListTargetsForPolicy", p["Id"])] = {
            "Targets": [
                {"TargetId": i, "Arn": a, "Name": n, "Type": t} for t, i, a, n in targets[p["Id"]]
            ]
        }
    return out


# ------------------------------------------------------------------------------- data stores
def buckets_of(account: str) -> dict[str, dict[str, Any]]:
    if account == PROD:
        return {
            CUSTOMER_DOCS: {
                "kms": CUSTOMER_KEY,
                "policy": doc(
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [s3(CUSTOMER_DOCS), s3(CUSTOMER_DOCS, "*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ),
            },
            TRAINING_DATA: {"kms": TRAINING_KEY},
            MODEL_ARTIFACTS: {},
            BEDROCK_LOGS: {
                "policy": doc(
                    {
                        "Sid": "BedrockLogsWrite",
                        "Effect": "Allow",
                        "Principal": {"Service": "bedrock.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": s3(
                            BEDROCK_LOGS, f"AWSLogs/{PROD}/BedrockModelInvocationLogs/*"
                        ),
                        "Condition": {"StringEquals": {"aws:SourceAccount": PROD}},
                    }
                )
            },
        }
    if account == DEV:
        return {CI_ARTIFACTS: {}}
    return {
        ORG_TRAIL_BUCKET: {
            "policy": doc(
                {
                    "Sid": "CloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": s3(ORG_TRAIL_BUCKET),
                },
                {
                    "Sid": "CloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": s3(ORG_TRAIL_BUCKET, f"AWSLogs/{ORG}/*"),
                    "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}},
                },
            )
        }
    }


def _pab() -> dict[str, Any]:
    return {
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }
    }


def s3_files(account: str) -> dict[tuple[str, str, str], Any]:
    owner = hashlib.sha256(account.encode()).hexdigest()
    spec = buckets_of(account)
    out: dict[tuple[str, str, str], Any] = {
        ("s3", "ListBuckets", "all"): {
            "Buckets": [{"Name": n, "CreationDate": CREATED} for n in sorted(spec)],
            "Owner": {"DisplayName": f"aws-{ACCOUNT_NAMES[account]}", "ID": owner},
        },
        ("s3control", "GetPublicAccessBlock", account): _pab(),
    }
    for name, s in spec.items():
        out[("s3", "GetBucketLocation", name)] = {"LocationConstraint": None}
        out[("s3", "GetBucketPolicy", name)] = (
            {"Policy": json.dumps(s["policy"])} if s.get("policy") else None
        )
        out[("s3", "GetPublicAccessBlock", name)] = _pab()
        out[("s3", "GetBucketEncryption", name)] = {
            "ServerSideEncryptionConfiguration": {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": (
                            {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": s["kms"]}
                            if s.get("kms")
                            else {"SSEAlgorithm": "AES256"}
                        ),
                        "BucketKeyEnabled": bool(s.get("kms")),
                    }
                ]
            }
        }
        out[("s3", "GetBucketOwnershipControls", name)] = {
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        }
        out[("s3", "GetBucketAcl", name)] = {
            "Owner": {"DisplayName": f"aws-{ACCOUNT_NAMES[account]}", "ID": owner},
            "Grants": [
                {
                    "Grantee": {
                        "DisplayName": f"aws-{ACCOUNT_NAMES[account]}",
                        "ID": owner,
                        "Type": "CanonicalUser",
                    },
                    "Permission": "FULL_CONTROL",
                }
            ],
        }
    return out


# ------------------------------------------------------------------------------- logging
TRAIL_DESC = {
    "Name": "org-trail",
    "TrailARN": TRAIL,
    "S3BucketName": ORG_TRAIL_BUCKET,
    "IsMultiRegionTrail": True,
    "IsOrganizationTrail": True,
    "HomeRegion": R1,
    "IncludeGlobalServiceEvents": True,
    "LogFileValidationEnabled": True,
    "HasCustomEventSelectors": True,
    "HasInsightSelectors": False,
}
# Management events everywhere; S3 object events for the training-data bucket only (NOT the
# customer documents behind the knowledge base); Bedrock knowledge-base and agent-alias data
# events; no Lambda data events.
ADVANCED_SELECTORS = [
    {
        "Name": "Management events",
        "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
    },
    {
        "Name": "S3 objects of the training data",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": [s3(TRAINING_DATA) + "/"]},
        ],
    },
    {
        "Name": "Bedrock knowledge bases",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Bedrock::KnowledgeBase"]},
        ],
    },
    {
        "Name": "Bedrock agent aliases",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Bedrock::AgentAlias"]},
        ],
    },
]


def trail_files(region: str) -> dict[tuple[str, str, str], Any]:
    key = quote(TRAIL, safe="-_.")
    out: dict[tuple[str, str, str], Any] = {
        ("cloudtrail", "DescribeTrails", "all"): {"trailList": [TRAIL_DESC]}
    }
    if region == R1:
        out[("cloudtrail", "GetEventSelectors", key)] = {
            "TrailARN": TRAIL,
            "AdvancedEventSelectors": ADVANCED_SELECTORS,
        }
        out[("cloudtrail", "GetTrailStatus", key)] = {
            "IsLogging": True,
            "LatestDeliveryTime": "2025-03-14T16:25:00+00:00",
            "StartLoggingTime": CREATED,
        }
    return out


INVOCATION_LOGGING = {
    "s3Config": {"bucketName": BEDROCK_LOGS, "keyPrefix": ""},
    "textDataDeliveryEnabled": True,
    "imageDataDeliveryEnabled": False,
    "embeddingDataDeliveryEnabled": False,
}


# ----------------------------------------------------------------------- AI applications
def bedrock_files(region: str) -> dict[tuple[str, str, str], Any]:
    """ai-prod's Bedrock: models everywhere; the application and logging in us-east-1 only."""
    models = {
        "modelSummaries": [
            {
                "modelArn": arn_model(m, region),
                "modelId": m,
                "modelName": name,
                "providerName": provider,
                "inputModalities": ["TEXT"],
                "outputModalities": ["EMBEDDING" if "embed" in m else "TEXT"],
                "responseStreamingSupported": "embed" not in m,
                "customizationsSupported": ["FINE_TUNING"] if m == TITAN_TEXT else [],
                "inferenceTypesSupported": ["ON_DEMAND"],
                "modelLifecycle": {"status": "ACTIVE"},
            }
            for m, provider, name in FOUNDATION_MODELS
        ]
    }
    out: dict[tuple[str, str, str], Any] = {("bedrock", "ListFoundationModels", "all"): models}
    if region != R1:
        out[("bedrock", "GetModelInvocationLoggingConfiguration", "all")] = {}
        return out
    out.update(
        {
            ("bedrock", "GetModelInvocationLoggingConfiguration", "all"): {
                "loggingConfig": INVOCATION_LOGGING
            },
            ("bedrock", "ListCustomModels", "all"): {
                "modelSummaries": [
                    {
                        "modelArn": CUSTOM_MODEL,
                        "modelName": "support-tuned",
                        "creationTime": CREATED,
                        "baseModelArn": arn_model(TITAN_TEXT),
                        "baseModelName": "Titan Text G1 - Express",
                        "customizationType": "FINE_TUNING",
                        "ownerAccountId": PROD,
                    }
                ]
            },
            ("bedrock", "GetCustomModel", quote(CUSTOM_MODEL, safe="-_.")): {
                "modelArn": CUSTOM_MODEL,
                "modelName": "support-tuned",
                "jobName": "support-tune-1",
                "jobArn": CUSTOMIZATION_JOB,
                "baseModelArn": arn_model(TITAN_TEXT),
                "customizationType": "FINE_TUNING",
                "modelKmsKeyArn": TRAINING_KEY,
                "hyperParameters": {"epochCount": "2", "batchSize": "1", "learningRate": "0.00001"},
                "trainingDataConfig": {"s3Uri": f"s3://{TRAINING_DATA}/support/train.jsonl"},
                "validationDataConfig": {
                    "validators": [{"s3Uri": f"s3://{TRAINING_DATA}/support/validation.jsonl"}]
                },
                "outputDataConfig": {"s3Uri": f"s3://{MODEL_ARTIFACTS}/tuning/"},
                "creationTime": CREATED,
            },
            ("bedrock", "ListModelCustomizationJobs", "all"): {
                "modelCustomizationJobSummaries": [
                    {
                        "jobArn": CUSTOMIZATION_JOB,
                        "baseModelArn": arn_model(TITAN_TEXT),
                        "jobName": "support-tune-1",
                        "status": "Completed",
                        "creationTime": CREATED,
                        "endTime": CREATED,
                        "customModelArn": CUSTOM_MODEL,
                        "customModelName": "support-tuned",
                        "customizationType": "FINE_TUNING",
                    }
                ]
            },
            ("bedrock", "ListGuardrails", "all"): {
                "guardrails": [
                    {
                        "id": GUARDRAIL_ID,
                        "arn": GUARDRAIL,
                        "status": "READY",
                        "name": "pii-filter",
                        "description": "blocks customer PII in answers",
                        "version": "1",
                        "createdAt": CREATED,
                        "updatedAt": CREATED,
                    }
                ]
            },
        }
    )
    kb = {
        "knowledgeBaseId": KB_ID,
        "name": "customer-kb",
        "knowledgeBaseArn": KB,
        "description": "Customer contracts, tickets and account notes for the support agent",
        "roleArn": iam(PROD, "role/bedrock-kb-role"),
        "knowledgeBaseConfiguration": {
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {"embeddingModelArn": arn_model(TITAN_EMBED)},
        },
        "storageConfiguration": {
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": COLLECTION,
                "vectorIndexName": "customer-docs-index",
                "fieldMapping": {
                    "vectorField": "embedding",
                    "textField": "chunk",
                    "metadataField": "metadata",
                },
            },
        },
        "status": "ACTIVE",
        "createdAt": CREATED,
        "updatedAt": CREATED,
    }
    agent = {
        "agentId": AGENT_ID,
        "agentName": "support-agent",
        "agentArn": AGENT,
        "agentVersion": "DRAFT",
        "instruction": "You help ExampleCorp support staff answer "
        "customer questions about orders and contracts.",
        "agentStatus": "PREPARED",
        "foundationModel": SONNET,
        "idleSessionTTLInSeconds": 600,
        "agentResourceRoleArn": iam(PROD, "role/bedrock-agent-role"),
        "guardrailConfiguration": {"guardrailIdentifier": GUARDRAIL_ID, "guardrailVersion": "1"},
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "preparedAt": CREATED,
    }
    for v in ("DRAFT", "1"):
        out[("bedrock-agent", "ListAgentActionGroups", f"{AGENT_ID}__{v}")] = {
            "actionGroupSummaries": [
                {
                    "actionGroupId": ACTION_GROUP_ID,
                    "actionGroupName": "order-tools",
                    "actionGroupState": "ENABLED",
                    "updatedAt": CREATED,
                }
            ]
        }
        out[("bedrock-agent", "GetAgentActionGroup", f"{AGENT_ID}__{v}__{ACTION_GROUP_ID}")] = {
            "agentActionGroup": {
                "agentId": AGENT_ID,
                "agentVersion": v,
                "actionGroupId": ACTION_GROUP_ID,
                "actionGroupName": "order-tools",
                "actionGroupExecutor": {"lambda": ORDER_TOOLS},
                "actionGroupState": "ENABLED",
                "createdAt": CREATED,
                "updatedAt": CREATED,
            }
        }
        out[("bedrock-agent", "ListAgentKnowledgeBases", f"{AGENT_ID}__{v}")] = {
            "agentKnowledgeBaseSummaries": [
                {
                    "knowledgeBaseId": KB_ID,
                    "description": "customer documents",
                    "knowledgeBaseState": "ENABLED",
                    "updatedAt": CREATED,
                }
            ]
        }
    out.update(
        {
            ("bedrock-agent", "ListAgents", "all"): {
                "agentSummaries": [
                    {
                        "agentId": AGENT_ID,
                        "agentName": "support-agent",
                        "agentStatus": "PREPARED",
                        "latestAgentVersion": "1",
                        "updatedAt": CREATED,
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
                        "createdAt": CREATED,
                        "updatedAt": CREATED,
                    }
                ]
            },
            ("bedrock-agent", "ListKnowledgeBases", "all"): {
                "knowledgeBaseSummaries": [
                    {
                        "knowledgeBaseId": KB_ID,
                        "name": "customer-kb",
                        "status": "ACTIVE",
                        "updatedAt": CREATED,
                    }
                ]
            },
            ("bedrock-agent", "GetKnowledgeBase", KB_ID): {"knowledgeBase": kb},
            ("bedrock-agent", "ListDataSources", KB_ID): {
                "dataSourceSummaries": [
                    {
                        "knowledgeBaseId": KB_ID,
                        "dataSourceId": DS_ID,
                        "name": "customer-docs",
                        "status": "AVAILABLE",
                        "updatedAt": CREATED,
                    }
                ]
            },
            ("bedrock-agent", "GetDataSource", f"{KB_ID}__{DS_ID}"): {
                "dataSource": {
                    "knowledgeBaseId": KB_ID,
                    "dataSourceId": DS_ID,
                    "name": "customer-docs",
                    "status": "AVAILABLE",
                    "dataSourceConfiguration": {
                        "type": "S3",
                        # contracts/ and tickets/ only until the attacker widened it
                        "s3Configuration": {"bucketArn": s3(CUSTOMER_DOCS)},
                    },
                    "dataDeletionPolicy": "RETAIN",
                    "createdAt": CREATED,
                    "updatedAt": CREATED,
                }
            },
        }
    )
    return out


def sagemaker_files(region: str) -> dict[tuple[str, str, str], Any]:
    if region != R1:
        return {}
    exec_role = iam(PROD, "role/sagemaker-exec-role")

    def nb(name: str, arn: str, status: str, itype: str, created: str) -> dict[str, Any]:
        return {
            "NotebookInstanceName": name,
            "NotebookInstanceArn": arn,
            "NotebookInstanceStatus": status,
            "InstanceType": itype,
            "CreationTime": created,
            "LastModifiedTime": created,
        }

    research = nb("research-nb", RESEARCH_NB, "InService", "ml.t3.medium", CREATED)
    attacker = nb(
        "ml-debug-nb", ATTACKER_NB, "Stopped", "ml.t3.xlarge", "2025-03-14T09:59:21+00:00"
    )
    return {
        ("sagemaker", "ListNotebookInstances", "all"): {"NotebookInstances": [attacker, research]},
        ("sagemaker", "DescribeNotebookInstance", "research-nb"): {
            **research,
            "RoleArn": exec_role,
            "DirectInternetAccess": "Disabled",
            "SubnetId": "subnet-0a1b2c3d4e5f60718",
            "RootAccess": "Disabled",
            "KmsKeyId": TRAINING_KEY_ID,
            "VolumeSizeInGB": 20,
        },
        ("sagemaker", "DescribeNotebookInstance", "ml-debug-nb"): {
            **attacker,
            "RoleArn": exec_role,
            "DirectInternetAccess": "Enabled",
            "RootAccess": "Enabled",
            "VolumeSizeInGB": 50,
        },
        ("sagemaker", "ListEndpoints", "all"): {
            "Endpoints": [
                {
                    "EndpointName": "churn-predictor",
                    "EndpointArn": ENDPOINT,
                    "CreationTime": CREATED,
                    "LastModifiedTime": CREATED,
                    "EndpointStatus": "InService",
                }
            ]
        },
        ("sagemaker", "DescribeEndpoint", "churn-predictor"): {
            "EndpointName": "churn-predictor",
            "EndpointArn": ENDPOINT,
            "EndpointConfigName": "churn-predictor-config",
            "EndpointStatus": "InService",
            "ProductionVariants": [
                {"VariantName": "AllTraffic", "CurrentWeight": 1.0, "CurrentInstanceCount": 1}
            ],
            "CreationTime": CREATED,
            "LastModifiedTime": CREATED,
        },
        ("sagemaker", "DescribeEndpointConfig", "churn-predictor-config"): {
            "EndpointConfigName": "churn-predictor-config",
            "EndpointConfigArn": f"arn:aws:sagemaker:{R1}:{PROD}:endpoint-config/churn-predictor-config",
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "churn-xgb",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                    "InitialVariantWeight": 1.0,
                }
            ],
            "DataCaptureConfig": {
                "EnableCapture": True,
                "InitialSamplingPercentage": 10,
                "DestinationS3Uri": f"s3://{MODEL_ARTIFACTS}/capture/",
                "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            },
            "KmsKeyId": TRAINING_KEY,
            "CreationTime": CREATED,
        },
        ("sagemaker", "ListModels", "all"): {
            "Models": [
                {
                    "ModelName": "churn-xgb",
                    "ModelArn": f"arn:aws:sagemaker:{R1}:{PROD}:model/churn-xgb",
                    "CreationTime": CREATED,
                }
            ]
        },
        ("sagemaker", "DescribeModel", "churn-xgb"): {
            "ModelName": "churn-xgb",
            "ModelArn": f"arn:aws:sagemaker:{R1}:{PROD}:model/churn-xgb",
            "ExecutionRoleArn": exec_role,
            "CreationTime": CREATED,
            "PrimaryContainer": {
                "Image": f"683313688378.dkr.ecr.{R1}.amazonaws.com/sagemaker-xgboost:1.7-1",
                "ModelDataUrl": f"s3://{MODEL_ARTIFACTS}/churn/model.tar.gz",
            },
        },
    }


def compute_files(region: str) -> dict[tuple[str, str, str], Any]:
    if region != R1:
        return {}

    def fn(name: str, role_name: str, runtime: str, desc: str) -> dict[str, Any]:
        return {
            "FunctionName": name,
            "FunctionArn": f"arn:aws:lambda:{R1}:{PROD}:function:{name}",
            "Runtime": runtime,
            "Role": iam(PROD, f"role/{role_name}"),
            "Handler": "app.handler",
            "Description": desc,
            "Timeout": 60,
            "MemorySize": 512,
            "LastModified": "2025-03-14T12:15:42.000+0000",
            "PackageType": "Zip",
            "Architectures": ["arm64"],
        }

    return {
        ("lambda", "ListFunctions", "all"): {
            "Functions": [
                fn(
                    "order-tools",
                    "order-tools-lambda-role",
                    "python3.12",
                    "support-agent action group: order lookups",
                ),
                fn(
                    "support-summarizer",
                    "bedrock-app-role",
                    "python3.12",
                    "summarises new support tickets with Claude every 15 minutes",
                ),
            ]
        },
        ("lambda", "GetPolicy", "order-tools"): {
            "Policy": json.dumps(
                doc(
                    {
                        "Sid": "support-agent",
                        "Effect": "Allow",
                        "Principal": {"Service": "bedrock.amazonaws.com"},
                        "Action": "lambda:InvokeFunction",
                        "Resource": ORDER_TOOLS,
                        "Condition": {"ArnLike": {"AWS:SourceArn": AGENT}},
                    }
                )
            ),
            "RevisionId": "4f1c2a7e-0001",
        },
        ("lambda", "GetPolicy", "support-summarizer"): {
            "Policy": json.dumps(
                doc(
                    {
                        "Sid": "schedule",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "lambda:InvokeFunction",
                        "Resource": SUMMARIZER,
                        "Condition": {
                            "ArnLike": {
                                "AWS:SourceArn": f"arn:aws:events:{R1}:{PROD}:rule/summarize-every-15m"
                            }
                        },
                    }
                )
            ),
            "RevisionId": "4f1c2a7e-0002",
        },
    }


def data_files(account: str, region: str) -> dict[tuple[str, str, str], Any]:
    if account != PROD or region != R1:
        return {}

    def key_policy(extra: list[dict[str, Any]]) -> str:
        return json.dumps(
            doc(
                {
                    "Sid": "EnableIAMPolicies",
                    "Effect": "Allow",
                    "Principal": {"AWS": iam(PROD, "root")},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                *extra,
            )
        )

    return {
        ("opensearchserverless", "ListCollections", "all"): {
            "collectionSummaries": [
                {
                    "id": COLLECTION_ID,
                    "name": "customer-vectors",
                    "status": "ACTIVE",
                    "arn": COLLECTION,
                }
            ]
        },
        ("opensearchserverless", "ListAccessPolicies", "data"): {
            "accessPolicySummaries": [
                {
                    "name": "customer-kb-access",
                    "type": "data",
                    "policyVersion": "MTcxMDAwMDAwMF8x",
                    "createdDate": 1730714400000,
                    "lastModifiedDate": 1730714400000,
                }
            ]
        },
        ("opensearchserverless", "GetAccessPolicy", "data__customer-kb-access"): {
            "accessPolicyDetail": {
                "name": "customer-kb-access",
                "type": "data",
                "policyVersion": "MTcxMDAwMDAwMF8x",
                "policy": [
                    {
                        "Rules": [
                            {
                                "ResourceType": "index",
                                "Resource": ["index/customer-vectors/*"],
                                "Permission": [
                                    "aoss:ReadDocument",
                                    "aoss:WriteDocument",
                                    "aoss:DescribeIndex",
                                ],
                            },
                            {
                                "ResourceType": "collection",
                                "Resource": ["collection/customer-vectors"],
                                "Permission": ["aoss:DescribeCollectionItems"],
                            },
                        ],
                        "Principal": [iam(PROD, "role/bedrock-kb-role")],
                    }
                ],
                "createdDate": 1730714400000,
                "lastModifiedDate": 1730714400000,
            }
        },
        ("kms", "ListKeys", "all"): {
            "Keys": [
                {"KeyId": CUSTOMER_KEY_ID, "KeyArn": CUSTOMER_KEY},
                {"KeyId": TRAINING_KEY_ID, "KeyArn": TRAINING_KEY},
            ]
        },
        ("kms", "GetKeyPolicy", CUSTOMER_KEY_ID): {
            "PolicyName": "default",
            "Policy": key_policy(
                [
                    {
                        "Sid": "KnowledgeBaseDecrypt",
                        "Effect": "Allow",
                        "Principal": {"AWS": iam(PROD, "role/bedrock-kb-role")},
                        "Action": ["kms:Decrypt", "kms:DescribeKey"],
                        "Resource": "*",
                    }
                ]
            ),
        },
        ("kms", "GetKeyPolicy", TRAINING_KEY_ID): {
            "PolicyName": "default",
            "Policy": key_policy([]),
        },
        ("secretsmanager", "ListSecrets", "all"): {
            "SecretList": [
                {
                    "ARN": ORDERS_SECRET,
                    "Name": "orders-db",
                    "KmsKeyId": CUSTOMER_KEY,
                    "Description": "read-only credentials of the orders database",
                    "LastChangedDate": CREATED,
                }
            ]
        },
        ("secretsmanager", "GetResourcePolicy", quote(ORDERS_SECRET, safe="-_.")): {
            "ARN": ORDERS_SECRET,
            "Name": "orders-db",
        },
    }


def ec2_files(account: str, region: str) -> dict[tuple[str, str, str], Any]:
    if account != MGMT or region != R1:
        return {}
    profile = {
        "Arn": iam(MGMT, "instance-profile/audit-scanner"),
        "Id": ident("AIPA", "audit-scanner"),
    }
    return {
        ("ec2", "DescribeInstances", "all"): {
            "Reservations": [
                {
                    "ReservationId": "r-0a1b2c3d4e5f60718",
                    "OwnerId": MGMT,
                    "Instances": [
                        {
                            "InstanceId": SCANNER_INSTANCE,
                            "ImageId": "ami-0a1b2c3d4e5f60718",
                            "InstanceType": "t3.small",
                            "State": {"Code": 16, "Name": "running"},
                            "IamInstanceProfile": profile,
                            "LaunchTime": CREATED,
                            "PrivateIpAddress": "10.20.1.15",
                            "Tags": [{"Key": "Name", "Value": "audit-scanner"}],
                        }
                    ],
                }
            ]
        },
        ("ec2", "DescribeIamInstanceProfileAssociations", "all"): {
            "IamInstanceProfileAssociations": [
                {
                    "AssociationId": "iip-assoc-0a1b2c3d4e5f60718",
                    "InstanceId": SCANNER_INSTANCE,
                    "IamInstanceProfile": profile,
                    "State": "associated",
                }
            ]
        },
    }


def logs_files(account: str, region: str) -> dict[tuple[str, str, str], Any]:
    if account != PROD or region != R1:
        return {}
    groups = ["/aws/lambda/order-tools", "/aws/lambda/support-summarizer"]
    return {
        ("logs", "DescribeLogGroups", "all"): {
            "logGroups": [
                {
                    "logGroupName": g,
                    "creationTime": 1730714400000,
                    "retentionInDays": 30,
                    "arn": f"arn:aws:logs:{R1}:{PROD}:log-group:{g}:*",
                    "logGroupArn": f"arn:aws:logs:{R1}:{PROD}:log-group:{g}",
                    "storedBytes": 1048576,
                }
                for g in groups
            ]
        }
    }


# ------------------------------------------------------------------------ the snapshot table
# Operations called once per account (global) or per region, and their request parameters.
GLOBAL_BASE = [
    ("sts", "GetCallerIdentity", "all", {}),
    ("iam", "GetAccountAuthorizationDetails", "all", {}),
    ("iam", "ListOpenIDConnectProviders", "all", {}),
    ("iam", "ListSAMLProviders", "all", {}),
    ("iam", "GetAccountSummary", "all", {}),
    ("s3", "ListBuckets", "all", {}),
]
REGIONAL_BASE = (
    [
        ("bedrock", op, "all", {})
        for op in (
            "ListFoundationModels",
            "ListCustomModels",
            "ListModelCustomizationJobs",
            "ListProvisionedModelThroughputs",
            "ListGuardrails",
            "GetModelInvocationLoggingConfiguration",
            "ListImportedModels",
            "ListInferenceProfiles",
        )
    ]
    + [
        ("bedrock-agent", "ListAgents", "all", {}),
        ("bedrock-agent", "ListKnowledgeBases", "all", {}),
    ]
    + [
        ("sagemaker", op, "all", {})
        for op in (
            "ListNotebookInstances",
            "ListDomains",
            "ListUserProfiles",
            "ListEndpoints",
            "ListModels",
            "ListTrainingJobs",
            "ListProcessingJobs",
        )
    ]
    + [
        ("lambda", "ListFunctions", "all", {}),
        ("ec2", "DescribeInstances", "all", {}),
        ("ec2", "DescribeIamInstanceProfileAssociations", "all", {}),
        ("opensearchserverless", "ListCollections", "all", {}),
        ("opensearchserverless", "ListAccessPolicies", "data", {"type": "data"}),
        ("kms", "ListKeys", "all", {}),
        ("secretsmanager", "ListSecrets", "all", {}),
        ("cloudtrail", "DescribeTrails", "all", {}),
        ("logs", "DescribeLogGroups", "all", {}),
    ]
)
EMPTY = {  # what an operation answers when nothing of its kind exists
    ("bedrock", "ListFoundationModels"): {"modelSummaries": []},
    ("bedrock", "ListCustomModels"): {"modelSummaries": []},
    ("bedrock", "ListModelCustomizationJobs"): {"modelCustomizationJobSummaries": []},
    ("bedrock", "ListProvisionedModelThroughputs"): {"provisionedModelSummaries": []},
    ("bedrock", "ListGuardrails"): {"guardrails": []},
    ("bedrock", "GetModelInvocationLoggingConfiguration"): {},
    ("bedrock", "ListImportedModels"): {"modelSummaries": []},
    ("bedrock", "ListInferenceProfiles"): {"inferenceProfileSummaries": []},
    ("bedrock-agent", "ListAgents"): {"agentSummaries": []},
    ("bedrock-agent", "ListKnowledgeBases"): {"knowledgeBaseSummaries": []},
    ("sagemaker", "ListNotebookInstances"): {"NotebookInstances": []},
    ("sagemaker", "ListDomains"): {"Domains": []},
    ("sagemaker", "ListUserProfiles"): {"UserProfiles": []},
    ("sagemaker", "ListEndpoints"): {"Endpoints": []},
    ("sagemaker", "ListModels"): {"Models": []},
    ("sagemaker", "ListTrainingJobs"): {"TrainingJobSummaries": []},
    ("sagemaker", "ListProcessingJobs"): {"ProcessingJobSummaries": []},
    ("lambda", "ListFunctions"): {"Functions": []},
    ("ec2", "DescribeInstances"): {"Reservations": []},
    ("ec2", "DescribeIamInstanceProfileAssociations"): {"IamInstanceProfileAssociations": []},
    ("opensearchserverless", "ListCollections"): {"collectionSummaries": []},
    ("opensearchserverless", "ListAccessPolicies"): {"accessPolicySummaries": []},
    ("kms", "ListKeys"): {"Keys": []},
    ("secretsmanager", "ListSecrets"): {"SecretList": []},
    ("cloudtrail", "DescribeTrails"): {"trailList": []},
    ("logs", "DescribeLogGroups"): {"logGroups": []},
    ("iam", "ListOpenIDConnectProviders"): {"OpenIDConnectProviderList": []},
    ("iam", "ListSAMLProviders"): {"SAMLProviderList": []},
}
ABSENT = {  # error codes the collector keeps as "nothing configured" facts
    ("s3", "GetBucketPolicy"): "NoSuchBucketPolicy",
    ("lambda", "GetPolicy"): "ResourceNotFoundException",
}
# The parameter names of per-item operations, in key order (joined with "__" in file names).
KEY_PARAMS = {
    ("iam", "ListAccessKeys"): ("UserName",),
    ("organizations", "ListOrganizationalUnitsForParent"): ("ParentId",),
    ("organizations", "ListAccountsForParent"): ("ParentId",),
    ("organizations", "ListPolicies"): ("Filter",),
    ("organizations", "DescribePolicy"): ("PolicyId",),
    ("organizations", "ListTargetsForPolicy"): ("PolicyId",),
    ("s3", "GetBucketLocation"): ("Bucket",),
    ("s3", "GetBucketPolicy"): ("Bucket",),
    ("s3", "GetPublicAccessBlock"): ("Bucket",),
    ("s3", "GetBucketEncryption"): ("Bucket",),
    ("s3", "GetBucketOwnershipControls"): ("Bucket",),
    ("s3", "GetBucketAcl"): ("Bucket",),
    ("s3control", "GetPublicAccessBlock"): ("AccountId",),
    ("bedrock", "GetCustomModel"): ("modelIdentifier",),
    ("bedrock-agent", "GetAgent"): ("agentId",),
    ("bedrock-agent", "ListAgentAliases"): ("agentId",),
    ("bedrock-agent", "ListAgentActionGroups"): ("agentId", "agentVersion"),
    ("bedrock-agent", "GetAgentActionGroup"): ("agentId", "agentVersion", "actionGroupId"),
    ("bedrock-agent", "ListAgentKnowledgeBases"): ("agentId", "agentVersion"),
    ("bedrock-agent", "GetKnowledgeBase"): ("knowledgeBaseId",),
    ("bedrock-agent", "ListDataSources"): ("knowledgeBaseId",),
    ("bedrock-agent", "GetDataSource"): ("knowledgeBaseId", "dataSourceId"),
    ("sagemaker", "DescribeNotebookInstance"): ("NotebookInstanceName",),
    ("sagemaker", "DescribeEndpoint"): ("EndpointName",),
    ("sagemaker", "DescribeEndpointConfig"): ("EndpointConfigName",),
    ("sagemaker", "DescribeModel"): ("ModelName",),
    ("lambda", "GetPolicy"): ("FunctionName",),
    ("opensearchserverless", "ListAccessPolicies"): ("type",),
    ("opensearchserverless", "GetAccessPolicy"): ("type", "name"),
    ("kms", "GetKeyPolicy"): ("KeyId",),
    ("secretsmanager", "GetResourcePolicy"): ("SecretId",),
    ("cloudtrail", "GetEventSelectors"): ("TrailName",),
    ("cloudtrail", "GetTrailStatus"): ("Name",),
}
CONSTANT_PARAMS = {("kms", "GetKeyPolicy"): {"PolicyName": "default"}}
REQUEST_VALUES = {  # file keys whose request value is not the key itself (escaped ARNs)
    quote(CUSTOM_MODEL, safe="-_."): CUSTOM_MODEL,
    quote(ORDERS_SECRET, safe="-_."): ORDERS_SECRET,
    quote(TRAIL, safe="-_."): TRAIL,
}


def _request(service: str, op: str, key: str) -> dict[str, Any]:
    params = KEY_PARAMS.get((service, op))
    if not params:
        return {}
    values = [REQUEST_VALUES.get(key, key)] if len(params) == 1 else key.split("__")
    return {**dict(zip(params, values, strict=True)), **CONSTANT_PARAMS.get((service, op), {})}


def _identity(account: str) -> dict[str, Any]:
    if account == MGMT:
        arn = f"arn:aws:sts::{MGMT}:assumed-role/ir-collector/responder"
    else:
        arn = (
            f"arn:aws:sts::{account}:assumed-role/OrganizationAccountAccessRole/graphscope-collect"
        )
    return {"UserId": ident("AROA", arn) + ":responder", "Account": account, "Arn": arn}


def _access_keys(account: str, user_name: str) -> dict[str, Any]:
    keys = [
        {"UserName": user_name, "AccessKeyId": k, "Status": "Active", "CreateDate": CREATED}
        for k in KEYS.get((account, user_name), [])
    ]
    if (account, user_name) == (PROD, "svc-reporting"):  # the attacker's key, since deactivated
        keys.append(
            {
                "UserName": user_name,
                "AccessKeyId": ATTACKER_CREATED_KEY,
                "Status": "Inactive",
                "CreateDate": "2025-03-14T09:50:40+00:00",
            }
        )
    return {"AccessKeyMetadata": keys, "IsTruncated": False}


def snapshot_files() -> dict[tuple[str, str, str, str, str], tuple[dict, Any, dict | None]]:
    """(account, region, service, operation, key) -> (request, response, error)."""
    iam_of = {MGMT: mgmt_iam(), DEV: dev_iam(), PROD: prod_iam()}
    out: dict[tuple[str, str, str, str, str], tuple[dict, Any, dict | None]] = {}

    def put(
        account: str,
        region: str,
        service: str,
        op: str,
        key: str,
        response: Any,
        request: dict[str, Any] | None = None,
    ) -> None:
        req = request if request is not None else _request(service, op, key)
        if response is None:
            code = ABSENT[(service, op)]
            out[(account, region, service, op, key)] = (
                req,
                None,
                {"Code": code, "Message": "The specified resource does not exist"},
            )
        else:
            out[(account, region, service, op, key)] = (req, response, None)

    for account in ACCOUNTS:
        table: dict[tuple[str, str, str], Any] = {
            ("sts", "GetCallerIdentity", "all"): _identity(account),
            ("iam", "GetAccountAuthorizationDetails", "all"): iam_of[account],
            ("iam", "GetAccountSummary", "all"): {
                "SummaryMap": {
                    "AccountMFAEnabled": 1,
                    "Users": len(iam_of[account]["UserDetailList"]),
                    "Roles": len(iam_of[account]["RoleDetailList"]),
                }
            },
            **s3_files(account),
        }
        if account == PROD:
            table[("iam", "ListOpenIDConnectProviders", "all")] = {
                "OpenIDConnectProviderList": [{"Arn": OIDC_GITHUB}]
            }
        for u in iam_of[account]["UserDetailList"]:
            table[("iam", "ListAccessKeys", u["UserName"])] = _access_keys(account, u["UserName"])
        if account == MGMT:
            table.update({("organizations", op, k): v for (op, k), v in org_files().items()})
        for (service, op, key), resp in table.items():
            put(account, GLOBAL, service, op, key, resp)
        for service, op, key, req in GLOBAL_BASE:
            if (account, GLOBAL, service, op, key) not in out:
                put(account, GLOBAL, service, op, key, EMPTY[(service, op)], req)
        for region in REGIONS:
            rtable: dict[tuple[str, str, str], Any] = {**trail_files(region)}
            if account == PROD:
                rtable.update(bedrock_files(region))
                rtable.update(sagemaker_files(region))
                rtable.update(compute_files(region))
            rtable.update(data_files(account, region))
            rtable.update(ec2_files(account, region))
            rtable.update(logs_files(account, region))
            for (service, op, key), resp in rtable.items():
                put(account, region, service, op, key, resp)
            for service, op, key, req in REGIONAL_BASE:
                if (account, region, service, op, key) not in out:
                    put(account, region, service, op, key, EMPTY[(service, op)], req)
    return out
