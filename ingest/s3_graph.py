"""S3: buckets with their policies, public-access blocks, encryption, ownership and ACLs."""

from __future__ import annotations

from graphscope.ingest.base_graph import (
    GraphBuilder,
    Sources,
    account_node,
    each_record,
    encrypted_by,
    in_account,
    items,
    obj,
    policy_document,
)
from graphscope.ingest.snapshot import Record

# GetBucketLocation's legacy answers
_LEGACY_REGIONS = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def build(src: Sources, b: GraphBuilder) -> None:
    each_record(src.of("s3", "ListBuckets"), lambda r: _buckets(b, r))
    each_record(src.of("s3", "GetBucketLocation"), lambda r: _location(b, r))
    each_record(src.of("s3", "GetBucketPolicy", ok_only=False), lambda r: _policy(b, r))
    each_record(
        src.of("s3", "GetPublicAccessBlock", ok_only=False),
        lambda r: _setting(b, r, "public_access_block", "PublicAccessBlockConfiguration"),
    )
    each_record(src.of("s3", "GetBucketEncryption", ok_only=False), lambda r: _encryption(b, r))
    each_record(
        src.of("s3", "GetBucketOwnershipControls", ok_only=False),
        lambda r: _setting(b, r, "ownership_controls", "OwnershipControls"),
    )
    each_record(src.of("s3", "GetBucketAcl"), lambda r: _acl(b, r))
    each_record(
        src.of("s3control", "GetPublicAccessBlock", ok_only=False), lambda r: _account_block(b, r)
    )


def _buckets(b: GraphBuilder, rec: Record) -> None:
    owner = obj(rec.response, "Owner")
    for bucket in items(rec.response, "Buckets"):
        arn = bucket_arn(bucket["Name"])
        b.node(
            arn,
            "s3_bucket",
            bucket["Name"],
            rec.account,
            bucket.get("BucketRegion"),
            create_date=bucket.get("CreationDate"),
            owner_id=owner.get("ID"),
        )
        in_account(b, arn, rec.account)


def _bucket(b: GraphBuilder, rec: Record) -> str:
    return b.ref(bucket_arn(rec.request["Bucket"]), "s3_bucket")


def _location(b: GraphBuilder, rec: Record) -> None:
    loc = rec.response.get("LocationConstraint") if rec.response else None
    node = b.nodes[_bucket(b, rec)]
    node.region = _LEGACY_REGIONS.get(loc, loc)


def _policy(b: GraphBuilder, rec: Record) -> None:
    # a NoSuchBucketPolicy record is a fact: the bucket has no policy (None), not an unknown
    doc = policy_document(rec.response.get("Policy")) if rec.response else None
    b.nodes[_bucket(b, rec)].props["resource_policy"] = doc


def _setting(b: GraphBuilder, rec: Record, prop: str, field: str) -> None:
    b.nodes[_bucket(b, rec)].props[prop] = (
        obj(rec.response, field) or None if rec.response else None
    )


def _encryption(b: GraphBuilder, rec: Record) -> None:
    arn = _bucket(b, rec)
    node = b.nodes[arn]
    config = obj(rec.response, "ServerSideEncryptionConfiguration") if rec.response else {}
    node.props["encryption"] = config or None
    for rule in items(config, "Rules"):
        default = obj(rule, "ApplyServerSideEncryptionByDefault")
        encrypted_by(
            b,
            arn,
            default.get("KMSMasterKeyID"),
            node.account or rec.account,
            node.region,
            algorithm=default.get("SSEAlgorithm"),
        )


def _acl(b: GraphBuilder, rec: Record) -> None:
    b.nodes[_bucket(b, rec)].props["acl"] = {
        "Owner": obj(rec.response, "Owner"),
        "Grants": items(rec.response, "Grants"),
    }


def _account_block(b: GraphBuilder, rec: Record) -> None:
    config = obj(rec.response, "PublicAccessBlockConfiguration") if rec.response else None
    account_node(b, rec.account, s3_public_access_block=config or {})
