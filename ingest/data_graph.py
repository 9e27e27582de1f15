"""KMS keys, Secrets Manager secrets and OpenSearch Serverless collections with their policies."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from graphscope.ingest.base_graph import (
    GraphBuilder,
    Sources,
    each_record,
    encrypted_by,
    in_account,
    items,
    kms_key_arn,
    obj,
    policy_document,
)
from graphscope.ingest.snapshot import Record
from graphscope.model import Node


def build(src: Sources, b: GraphBuilder) -> None:
    each_record(src.of("kms", "ListKeys"), lambda r: _keys(b, r))
    each_record(src.of("kms", "GetKeyPolicy"), lambda r: _key_policy(b, r))
    each_record(src.of("secretsmanager", "ListSecrets"), lambda r: _secrets(b, r))
    each_record(src.of("secretsmanager", "GetResourcePolicy"), lambda r: _secret_policy(b, r))
    each_record(src.of("opensearchserverless", "ListCollections"), lambda r: _collections(b, r))
    collections = [n for n in b.nodes.values() if n.kind == "aoss_collection"]
    each_record(
        src.of("opensearchserverless", "GetAccessPolicy"),
        lambda r: _access_policy(b, r, collections),
    )


def _keys(b: GraphBuilder, rec: Record) -> None:
    for key in items(rec.response, "Keys"):
        arn = key.get("KeyArn") or kms_key_arn(key["KeyId"], rec.account, rec.region)
        b.node(arn, "kms_key", key["KeyId"], rec.account, rec.region, key_id=key["KeyId"])
        in_account(b, arn, rec.account)


def _key_policy(b: GraphBuilder, rec: Record) -> None:
    arn = kms_key_arn(rec.request["KeyId"], rec.account, rec.region)
    assert arn is not None
    b.ref(arn, "kms_key")
    b.nodes[arn].props["resource_policy"] = policy_document(rec.response.get("Policy"))


def _secrets(b: GraphBuilder, rec: Record) -> None:
    for sec in items(rec.response, "SecretList"):
        arn = sec["ARN"]
        b.node(
            arn,
            "secret",
            sec.get("Name", ""),
            rec.account,
            rec.region,
            last_accessed=sec.get("LastAccessedDate"),
            rotation_enabled=sec.get("RotationEnabled"),
        )
        in_account(b, arn, rec.account)
        encrypted_by(b, arn, sec.get("KmsKeyId"), rec.account, rec.region)


def _secret_policy(b: GraphBuilder, rec: Record) -> None:
    arn = rec.response.get("ARN") or rec.request["SecretId"]
    b.ref(arn, "secret")
    b.nodes[arn].props["resource_policy"] = policy_document(rec.response.get("ResourcePolicy"))


def _collections(b: GraphBuilder, rec: Record) -> None:
    for col in items(rec.response, "collectionSummaries"):
        b.node(
            col["arn"],
            "aoss_collection",
            col.get("name", ""),
            rec.account,
            rec.region,
            collection_id=col.get("id"),
            status=col.get("status"),
            access_policies=[],
        )
        in_account(b, col["arn"], rec.account)


def _access_policy(b: GraphBuilder, rec: Record, collections: list[Node]) -> None:
    """A data access policy is kept on every collection of its account and region it names."""
    detail = obj(rec.response, "accessPolicyDetail")
    doc = policy_document(detail.get("policy"))
    entry = {"name": detail.get("name"), "type": detail.get("type"), "policy": doc}
    patterns = _collection_patterns(doc)
    for node in collections:
        if (
            node.account == rec.account
            and node.region == rec.region
            and any(fnmatchcase(node.name, p) for p in patterns)
        ):
            node.props.setdefault("access_policies", []).append(entry)


def _collection_patterns(doc: Any) -> set[str]:
    """Collection-name patterns from rules like collection/NAME or index/NAME/INDEX."""
    out: set[str] = set()
    for block in doc if isinstance(doc, list) else [doc]:
        for rule in items(block, "Rules"):
            for res in rule.get("Resource", []):
                parts = str(res).split("/")
                if len(parts) >= 2:
                    out.add(parts[1])
    return out
