"""Organizations: the organisation, its root and OUs, accounts, and where SCPs and RCPs apply."""

from __future__ import annotations

from graphscope.ingest.base_graph import (
    GraphBuilder,
    Sources,
    account_node,
    each_record,
    items,
    obj,
    policy_document,
)
from graphscope.ingest.snapshot import Record

POLICY_KINDS = {"SERVICE_CONTROL_POLICY": "scp", "RESOURCE_CONTROL_POLICY": "rcp"}


def build(src: Sources, b: GraphBuilder) -> None:
    each_record(
        src.of("organizations", "DescribeOrganization", ok_only=False),
        lambda r: _organization(b, r),
    )
    each_record(src.of("organizations", "ListRoots"), lambda r: _roots(b, r))
    each_record(src.of("organizations", "ListAccounts"), lambda r: _accounts(b, r))
    each_record(src.of("organizations", "ListOrganizationalUnitsForParent"), lambda r: _ous(b, r))
    each_record(src.of("organizations", "ListAccountsForParent"), lambda r: _account_parents(b, r))
    each_record(src.of("organizations", "ListPolicies"), lambda r: _policies(b, r))
    each_record(src.of("organizations", "DescribePolicy"), lambda r: _describe_policy(b, r))
    each_record(src.of("organizations", "ListTargetsForPolicy"), lambda r: _targets(b, r))


def _organization(b: GraphBuilder, rec: Record) -> None:
    if rec.response is None:  # AWSOrganizationsNotInUseException: a fact, no SCP binds
        account_node(b, rec.account, organization=None, not_in_organization=True)
        return
    org = obj(rec.response, "Organization")
    b.node(
        org["Arn"],
        "organization",
        org.get("Id", ""),
        org.get("MasterAccountId"),
        master_account=org.get("MasterAccountId"),
        feature_set=org.get("FeatureSet"),
    )
    account_node(
        b, rec.account, organization=org["Arn"], management_account=org.get("MasterAccountId")
    )
    if org.get("MasterAccountId"):
        account_node(
            b,
            org["MasterAccountId"],
            organization=org["Arn"],
            management_account=org["MasterAccountId"],
            is_management=True,
        )


def _org_arn(b: GraphBuilder, account: str) -> str | None:
    node = b.nodes.get(account)
    return node.props.get("organization") if node else None


def _roots(b: GraphBuilder, rec: Record) -> None:
    for root in items(rec.response, "Roots"):
        b.node(
            root["Arn"],
            "org_root",
            root.get("Name", "Root"),
            rec.account,
            org_id=root["Id"],
            policy_types=root.get("PolicyTypes"),
        )
        org = _org_arn(b, rec.account)
        if org:
            b.edge(root["Arn"], org, "member_of")


def _accounts(b: GraphBuilder, rec: Record) -> None:
    org = _org_arn(b, rec.account)
    mgmt = b.nodes[rec.account].props.get("management_account") if rec.account in b.nodes else None
    for acct in items(rec.response, "Accounts"):
        account_node(
            b,
            acct["Id"],
            name=acct.get("Name"),
            email=acct.get("Email"),
            status=acct.get("Status"),
            org_arn=acct.get("Arn"),
            organization=org,
            management_account=mgmt,
            is_management=acct["Id"] == mgmt if mgmt else None,
        )


def _parent_id(b: GraphBuilder, rec: Record) -> str | None:
    """The ARN of the root or OU a ListXForParent request named."""
    parent = rec.request.get("ParentId", "")
    return b.find_by("org_root", "org_id", parent) or b.find_by("org_unit", "org_id", parent)


def _ous(b: GraphBuilder, rec: Record) -> None:
    parent = _parent_id(b, rec)
    for ou in items(rec.response, "OrganizationalUnits"):
        b.node(ou["Arn"], "org_unit", ou.get("Name", ""), rec.account, org_id=ou["Id"])
        if parent:
            b.edge(ou["Arn"], parent, "member_of")
        else:
            b.gap(
                rec,
                "not-collected",
                f"parent {rec.request.get('ParentId')} of OU {ou['Id']} unknown",
            )


def _account_parents(b: GraphBuilder, rec: Record) -> None:
    parent = _parent_id(b, rec)
    for acct in items(rec.response, "Accounts"):
        account_node(b, acct["Id"], name=acct.get("Name"), org_arn=acct.get("Arn"))
        if parent:
            b.edge(acct["Id"], parent, "member_of")


def _policies(b: GraphBuilder, rec: Record) -> None:
    for pol in items(rec.response, "Policies"):
        kind = POLICY_KINDS.get(pol.get("Type") or rec.request.get("Filter", ""), "scp")
        b.node(
            pol["Arn"],
            kind,
            pol.get("Name", ""),
            rec.account,
            org_id=pol["Id"],
            aws_managed=pol.get("AwsManaged"),
            description=pol.get("Description"),
        )


def _policy_arn(b: GraphBuilder, policy_id: str) -> str | None:
    return b.find_by("scp", "org_id", policy_id) or b.find_by("rcp", "org_id", policy_id)


def _describe_policy(b: GraphBuilder, rec: Record) -> None:
    pol = obj(rec.response, "Policy")
    summary = obj(pol, "PolicySummary")
    kind = POLICY_KINDS.get(summary.get("Type", ""), "scp")
    b.node(
        summary["Arn"],
        kind,
        summary.get("Name", ""),
        rec.account,
        org_id=summary.get("Id"),
        aws_managed=summary.get("AwsManaged"),
        document=policy_document(pol.get("Content")),
    )


def _targets(b: GraphBuilder, rec: Record) -> None:
    pol = _policy_arn(b, rec.request.get("PolicyId", ""))
    if pol is None:
        b.gap(
            rec,
            "not-collected",
            f"policy {rec.request.get('PolicyId')} has targets but no description",
        )
        return
    for t in items(rec.response, "Targets"):
        if t.get("Type") == "ACCOUNT":
            dst = account_node(b, t["TargetId"], name=t.get("Name"))
        else:
            dst = b.node(
                t["Arn"],
                "org_root" if t.get("Type") == "ROOT" else "org_unit",
                t.get("Name", ""),
                rec.account,
                org_id=t["TargetId"],
            )
        b.edge(pol, dst, "policy_applies_to", target_type=t.get("Type"))
