"""Bedrock: models, custom models and their training data, guardrails, agents, knowledge bases."""

from __future__ import annotations

from typing import Any

from graphscope.ingest.base_graph import (
    GraphBuilder,
    Sources,
    described,
    each_record,
    encrypted_by,
    items,
    obj,
    s3_bucket_arn,
)
from graphscope.ingest.snapshot import Record

# knowledge-base storage type -> (config key, field holding the store's ARN or address)
_VECTOR_STORES = {
    "OPENSEARCH_SERVERLESS": ("opensearchServerlessConfiguration", "collectionArn"),
    "OPENSEARCH_MANAGED_CLUSTER": ("opensearchManagedClusterConfiguration", "domainArn"),
    "RDS": ("rdsConfiguration", "resourceArn"),
    "NEPTUNE_ANALYTICS": ("neptuneAnalyticsConfiguration", "graphArn"),
    "PINECONE": ("pineconeConfiguration", "connectionString"),
    "REDIS_ENTERPRISE_CLOUD": ("redisEnterpriseCloudConfiguration", "endpoint"),
    "MONGO_DB_ATLAS": ("mongoDbAtlasConfiguration", "endpoint"),
    "S3_VECTORS": ("s3VectorsConfiguration", "vectorBucketArn"),
}


def build(src: Sources, b: GraphBuilder) -> None:
    each_record(src.of("bedrock", "ListFoundationModels"), lambda r: _foundation_models(b, r))
    each_record(src.of("bedrock", "ListCustomModels"), lambda r: _custom_models(b, r))
    each_record(src.of("bedrock", "GetCustomModel"), lambda r: _custom_model(b, r))
    each_record(
        src.of("bedrock", "ListModelCustomizationJobs"), lambda r: _customization_jobs(b, r)
    )
    each_record(src.of("bedrock", "ListProvisionedModelThroughputs"), lambda r: _provisioned(b, r))
    each_record(src.of("bedrock", "ListGuardrails"), lambda r: _guardrails(b, r))
    each_record(src.of("bedrock", "ListImportedModels"), lambda r: _imported(b, r))
    each_record(src.of("bedrock", "ListInferenceProfiles"), lambda r: _inference_profiles(b, r))
    each_record(src.of("bedrock-agent", "GetKnowledgeBase"), lambda r: _knowledge_base(b, r))
    each_record(src.of("bedrock-agent", "ListDataSources"), lambda r: _data_sources(b, r))
    each_record(src.of("bedrock-agent", "GetDataSource"), lambda r: _data_source(b, r))
    each_record(src.of("bedrock-agent", "ListAgents"), lambda r: _agents(b, r))
    each_record(src.of("bedrock-agent", "GetAgent"), lambda r: _agent(b, r))
    each_record(src.of("bedrock-agent", "ListAgentAliases"), lambda r: _aliases(b, r))
    each_record(src.of("bedrock-agent", "GetAgentActionGroup"), lambda r: _action_group(b, r))
    each_record(src.of("bedrock-agent", "ListAgentKnowledgeBases"), lambda r: _agent_kbs(b, r))


def _arn(rec: Record, rtype: str, rid: str) -> str:
    return f"arn:aws:bedrock:{rec.region}:{rec.account}:{rtype}/{rid}"


def model_ref(rec: Record, model: str) -> str:
    """A model id or ARN as an ARN: bare ids are foundation models (no account in their ARN)."""
    if model.startswith("arn:"):
        return model
    return f"arn:aws:bedrock:{rec.region}::foundation-model/{model}"


def _s3(b: GraphBuilder, src: str, uri: str | None, kind: str, **props: Any) -> None:
    found = s3_bucket_arn(uri)
    if found:
        b.ref(found[0], "s3_bucket")
        b.edge(src, found[0], kind, key=found[1], prefix=found[1] or None, uri=uri, **props)


def _uses_model(b: GraphBuilder, rec: Record, src: str, model: str | None, **props: Any) -> None:
    if model:
        b.ref(model_ref(rec, model))
        b.edge(src, model_ref(rec, model), "uses_model", **props)


def _foundation_models(b: GraphBuilder, rec: Record) -> None:
    for m in items(rec.response, "modelSummaries"):
        b.node(
            m["modelArn"],
            "foundation_model",
            m.get("modelId", ""),
            None,
            rec.region,
            provider=m.get("providerName"),
            model_id=m.get("modelId"),
            lifecycle=obj(m, "modelLifecycle").get("status"),
        )


def _custom_models(b: GraphBuilder, rec: Record) -> None:
    for m in items(rec.response, "modelSummaries"):
        described(
            b,
            rec,
            m["modelArn"],
            "custom_model",
            m.get("modelName", ""),
            base_model=m.get("baseModelArn"),
            customization_type=m.get("customizationType"),
        )


def _custom_model(b: GraphBuilder, rec: Record) -> None:
    r = rec.response
    arn = described(
        b,
        rec,
        r["modelArn"],
        "custom_model",
        r.get("modelName", ""),
        base_model=r.get("baseModelArn"),
        job=r.get("jobArn"),
        customization_type=r.get("customizationType"),
    )
    _s3(b, arn, obj(r, "trainingDataConfig").get("s3Uri"), "trained_on", data="training")
    for v in items(obj(r, "validationDataConfig"), "validators"):
        _s3(b, arn, v.get("s3Uri"), "trained_on", data="validation")
    _s3(b, arn, obj(r, "outputDataConfig").get("s3Uri"), "stores_artifacts")
    encrypted_by(b, arn, r.get("modelKmsKeyArn"), rec.account, rec.region)


def _customization_jobs(b: GraphBuilder, rec: Record) -> None:
    for j in items(rec.response, "modelCustomizationJobSummaries"):
        described(
            b,
            rec,
            j["jobArn"],
            "model_customization_job",
            j.get("jobName", ""),
            status=j.get("status"),
            base_model=j.get("baseModelArn"),
            custom_model=j.get("customModelArn"),
        )


def _provisioned(b: GraphBuilder, rec: Record) -> None:
    for p in items(rec.response, "provisionedModelSummaries"):
        arn = described(
            b,
            rec,
            p["provisionedModelArn"],
            "provisioned_throughput",
            p.get("provisionedModelName", ""),
            status=p.get("status"),
        )
        _uses_model(b, rec, arn, p.get("modelArn"))


def _guardrails(b: GraphBuilder, rec: Record) -> None:
    for g in items(rec.response, "guardrails"):
        described(
            b,
            rec,
            g["arn"],
            "guardrail",
            g.get("name", ""),
            guardrail_id=g.get("id"),
            version=g.get("version"),
            status=g.get("status"),
        )


def _imported(b: GraphBuilder, rec: Record) -> None:
    for m in items(rec.response, "modelSummaries"):
        described(b, rec, m["modelArn"], "imported_model", m.get("modelName", ""))


def _inference_profiles(b: GraphBuilder, rec: Record) -> None:
    for p in items(rec.response, "inferenceProfileSummaries"):
        arn = p["inferenceProfileArn"]
        # system-defined cross-region profiles carry the account in their ARN too
        described(
            b,
            rec,
            arn,
            "inference_profile",
            p.get("inferenceProfileName", ""),
            profile_type=p.get("type"),
        )
        for i, m in enumerate(items(p, "models")):
            _uses_model(b, rec, arn, m.get("modelArn"), order=i)


def _knowledge_base(b: GraphBuilder, rec: Record) -> None:
    kb = obj(rec.response, "knowledgeBase")
    arn = described(
        b,
        rec,
        kb["knowledgeBaseArn"],
        "knowledge_base",
        kb.get("name", ""),
        knowledge_base_id=kb.get("knowledgeBaseId"),
        status=kb.get("status"),
    )
    if kb.get("roleArn"):
        b.ref(kb["roleArn"], "role")
        b.edge(arn, kb["roleArn"], "runs_as")
    vector = obj(obj(kb, "knowledgeBaseConfiguration"), "vectorKnowledgeBaseConfiguration")
    _uses_model(b, rec, arn, vector.get("embeddingModelArn"), purpose="embedding")
    storage = obj(kb, "storageConfiguration")
    stype = storage.get("type", "")
    config_key, field = _VECTOR_STORES.get(stype, ("", ""))
    config = obj(storage, config_key) if config_key else {}
    target = config.get(field)
    if not target:
        if stype:
            b.notes.append(
                f"{rec.path}: knowledge base {arn} vector store type {stype} not modelled"
            )
        return
    if stype == "OPENSEARCH_SERVERLESS":
        b.ref(target, "aoss_collection")
    elif target.startswith("arn:"):
        b.ref(target, "data_store" if stype == "RDS" else "vector_store")
    else:
        b.node(target, "vector_store", target, rec.account, rec.region, store_type=stype)
    b.edge(
        arn,
        target,
        "stored_in",
        store_type=stype,
        index=config.get("vectorIndexName"),
        credentials_secret=config.get("credentialsSecretArn"),
    )


def _data_sources(b: GraphBuilder, rec: Record) -> None:
    """Data sources are known from the list even when their details were not readable."""
    for ds in items(rec.response, "dataSourceSummaries"):
        kb_arn = b.ref(
            _arn(
                rec, "knowledge-base", ds.get("knowledgeBaseId") or rec.request["knowledgeBaseId"]
            ),
            "knowledge_base",
        )
        ds_id = f"{kb_arn}/data-source/{ds['dataSourceId']}"
        described(
            b,
            rec,
            ds_id,
            "data_source",
            ds.get("name", ""),
            data_source_id=ds["dataSourceId"],
            status=ds.get("status"),
        )
        b.edge(kb_arn, ds_id, "reads_data_source")


def _data_source(b: GraphBuilder, rec: Record) -> None:
    ds = obj(rec.response, "dataSource")
    kb_arn = _arn(rec, "knowledge-base", ds["knowledgeBaseId"])
    ds_id = f"{kb_arn}/data-source/{ds['dataSourceId']}"
    config = obj(ds, "dataSourceConfiguration")
    described(
        b,
        rec,
        ds_id,
        "data_source",
        ds.get("name", ""),
        data_source_id=ds["dataSourceId"],
        source_type=config.get("type"),
        status=ds.get("status"),
        data_deletion_policy=ds.get("dataDeletionPolicy"),
    )
    b.ref(kb_arn, "knowledge_base")
    b.edge(kb_arn, ds_id, "reads_data_source")
    s3 = obj(config, "s3Configuration")
    if s3.get("bucketArn"):
        prefixes = s3.get("inclusionPrefixes") or None
        b.ref(s3["bucketArn"], "s3_bucket")
        b.edge(
            ds_id,
            s3["bucketArn"],
            "stored_in",
            prefixes=prefixes,
            bucket_owner=s3.get("bucketOwnerAccountId"),
        )
    elif config.get("type"):
        b.notes.append(f"{rec.path}: data source type {config.get('type')} kept as properties only")
        b.nodes[ds_id].props["configuration"] = config
    encrypted_by(
        b,
        ds_id,
        obj(ds, "serverSideEncryptionConfiguration").get("kmsKeyArn"),
        rec.account,
        rec.region,
    )


def _agents(b: GraphBuilder, rec: Record) -> None:
    for a in items(rec.response, "agentSummaries"):
        described(
            b,
            rec,
            _arn(rec, "agent", a["agentId"]),
            "agent",
            a.get("agentName", ""),
            agent_id=a["agentId"],
            status=a.get("agentStatus"),
        )


def _agent(b: GraphBuilder, rec: Record) -> None:
    a = obj(rec.response, "agent")
    arn = described(
        b,
        rec,
        a.get("agentArn") or _arn(rec, "agent", a["agentId"]),
        "agent",
        a.get("agentName", ""),
        agent_id=a["agentId"],
        status=a.get("agentStatus"),
        collaboration=a.get("agentCollaboration"),
    )
    if a.get("agentResourceRoleArn"):
        b.ref(a["agentResourceRoleArn"], "role")
        b.edge(arn, a["agentResourceRoleArn"], "runs_as")
    _uses_model(b, rec, arn, a.get("foundationModel"))
    guard = obj(a, "guardrailConfiguration")
    gid = guard.get("guardrailIdentifier")
    if gid:
        garn = gid if gid.startswith("arn:") else _arn(rec, "guardrail", gid)
        b.ref(garn, "guardrail")
        b.edge(arn, garn, "uses_guardrail", version=guard.get("guardrailVersion"))
    encrypted_by(b, arn, a.get("customerEncryptionKeyArn"), rec.account, rec.region)


def _aliases(b: GraphBuilder, rec: Record) -> None:
    agent_id = rec.request["agentId"]
    agent = b.ref(_arn(rec, "agent", agent_id), "agent")
    for al in items(rec.response, "agentAliasSummaries"):
        arn = described(
            b,
            rec,
            _arn(rec, "agent-alias", f"{agent_id}/{al['agentAliasId']}"),
            "agent_alias",
            al.get("agentAliasName", ""),
            alias_id=al["agentAliasId"],
            status=al.get("agentAliasStatus"),
            versions=[r.get("agentVersion") for r in items(al, "routingConfiguration")] or None,
        )
        b.edge(agent, arn, "has_alias")


def _action_group(b: GraphBuilder, rec: Record) -> None:
    g = obj(rec.response, "agentActionGroup")
    agent = b.ref(_arn(rec, "agent", g["agentId"]), "agent")
    version = g.get("agentVersion") or rec.request.get("agentVersion")
    gid = f"{agent}/version/{version}/action-group/{g['actionGroupId']}"
    executor = obj(g, "actionGroupExecutor")
    described(
        b,
        rec,
        gid,
        "agent_action_group",
        g.get("actionGroupName", ""),
        agent_version=version,
        state=g.get("actionGroupState"),
        parent_signature=g.get("parentActionGroupSignature"),
        custom_control=executor.get("customControl"),
    )
    b.edge(agent, gid, "has_action_group", key=str(version), agent_version=version)
    if executor.get("lambda"):
        b.ref(executor["lambda"], "lambda_function")
        b.edge(gid, executor["lambda"], "invokes_function")


def _agent_kbs(b: GraphBuilder, rec: Record) -> None:
    agent = b.ref(_arn(rec, "agent", rec.request["agentId"]), "agent")
    version = rec.request.get("agentVersion")
    for kb in items(rec.response, "agentKnowledgeBaseSummaries"):
        kb_arn = b.ref(_arn(rec, "knowledge-base", kb["knowledgeBaseId"]), "knowledge_base")
        b.edge(
            agent,
            kb_arn,
            "uses_knowledge_base",
            key=str(version),
            agent_version=version,
            state=kb.get("knowledgeBaseState"),
        )
