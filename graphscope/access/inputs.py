"""Everything the IAM engine needs about one principal or resource, read from the graph.

The inventory loader puts policy documents on nodes (see the property names below); this module
reads them through the GraphStore boundary and compiles each document once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from graphscope.arn import parse_arn
from graphscope.iam import CompiledPolicy, PolicyKind, PolicySet, compile_policy
from graphscope.model import Node
from graphscope.org import org_path
from graphscope.store import GraphStore

# Node property names the inventory loader fills (a contract between ingest and access).
DOCUMENT = "document"  # managed/inline policy, SCP, RCP: the policy document (dict)
TRUST_POLICY = "trust_policy"  # role: its assume-role policy document (dict)
RESOURCE_POLICY = "resource_policy"  # bucket, key, secret, function ...: its resource policy (dict)
MANAGEMENT = "is_management"  # account: True for the organisation's management account

PRINCIPAL_KINDS = ("user", "role")


@dataclass
class AccessInputs:
    """Compiled policies per principal and resource, memoised for repeated evaluation."""

    store: GraphStore
    _compiled: dict[tuple[str, PolicyKind], CompiledPolicy] = field(default_factory=dict)
    _sets: dict[str, PolicySet] = field(default_factory=dict)
    _resource: dict[str, tuple[CompiledPolicy, ...]] = field(default_factory=dict)
    _service_roles: dict[tuple[str, str | None], list[str]] = field(default_factory=dict)
    _levels: dict[tuple[str, str], tuple[tuple[CompiledPolicy, ...], ...]] = field(
        default_factory=dict
    )
    _runs_as: dict[str, list[str]] = field(default_factory=dict)

    def compiled(self, node: Node, kind: PolicyKind, prop: str = DOCUMENT) -> CompiledPolicy | None:
        doc = node.props.get(prop)
        if not isinstance(doc, dict):
            return None
        key = (f"{node.id}|{prop}", kind)
        hit = self._compiled.get(key)
        if hit is None:
            hit = self._compiled[key] = compile_policy(doc, node.id, kind)
        return hit

    # --- identity side -------------------------------------------------------------------------
    def identity_policies(self, principal: str) -> tuple[CompiledPolicy, ...]:
        """Inline and attached policies of the principal and, for users, of their groups."""
        holders = [principal]
        if (node := self.store.node(principal)) is not None and node.kind == "user":
            holders += [e.dst for e in self.store.out_edges(principal, {"member_of"})]
        out: list[CompiledPolicy] = []
        for holder in holders:
            for edge in self.store.out_edges(holder, {"attached_policy"}):
                pol = self.store.node(edge.dst)
                if pol is not None and (c := self.compiled(pol, PolicyKind.IDENTITY)) is not None:
                    out.append(c)
        return tuple(out)

    def boundary(self, principal: str) -> tuple[CompiledPolicy, ...]:
        for edge in self.store.out_edges(principal, {"permissions_boundary"}):
            pol = self.store.node(edge.dst)
            if pol is not None and (c := self.compiled(pol, PolicyKind.BOUNDARY)) is not None:
                return (c,)
        return ()

    def org_levels(self, account: str | None, kind: str) -> tuple[tuple[CompiledPolicy, ...], ...]:
        """SCPs or RCPs per level, root first, down to the account; empty without Organizations."""
        if not account:
            return ()
        hit = self._levels.get((account, kind))
        if hit is None:
            hit = self._levels[(account, kind)] = self._org_levels(account, kind)
        return hit

    def _org_levels(self, account: str, kind: str) -> tuple[tuple[CompiledPolicy, ...], ...]:
        start = self.account_node(account)
        chain = org_path(self.store, start) if start is not None else None
        if not chain:
            return ()  # not placed under a root: the loader reports the gap
        pkind = PolicyKind.SCP if kind == "scp" else PolicyKind.RCP
        levels = []
        for holder in chain:
            pols = []
            for edge in self.store.in_edges(holder, {"policy_applies_to"}):
                pol = self.store.node(edge.src)
                if (
                    pol is not None
                    and pol.kind == kind
                    and (c := self.compiled(pol, pkind)) is not None
                ):
                    pols.append(c)
            # Every real level carries at least FullAWSAccess: a level with no known policy means
            # the attachments were not collected, so it is skipped (over-approximating access)
            # rather than read as "allows nothing".
            if pols:
                levels.append(tuple(pols))
        return tuple(levels)

    def account_node(self, account: str) -> str | None:
        return self._accounts.get(account)

    @cached_property
    def _accounts(self) -> dict[str, str]:
        out = {}
        for node in self.store.nodes({"account"}):
            acct = node.props.get("account_id") or node.account or node.id
            out[str(acct)] = node.id
        return out

    @cached_property
    def management_account(self) -> str | None:
        for node in self.store.nodes({"account"}):
            if node.props.get(MANAGEMENT):
                return str(node.props.get("account_id") or node.account or node.id)
        return None

    def policy_set(self, principal: str, resource: str | None = None) -> PolicySet:
        """Identity side (memoised per principal) plus the resource side of one resource."""
        base = self._sets.get(principal)
        if base is None:
            account = account_of(self.store, principal)
            base = self._sets[principal] = PolicySet(
                identity=self.identity_policies(principal),
                boundary=self.boundary(principal),
                scps=self.org_levels(account, "scp"),
                management_account=self.management_account,
            )
        if resource is None:
            return base
        res_account = account_of(self.store, resource)
        return PolicySet(
            identity=base.identity,
            boundary=base.boundary,
            scps=base.scps,
            resource=self.resource_policies(resource),
            rcps=self.org_levels(res_account, "rcp"),
            management_account=base.management_account,
        )

    # --- resource side -------------------------------------------------------------------------
    def resource_policies(self, resource: str) -> tuple[CompiledPolicy, ...]:
        hit = self._resource.get(resource)
        if hit is None:
            node = self.store.node(resource)
            prop = TRUST_POLICY if node is not None and node.kind == "role" else RESOURCE_POLICY
            c = self.compiled(node, PolicyKind.RESOURCE, prop) if node is not None else None
            hit = self._resource[resource] = (c,) if c is not None else ()
        return hit

    def runs_as(self, node_id: str) -> list[str]:
        """Roles a compute or AI resource acts with (through instance profiles too)."""
        hit = self._runs_as.get(node_id)
        if hit is None:
            roles = [e.dst for e in self.store.out_edges(node_id, {"runs_as"})]
            for e in self.store.out_edges(node_id, {"has_instance_profile"}):
                roles += [p.dst for p in self.store.out_edges(e.dst, {"profile_role"})]
            hit = self._runs_as[node_id] = roles
        return list(hit)

    @cached_property
    def _trust_index(self) -> dict[str, set[str]]:
        """Roles keyed by what their trust policies name: an ARN, an account, or '*' for anyone.

        A prefilter only: the engine still decides every candidate, so an over-wide bucket here
        costs time, never correctness.
        """
        index: dict[str, set[str]] = {}
        for role in self.store.nodes({"role"}):
            for pol in self.resource_policies(role.id):
                for st in pol.statements:
                    if not st.allow:
                        continue
                    spec = st.principal
                    if spec is None or st.not_principal or spec.everyone:
                        keys: set[str] = {"*"}
                    else:
                        keys = set(spec.aws) | {f"acct:{a}" for a in spec.accounts}
                        keys |= {f"role:{a}:{r}" for a, r in spec.roles}
                        keys |= {f"role:{a}:{r}" for a, r, _ in spec.sessions}
                    for key in keys:
                        index.setdefault(key, set()).add(role.id)
        return index

    def assume_candidates(self, principal: str, *, named_only: bool = False) -> set[str]:
        """Roles whose trust policy may admit this principal (user, role or session ARN).

        `named_only`: only trust policies naming the principal itself (or anyone), not its
        account: those are the ones that can grant without an identity policy."""
        idx = self._trust_index
        found: set[str] = set()
        for key in self.candidate_keys(principal, named_only=named_only):
            found |= idx.get(key, set())
        return found

    def candidate_keys(self, principal: str, *, named_only: bool = False) -> list[str]:
        """The `_trust_index` keys whose roles `assume_candidates` unites."""
        keys = ["*", principal]
        arn = parse_arn(principal)
        if arn is not None and arn.account:
            if not named_only:
                keys.append(f"acct:{arn.account}")
            if arn.resource_type in ("role", "assumed-role"):
                name = (
                    arn.resource_id.split("/")[-1]
                    if arn.resource_type == "role"
                    else arn.resource_id.split("/")[0]
                )
                keys.append(f"role:{arn.account}:{name}")
        return keys

    def trusted_by(self, key: str) -> set[str]:
        """The roles `_trust_index` files under one key."""
        return self._trust_index.get(key, set())

    def roles_trusting_service(self, service: str, account: str | None) -> list[str]:
        """Roles of one account whose trust policy names the service (evaluated by the caller)."""
        key = (service, account)
        hit = self._service_roles.get(key)
        if hit is None:
            hit = self._service_roles[key] = sorted(
                r
                for r in self._trust_index.get("*", set()) | self._service_named(service)
                if account_of(self.store, r) == account
            )
        return hit

    def _service_named(self, service: str) -> set[str]:
        out = set()
        for role in self.store.nodes({"role"}):
            for pol in self.resource_policies(role.id):
                if any(
                    st.principal is not None and service.lower() in st.principal.services
                    for st in pol.statements
                ):
                    out.add(role.id)
        return out

    def principals(self) -> Iterator[Node]:
        return self.store.nodes(PRINCIPAL_KINDS)


def account_of(store: GraphStore, node_id: str) -> str | None:
    node = store.node(node_id)
    if node is not None and node.account:
        return node.account
    arn = parse_arn(node_id)
    return arn.account or None if arn else None


def document_of(node: Node, prop: str = DOCUMENT) -> dict[str, Any] | None:
    doc = node.props.get(prop)
    return doc if isinstance(doc, dict) else None
