"""Load snapshots and IAM authorization-details files into the structural graph.

`load_inventory` is the one entry point the query commands call. The Inventory it returns holds
the GraphStore, the coverage gaps, and accessors for every policy document the IAM engine needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from graphscope.arn import parse_arn
from graphscope.ingest import (
    bedrock_graph,
    compute_graph,
    data_graph,
    iam_graph,
    logging_graph,
    org_graph,
    s3_graph,
    sagemaker_graph,
)
from graphscope.ingest.base_graph import GraphBuilder, LoadError, Sources
from graphscope.ingest.collect_ops import (
    GLOBAL,
    OPERATIONS,
    Operation,
    base_requests,
    derived_requests,
    file_key,
    operation,
)
from graphscope.ingest.snapshot import Gap, Record, Snapshot
from graphscope.model import Node
from graphscope.org import org_path
from graphscope.store.base import GraphStore
from graphscope.store.memory import MemoryGraphStore

# IAM first: later modules look up roles and instance profiles it built.
GRAPH_MODULES = (
    iam_graph,
    org_graph,
    s3_graph,
    data_graph,
    compute_graph,
    sagemaker_graph,
    bedrock_graph,
    logging_graph,
)

PRINCIPAL_KINDS = ("user", "group", "role")
WORKLOAD_KINDS = (
    "ec2_instance",
    "lambda_function",
    "sagemaker_notebook",
    "sagemaker_domain",
    "sagemaker_user_profile",
    "sagemaker_model",
    "sagemaker_training_job",
    "agent",
    "knowledge_base",
)


@dataclass(frozen=True, slots=True)
class PolicyDoc:
    """A policy document and where it comes from; `document` None means it was not collected."""

    id: str  # managed policy ARN, inline policy id, SCP/RCP ARN, or the resource's ARN
    name: str
    kind: str  # managed | inline | boundary | scp | rcp | trust | resource
    document: Any
    via: str | None = None  # the group a user inherits it from, or the org target it is attached to


@dataclass(frozen=True, slots=True)
class OrgLevel:
    """One level of an account's organisation path, with the policies attached there."""

    target: str  # root ARN, OU ARN or account id
    kind: str  # org_root | org_unit | account
    policies: tuple[PolicyDoc, ...]


@dataclass(frozen=True, slots=True)
class OrgPolicies:
    """SCPs and RCPs binding an account, root first; every level must allow (AWS semantics)."""

    account: str
    in_organization: bool
    management: bool  # SCPs and RCPs do not bind the management account
    scp_levels: tuple[OrgLevel, ...]
    rcp_levels: tuple[OrgLevel, ...]


@dataclass
class Inventory:
    store: GraphStore
    accounts: list[str]
    gaps: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    # nodes ---------------------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        return self.store.node(node_id)

    def principals(self, kinds: Iterable[str] = PRINCIPAL_KINDS) -> Iterator[Node]:
        return self.store.nodes(set(kinds))

    def workloads(self) -> Iterator[tuple[Node, list[str]]]:
        """Compute and AI nodes with the roles they run as (possibly none)."""
        for node in self.store.nodes(set(WORKLOAD_KINDS)):
            yield node, self.runs_as(node.id)

    def runs_as(self, node_id: str) -> list[str]:
        return sorted({e.dst for e in self.store.out_edges(node_id, {"runs_as"})})

    def key_owner(self, access_key_id: str) -> str | None:
        return next((e.src for e in self.store.in_edges(access_key_id, {"has_access_key"})), None)

    # identity policies ---------------------------------------------------------------------
    def _doc(self, policy_id: str, kind: str, via: str | None = None) -> PolicyDoc:
        node = self.store.node(policy_id)
        doc = node.props.get("document") if node else None
        return PolicyDoc(policy_id, node.name if node else policy_id, kind, doc, via)

    def identity_policies(self, principal: str) -> list[PolicyDoc]:
        """Inline and attached managed policies; a user's include those of its groups (via=group)."""
        out = [
            self._doc(e.dst, e.props.get("policy_type", "managed"))
            for e in self.store.out_edges(principal, {"attached_policy"})
        ]
        for m in self.store.out_edges(principal, {"member_of"}):
            out += [
                self._doc(e.dst, e.props.get("policy_type", "managed"), via=m.dst)
                for e in self.store.out_edges(m.dst, {"attached_policy"})
            ]
        return out

    def boundary(self, principal: str) -> PolicyDoc | None:
        edge = next(self.store.out_edges(principal, {"permissions_boundary"}), None)
        return self._doc(edge.dst, "boundary") if edge else None

    def trust_policy(self, role: str) -> dict[str, Any] | None:
        node = self.store.node(role)
        return node.props.get("trust_policy") if node else None

    def resource_policy(self, resource: str) -> Any:
        """Bucket, key, secret or function policy; None when it has none or was not collected
        (`resource_policy_known` tells which)."""
        node = self.store.node(resource)
        return node.props.get("resource_policy") if node else None

    def resource_policy_known(self, resource: str) -> bool:
        node = self.store.node(resource)
        return node is not None and "resource_policy" in node.props

    # organisation --------------------------------------------------------------------------
    def org_policies(self, account: str) -> OrgPolicies | None:
        """The SCP/RCP path of an account, or None when the snapshot cannot tell (a gap)."""
        node = self.store.node(account)
        if node is None:
            return None
        if node.props.get("not_in_organization"):
            return OrgPolicies(account, False, False, (), ())
        ids = org_path(self.store, account)
        if ids is None:
            return None
        path = [n for i in ids if (n := self.store.node(i)) is not None]
        levels = {"scp": [], "rcp": []}  # type: dict[str, list[OrgLevel]]
        for level in path:
            by_kind: dict[str, list[PolicyDoc]] = defaultdict(list)
            for e in self.store.in_edges(level.id, {"policy_applies_to"}):
                pol = self.store.node(e.src)
                if pol is not None and pol.kind in levels:
                    by_kind[pol.kind].append(self._doc(pol.id, pol.kind, via=level.id))
            for kind, acc in levels.items():
                acc.append(
                    OrgLevel(level.id, level.kind, tuple(sorted(by_kind[kind], key=lambda d: d.id)))
                )
        mgmt = (
            bool(node.props.get("is_management")) or node.props.get("management_account") == account
        )
        return OrgPolicies(account, True, mgmt, tuple(levels["scp"]), tuple(levels["rcp"]))

    def policy_documents(self) -> Iterator[PolicyDoc]:
        """Every managed, inline, SCP and RCP document in the graph."""
        kinds = {"managed_policy": "managed", "inline_policy": "inline", "scp": "scp", "rcp": "rcp"}
        for node in self.store.nodes(set(kinds)):
            yield PolicyDoc(node.id, node.name, kinds[node.kind], node.props.get("document"))


# loading -------------------------------------------------------------------------------------
def read_auth_details(path: Path | str) -> Record:
    """`aws iam get-account-authorization-details` output (one object, or a list of pages)."""
    path = Path(path)
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise LoadError(f"{path}: no such file") from None
    except orjson.JSONDecodeError as e:
        raise LoadError(f"{path}: invalid JSON: {e}") from None
    pages = raw if isinstance(raw, list) else [raw]
    merged: dict[str, list[Any]] = defaultdict(list)
    keys = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    for page in pages:
        if not isinstance(page, dict) or not any(k in page for k in keys):
            raise LoadError(
                f"{path}: not get-account-authorization-details output (expected {', '.join(keys)})"
            )
        for k in keys:
            value = page.get(k, [])
            if not isinstance(value, list):
                raise LoadError(f"{path}: {k} should be a list, found {type(value).__name__}")
            merged[k].extend(value)
    account = _account_of(merged)
    if account is None:
        raise LoadError(f"{path}: no user, group, role or customer policy ARN names the account")
    return Record(
        account, GLOBAL, "iam", "GetAccountAuthorizationDetails", {}, dict(merged), None, str(path)
    )


def _account_of(details: dict[str, list[Any]]) -> str | None:
    for k in ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies"):
        for item in details.get(k, []):
            arn = parse_arn(item.get("Arn", "") if isinstance(item, dict) else "")
            if arn and arn.account and arn.account != "aws":
                return arn.account
    return None


def _snapshot_records(
    snap: Snapshot, src: Sources, gaps: list[Gap], notes: list[str]
) -> list[Record]:
    unknown: set[str] = set()
    kept: list[Record] = []
    for rec in snap.records():
        if operation(rec.service, rec.operation) is None:
            if rec.service not in unknown:
                notes.append(
                    f"{snap.root}: ignored {rec.service} (not an operation graphscope reads)"
                )
                unknown.add(f"{rec.service}")
            continue
        src.add(rec)
        kept.append(rec)
    for rel in snap.missing_files():
        parts = rel.split("/")
        gaps.append(
            Gap(
                account=parts[0],
                region=parts[1] if len(parts) > 1 else "",
                service=parts[2] if len(parts) > 2 else "",
                operation=parts[3] if len(parts) > 3 else "",
                reason="missing-file",
                message=f"{snap.root / rel}: listed in the manifest, not on disk",
            )
        )
    return kept


def expected_gaps(snap: Snapshot, records: list[Record]) -> list[Gap]:
    """Requests the operation table expects that the snapshot neither holds nor lists as gaps."""
    have: dict[tuple[str, str, str, str], dict[str, Record]] = defaultdict(dict)
    for rec in records:
        op = operation(rec.service, rec.operation)
        if op is not None:
            have[(rec.account, rec.region, rec.service, rec.operation)][
                file_key(op, rec.request)
            ] = rec
    known_gaps: set[tuple[str, str, str, str, str]] = set()
    for g in snap.manifest.gaps:
        op = operation(g.service, g.operation)
        known_gaps.add(
            (g.account, g.region, g.service, g.operation, file_key(op, g.request) if op else "")
        )
    org_accounts = {a for (a, _, s, _) in have if s == "organizations"} | {
        g.account for g in snap.manifest.gaps if g.service == "organizations"
    }
    out: list[Gap] = []
    for account in snap.manifest.accounts:
        for op in OPERATIONS:
            if op.service == "organizations" and account not in org_accounts:
                continue  # the organisation was read from another account
            for region in [GLOBAL] if op.scope == "global" else snap.manifest.regions:
                if op.each:
                    sources = {src.operation for src in op.each}
                    requests = []
                    for (a, reg, s, name), recs in have.items():
                        if a == account and reg == region and s == op.service and name in sources:
                            for r in recs.values():
                                requests += _derive(op, name, r, account, region)
                else:
                    requests = base_requests(op, account, region)
                got = have.get((account, region, op.service, op.name), {})
                for req in requests:
                    k = file_key(op, req)
                    if k not in got and (account, region, op.service, op.name, k) not in known_gaps:
                        out.append(
                            Gap(
                                account=account,
                                region=region,
                                service=op.service,
                                operation=op.name,
                                request=req,
                                reason="not-collected",
                                message=f"{snap.root}: no response file and no recorded gap",
                            )
                        )
    return out


def _derive(
    op: Operation, name: str, rec: Record, account: str, region: str
) -> list[dict[str, Any]]:
    """The requests one record implies for `op`; a record of the wrong shape names its file."""
    try:
        return derived_requests(op, {name: [(rec.request, rec.response)]}, account, region)
    except (TypeError, AttributeError) as e:
        raise LoadError(
            f"{rec.path}: unexpected shape for {rec.service} {rec.operation}: {e}"
        ) from None


def load_inventory(
    snapshots: Iterable[Path | str] = (),
    iam_auth_details: Iterable[Path | str] = (),
    store: GraphStore | None = None,
) -> Inventory:
    """Build the structural graph from snapshots and auth-details files (merged by node id)."""
    store = store if store is not None else MemoryGraphStore()
    src = Sources()
    gaps: list[Gap] = []
    notes: list[str] = []
    accounts: set[str] = set()
    sources: list[str] = []
    for path in snapshots:
        snap = Snapshot.open(path)
        sources.append(str(snap.root))
        kept = _snapshot_records(snap, src, gaps, notes)
        gaps.extend(snap.manifest.gaps)
        gaps.extend(expected_gaps(snap, kept))
        accounts.update(snap.manifest.accounts)
    snapshot_accounts = set(accounts)
    for path in iam_auth_details:
        rec = read_auth_details(path)
        sources.append(rec.path)
        src.add(rec)
        accounts.add(rec.account)
        if rec.account not in snapshot_accounts:
            gaps.append(
                Gap(
                    account=rec.account,
                    region=GLOBAL,
                    service="*",
                    reason="not-collected",
                    message=f"{rec.path}: only IAM authorization details for this account: no access "
                    "keys, organisation, resources or logging configuration",
                )
            )
    if not sources:
        raise LoadError("nothing to load: give --snapshot DIR and/or --iam-auth-details FILE")

    b = GraphBuilder()
    for module in GRAPH_MODULES:
        module.build(src, b)
    nodes, edges = b.finish()
    store.upsert_nodes(nodes)
    store.upsert_edges(edges)
    inv = Inventory(store, sorted(accounts), _dedupe(gaps + b.gaps), notes + b.notes, sources)
    for account in sorted(accounts):
        if inv.org_policies(account) is None:
            inv.gaps.append(
                Gap(
                    account=account,
                    region=GLOBAL,
                    service="organizations",
                    reason="not-collected",
                    message="SCP/RCP hierarchy of this account unknown (no Organizations data "
                    "placing it in the OU tree)",
                )
            )
    return inv


def _dedupe(gaps: list[Gap]) -> list[Gap]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for g in gaps:
        k = (*g.ident(), g.reason)
        if k not in seen:
            seen.add(k)
            out.append(g)
    return out
