"""ARN parsing and the mapping from an ARN to a node kind.

One place for both, so that ingesters, the policy engine and the activity overlay agree on what
an ARN names. Account ids are not checked for 12 digits: public test data masks them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str  # everything after the fifth colon, e.g. "role/path/name" or "bucket/key"

    @property
    def resource_type(self) -> str:
        """The part of the resource before the first '/' or ':' ('' when there is none)."""
        for i, ch in enumerate(self.resource):
            if ch in "/:":
                return self.resource[:i]
        return ""

    @property
    def resource_id(self) -> str:
        rtype = self.resource_type
        return self.resource[len(rtype) + 1 :] if rtype else self.resource

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn | None:
    """Split an ARN into its parts, or None when the text is not an ARN."""
    if not isinstance(text, str) or not text.startswith("arn:"):
        return None
    parts = text.split(":", 5)
    if len(parts) != 6 or not parts[1] or not parts[2]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def account_of(text: str) -> str | None:
    """The account id an ARN names, or None (S3 bucket ARNs carry none)."""
    arn = parse_arn(text)
    return arn.account or None if arn else None


# (service, resource type) -> node kind. The resource type is the ARN's resource part up to the
# first '/' or ':'; "" matches ARNs without one (S3 buckets).
_ARN_KINDS: dict[tuple[str, str], str] = {
    ("iam", "user"): "user",
    ("iam", "group"): "group",
    ("iam", "role"): "role",
    ("iam", "root"): "root_user",
    ("iam", "policy"): "managed_policy",
    ("iam", "instance-profile"): "instance_profile",
    ("iam", "saml-provider"): "federated_principal",
    ("iam", "oidc-provider"): "federated_principal",
    ("sts", "assumed-role"): "role_session",
    ("sts", "federated-user"): "role_session",
    ("organizations", "organization"): "organization",
    ("organizations", "root"): "org_root",
    ("organizations", "ou"): "org_unit",
    ("organizations", "account"): "account",
    ("organizations", "policy"): "scp",
    ("cloudtrail", "trail"): "trail",
    ("logs", "log-group"): "log_group",
    ("ec2", "instance"): "ec2_instance",
    ("lambda", "function"): "lambda_function",
    ("sagemaker", "notebook-instance"): "sagemaker_notebook",
    ("sagemaker", "notebook-instance-lifecycle-config"): "notebook_lifecycle_config",
    ("sagemaker", "training-job"): "sagemaker_training_job",
    ("sagemaker", "processing-job"): "sagemaker_processing_job",
    ("sagemaker", "domain"): "sagemaker_domain",
    ("sagemaker", "user-profile"): "sagemaker_user_profile",
    ("sagemaker", "model"): "sagemaker_model",
    ("sagemaker", "endpoint"): "sagemaker_endpoint",
    ("sagemaker", "endpoint-config"): "sagemaker_endpoint_config",
    ("bedrock", "foundation-model"): "foundation_model",
    ("bedrock", "custom-model"): "custom_model",
    ("bedrock", "imported-model"): "imported_model",
    ("bedrock", "model-customization-job"): "model_customization_job",
    ("bedrock", "provisioned-model"): "provisioned_throughput",
    ("bedrock", "inference-profile"): "inference_profile",
    ("bedrock", "application-inference-profile"): "inference_profile",
    ("bedrock", "agent"): "agent",
    ("bedrock", "agent-alias"): "agent_alias",
    ("bedrock", "knowledge-base"): "knowledge_base",
    ("bedrock", "guardrail"): "guardrail",
    ("s3", ""): "s3_bucket",
    ("aoss", "collection"): "aoss_collection",
    ("kms", "key"): "kms_key",
    ("kms", "alias"): "kms_key",
    ("secretsmanager", "secret"): "secret",
    ("ssm", "parameter"): "ssm_parameter",
    ("dynamodb", "table"): "data_store",
    ("rds", "db"): "data_store",
    ("rds", "cluster"): "data_store",
    ("rds", "snapshot"): "data_store",
}


def kind_for_arn(text: str) -> str:
    """The node kind an ARN names; 'resource' for kinds the schema does not model."""
    arn = parse_arn(text)
    if arn is None:
        return "resource"
    if arn.service == "iam" and arn.resource == "root":
        return "root_user"
    if arn.service == "s3":
        return "s3_object" if "/" in arn.resource else "s3_bucket"
    return _ARN_KINDS.get((arn.service, arn.resource_type), "resource")


def session_role_arn(session_arn: str) -> str | None:
    """The role ARN behind an assumed-role session ARN (arn:aws:sts::A:assumed-role/R/S)."""
    arn = parse_arn(session_arn)
    if arn is None or arn.service != "sts" or arn.resource_type != "assumed-role":
        return None
    role_name = arn.resource_id.rsplit("/", 1)[0]
    return f"arn:{arn.partition}:iam::{arn.account}:role/{role_name}"
