"""collect end to end against a moto server, Stubber for what moto lacks, then load the snapshot."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.config import Config
from typer.testing import CliRunner

from graphscope.cli import app
from graphscope.ingest.collect import collect
from graphscope.ingest.collect_ops import OPERATIONS
from graphscope.ingest.inventory import load_inventory
from graphscope.ingest.snapshot import Snapshot, verify

from .conftest import PartialStubber

ACCOUNT = "123456789012"
NO_HOST_PREFIX = Config(inject_host_prefix=False)
REGION = "us-east-1"
EXTERNAL = "210987654321"


def _trust(principal: dict[str, Any], condition: dict[str, Any] | None = None) -> str:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]})


def _allow(action: str, resource: str = "*") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
        }
    )


def seed(s: boto3.Session) -> dict[str, Any]:
    """Create an AI workload in moto: IAM, buckets, KMS, Lambda, EC2, SageMaker, Bedrock, logs."""
    ids: dict[str, Any] = {}
    iam = s.client("iam")
    boundary = iam.create_policy(PolicyName="dev-boundary", PolicyDocument=_allow("s3:*"))[
        "Policy"
    ]["Arn"]
    reader = iam.create_policy(PolicyName="bedrock-reader", PolicyDocument=_allow("bedrock:Get*"))[
        "Policy"
    ]["Arn"]
    iam.create_group(GroupName="data-scientists")
    iam.attach_group_policy(GroupName="data-scientists", PolicyArn=reader)
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="data-scientists", UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="pass-roles", PolicyDocument=_allow("iam:PassRole")
    )
    ids["alice_key"] = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    iam.create_user(UserName="bob", PermissionsBoundary=boundary)
    roles = {
        "agent-role": {"Service": "bedrock.amazonaws.com"},
        "kb-role": {"Service": "bedrock.amazonaws.com"},
        "notebook-role": {"Service": "sagemaker.amazonaws.com"},
        "lambda-role": {"Service": "lambda.amazonaws.com"},
        "ec2-role": {"Service": "ec2.amazonaws.com"},
    }
    for name, principal in roles.items():
        ids[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(principal))[
            "Role"
        ]["Arn"]
    ids["partner-role"] = iam.create_role(
        RoleName="partner-role",
        PermissionsBoundary=boundary,
        AssumeRolePolicyDocument=_trust(
            {"AWS": f"arn:aws:iam::{EXTERNAL}:root"}, {"StringEquals": {"sts:ExternalId": "xyz"}}
        ),
    )["Role"]["Arn"]
    iam.attach_role_policy(RoleName="partner-role", PolicyArn=reader)
    iam.put_role_policy(
        RoleName="kb-role",
        PolicyName="read-docs",
        PolicyDocument=_allow("s3:GetObject", "arn:aws:s3:::kb-docs/*"),
    )
    ids["profile"] = iam.create_instance_profile(InstanceProfileName="ec2-profile")[
        "InstanceProfile"
    ]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="ec2-profile", RoleName="ec2-role")

    kms = s.client("kms")
    ids["key"] = kms.create_key(Description="data key")["KeyMetadata"]["Arn"]
    s3 = s.client("s3")
    for bucket in ("training-data", "kb-docs", "model-artifacts"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(
        Bucket="kb-docs",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": "arn:aws:s3:::kb-docs/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    s3.put_public_access_block(
        Bucket="kb-docs",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket="training-data",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": ids["key"],
                    }
                }
            ]
        },
    )

    sm = s.client("secretsmanager")
    ids["secret"] = sm.create_secret(Name="pinecone-api-key", SecretString="x")["ARN"]
    sm.put_resource_policy(
        SecretId="pinecone-api-key",
        ResourcePolicy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": ids["kb-role"]},
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": "*",
                    }
                ],
            }
        ),
    )

    lam = s.client("lambda")
    ids["function"] = lam.create_function(
        FunctionName="order-lookup",
        Runtime="python3.12",
        Role=ids["lambda-role"],
        Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )["FunctionArn"]
    lam.add_permission(
        FunctionName="order-lookup",
        StatementId="bedrock",
        Action="lambda:InvokeFunction",
        Principal="bedrock.amazonaws.com",
    )

    ec2 = s.client("ec2")
    inst = ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, IamInstanceProfile={"Arn": ids["profile"]}
    )["Instances"][0]
    ids["instance"] = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{inst['InstanceId']}"

    sage = s.client("sagemaker")
    ids["notebook"] = sage.create_notebook_instance(
        NotebookInstanceName="research", InstanceType="ml.t3.medium", RoleArn=ids["notebook-role"]
    )["NotebookInstanceArn"]
    ids["model"] = sage.create_model(
        ModelName="churn",
        ExecutionRoleArn=ids["notebook-role"],
        PrimaryContainer={
            "Image": "123.dkr.ecr.us-east-1.amazonaws.com/x:1",
            "ModelDataUrl": "s3://model-artifacts/churn/model.tar.gz",
        },
    )["ModelArn"]
    sage.create_endpoint_config(
        EndpointConfigName="churn-config",
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": "churn",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    ids["endpoint"] = sage.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config")[
        "EndpointArn"
    ]
    ids["training_job"] = sage.create_training_job(
        TrainingJobName="churn-train",
        RoleArn=ids["notebook-role"],
        AlgorithmSpecification={
            "TrainingImage": "123.dkr.ecr.us-east-1.amazonaws.com/x:1",
            "TrainingInputMode": "File",
        },
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://training-data/churn/"}
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": "s3://model-artifacts/churn/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )["TrainingJobArn"]
    ids["domain_id"] = sage.create_domain(
        DomainName="studio",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ids["notebook-role"]},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
    )["DomainArn"].rsplit("/", 1)[1]

    bedrock = s.client("bedrock")
    bedrock.create_model_customization_job(
        jobName="tune",
        customModelName="support-tuned",
        roleArn=ids["agent-role"],
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": "s3://training-data/tune/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://model-artifacts/tune/"},
        hyperParameters={},
    )
    bedrock.put_model_invocation_logging_configuration(
        loggingConfig={
            "s3Config": {"bucketName": "model-artifacts", "keyPrefix": "invocations/"},
            "textDataDeliveryEnabled": True,
        }
    )

    agent = s.client("bedrock-agent")
    ids["agent_id"] = agent.create_agent(
        agentName="support",
        agentResourceRoleArn=ids["agent-role"],
        foundationModel="anthropic.claude-3-haiku-20240307-v1:0",
    )["agent"]["agentId"]
    aoss = s.client("opensearchserverless")
    aoss.create_security_policy(
        name="kb-enc",
        type="encryption",
        policy=json.dumps(
            {
                "Rules": [{"ResourceType": "collection", "Resource": ["collection/kb-vectors"]}],
                "AWSOwnedKey": True,
                "KmsARN": "",
            }
        ),
    )
    col = aoss.create_collection(name="kb-vectors", type="VECTORSEARCH")["createCollectionDetail"]
    ids["collection"] = col["arn"]
    kb = agent.create_knowledge_base(
        name="support-docs",
        roleArn=ids["kb-role"],
        knowledgeBaseConfiguration={
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-embed-text-v2:0"
            },
        },
        storageConfiguration={
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": col["arn"],
                "vectorIndexName": "idx",
                "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
            },
        },
    )["knowledgeBase"]
    ids["kb_id"], ids["kb"] = kb["knowledgeBaseId"], kb["knowledgeBaseArn"]

    trail_bucket = "org-trail-logs"
    s3.create_bucket(Bucket=trail_bucket)
    ct = s.client("cloudtrail")
    ids["trail"] = ct.create_trail(Name="main", S3BucketName=trail_bucket, IsMultiRegionTrail=True)[
        "TrailARN"
    ]
    ct.start_logging(Name="main")
    s.client("logs").create_log_group(logGroupName="/aws/bedrock/invocations")

    org = s.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root_id, Name="workloads")["OrganizationalUnit"]
    member = org.create_account(AccountName="ml", Email="ml@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    org.move_account(AccountId=member, SourceParentId=root_id, DestinationParentId=ou["Id"])
    scp = org.create_policy(
        Name="deny-leave",
        Type="SERVICE_CONTROL_POLICY",
        Description="",
        Content=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
                ],
            }
        ),
    )["Policy"]
    org.attach_policy(PolicyId=scp["PolicySummary"]["Id"], TargetId=ou["Id"])
    ids.update(member=member, ou=ou["Arn"], scp=scp["PolicySummary"]["Arn"])
    return ids


def _strip_account_host_prefix(request: Any, **kwargs: Any) -> None:
    """s3control puts the account id in the host name, which a loopback endpoint cannot resolve."""
    request.url = request.url.replace(f"//{ACCOUNT}.127.0.0.1", "//127.0.0.1")


def stub_missing(ids: dict[str, Any]) -> Any:
    """Queue real-shaped responses for the operations moto does not implement, in call order."""
    agent_id, kb_id = ids["agent_id"], ids["kb_id"]
    ag_id = "AG1234ABCD"

    def hook(client: Any, account: str, region: str, service: str) -> None:
        if service == "s3control":
            client.meta.events.register("before-sign.s3-control.*", _strip_account_host_prefix)
        if region != REGION:
            return
        if service == "bedrock":
            st = PartialStubber(
                client,
                {
                    "ListFoundationModels",
                    "ListProvisionedModelThroughputs",
                    "ListGuardrails",
                    "ListImportedModels",
                    "ListInferenceProfiles",
                },
            )
            st.add_response(
                xform_name("ListFoundationModels"),
                {
                    "modelSummaries": [
                        {
                            "modelArn": f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
                            "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
                            "providerName": "Anthropic",
                        },
                        {
                            "modelArn": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-embed-text-v2:0",
                            "modelId": "amazon.titan-embed-text-v2:0",
                            "providerName": "Amazon",
                        },
                    ]
                },
                {},
            )
            st.add_response(
                xform_name("ListProvisionedModelThroughputs"), {"provisionedModelSummaries": []}, {}
            )
            st.add_response(
                xform_name("ListGuardrails"),
                {
                    "guardrails": [
                        {
                            "id": "gr123",
                            "arn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/gr123",
                            "status": "READY",
                            "name": "pii",
                            "version": "DRAFT",
                            "createdAt": "2025-01-01T00:00:00Z",
                            "updatedAt": "2025-01-01T00:00:00Z",
                        }
                    ]
                },
                {},
            )
            st.add_response(xform_name("ListImportedModels"), {"modelSummaries": []}, {})
            st.add_response(
                xform_name("ListInferenceProfiles"), {"inferenceProfileSummaries": []}, {}
            )
            st.activate()
        elif service == "bedrock-agent":
            st = PartialStubber(
                client,
                {
                    "ListAgentAliases",
                    "ListAgentActionGroups",
                    "GetAgentActionGroup",
                    "ListAgentKnowledgeBases",
                    "ListDataSources",
                    "GetDataSource",
                },
            )
            t = "2025-01-01T00:00:00Z"
            st.add_response(
                xform_name("ListAgentAliases"),
                {
                    "agentAliasSummaries": [
                        {
                            "agentAliasId": "PROD123456",
                            "agentAliasName": "prod",
                            "agentAliasStatus": "PREPARED",
                            "routingConfiguration": [{"agentVersion": "1"}],
                            "createdAt": t,
                            "updatedAt": t,
                        }
                    ]
                },
                {"agentId": agent_id},
            )
            for version in ("DRAFT", "1"):
                st.add_response(
                    xform_name("ListAgentActionGroups"),
                    {
                        "actionGroupSummaries": [
                            {
                                "actionGroupId": ag_id,
                                "actionGroupName": "orders",
                                "actionGroupState": "ENABLED",
                                "updatedAt": t,
                            }
                        ]
                    },
                    {"agentId": agent_id, "agentVersion": version},
                )
            for version in ("DRAFT", "1"):
                st.add_response(
                    xform_name("GetAgentActionGroup"),
                    {
                        "agentActionGroup": {
                            "agentId": agent_id,
                            "agentVersion": version,
                            "actionGroupId": ag_id,
                            "actionGroupName": "orders",
                            "actionGroupState": "ENABLED",
                            "actionGroupExecutor": {"lambda": ids["function"]},
                            "createdAt": t,
                            "updatedAt": t,
                        }
                    },
                    {"agentId": agent_id, "agentVersion": version, "actionGroupId": ag_id},
                )
            for version in ("DRAFT", "1"):
                st.add_response(
                    xform_name("ListAgentKnowledgeBases"),
                    {
                        "agentKnowledgeBaseSummaries": [
                            {
                                "knowledgeBaseId": kb_id,
                                "knowledgeBaseState": "ENABLED",
                                "updatedAt": t,
                            }
                        ]
                    },
                    {"agentId": agent_id, "agentVersion": version},
                )
            st.add_response(
                xform_name("ListDataSources"),
                {
                    "dataSourceSummaries": [
                        {
                            "knowledgeBaseId": kb_id,
                            "dataSourceId": "DS12345678",
                            "name": "docs",
                            "status": "AVAILABLE",
                            "updatedAt": t,
                        }
                    ]
                },
                {"knowledgeBaseId": kb_id},
            )
            st.add_response(
                xform_name("GetDataSource"),
                {
                    "dataSource": {
                        "knowledgeBaseId": kb_id,
                        "dataSourceId": "DS12345678",
                        "name": "docs",
                        "status": "AVAILABLE",
                        "createdAt": t,
                        "updatedAt": t,
                        "dataSourceConfiguration": {
                            "type": "S3",
                            "s3Configuration": {
                                "bucketArn": "arn:aws:s3:::kb-docs",
                                "inclusionPrefixes": ["public/"],
                            },
                        },
                    }
                },
                {"knowledgeBaseId": kb_id, "dataSourceId": "DS12345678"},
            )
            st.activate()
        elif service == "opensearchserverless":
            st = PartialStubber(client, {"ListAccessPolicies", "GetAccessPolicy"})
            st.add_response(
                xform_name("ListAccessPolicies"),
                {
                    "accessPolicySummaries": [
                        {
                            "name": "kb-access",
                            "type": "data",
                            "policyVersion": "MTY4MDAwMDAwMDAwMF8x",
                        }
                    ]
                },
                {"type": "data"},
            )
            doc = [
                {
                    "Rules": [
                        {
                            "ResourceType": "index",
                            "Resource": ["index/kb-vectors/*"],
                            "Permission": ["aoss:ReadDocument"],
                        }
                    ],
                    "Principal": [ids["kb-role"]],
                }
            ]
            st.add_response(
                xform_name("GetAccessPolicy"),
                {
                    "accessPolicyDetail": {
                        "name": "kb-access",
                        "type": "data",
                        "policyVersion": "MTY4MDAwMDAwMDAwMF8x",
                        "policy": doc,
                    }
                },
                {"name": "kb-access", "type": "data"},
            )
            st.activate()
        elif service == "sagemaker":
            st = PartialStubber(client, {"ListUserProfiles", "DescribeUserProfile"})
            st.add_response(
                xform_name("ListUserProfiles"),
                {
                    "UserProfiles": [
                        {
                            "DomainId": ids["domain_id"],
                            "UserProfileName": "carol",
                            "Status": "InService",
                        }
                    ]
                },
                {},
            )
            st.add_response(
                xform_name("DescribeUserProfile"),
                {
                    "DomainId": ids["domain_id"],
                    "UserProfileName": "carol",
                    "Status": "InService",
                    "UserProfileArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{ids['domain_id']}/carol",
                },
                {"DomainId": ids["domain_id"], "UserProfileName": "carol"},
            )
            st.activate()
        if service in ("bedrock", "bedrock-agent", "opensearchserverless", "sagemaker"):
            hook.stubbers.append(st)

    hook.stubbers = []  # type: ignore[attr-defined]
    return hook


@pytest.fixture
def collected(aws: str, tmp_path: Path) -> tuple[Path, dict[str, Any], Any]:
    s = boto3.Session(region_name=REGION)
    ids = seed(s)
    hook = stub_missing(ids)
    out = tmp_path / "snap"
    result = collect(
        out, s, regions=[REGION], client_hook=hook, client_config=NO_HOST_PREFIX, workers=4
    )
    return out, ids, (result, hook)


def test_collect_round_trip(collected: tuple[Path, dict[str, Any], Any]) -> None:
    out, ids, (result, hook) = collected
    assert len(hook.stubbers) == 4
    for st in hook.stubbers:
        st.assert_no_pending_responses()  # every stubbed call was made, in order
    manifest = result.manifest
    assert manifest.format == "aws-api-responses/1"
    assert manifest.accounts == [ACCOUNT]
    assert manifest.collected_by.startswith("arn:aws:")
    # every operation of the table produced a file (or a recorded absent-config fact)
    ops_seen = {tuple(rel.split("/")[2:4]) for rel in manifest.files}
    missing = [op.ident for op in OPERATIONS if (op.service, op.name) not in ops_seen]
    assert missing == [], (missing, [g.model_dump() for g in manifest.gaps])
    assert verify(out).ok
    for rel in manifest.files:
        body = json.loads((out / rel).read_text())
        assert set(body) >= {"request", "response"} and "ResponseMetadata" not in (
            body["response"] or {}
        )
    assert (out / ACCOUNT / "global" / "s3" / "GetBucketPolicy" / "kb-docs.json").is_file()
    absent = json.loads(
        (out / ACCOUNT / "global" / "s3" / "GetBucketPolicy" / "training-data.json").read_text()
    )
    assert absent["response"] is None and absent["error"]["Code"] == "NoSuchBucketPolicy"
    kb_ds = (
        out
        / ACCOUNT
        / REGION
        / "bedrock-agent"
        / "GetDataSource"
        / f"{ids['kb_id']}__DS12345678.json"
    )
    assert json.loads(kb_ds.read_text())["request"] == {
        "knowledgeBaseId": ids["kb_id"],
        "dataSourceId": "DS12345678",
    }
    created = json.loads(
        (out / ACCOUNT / "global" / "iam" / "ListAccessKeys" / "alice.json").read_text()
    )
    assert created["response"]["AccessKeyMetadata"][0]["CreateDate"].endswith("+00:00")

    inv = load_inventory(snapshots=[out])
    counts = inv.store.counts()
    expected = {
        "node:user": 2,
        "node:group": 1,
        "node:role": 6,
        "node:access_key": 1,
        "node:instance_profile": 1,
        "node:s3_bucket": 4,
        "node:lambda_function": 1,
        "node:ec2_instance": 1,
        "node:sagemaker_notebook": 1,
        "node:sagemaker_model": 1,
        "node:sagemaker_endpoint": 1,
        "node:sagemaker_endpoint_config": 1,
        "node:sagemaker_training_job": 1,
        "node:sagemaker_domain": 1,
        "node:sagemaker_user_profile": 1,
        "node:agent": 1,
        "node:agent_alias": 1,
        "node:agent_action_group": 2,
        "node:knowledge_base": 1,
        "node:data_source": 1,
        "node:aoss_collection": 1,
        "node:guardrail": 1,
        "node:secret": 1,
        "node:trail": 1,
        "node:invocation_logging": 1,
        "node:custom_model": 1,
        "node:scp": 2,
        "node:rcp": 1,
        "node:org_unit": 1,
        "node:org_root": 1,
        "node:organization": 1,
        # moto omits a user's boundary from the authorization details: only partner-role's shows
        "edge:runs_as": 9,
        "edge:trusts": 6,
        "edge:permissions_boundary": 1,
        "edge:member_of": 5,
        "edge:has_access_key": 1,
        "edge:profile_role": 1,
        "edge:has_instance_profile": 1,
        "edge:invokes_function": 2,
        "edge:has_action_group": 2,
        "edge:uses_knowledge_base": 2,
        "edge:reads_data_source": 1,
        "edge:has_alias": 1,
        # FullAWSAccess (SCP) and RCPFullAWSAccess on root, OU and both accounts, plus deny-leave
        "edge:policy_applies_to": 9,
    }
    got = {k: counts.get(k, 0) for k in expected}
    assert got == expected
    store = inv.store

    def edge(src: str, dst: str, kind: str) -> bool:
        return any(e.dst == dst for e in store.out_edges(src, {kind}))

    agent = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent/{ids['agent_id']}"
    assert edge(agent, ids["agent-role"], "runs_as")
    assert edge(
        agent,
        f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
        "uses_model",
    )
    assert edge(agent, ids["kb"], "uses_knowledge_base")
    assert edge(ids["kb"], ids["kb-role"], "runs_as")
    assert edge(ids["kb"], ids["collection"], "stored_in")
    ds = f"{ids['kb']}/data-source/DS12345678"
    assert edge(ids["kb"], ds, "reads_data_source") and edge(
        ds, "arn:aws:s3:::kb-docs", "stored_in"
    )
    group = f"{agent}/version/1/action-group/AG1234ABCD"
    assert edge(group, ids["function"], "invokes_function")
    assert edge(ids["function"], ids["lambda-role"], "runs_as")
    assert edge(ids["instance"], ids["profile"], "has_instance_profile")
    assert edge(ids["instance"], ids["ec2-role"], "runs_as")
    assert edge(ids["notebook"], ids["notebook-role"], "runs_as")
    assert edge(ids["model"], "arn:aws:s3:::model-artifacts", "stores_artifacts")
    assert edge(ids["endpoint"], ids["model"], "uses_model")
    assert edge(ids["training_job"], "arn:aws:s3:::training-data", "trained_on")
    custom = next(store.nodes({"custom_model"}))
    assert edge(custom.id, "arn:aws:s3:::training-data", "trained_on")
    assert edge("arn:aws:s3:::training-data", ids["key"], "encrypted_by")
    assert edge(ids["partner-role"], f"arn:aws:iam::{EXTERNAL}:root", "trusts")
    trust = next(store.out_edges(ids["partner-role"], {"trusts"}))
    assert trust.props["conditions"] == {"StringEquals": {"sts:ExternalId": "xyz"}}
    assert edge(ids["agent-role"], "bedrock.amazonaws.com", "trusts")
    assert edge(ids["scp"], ids["ou"], "policy_applies_to")
    assert edge(ids["member"], ids["ou"], "member_of")
    assert edge(ids["trail"], "arn:aws:s3:::org-trail-logs", "logs_to")

    # the accessors the IAM engine reads
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    docs = {(d.kind, d.name, d.via) for d in inv.identity_policies(alice)}
    assert docs == {
        ("inline", "pass-roles", None),
        ("managed", "bedrock-reader", f"arn:aws:iam::{ACCOUNT}:group/data-scientists"),
    }
    assert all(d.document["Statement"] for d in inv.identity_policies(alice))
    assert inv.boundary(ids["partner-role"]).name == "dev-boundary"
    assert inv.trust_policy(ids["kb-role"])["Statement"][0]["Principal"] == {
        "Service": "bedrock.amazonaws.com"
    }
    assert inv.resource_policy("arn:aws:s3:::kb-docs")["Statement"][0]["Effect"] == "Deny"
    assert (
        inv.resource_policy_known("arn:aws:s3:::training-data")
        and inv.resource_policy("arn:aws:s3:::training-data") is None
    )
    assert inv.resource_policy(ids["secret"])["Statement"][0]["Principal"] == {
        "AWS": ids["kb-role"]
    }
    assert inv.resource_policy(ids["function"])["Statement"][0]["Principal"] == {
        "Service": "bedrock.amazonaws.com"
    }
    assert inv.resource_policy(ids["key"])["Statement"]
    col = store.node(ids["collection"])
    assert col.props["access_policies"][0]["name"] == "kb-access"
    assert inv.key_owner(ids["alice_key"]) == alice
    member_org = inv.org_policies(ids["member"])
    assert member_org is not None and not member_org.management
    assert [lvl.kind for lvl in member_org.scp_levels] == ["org_root", "org_unit", "account"]
    assert sorted(d.name for d in member_org.scp_levels[1].policies) == [
        "FullAWSAccess",
        "deny-leave",
    ]
    assert [d.name for d in member_org.rcp_levels[0].policies] == ["RCPFullAWSAccess"]
    assert inv.gaps == []  # moto plus the stubs answered every call
    assert inv.org_policies(ACCOUNT).management
    assert {n.id: roles for n, roles in inv.workloads()}[agent] == [ids["agent-role"]]
    assert inv.runs_as(ids["notebook"]) == [ids["notebook-role"]]


def test_access_denied_is_a_gap_and_collection_goes_on(aws: str, tmp_path: Path) -> None:
    s = boto3.Session(region_name=REGION)
    s.client("iam").create_user(UserName="dave")
    s.client("s3").create_bucket(Bucket="still-collected")

    def deny(client: Any, account: str, region: str, service: str) -> None:
        if service == "iam":
            st = PartialStubber(client, {"GetAccountAuthorizationDetails"})
            st.add_client_error(
                xform_name("GetAccountAuthorizationDetails"), "AccessDenied", "not authorized", 403
            )
            st.activate()

    ops = [op for op in OPERATIONS if op.service in ("sts", "iam", "s3")]
    result = collect(
        tmp_path / "snap",
        s,
        regions=[REGION],
        client_hook=deny,
        operations=ops,
        client_config=NO_HOST_PREFIX,
    )
    gaps = [g for g in result.manifest.gaps if g.operation == "GetAccountAuthorizationDetails"]
    assert len(gaps) == 1 and gaps[0].reason == "denied" and gaps[0].error_code == "AccessDenied"
    assert any("still-collected" in rel for rel in result.manifest.files)
    inv = load_inventory(snapshots=[tmp_path / "snap"])
    assert any(
        g.operation == "GetAccountAuthorizationDetails" and g.reason == "denied" for g in inv.gaps
    )
    assert inv.node("arn:aws:s3:::still-collected") is not None
    assert not list(inv.store.nodes({"user"}))  # unknown, reported as a gap, not "no users"


def test_cli_collect_and_verify(aws: str, tmp_path: Path) -> None:
    boto3.Session(region_name=REGION).client("iam").create_user(UserName="erin")
    runner = CliRunner()
    out = tmp_path / "snap"
    res = runner.invoke(
        app, ["collect", "--out", str(out), "--regions", "eu-west-3", "--services", "iam,lambda"]
    )
    assert res.exit_code == 0, res.output
    assert "accounts   1" in res.output and "gaps" in res.output
    snap = Snapshot.open(out)
    assert snap.manifest.regions == ["eu-west-3"]
    counts = Counter(rel.split("/")[1] for rel in snap.manifest.files)
    assert counts["global"] > 0 and counts["eu-west-3"] > 0
    ok = runner.invoke(app, ["snapshot", "verify", str(out)])
    assert ok.exit_code == 0 and "ok" in ok.output


def test_org_collects_member_accounts_through_the_member_role(aws: str, tmp_path: Path) -> None:
    s = boto3.Session(region_name=REGION)
    org = s.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="ml", Email="ml@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    creds = s.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    member_session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )
    member_session.client("iam").create_role(
        RoleName="member-only", AssumeRolePolicyDocument=_trust({"Service": "lambda.amazonaws.com"})
    )

    def throttle(client: Any, account: str, region: str, service: str) -> None:
        if service == "lambda" and account == member:
            st = PartialStubber(client, {"ListFunctions"})
            st.add_client_error(
                xform_name("ListFunctions"), "ThrottlingException", "Rate exceeded", 429
            )
            st.activate()

    ops = [op for op in OPERATIONS if op.service in ("sts", "iam", "organizations", "lambda")]
    result = collect(
        tmp_path / "snap",
        s,
        regions=[REGION],
        org=True,
        member_role="OrganizationAccountAccessRole",
        operations=ops,
        client_hook=throttle,
    )
    m = result.manifest
    assert m.accounts == sorted([ACCOUNT, member])
    # the organisation is read once, from the management account
    assert any(rel.startswith(f"{ACCOUNT}/global/organizations/ListAccounts/") for rel in m.files)
    assert not any(rel.startswith(f"{member}/global/organizations/") for rel in m.files)
    # throttling that outlasts the retries is a gap, never fatal
    throttled = [g for g in m.gaps if g.reason == "throttled"]
    assert [(g.account, g.operation) for g in throttled] == [(member, "ListFunctions")]
    inv = load_inventory(snapshots=[tmp_path / "snap"])
    assert inv.node(f"arn:aws:iam::{member}:role/member-only") is not None
    assert inv.org_policies(member) is not None and not inv.org_policies(member).management
    assert any(g.account == member and g.operation == "ListFunctions" for g in inv.gaps)
