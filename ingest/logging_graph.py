"""Log sources, for coverage: CloudTrail trails, log groups, Bedrock invocation logging."""

from __future__ import annotations

from graphscope.ingest.base_graph import (
    GraphBuilder,
    Sources,
    each_record,
    encrypted_by,
    in_account,
    items,
    obj,
)
from graphscope.ingest.snapshot import Record


def build(src: Sources, b: GraphBuilder) -> None:
    each_record(src.of("logs", "DescribeLogGroups"), lambda r: _log_groups(b, r))
    each_record(src.of("cloudtrail", "DescribeTrails"), lambda r: _trails(b, r))
    each_record(src.of("cloudtrail", "GetEventSelectors"), lambda r: _selectors(b, r))
    each_record(src.of("cloudtrail", "GetTrailStatus"), lambda r: _status(b, r))
    each_record(
        src.of("bedrock", "GetModelInvocationLoggingConfiguration"),
        lambda r: _invocation_logging(b, r),
    )


def log_group_arn(value: str) -> str:
    """Log-group ARNs come with and without a trailing ':*'; the node id has none."""
    return value[:-2] if value.endswith(":*") else value


def invocation_logging_id(account: str, region: str) -> str:
    return f"invocation-logging/{account}/{region}"


def _log_groups(b: GraphBuilder, rec: Record) -> None:
    for g in items(rec.response, "logGroups"):
        arn = log_group_arn(g.get("logGroupArn") or g["arn"])
        b.node(
            arn,
            "log_group",
            g.get("logGroupName", ""),
            rec.account,
            rec.region,
            retention_days=g.get("retentionInDays"),
            stored_bytes=g.get("storedBytes"),
            log_group_class=g.get("logGroupClass"),
        )
        in_account(b, arn, rec.account)
        encrypted_by(b, arn, g.get("kmsKeyId"), rec.account, rec.region)


def _trail_arn(rec: Record, name: str) -> str:
    return (
        name
        if name.startswith("arn:")
        else f"arn:aws:cloudtrail:{rec.region}:{rec.account}:trail/{name}"
    )


def _trails(b: GraphBuilder, rec: Record) -> None:
    for t in items(rec.response, "trailList"):
        arn = t["TrailARN"]
        owner = arn.split(":")[4]
        b.node(
            arn,
            "trail",
            t.get("Name", ""),
            owner,
            t.get("HomeRegion"),
            multi_region=t.get("IsMultiRegionTrail"),
            organization_trail=t.get("IsOrganizationTrail"),
            include_global_events=t.get("IncludeGlobalServiceEvents"),
            log_file_validation=t.get("LogFileValidationEnabled"),
            s3_key_prefix=t.get("S3KeyPrefix"),
        )
        in_account(b, arn, owner)
        if t.get("S3BucketName"):
            bucket = b.ref(f"arn:aws:s3:::{t['S3BucketName']}", "s3_bucket")
            b.edge(arn, bucket, "logs_to", prefix=t.get("S3KeyPrefix"))
        if t.get("CloudWatchLogsLogGroupArn"):
            group = b.ref(log_group_arn(t["CloudWatchLogsLogGroupArn"]), "log_group")
            b.edge(arn, group, "logs_to", role=t.get("CloudWatchLogsRoleArn"))
        encrypted_by(b, arn, t.get("KmsKeyId"), owner, t.get("HomeRegion"))
        if rec.account != owner:  # an organisation trail seen from a member account
            b.nodes[arn].props.setdefault("seen_from", []).append(rec.account)


def _selectors(b: GraphBuilder, rec: Record) -> None:
    arn = b.ref(rec.response.get("TrailARN") or _trail_arn(rec, rec.request["TrailName"]), "trail")
    b.nodes[arn].props["event_selectors"] = rec.response.get("EventSelectors")
    b.nodes[arn].props["advanced_event_selectors"] = rec.response.get("AdvancedEventSelectors")


def _status(b: GraphBuilder, rec: Record) -> None:
    arn = b.ref(_trail_arn(rec, rec.request["Name"]), "trail")
    r = rec.response
    fields = {
        "is_logging": "IsLogging",
        "latest_delivery": "LatestDeliveryTime",
        "latest_delivery_error": "LatestDeliveryError",
        "stop_logging_time": "StopLoggingTime",
    }
    b.nodes[arn].props.update({prop: r[key] for prop, key in fields.items() if key in r})


def _invocation_logging(b: GraphBuilder, rec: Record) -> None:
    config = obj(rec.response, "loggingConfig")
    node = b.node(
        invocation_logging_id(rec.account, rec.region),
        "invocation_logging",
        f"invocation logging {rec.region}",
        rec.account,
        rec.region,
        enabled=bool(config),
        config=config or None,
    )
    in_account(b, node, rec.account)
    cw = obj(config, "cloudWatchConfig")
    if cw.get("logGroupName"):
        group = b.ref(
            f"arn:aws:logs:{rec.region}:{rec.account}:log-group:{cw['logGroupName']}", "log_group"
        )
        b.edge(node, group, "logs_to", role=cw.get("roleArn"))
    for bucket_cfg in (obj(config, "s3Config"), obj(cw, "largeDataDeliveryS3Config")):
        if bucket_cfg.get("bucketName"):
            bucket = b.ref(f"arn:aws:s3:::{bucket_cfg['bucketName']}", "s3_bucket")
            b.edge(
                node,
                bucket,
                "logs_to",
                key=bucket_cfg.get("keyPrefix") or "",
                prefix=bucket_cfg.get("keyPrefix"),
            )
