"""The read-only AWS operations `collect` calls, declared once as data.

Adding an operation is one entry in OPERATIONS. The same table drives the collector, the minimal
IAM policy it needs, and the loader's coverage check (which requests a snapshot should hold).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import quote

import orjson

Scope = Literal["global", "regional"]

GLOBAL = "global"
"""The region directory of global services in a snapshot."""

GLOBAL_CALL_REGION = "us-east-1"
"""The region global services are called in (the aws partition)."""

# boto3 client name -> IAM action prefix, where they differ.
_IAM_PREFIX = {
    "bedrock-agent": "bedrock",
    "opensearchserverless": "aoss",
    "s3control": "s3",
}

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Source:
    """Where a per-item call takes its parameters from: items of an earlier call's responses.

    `items` is a path into the response: dotted keys, `[]` flattens a list ("Buckets[]",
    "agentAliasSummaries[].routingConfiguration[]"); "" is the response itself. `params` maps a
    parameter to an item field, or to "$request.<param>" (the earlier call's parameter),
    "$account" or "$region". `when` keeps only items whose field equals the given value.
    """

    operation: str
    items: str
    params: Mapping[str, str]
    when: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class Operation:
    """One read-only API call: once per account/region, or once per item of another call."""

    service: str  # boto3 client name, also the snapshot directory
    name: str  # OperationName, as in the service model
    scope: Scope
    key: tuple[str, ...] = ()  # identifying parameters, joined with "__" in the file name
    each: tuple[Source, ...] = ()  # empty: called once per account (global) or region
    params: Mapping[str, Any] = field(
        default_factory=lambda: _EMPTY
    )  # constant parameters ("$account"/"$region" substituted)
    variants: tuple[Mapping[str, Any], ...] = ()  # one call per variant, merged into params
    absent: frozenset[str] = frozenset()  # error codes that mean "nothing configured", a fact
    action: str = ""  # IAM action, when it is not <prefix>:<name>
    page_token: tuple[str, str] = ("", "")  # (input, output) token, for APIs without paginator
    note: str = field(default="", compare=False)

    @property
    def iam_action(self) -> str:
        return self.action or f"{_IAM_PREFIX.get(self.service, self.service)}:{self.name}"

    @property
    def ident(self) -> str:
        return f"{self.service}:{self.name}"


def _op(service: str, name: str, scope: Scope, **kw: Any) -> Operation:
    if "params" in kw:
        kw["params"] = MappingProxyType(dict(kw["params"]))
    if "absent" in kw:
        kw["absent"] = frozenset(kw["absent"])
    if "key" in kw and isinstance(kw["key"], str):
        kw["key"] = (kw["key"],)
    return Operation(service, name, scope, **kw)


def _each(
    operation: str, items: str, when: Mapping[str, str] | None = None, **params: str
) -> Source:
    return Source(operation, items, MappingProxyType(params), MappingProxyType(dict(when or {})))


_S3_BUCKET = (_each("ListBuckets", "Buckets[]", Bucket="Name"),)
_AGENT = _each("ListAgents", "agentSummaries[]", agentId="agentId")
# Action groups and knowledge bases belong to an agent version: the working draft and every
# version an alias routes to.
_AGENT_VERSIONS = (
    _each("ListAgents", "agentSummaries[]", agentId="agentId", agentVersion="$const:DRAFT"),
    _each(
        "ListAgentAliases",
        "agentAliasSummaries[].routingConfiguration[]",
        agentId="$request.agentId",
        agentVersion="agentVersion",
    ),
)

OPERATIONS: tuple[Operation, ...] = (
    # who collected
    _op("sts", "GetCallerIdentity", "global"),
    # iam (instance profiles come with the authorization details)
    _op("iam", "GetAccountAuthorizationDetails", "global"),
    _op(
        "iam",
        "ListAccessKeys",
        "global",
        key="UserName",
        each=(_each("GetAccountAuthorizationDetails", "UserDetailList[]", UserName="UserName"),),
    ),
    _op("iam", "ListOpenIDConnectProviders", "global"),
    _op("iam", "ListSAMLProviders", "global"),
    _op("iam", "GetAccountSummary", "global"),
    # organizations (management or delegated administrator account)
    _op(
        "organizations",
        "DescribeOrganization",
        "global",
        absent={"AWSOrganizationsNotInUseException"},
    ),
    _op("organizations", "ListRoots", "global"),
    _op("organizations", "ListAccounts", "global"),
    _op(
        "organizations",
        "ListOrganizationalUnitsForParent",
        "global",
        key="ParentId",
        each=(
            _each("ListRoots", "Roots[]", ParentId="Id"),
            _each("ListOrganizationalUnitsForParent", "OrganizationalUnits[]", ParentId="Id"),
        ),
    ),
    # not in the list, but without it no account has a place in the OU tree
    _op(
        "organizations",
        "ListAccountsForParent",
        "global",
        key="ParentId",
        each=(
            _each("ListRoots", "Roots[]", ParentId="Id"),
            _each("ListOrganizationalUnitsForParent", "OrganizationalUnits[]", ParentId="Id"),
        ),
    ),
    _op(
        "organizations",
        "ListPolicies",
        "global",
        key="Filter",
        variants=({"Filter": "SERVICE_CONTROL_POLICY"}, {"Filter": "RESOURCE_CONTROL_POLICY"}),
    ),
    _op(
        "organizations",
        "DescribePolicy",
        "global",
        key="PolicyId",
        each=(_each("ListPolicies", "Policies[]", PolicyId="Id"),),
    ),
    _op(
        "organizations",
        "ListTargetsForPolicy",
        "global",
        key="PolicyId",
        each=(_each("ListPolicies", "Policies[]", PolicyId="Id"),),
    ),
    # s3 (bucket names are global; per-bucket calls follow the bucket's region)
    _op("s3", "ListBuckets", "global", action="s3:ListAllMyBuckets"),
    _op("s3", "GetBucketLocation", "global", key="Bucket", each=_S3_BUCKET),
    _op(
        "s3",
        "GetBucketPolicy",
        "global",
        key="Bucket",
        each=_S3_BUCKET,
        absent={"NoSuchBucketPolicy"},
    ),
    _op(
        "s3",
        "GetPublicAccessBlock",
        "global",
        key="Bucket",
        each=_S3_BUCKET,
        absent={"NoSuchPublicAccessBlockConfiguration"},
        action="s3:GetBucketPublicAccessBlock",
    ),
    _op(
        "s3",
        "GetBucketEncryption",
        "global",
        key="Bucket",
        each=_S3_BUCKET,
        absent={"ServerSideEncryptionConfigurationNotFoundError"},
        action="s3:GetEncryptionConfiguration",
    ),
    _op(
        "s3",
        "GetBucketOwnershipControls",
        "global",
        key="Bucket",
        each=_S3_BUCKET,
        absent={"OwnershipControlsNotFoundError"},
    ),
    _op("s3", "GetBucketAcl", "global", key="Bucket", each=_S3_BUCKET),
    _op(
        "s3control",
        "GetPublicAccessBlock",
        "global",
        key="AccountId",
        params={"AccountId": "$account"},
        absent={"NoSuchPublicAccessBlockConfiguration"},
        action="s3:GetAccountPublicAccessBlock",
    ),
    # bedrock
    _op("bedrock", "ListFoundationModels", "regional"),
    _op("bedrock", "ListCustomModels", "regional"),
    _op(
        "bedrock",
        "GetCustomModel",
        "regional",
        key="modelIdentifier",
        each=(_each("ListCustomModels", "modelSummaries[]", modelIdentifier="modelArn"),),
    ),
    _op("bedrock", "ListModelCustomizationJobs", "regional"),
    _op("bedrock", "ListProvisionedModelThroughputs", "regional"),
    _op("bedrock", "ListGuardrails", "regional"),
    _op("bedrock", "GetModelInvocationLoggingConfiguration", "regional"),
    _op("bedrock", "ListImportedModels", "regional"),
    _op("bedrock", "ListInferenceProfiles", "regional"),
    # bedrock-agent
    _op("bedrock-agent", "ListAgents", "regional"),
    _op("bedrock-agent", "GetAgent", "regional", key="agentId", each=(_AGENT,)),
    _op("bedrock-agent", "ListAgentAliases", "regional", key="agentId", each=(_AGENT,)),
    _op(
        "bedrock-agent",
        "ListAgentActionGroups",
        "regional",
        key=("agentId", "agentVersion"),
        each=_AGENT_VERSIONS,
    ),
    _op(
        "bedrock-agent",
        "GetAgentActionGroup",
        "regional",
        key=("agentId", "agentVersion", "actionGroupId"),
        each=(
            _each(
                "ListAgentActionGroups",
                "actionGroupSummaries[]",
                agentId="$request.agentId",
                agentVersion="$request.agentVersion",
                actionGroupId="actionGroupId",
            ),
        ),
    ),
    _op(
        "bedrock-agent",
        "ListAgentKnowledgeBases",
        "regional",
        key=("agentId", "agentVersion"),
        each=_AGENT_VERSIONS,
    ),
    _op("bedrock-agent", "ListKnowledgeBases", "regional"),
    _op(
        "bedrock-agent",
        "GetKnowledgeBase",
        "regional",
        key="knowledgeBaseId",
        each=(
            _each(
                "ListKnowledgeBases", "knowledgeBaseSummaries[]", knowledgeBaseId="knowledgeBaseId"
            ),
        ),
    ),
    _op(
        "bedrock-agent",
        "ListDataSources",
        "regional",
        key="knowledgeBaseId",
        each=(
            _each(
                "ListKnowledgeBases", "knowledgeBaseSummaries[]", knowledgeBaseId="knowledgeBaseId"
            ),
        ),
    ),
    _op(
        "bedrock-agent",
        "GetDataSource",
        "regional",
        key=("knowledgeBaseId", "dataSourceId"),
        each=(
            _each(
                "ListDataSources",
                "dataSourceSummaries[]",
                knowledgeBaseId="$request.knowledgeBaseId",
                dataSourceId="dataSourceId",
            ),
        ),
    ),
    # sagemaker
    _op("sagemaker", "ListNotebookInstances", "regional"),
    _op(
        "sagemaker",
        "DescribeNotebookInstance",
        "regional",
        key="NotebookInstanceName",
        each=(
            _each(
                "ListNotebookInstances",
                "NotebookInstances[]",
                NotebookInstanceName="NotebookInstanceName",
            ),
        ),
    ),
    _op("sagemaker", "ListDomains", "regional"),
    _op(
        "sagemaker",
        "DescribeDomain",
        "regional",
        key="DomainId",
        each=(_each("ListDomains", "Domains[]", DomainId="DomainId"),),
    ),
    _op("sagemaker", "ListUserProfiles", "regional"),
    _op(
        "sagemaker",
        "DescribeUserProfile",
        "regional",
        key=("DomainId", "UserProfileName"),
        each=(
            _each(
                "ListUserProfiles",
                "UserProfiles[]",
                DomainId="DomainId",
                UserProfileName="UserProfileName",
            ),
        ),
    ),
    _op("sagemaker", "ListEndpoints", "regional"),
    _op(
        "sagemaker",
        "DescribeEndpoint",
        "regional",
        key="EndpointName",
        each=(_each("ListEndpoints", "Endpoints[]", EndpointName="EndpointName"),),
    ),
    _op(
        "sagemaker",
        "DescribeEndpointConfig",
        "regional",
        key="EndpointConfigName",
        each=(_each("DescribeEndpoint", "", EndpointConfigName="EndpointConfigName"),),
    ),
    _op("sagemaker", "ListModels", "regional"),
    _op(
        "sagemaker",
        "DescribeModel",
        "regional",
        key="ModelName",
        each=(_each("ListModels", "Models[]", ModelName="ModelName"),),
    ),
    _op("sagemaker", "ListTrainingJobs", "regional"),
    _op(
        "sagemaker",
        "DescribeTrainingJob",
        "regional",
        key="TrainingJobName",
        each=(
            _each("ListTrainingJobs", "TrainingJobSummaries[]", TrainingJobName="TrainingJobName"),
        ),
    ),
    _op("sagemaker", "ListProcessingJobs", "regional"),
    # compute
    _op("lambda", "ListFunctions", "regional"),
    _op(
        "lambda",
        "GetPolicy",
        "regional",
        key="FunctionName",
        absent={"ResourceNotFoundException"},
        each=(_each("ListFunctions", "Functions[]", FunctionName="FunctionName"),),
    ),
    _op("ec2", "DescribeInstances", "regional"),
    _op("ec2", "DescribeIamInstanceProfileAssociations", "regional"),
    # data stores
    _op(
        "opensearchserverless", "ListCollections", "regional", page_token=("nextToken", "nextToken")
    ),
    _op(
        "opensearchserverless",
        "ListAccessPolicies",
        "regional",
        key="type",
        params={"type": "data"},
        page_token=("nextToken", "nextToken"),
    ),
    _op(
        "opensearchserverless",
        "GetAccessPolicy",
        "regional",
        key=("type", "name"),
        each=(_each("ListAccessPolicies", "accessPolicySummaries[]", name="name", type="type"),),
    ),
    _op("kms", "ListKeys", "regional"),
    _op(
        "kms",
        "GetKeyPolicy",
        "regional",
        key="KeyId",
        params={"PolicyName": "default"},
        each=(_each("ListKeys", "Keys[]", KeyId="KeyId"),),
    ),
    _op("secretsmanager", "ListSecrets", "regional"),
    _op(
        "secretsmanager",
        "GetResourcePolicy",
        "regional",
        key="SecretId",
        each=(_each("ListSecrets", "SecretList[]", SecretId="ARN"),),
    ),
    # logging (coverage)
    _op("cloudtrail", "DescribeTrails", "regional"),
    # a multi-region trail shows in every region: read its details in its home region only
    _op(
        "cloudtrail",
        "GetEventSelectors",
        "regional",
        key="TrailName",
        each=(
            _each(
                "DescribeTrails",
                "trailList[]",
                when={"HomeRegion": "$region"},
                TrailName="TrailARN",
            ),
        ),
    ),
    _op(
        "cloudtrail",
        "GetTrailStatus",
        "regional",
        key="Name",
        each=(
            _each("DescribeTrails", "trailList[]", when={"HomeRegion": "$region"}, Name="TrailARN"),
        ),
    ),
    _op("logs", "DescribeLogGroups", "regional"),
)

EXTRA_ACTIONS: tuple[tuple[str, str], ...] = (
    ("ec2:DescribeRegions", "--all-regions lists the enabled regions"),
    ("organizations:ListAccounts", "--org lists member accounts"),
)
"""Actions `collect` needs outside the table (the member role is assumed via sts:AssumeRole)."""

OPERATIONS_BY_ID: dict[str, Operation] = {op.ident: op for op in OPERATIONS}


def operation(service: str, name: str) -> Operation | None:
    return OPERATIONS_BY_ID.get(f"{service}:{name}")


def services() -> list[str]:
    """Service names in table order, each once."""
    return list(dict.fromkeys(op.service for op in OPERATIONS))


def file_key(op: Operation, request: Mapping[str, Any]) -> str:
    """The file name stem: 'all', or the identifying parameters joined with '__' (escaped)."""
    if not op.key:
        return "all"
    return "__".join(quote(str(request.get(k, "")), safe="-_.") or "_" for k in op.key)


def walk_items(response: Any, path: str) -> Iterator[Any]:
    """The items a Source path names in one response ('' is the response itself)."""
    nodes = [response]
    for part in path.split(".") if path else []:
        flatten = part.endswith("[]")
        name = part[:-2] if flatten else part
        nxt: list[Any] = []
        for node in nodes:
            if not isinstance(node, Mapping):
                raise TypeError(f"expected an object at {name!r}, found {type(node).__name__}")
            value = node.get(name)
            if value is None:
                continue
            if flatten:
                if not isinstance(value, list):
                    raise TypeError(f"expected a list at {name!r}, found {type(value).__name__}")
                nxt.extend(value)
            else:
                nxt.append(value)
        nodes = nxt
    yield from nodes


def _resolve(spec: str, item: Any, request: Mapping[str, Any], account: str, region: str) -> Any:
    if spec == "$account":
        return account
    if spec == "$region":
        return region
    if spec.startswith("$const:"):
        return spec[len("$const:") :]
    if spec.startswith("$request."):
        return request.get(spec[len("$request.") :])
    return item.get(spec) if isinstance(item, Mapping) else None


def base_requests(op: Operation, account: str, region: str) -> list[dict[str, Any]]:
    """The requests of an operation without `each`: its variants, with constants resolved."""
    consts = {
        k: _resolve(v, None, {}, account, region) if isinstance(v, str) and v.startswith("$") else v
        for k, v in op.params.items()
    }
    variants = op.variants or ({},)
    return [{**consts, **v} for v in variants]


def derived_requests(
    op: Operation,
    records: Mapping[str, list[tuple[Mapping[str, Any], Any]]],
    account: str,
    region: str,
) -> list[dict[str, Any]]:
    """The per-item requests of `op`, from the (request, response) pairs of its sources.

    `records` maps an operation name of the same service to its (request, response) pairs.
    Items lacking a parameter are skipped; duplicates are dropped, order is kept.
    """
    out: dict[bytes, dict[str, Any]] = {}
    for base in base_requests(op, account, region):
        for src in op.each:
            for request, response in records.get(src.operation, ()):
                if response is None:
                    continue
                for item in walk_items(response, src.items):
                    if any(
                        not isinstance(item, Mapping)
                        or item.get(f) != _resolve(v, None, {}, account, region)
                        for f, v in src.when.items()
                    ):
                        continue
                    req = dict(base)
                    for param, spec in src.params.items():
                        req[param] = _resolve(spec, item, request, account, region)
                    if any(v is None or v == "" for v in req.values()):
                        continue
                    out.setdefault(orjson.dumps(req, option=orjson.OPT_SORT_KEYS), req)
    return list(out.values())
