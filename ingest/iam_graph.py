"""IAM: principals, policies (documents kept on the nodes), trusts, boundaries, keys, providers."""

from __future__ import annotations

from typing import Any

from graphscope.arn import parse_arn
from graphscope.ingest.base_graph import (
    GraphBuilder,
    Sources,
    account_node,
    each_record,
    in_account,
    items,
    obj,
    policy_document,
)
from graphscope.ingest.snapshot import Record

KNOWN_FEDERATED = (
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "www.amazon.com",
    "graph.facebook.com",
)


def inline_policy_id(owner_arn: str, name: str) -> str:
    """Inline policies have no ARN: the owner's ARN plus the policy name identifies one."""
    return f"{owner_arn}#inline/{name}"


def root_arn(account: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:root"


def build(src: Sources, b: GraphBuilder) -> None:
    each_record(src.of("iam", "GetAccountAuthorizationDetails"), lambda r: _auth_details(b, r))
    users = {(n.account, n.name): n.id for n in b.nodes.values() if n.kind == "user"}
    each_record(src.of("iam", "ListAccessKeys"), lambda r: _access_keys(b, r, users))
    each_record(
        src.of("iam", "ListOpenIDConnectProviders"),
        lambda r: _providers(b, r, "OpenIDConnectProviderList", "oidc"),
    )
    each_record(
        src.of("iam", "ListSAMLProviders"), lambda r: _providers(b, r, "SAMLProviderList", "saml")
    )
    each_record(src.of("iam", "GetAccountSummary"), lambda r: _summary(b, r))


def _auth_details(b: GraphBuilder, rec: Record) -> None:
    resp = rec.response or {}
    acct = rec.account
    partition = "aws"
    account_node(b, acct)
    root = b.node(root_arn(acct, partition), "root_user", "root", acct)
    in_account(b, root, acct)

    for pol in items(resp, "Policies"):
        default = next(
            (v for v in items(pol, "PolicyVersionList") if v.get("IsDefaultVersion")), None
        )
        arn = pol["Arn"]
        pacct = parse_arn(arn)
        b.node(
            arn,
            "managed_policy",
            pol.get("PolicyName", ""),
            pacct.account if pacct and pacct.account != "aws" else None,
            document=policy_document(default.get("Document")) if default else None,
            default_version=pol.get("DefaultVersionId"),
            aws_managed=bool(pacct and pacct.account == "aws"),
            attachment_count=pol.get("AttachmentCount"),
            is_attachable=pol.get("IsAttachable"),
            path=pol.get("Path"),
        )
        if default is None:
            b.gap(rec, "not-collected", f"managed policy {arn}: no default version document")
        if pacct and pacct.account and pacct.account != "aws":
            in_account(b, arn, pacct.account)

    groups_by_name: dict[str, str] = {}
    for grp in items(resp, "GroupDetailList"):
        arn = grp["Arn"]
        groups_by_name[grp["GroupName"]] = arn
        b.node(arn, "group", grp["GroupName"], acct, id=grp.get("GroupId"), path=grp.get("Path"))
        in_account(b, arn, acct)
        _policies(b, rec, arn, grp, "GroupPolicyList")

    for user in items(resp, "UserDetailList"):
        arn = user["Arn"]
        b.node(
            arn,
            "user",
            user["UserName"],
            acct,
            id=user.get("UserId"),
            path=user.get("Path"),
            create_date=user.get("CreateDate"),
            tags=_tags(user),
        )
        in_account(b, arn, acct)
        _policies(b, rec, arn, user, "UserPolicyList")
        for gname in items(user, "GroupList"):
            garn = groups_by_name.get(gname) or f"arn:{partition}:iam::{acct}:group/{gname}"
            b.ref(garn, "group")
            b.edge(arn, garn, "member_of")

    for role in items(resp, "RoleDetailList"):
        arn = role["Arn"]
        trust = policy_document(role.get("AssumeRolePolicyDocument"))
        b.node(
            arn,
            "role",
            role["RoleName"],
            acct,
            id=role.get("RoleId"),
            path=role.get("Path"),
            trust_policy=trust,
            create_date=role.get("CreateDate"),
            role_last_used=role.get("RoleLastUsed") or None,
            tags=_tags(role),
            service_linked=role.get("Path", "").startswith("/aws-service-role/"),
        )
        in_account(b, arn, acct)
        _policies(b, rec, arn, role, "RolePolicyList")
        _trusts(b, rec, arn, trust)
        for prof in items(role, "InstanceProfileList"):
            b.node(prof["Arn"], "instance_profile", prof.get("InstanceProfileName", ""), acct)
            in_account(b, prof["Arn"], acct)
            for prole in items(prof, "Roles"):
                b.ref(prole["Arn"], "role")
                b.edge(prof["Arn"], prole["Arn"], "profile_role")


def _tags(entity: dict[str, Any]) -> dict[str, str] | None:
    tags = items(entity, "Tags")
    return {t["Key"]: t.get("Value", "") for t in tags} or None


def _policies(
    b: GraphBuilder, rec: Record, owner: str, entity: dict[str, Any], inline_key: str
) -> None:
    """Inline and attached managed policies, and the permissions boundary, of one principal."""
    for pol in items(entity, inline_key):
        pid = inline_policy_id(owner, pol["PolicyName"])
        b.node(
            pid,
            "inline_policy",
            pol["PolicyName"],
            rec.account,
            owner=owner,
            document=policy_document(pol.get("PolicyDocument")),
        )
        b.edge(owner, pid, "attached_policy", policy_type="inline")
    for att in items(entity, "AttachedManagedPolicies"):
        b.ref(att["PolicyArn"], "managed_policy")
        b.edge(owner, att["PolicyArn"], "attached_policy", policy_type="managed")
    boundary = obj(entity, "PermissionsBoundary").get("PermissionsBoundaryArn")
    if boundary:
        b.ref(boundary, "managed_policy")
        b.edge(owner, boundary, "permissions_boundary")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def principal_ids(principal: Any) -> list[tuple[str, str]]:
    """(node id, node kind) for each principal a policy's Principal element names."""
    if principal == "*":
        return [("*", "external_principal")]
    if not isinstance(principal, dict):
        raise TypeError(f"Principal should be an object or '*', found {type(principal).__name__}")
    out: list[tuple[str, str]] = []
    for p in _as_list(principal.get("AWS")):
        if p == "*":
            out.append(("*", "external_principal"))
        elif isinstance(p, str) and p.isdigit():
            out.append((root_arn(p), "root_user"))
        elif isinstance(p, str) and p.startswith("arn:"):
            out.append((p, ""))  # kind from the ARN
        else:  # a unique id (AROA..., AIDA...): the principal was deleted
            out.append((str(p), "external_principal"))
    out += [(str(s), "service_principal") for s in _as_list(principal.get("Service"))]
    out += [(str(f), "federated_principal") for f in _as_list(principal.get("Federated"))]
    out += [(str(c), "external_principal") for c in _as_list(principal.get("CanonicalUser"))]
    return out


def _trusts(b: GraphBuilder, rec: Record, role: str, trust: Any) -> None:
    """One `trusts` edge per principal named by an Allow statement of the trust policy."""
    if not isinstance(trust, dict):
        return
    for index, stmt in enumerate(_as_list(trust.get("Statement"))):
        if stmt.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in stmt:
            b.notes.append(
                f"{role}: trust statement {index} uses NotPrincipal; no trusts edge drawn"
            )
            continue
        for pid, kind in principal_ids(stmt.get("Principal")):
            b.ref(pid, kind or None)
            b.edge(
                role,
                pid,
                "trusts",
                key=str(index),
                sid=stmt.get("Sid"),
                statement_index=index,
                actions=_as_list(stmt.get("Action")) or None,
                conditions=stmt.get("Condition") or None,
            )


def _access_keys(b: GraphBuilder, rec: Record, users: dict[tuple[str | None, str], str]) -> None:
    for key in items(rec.response, "AccessKeyMetadata"):
        user = key.get("UserName") or rec.request.get("UserName")
        user_arn = users.get((rec.account, user))
        b.node(
            key["AccessKeyId"],
            "access_key",
            key["AccessKeyId"],
            rec.account,
            status=key.get("Status"),
            create_date=key.get("CreateDate"),
            user=user,
        )
        in_account(b, key["AccessKeyId"], rec.account)
        if user_arn:
            b.edge(user_arn, key["AccessKeyId"], "has_access_key")
        else:
            b.notes.append(f"{rec.path}: access key {key['AccessKeyId']} of unknown user {user!r}")


def _providers(b: GraphBuilder, rec: Record, key: str, kind: str) -> None:
    for prov in items(rec.response, key):
        b.node(
            prov["Arn"],
            "federated_principal",
            account=rec.account,
            provider_type=kind,
            valid_until=prov.get("ValidUntil"),
        )
        in_account(b, prov["Arn"], rec.account)


def _summary(b: GraphBuilder, rec: Record) -> None:
    account_node(b, rec.account, iam_summary=obj(rec.response, "SummaryMap") or None)
