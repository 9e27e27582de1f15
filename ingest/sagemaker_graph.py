"""SageMaker: notebooks, Studio domains and user profiles, models, endpoints, training jobs."""

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


def build(src: Sources, b: GraphBuilder) -> None:
    each_record(
        src.of("sagemaker", "ListNotebookInstances"),
        lambda r: _list(
            b,
            r,
            "NotebookInstances",
            "NotebookInstanceArn",
            "NotebookInstanceName",
            "sagemaker_notebook",
        ),
    )
    each_record(src.of("sagemaker", "DescribeNotebookInstance"), lambda r: _notebook(b, r))
    each_record(
        src.of("sagemaker", "ListDomains"),
        lambda r: _list(b, r, "Domains", "DomainArn", "DomainName", "sagemaker_domain"),
    )
    each_record(src.of("sagemaker", "DescribeDomain"), lambda r: _domain(b, r))
    each_record(src.of("sagemaker", "DescribeUserProfile"), lambda r: _user_profile(b, r))
    each_record(
        src.of("sagemaker", "ListModels"),
        lambda r: _list(b, r, "Models", "ModelArn", "ModelName", "sagemaker_model"),
    )
    each_record(src.of("sagemaker", "DescribeModel"), lambda r: _model(b, r))
    each_record(src.of("sagemaker", "DescribeEndpointConfig"), lambda r: _endpoint_config(b, r))
    each_record(
        src.of("sagemaker", "ListEndpoints"),
        lambda r: _list(b, r, "Endpoints", "EndpointArn", "EndpointName", "sagemaker_endpoint"),
    )
    each_record(src.of("sagemaker", "DescribeEndpoint"), lambda r: _endpoint(b, r))
    each_record(
        src.of("sagemaker", "ListTrainingJobs"),
        lambda r: _list(
            b,
            r,
            "TrainingJobSummaries",
            "TrainingJobArn",
            "TrainingJobName",
            "sagemaker_training_job",
        ),
    )
    each_record(src.of("sagemaker", "DescribeTrainingJob"), lambda r: _training_job(b, r))
    each_record(
        src.of("sagemaker", "ListProcessingJobs"),
        lambda r: _list(
            b,
            r,
            "ProcessingJobSummaries",
            "ProcessingJobArn",
            "ProcessingJobName",
            "sagemaker_processing_job",
        ),
    )


def sm_arn(account: str, region: str, rtype: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:{rtype}/{name.lower()}"


def _list(
    b: GraphBuilder, rec: Record, key: str, arn_field: str, name_field: str, kind: str
) -> None:
    for item in items(rec.response, key):
        status = next((v for k, v in item.items() if k.endswith("Status")), None)
        described(b, rec, item[arn_field], kind, item.get(name_field, ""), status=status)


def _runs_as(b: GraphBuilder, src: str, role: str | None, **props: Any) -> None:
    if role:
        b.ref(role, "role")
        b.edge(src, role, "runs_as", **props)


def _s3_edge(b: GraphBuilder, src: str, uri: str | None, kind: str, **props: Any) -> None:
    found = s3_bucket_arn(uri)
    if found:
        bucket, prefix = found
        b.ref(bucket, "s3_bucket")
        b.edge(src, bucket, kind, key=prefix, prefix=prefix or None, uri=uri, **props)


def _notebook(b: GraphBuilder, rec: Record) -> None:
    r = rec.response
    arn = described(
        b,
        rec,
        r["NotebookInstanceArn"],
        "sagemaker_notebook",
        r.get("NotebookInstanceName", ""),
        status=r.get("NotebookInstanceStatus"),
        direct_internet_access=r.get("DirectInternetAccess"),
        root_access=r.get("RootAccess"),
        instance_type=r.get("InstanceType"),
        subnet_id=r.get("SubnetId"),
    )
    _runs_as(b, arn, r.get("RoleArn"))
    encrypted_by(b, arn, r.get("KmsKeyId"), rec.account, rec.region)
    lcc = r.get("NotebookInstanceLifecycleConfigName")
    if lcc:
        lcc_arn = sm_arn(rec.account, rec.region, "notebook-instance-lifecycle-config", lcc)
        b.node(lcc_arn, "notebook_lifecycle_config", lcc, rec.account, rec.region)
        b.edge(arn, lcc_arn, "has_lifecycle_config")


def _domain(b: GraphBuilder, rec: Record) -> None:
    r = rec.response
    arn = described(
        b,
        rec,
        r["DomainArn"],
        "sagemaker_domain",
        r.get("DomainName", ""),
        domain_id=r.get("DomainId"),
        status=r.get("Status"),
        auth_mode=r.get("AuthMode"),
        network_access=r.get("AppNetworkAccessType"),
    )
    _runs_as(b, arn, obj(r, "DefaultUserSettings").get("ExecutionRole"), default=True)
    encrypted_by(b, arn, r.get("KmsKeyId"), rec.account, rec.region)


def _user_profile(b: GraphBuilder, rec: Record) -> None:
    r = rec.response
    arn = r.get("UserProfileArn") or sm_arn(
        rec.account, rec.region, "user-profile", f"{r['DomainId']}/{r['UserProfileName']}"
    )
    described(
        b,
        rec,
        arn,
        "sagemaker_user_profile",
        r.get("UserProfileName", ""),
        domain_id=r.get("DomainId"),
        status=r.get("Status"),
    )
    role = obj(r, "UserSettings").get("ExecutionRole")
    if role:
        _runs_as(b, arn, role)
        return
    # no role of its own: the profile runs as its domain's default execution role
    domain = b.find_by("sagemaker_domain", "domain_id", r.get("DomainId"))
    for d_role in b.targets(domain, "runs_as") if domain else []:
        _runs_as(b, arn, d_role, inherited_from=domain)


def _containers(r: dict[str, Any]) -> list[dict[str, Any]]:
    return ([obj(r, "PrimaryContainer")] if r.get("PrimaryContainer") else []) + items(
        r, "Containers"
    )


def _model(b: GraphBuilder, rec: Record) -> None:
    r = rec.response
    arn = described(
        b,
        rec,
        r["ModelArn"],
        "sagemaker_model",
        r.get("ModelName", ""),
        images=[c.get("Image") for c in _containers(r) if c.get("Image")] or None,
        network_isolation=r.get("EnableNetworkIsolation"),
    )
    _runs_as(b, arn, r.get("ExecutionRoleArn"))
    for c in _containers(r):
        _s3_edge(b, arn, c.get("ModelDataUrl"), "stores_artifacts")
        _s3_edge(
            b, arn, obj(obj(c, "ModelDataSource"), "S3DataSource").get("S3Uri"), "stores_artifacts"
        )


def _model_arn(b: GraphBuilder, rec: Record, name: str) -> str:
    found = b.find("sagemaker_model", rec.account, rec.region, name)
    return found or b.ref(sm_arn(rec.account, rec.region, "model", name), "sagemaker_model")


def _endpoint_config(b: GraphBuilder, rec: Record) -> None:
    r = rec.response
    arn = described(
        b,
        rec,
        r["EndpointConfigArn"],
        "sagemaker_endpoint_config",
        r.get("EndpointConfigName", ""),
        data_capture=r.get("DataCaptureConfig"),
    )
    encrypted_by(b, arn, r.get("KmsKeyId"), rec.account, rec.region)
    for variant in items(r, "ProductionVariants"):
        if variant.get("ModelName"):
            b.edge(
                arn,
                _model_arn(b, rec, variant["ModelName"]),
                "uses_model",
                key=variant.get("VariantName", ""),
                variant=variant.get("VariantName"),
            )
    capture = obj(r, "DataCaptureConfig")
    _s3_edge(b, arn, capture.get("DestinationS3Uri"), "logs_to")


def _endpoint(b: GraphBuilder, rec: Record) -> None:
    r = rec.response
    arn = described(
        b,
        rec,
        r["EndpointArn"],
        "sagemaker_endpoint",
        r.get("EndpointName", ""),
        status=r.get("EndpointStatus"),
        endpoint_config=r.get("EndpointConfigName"),
    )
    config_id = b.find(
        "sagemaker_endpoint_config", rec.account, rec.region, r.get("EndpointConfigName", "")
    )
    config = b.nodes[config_id] if config_id else None
    for e in b.out.get(config.id, []) if config else []:
        if e.kind == "uses_model":
            b.edge(
                arn,
                e.dst,
                "uses_model",
                key=e.key,
                variant=e.props.get("variant"),
                via=config.id if config else None,
            )


def _training_job(b: GraphBuilder, rec: Record) -> None:
    r = rec.response
    arn = described(
        b,
        rec,
        r["TrainingJobArn"],
        "sagemaker_training_job",
        r.get("TrainingJobName", ""),
        status=r.get("TrainingJobStatus"),
        algorithm=obj(r, "AlgorithmSpecification").get("TrainingImage"),
    )
    _runs_as(b, arn, r.get("RoleArn"))
    for channel in items(r, "InputDataConfig"):
        uri = obj(obj(channel, "DataSource"), "S3DataSource").get("S3Uri")
        _s3_edge(b, arn, uri, "trained_on", channel=channel.get("ChannelName"))
    _s3_edge(b, arn, obj(r, "OutputDataConfig").get("S3OutputPath"), "stores_artifacts")
    _s3_edge(b, arn, obj(r, "ModelArtifacts").get("S3ModelArtifacts"), "stores_artifacts")
    encrypted_by(b, arn, obj(r, "OutputDataConfig").get("KmsKeyId"), rec.account, rec.region)
