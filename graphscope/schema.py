"""The graph schema, declared once as data.

networkx, Neo4j, the reports and the API all read these tables; nothing else may invent a
node kind, an edge kind or a component name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Component(StrEnum):
    """The five components of the AI incident-response model."""

    ORGANIZATION = "Organization"
    COMPUTING = "Computing infrastructure"
    AI_ML = "AI/ML application"
    PRIVATE_DATA = "Private data"
    USERS = "Users"


class EdgeFamily(StrEnum):
    """Edges come in three families that are never mixed up in a query or a report."""

    STRUCTURAL = "structural"  # what the inventory says exists and is wired together
    POTENTIAL = "potential"  # what policies would allow
    OBSERVED = "observed"  # what logs show happened


@dataclass(frozen=True, slots=True)
class NodeKind:
    name: str
    component: Component
    label: str  # Neo4j label and human-readable type
    description: str


@dataclass(frozen=True, slots=True)
class EdgeKind:
    name: str
    family: EdgeFamily
    rel_type: str  # Neo4j relationship type
    description: str


_O, _C, _A, _P, _U = (
    Component.ORGANIZATION,
    Component.COMPUTING,
    Component.AI_ML,
    Component.PRIVATE_DATA,
    Component.USERS,
)

NODE_KINDS: dict[str, NodeKind] = {
    k.name: k
    for k in [
        # Organization
        NodeKind("organization", _O, "Organization", "an AWS Organizations organisation"),
        NodeKind("org_root", _O, "OrgRoot", "the root of an organisation's hierarchy"),
        NodeKind("org_unit", _O, "OrgUnit", "an organisational unit"),
        NodeKind("account", _O, "Account", "an AWS account"),
        NodeKind("scp", _O, "ServiceControlPolicy", "an Organizations service control policy"),
        NodeKind("rcp", _O, "ResourceControlPolicy", "an Organizations resource control policy"),
        NodeKind("trail", _O, "Trail", "a CloudTrail trail and its event selectors"),
        NodeKind(
            "invocation_logging",
            _O,
            "InvocationLogging",
            "Bedrock model-invocation logging configuration of one account and region",
        ),
        NodeKind("log_group", _O, "LogGroup", "a CloudWatch Logs log group"),
        # Users
        NodeKind("user", _U, "User", "an IAM user"),
        NodeKind("group", _U, "Group", "an IAM group"),
        NodeKind("role", _U, "Role", "an IAM role"),
        NodeKind("root_user", _U, "RootUser", "an account's root user"),
        NodeKind(
            "access_key", _U, "AccessKey", "a long-term (AKIA) or temporary (ASIA) access key id"
        ),
        NodeKind(
            "service_credential",
            _U,
            "ServiceCredential",
            "a service-specific credential, e.g. a Bedrock API key",
        ),
        NodeKind("role_session", _U, "RoleSession", "an assumed-role or federated session"),
        NodeKind(
            "service_principal",
            _U,
            "ServicePrincipal",
            "an AWS service principal such as bedrock.amazonaws.com",
        ),
        NodeKind(
            "federated_principal", _U, "FederatedPrincipal", "a SAML or OIDC identity provider"
        ),
        NodeKind("managed_policy", _U, "ManagedPolicy", "an AWS- or customer-managed IAM policy"),
        NodeKind(
            "inline_policy",
            _U,
            "InlinePolicy",
            "an inline policy embedded in a user, group or role",
        ),
        NodeKind(
            "instance_profile", _U, "InstanceProfile", "an EC2 instance profile wrapping a role"
        ),
        NodeKind(
            "external_principal",
            _U,
            "ExternalPrincipal",
            "a principal outside the inventory, known only by its ARN",
        ),
        # Computing infrastructure
        NodeKind("ec2_instance", _C, "Ec2Instance", "an EC2 instance"),
        NodeKind("lambda_function", _C, "LambdaFunction", "a Lambda function"),
        NodeKind("sagemaker_notebook", _C, "SageMakerNotebook", "a SageMaker notebook instance"),
        NodeKind(
            "notebook_lifecycle_config",
            _C,
            "NotebookLifecycleConfig",
            "a SageMaker notebook lifecycle configuration",
        ),
        NodeKind("sagemaker_training_job", _C, "SageMakerTrainingJob", "a SageMaker training job"),
        NodeKind(
            "sagemaker_processing_job", _C, "SageMakerProcessingJob", "a SageMaker processing job"
        ),
        NodeKind("sagemaker_domain", _C, "SageMakerDomain", "a SageMaker Studio domain"),
        NodeKind(
            "sagemaker_user_profile", _C, "SageMakerUserProfile", "a SageMaker Studio user profile"
        ),
        # AI/ML application
        NodeKind("foundation_model", _A, "FoundationModel", "a Bedrock foundation model"),
        NodeKind("custom_model", _A, "CustomModel", "a Bedrock custom (fine-tuned) model"),
        NodeKind("imported_model", _A, "ImportedModel", "a Bedrock imported model"),
        NodeKind(
            "model_customization_job",
            _A,
            "ModelCustomizationJob",
            "a Bedrock model customization job",
        ),
        NodeKind(
            "provisioned_throughput",
            _A,
            "ProvisionedThroughput",
            "Bedrock provisioned model throughput",
        ),
        NodeKind("inference_profile", _A, "InferenceProfile", "a Bedrock inference profile"),
        NodeKind("agent", _A, "Agent", "a Bedrock agent"),
        NodeKind("agent_alias", _A, "AgentAlias", "a Bedrock agent alias"),
        NodeKind("agent_action_group", _A, "AgentActionGroup", "a Bedrock agent action group"),
        NodeKind("knowledge_base", _A, "KnowledgeBase", "a Bedrock knowledge base"),
        NodeKind("data_source", _A, "DataSource", "a knowledge-base data source"),
        NodeKind("guardrail", _A, "Guardrail", "a Bedrock guardrail"),
        NodeKind("sagemaker_model", _A, "SageMakerModel", "a SageMaker model"),
        NodeKind("sagemaker_endpoint", _A, "SageMakerEndpoint", "a SageMaker endpoint"),
        NodeKind(
            "sagemaker_endpoint_config",
            _A,
            "SageMakerEndpointConfig",
            "a SageMaker endpoint configuration",
        ),
        # Private data
        NodeKind("s3_bucket", _P, "S3Bucket", "an S3 bucket"),
        NodeKind("s3_object", _P, "S3Object", "an S3 object or key prefix"),
        NodeKind(
            "aoss_collection",
            _P,
            "OpenSearchCollection",
            "an OpenSearch Serverless collection (vector store)",
        ),
        NodeKind("vector_store", _P, "VectorStore", "another vector store behind a knowledge base"),
        NodeKind("kms_key", _P, "KmsKey", "a KMS key"),
        NodeKind("secret", _P, "Secret", "a Secrets Manager secret"),
        NodeKind("ssm_parameter", _P, "SsmParameter", "an SSM parameter"),
        NodeKind(
            "data_store",
            _P,
            "DataStore",
            "another data store (DynamoDB table, RDS database, snapshot ...)",
        ),
        # Anything the logs or policies name that the inventory does not describe.
        NodeKind("resource", _P, "Resource", "a resource of a kind graphscope does not model yet"),
    ]
}

EDGE_KINDS: dict[str, EdgeKind] = {
    k.name: k
    for k in [
        # structural
        EdgeKind(
            "member_of",
            EdgeFamily.STRUCTURAL,
            "MEMBER_OF",
            "user in group, account in OU, OU in root",
        ),
        EdgeKind(
            "in_account",
            EdgeFamily.STRUCTURAL,
            "IN_ACCOUNT",
            "a resource or principal belongs to an account",
        ),
        EdgeKind(
            "attached_policy",
            EdgeFamily.STRUCTURAL,
            "ATTACHED_POLICY",
            "a principal has a managed or inline policy",
        ),
        EdgeKind(
            "permissions_boundary",
            EdgeFamily.STRUCTURAL,
            "PERMISSIONS_BOUNDARY",
            "a principal is bounded by a managed policy",
        ),
        EdgeKind(
            "policy_applies_to",
            EdgeFamily.STRUCTURAL,
            "POLICY_APPLIES_TO",
            "an SCP or RCP is attached to a root, OU or account",
        ),
        EdgeKind(
            "has_access_key",
            EdgeFamily.STRUCTURAL,
            "HAS_ACCESS_KEY",
            "a user owns an access key or service credential",
        ),
        EdgeKind(
            "trusts", EdgeFamily.STRUCTURAL, "TRUSTS", "a role's trust policy names a principal"
        ),
        EdgeKind(
            "has_instance_profile",
            EdgeFamily.STRUCTURAL,
            "HAS_INSTANCE_PROFILE",
            "an EC2 instance carries an instance profile",
        ),
        EdgeKind(
            "profile_role",
            EdgeFamily.STRUCTURAL,
            "PROFILE_ROLE",
            "an instance profile wraps a role",
        ),
        EdgeKind(
            "runs_as",
            EdgeFamily.STRUCTURAL,
            "RUNS_AS",
            "compute or an AI application acts with a role's credentials",
        ),
        EdgeKind(
            "uses_model",
            EdgeFamily.STRUCTURAL,
            "USES_MODEL",
            "an agent, alias or endpoint calls a model",
        ),
        EdgeKind(
            "uses_guardrail",
            EdgeFamily.STRUCTURAL,
            "USES_GUARDRAIL",
            "an agent applies a guardrail",
        ),
        EdgeKind("has_alias", EdgeFamily.STRUCTURAL, "HAS_ALIAS", "an agent has an alias"),
        EdgeKind(
            "has_action_group",
            EdgeFamily.STRUCTURAL,
            "HAS_ACTION_GROUP",
            "an agent has an action group",
        ),
        EdgeKind(
            "invokes_function",
            EdgeFamily.STRUCTURAL,
            "INVOKES_FUNCTION",
            "an action group calls a Lambda function",
        ),
        EdgeKind(
            "uses_knowledge_base",
            EdgeFamily.STRUCTURAL,
            "USES_KNOWLEDGE_BASE",
            "an agent consults a knowledge base",
        ),
        EdgeKind(
            "reads_data_source",
            EdgeFamily.STRUCTURAL,
            "READS_DATA_SOURCE",
            "a knowledge base ingests a data source",
        ),
        EdgeKind(
            "stored_in",
            EdgeFamily.STRUCTURAL,
            "STORED_IN",
            "a data source or vector index lives in a data store",
        ),
        EdgeKind(
            "trained_on",
            EdgeFamily.STRUCTURAL,
            "TRAINED_ON",
            "a custom model or job was trained on data",
        ),
        EdgeKind(
            "stores_artifacts",
            EdgeFamily.STRUCTURAL,
            "STORES_ARTIFACTS",
            "a model's artifacts live in a data store",
        ),
        EdgeKind(
            "encrypted_by",
            EdgeFamily.STRUCTURAL,
            "ENCRYPTED_BY",
            "a resource is encrypted with a KMS key",
        ),
        EdgeKind(
            "has_lifecycle_config",
            EdgeFamily.STRUCTURAL,
            "HAS_LIFECYCLE_CONFIG",
            "a notebook runs a lifecycle configuration",
        ),
        EdgeKind(
            "logs_to",
            EdgeFamily.STRUCTURAL,
            "LOGS_TO",
            "a trail or logging configuration delivers to a destination",
        ),
        # potential
        EdgeKind(
            "can_assume",
            EdgeFamily.POTENTIAL,
            "CAN_ASSUME",
            "identity policy and trust policy let a principal assume a role",
        ),
        EdgeKind(
            "can_pass_role_to",
            EdgeFamily.POTENTIAL,
            "CAN_PASS_ROLE_TO",
            "iam:PassRole plus a create/update action hands a role to compute or an AI service",
        ),
        EdgeKind(
            "can_access",
            EdgeFamily.POTENTIAL,
            "CAN_ACCESS",
            "a principal may call concrete actions on a resource",
        ),
        # observed
        EdgeKind(
            "issued_session",
            EdgeFamily.OBSERVED,
            "ISSUED_SESSION",
            "a key or session obtained new credentials",
        ),
        EdgeKind(
            "performed",
            EdgeFamily.OBSERVED,
            "PERFORMED",
            "a key or session called an action on a resource (aggregated)",
        ),
        EdgeKind(
            "invoked",
            EdgeFamily.OBSERVED,
            "INVOKED",
            "a session invoked a model (invocation logs, aggregated)",
        ),
    ]
}

ELEMENTS: tuple[str, ...] = (
    "Access",
    "Computing changes",
    "AI changes",
    "Data store changes",
    "Invocation",
    "Private data",
    "Proxy",
)
"""The seven AI incident-response elements, in report order (../shared/elements.md)."""

ELEMENT_ALIASES: dict[str, str] = {
    "Infrastructure changes": "Computing changes",
    "Agency": "Proxy",
}


def node_kind(name: str) -> NodeKind:
    """Look a node kind up, failing loudly on a name the schema does not declare."""
    try:
        return NODE_KINDS[name]
    except KeyError:
        raise KeyError(f"unknown node kind {name!r}") from None


def edge_kind(name: str) -> EdgeKind:
    """Look an edge kind up, failing loudly on a name the schema does not declare."""
    try:
        return EDGE_KINDS[name]
    except KeyError:
        raise KeyError(f"unknown edge kind {name!r}") from None


def edge_kinds_of(family: EdgeFamily) -> frozenset[str]:
    return frozenset(k.name for k in EDGE_KINDS.values() if k.family is family)


def canonical_element(name: str) -> str:
    """Accept AWS's later names for two elements."""
    name = ELEMENT_ALIASES.get(name, name)
    if name not in ELEMENTS:
        raise KeyError(f"unknown element {name!r}")
    return name
