"""What every service's graph module shares: indexed API records in, nodes and edges out.

Each `*_graph.py` module exposes `build(src: Sources, b: GraphBuilder)`; modules run in a fixed
order (IAM first) so later ones may look up what earlier ones built.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from graphscope.arn import kind_for_arn, parse_arn
from graphscope.ingest.snapshot import Gap, Record, SnapshotError
from graphscope.model import Edge, Node


class LoadError(SnapshotError):
    """An input file has a shape the loader cannot read; the message names the file."""


@dataclass
class Sources:
    """Records from every snapshot and auth-details file, indexed by (service, operation)."""

    by_op: dict[tuple[str, str], list[Record]] = field(default_factory=lambda: defaultdict(list))

    def add(self, record: Record) -> None:
        self.by_op[(record.service, record.operation)].append(record)

    def of(self, service: str, operation: str, *, ok_only: bool = True) -> Iterator[Record]:
        for rec in self.by_op.get((service, operation), ()):
            if rec.response is not None or not ok_only:
                yield rec


class GraphBuilder:
    """Collects nodes (merged by id) and edges; referenced but undescribed ends become placeholders."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, str, str], Edge] = {}
        self.out: dict[str, list[Edge]] = defaultdict(list)
        self.gaps: list[Gap] = []
        self.notes: list[str] = []
        self._by_name: dict[tuple[str, str | None, str | None, str], str] = {}
        self._by_prop: dict[tuple[str, str, Any], str] = {}

    def find(self, kind: str, account: str | None, region: str | None, name: str) -> str | None:
        """The id of a node of `kind` with this name in an account and region (indexed)."""
        return self._by_name.get((kind, account, region, name))

    def find_by(self, kind: str, prop: str, value: Any) -> str | None:
        """The id of a node of `kind` whose `prop` equals value (for org_id, domain_id ...)."""
        return self._by_prop.get((kind, prop, value))

    def _index(self, node: Node, props: dict[str, Any]) -> None:
        self._by_name[(node.kind, node.account, node.region, node.name)] = node.id
        for key in ("org_id", "domain_id"):
            if key in props:
                self._by_prop[(node.kind, key, props[key])] = node.id

    def node(
        self,
        node_id: str,
        kind: str,
        name: str = "",
        account: str | None = None,
        region: str | None = None,
        **props: Any,
    ) -> str:
        props = {k: v for k, v in props.items() if v is not None}
        existing = self.nodes.get(node_id)
        if existing is None:
            node = self.nodes[node_id] = Node(
                node_id, kind, name, account or None, region or None, props
            )
            self._index(node, props)
            return node_id
        if not props.get("placeholder") and existing.props.pop("placeholder", None):
            existing.kind = kind  # a real description refines a reference
        if name and existing.name in ("", existing.id, _tail(existing.id)):
            existing.name = name
        existing.account = existing.account or account or None
        existing.region = existing.region or region or None
        existing.props.update(props)
        self._index(existing, props)
        return node_id

    def ref(self, node_id: str, kind: str | None = None, **props: Any) -> str:
        """A node known only by reference (an ARN in a policy or a config): kind from the ARN."""
        if node_id not in self.nodes:
            arn = parse_arn(node_id)
            self.node(
                node_id,
                kind or kind_for_arn(node_id),
                account=arn.account if arn else None,
                region=arn.region if arn else None,
                placeholder=True,
                **props,
            )
        return node_id

    def edge(self, src: str, dst: str, kind: str, key: str = "", **props: Any) -> None:
        ident = (src, dst, kind, key)
        props = {k: v for k, v in props.items() if v is not None}
        if ident in self.edges:
            self.edges[ident].props.update(props)
            return
        e = Edge(src, dst, kind, key, props)
        self.edges[ident] = e
        self.out[src].append(e)

    def targets(self, src: str, kind: str) -> list[str]:
        return [e.dst for e in self.out.get(src, ()) if e.kind == kind]

    def gap(self, rec: Record | None, reason: str, message: str, **kw: Any) -> None:
        if rec is not None:
            kw = {
                "account": rec.account,
                "region": rec.region,
                "service": rec.service,
                "operation": rec.operation,
                **kw,
            }
        self.gaps.append(Gap(reason=reason, message=message, **kw))

    def finish(self) -> tuple[list[Node], list[Edge]]:
        for e in self.edges.values():
            self.ref(e.src)
            self.ref(e.dst)
        return list(self.nodes.values()), list(self.edges.values())


def _tail(node_id: str) -> str:
    return node_id.rsplit("/", 1)[-1]


def each_record(records: Iterator[Record], fn: Callable[[Record], None]) -> None:
    """Run fn on every record, turning shape errors into a LoadError that names the file."""
    for rec in records:
        try:
            fn(rec)
        except LoadError:
            raise
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
            raise LoadError(
                f"{rec.path}: unexpected shape for {rec.service} {rec.operation}: "
                f"{type(e).__name__}: {e}"
            ) from None


def items(obj: Any, key: str) -> list[Any]:
    """A list field that may be absent; a present non-list is a shape error."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{key!r} should be a list, found {type(value).__name__}")
    return value


def obj(parent: Any, key: str) -> dict[str, Any]:
    """An object field that may be absent; a present non-object is a shape error."""
    value = parent.get(key) if isinstance(parent, dict) else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{key!r} should be an object, found {type(value).__name__}")
    return value


def policy_document(value: Any) -> dict[str, Any] | list[Any] | None:
    """A policy document as data: JSON text or URL-encoded JSON text is decoded."""
    if value is None or isinstance(value, dict | list):
        return value
    if not isinstance(value, str):
        raise TypeError(
            f"policy document should be JSON text or an object, found {type(value).__name__}"
        )
    text = value.strip()
    if text.startswith("%7B") or text.startswith("%7b") or not text.startswith(("{", "[")):
        text = unquote(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"policy document is not JSON: {e}") from None


def s3_bucket_arn(uri: str | None) -> tuple[str, str] | None:
    """(bucket ARN, key prefix) for an s3:// URI or bucket ARN, else None."""
    if not uri:
        return None
    if uri.startswith("s3://"):
        bucket, _, prefix = uri[5:].partition("/")
        return (f"arn:aws:s3:::{bucket}", prefix) if bucket else None
    if uri.startswith("arn:") and ":s3:::" in uri:
        bucket, _, prefix = uri.split(":::", 1)[1].partition("/")
        return f"{uri.split(':::', 1)[0]}:::{bucket}", prefix
    return None


def kms_key_arn(
    key: str | None, account: str, region: str | None, partition: str = "aws"
) -> str | None:
    """A KMS key reference (ARN, key id or alias name) as an ARN."""
    if not key:
        return None
    if key.startswith("arn:"):
        return key
    if not region:
        return None
    if key.startswith("alias/"):
        return f"arn:{partition}:kms:{region}:{account}:{key}"
    return f"arn:{partition}:kms:{region}:{account}:key/{key}"


def account_node(b: GraphBuilder, account: str, name: str | None = None, **props: Any) -> str:
    """Accounts are keyed by their bare 12-digit id (as the activity overlay does)."""
    return b.node(account, "account", name or "", account, **props)


def in_account(b: GraphBuilder, node_id: str, account: str | None) -> None:
    if account:
        account_node(b, account)
        b.edge(node_id, account, "in_account")


def described(
    b: GraphBuilder, rec: Record, arn: str, kind: str, name: str = "", **props: Any
) -> str:
    """A resource a record describes, placed in the record's account and region."""
    b.node(arn, kind, name, rec.account, rec.region, **props)
    in_account(b, arn, rec.account)
    return arn


def encrypted_by(
    b: GraphBuilder, src: str, key: str | None, account: str, region: str | None, **props: Any
) -> None:
    """An encrypted_by edge to a KMS key given as ARN, key id or alias (nothing when absent)."""
    arn = kms_key_arn(key, account, region)
    if arn:
        b.ref(arn, "kms_key")
        b.edge(src, arn, "encrypted_by", **props)
