"""Evaluation logic: policy types, same- vs cross-account, role vs session, Organizations, and
the explanation each decision carries."""

from __future__ import annotations

from graphscope.iam import (
    Decision,
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalKind,
    Request,
    compile_policy,
    evaluate,
)

ACCT, OTHER = "111122223333", "444455556666"
USER = f"arn:aws:iam::{ACCT}:user/alice"
ROLE = f"arn:aws:iam::{ACCT}:role/app/worker"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/worker/s1"
BUCKET_OBJ = "arn:aws:s3:::bucket/key"
ALLOW_GET = {"Sid": "Get", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def rp(principal, effect="Allow", sid="RP", **extra):
    return {
        "Sid": sid,
        "Effect": effect,
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bucket/*",
        **extra,
    }


# ---- actions and resources ----


def test_action_case_insensitive_and_wildcards(decide) -> None:
    assert decide({"Effect": "Allow", "Action": "S3:get*", "Resource": "*"}).allowed
    assert decide({"Effect": "Allow", "Action": "s3:Get?bject", "Resource": "*"}).allowed
    assert not decide({"Effect": "Allow", "Action": "s3:Put*", "Resource": "*"}).allowed
    assert decide({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}).allowed
    assert not decide({"Effect": "Allow", "NotAction": ["s3:*"], "Resource": "*"}).allowed


def test_resource_case_sensitive_wildcards_and_notresource(decide) -> None:
    assert decide(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/k?y"}
    ).allowed
    assert not decide(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::BUCKET/*"}
    ).allowed
    assert not decide(
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::bucket/*"}
    ).allowed
    assert decide(
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::other/*"}
    ).allowed


def test_resource_policy_variables(decide) -> None:
    stmt = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::home/${aws:username}/*",
    }
    kw = {"resource": "arn:aws:s3:::home/alice/notes"}
    assert decide(stmt, context={"aws:username": "alice"}, **kw).allowed
    assert decide(stmt, context={"aws:username": "bob"}, **kw).decision is Decision.IMPLICIT_DENY
    assert decide(stmt, **kw).decision is Decision.IMPLICIT_DENY  # absent variable: no match
    got = decide(stmt, assume_unknown=True, **kw)
    assert got.decision is Decision.CONDITIONAL and "${aws:username}" in got.conditions[0].text


def test_explicit_deny_wins_and_names_statement(decide) -> None:
    got = decide(
        [ALLOW_GET, {"Sid": "NoKey", "Effect": "Deny", "Action": "s3:*", "Resource": BUCKET_OBJ}]
    )
    assert got.decision is Decision.EXPLICIT_DENY
    assert [str(r) for r in got.denied_by] == ["identity#NoKey"]
    assert got.denied_by[0].kind is PolicyKind.IDENTITY


def test_allow_names_granting_statement_by_sid_or_index(decide) -> None:
    got = decide(
        [
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        ]
    )
    assert got.allowed and [str(r) for r in got.allowed_by] == ["identity[1]"]
    assert got.allowed_by[0].index == 1 and got.allowed_by[0].sid is None


# ---- same account vs cross account ----


def test_same_account_resource_policy_naming_user_allows_alone(decide) -> None:
    got = decide(None, resource_policy=rp({"AWS": USER}))
    assert got.allowed and [str(r) for r in got.allowed_by] == ["bucket-policy#RP"]


def test_same_account_root_or_account_id_only_delegates(decide) -> None:
    assert (
        decide(None, resource_policy=rp({"AWS": f"arn:aws:iam::{ACCT}:root"})).decision
        is Decision.IMPLICIT_DENY
    )
    assert decide(None, resource_policy=rp({"AWS": ACCT})).decision is Decision.IMPLICIT_DENY
    assert decide(ALLOW_GET, resource_policy=rp({"AWS": ACCT})).allowed


def test_cross_account_needs_both_sides(decide) -> None:
    other = f"arn:aws:iam::{OTHER}:user/mallory"
    assert decide(ALLOW_GET, principal=other).decision is Decision.IMPLICIT_DENY
    assert (
        decide(None, principal=other, resource_policy=rp({"AWS": other})).decision
        is Decision.IMPLICIT_DENY
    )
    both = decide(
        ALLOW_GET, principal=other, resource_policy=rp({"AWS": f"arn:aws:iam::{OTHER}:root"})
    )
    assert both.allowed and {str(r) for r in both.allowed_by} == {
        "identity#Get",
        "bucket-policy#RP",
    }


def test_principal_star_grants_same_account_and_anonymous(decide) -> None:
    assert decide(None, resource_policy=rp("*")).allowed
    assert decide(None, principal={"type": "Anonymous"}, resource_policy=rp({"AWS": "*"})).allowed
    assert (
        decide(None, principal={"type": "Anonymous"}, resource_policy=rp({"AWS": USER})).decision
        is Decision.IMPLICIT_DENY
    )


def test_not_principal(decide) -> None:
    assert decide(
        None,
        resource_policy={
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCT}:user/bob"},
            "Action": "s3:*",
            "Resource": "*",
        },
    ).allowed
    deny_all_but_bob = [
        {"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        {
            "Sid": "D",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [f"arn:aws:iam::{ACCT}:user/bob", f"arn:aws:iam::{ACCT}:root"]},
            "Action": "s3:*",
            "Resource": "*",
        },
    ]
    # the account in NotPrincipal does not exempt alice: only bob (and the account itself)
    assert decide(None, resource_policy=deny_all_but_bob).decision is Decision.EXPLICIT_DENY
    assert decide(
        None, principal=f"arn:aws:iam::{ACCT}:user/bob", resource_policy=deny_all_but_bob
    ).allowed


def test_service_federated_and_canonical_principals(decide) -> None:
    svc = {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    kw = {"action": "sts:AssumeRole", "resource": ROLE}
    assert decide(None, principal="lambda.amazonaws.com", resource_policy=svc, **kw).allowed
    assert (
        decide(None, principal="ec2.amazonaws.com", resource_policy=svc, **kw).decision
        is Decision.IMPLICIT_DENY
    )
    oidc = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
    web = {
        "Effect": "Allow",
        "Principal": {"Federated": oidc},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}},
    }
    kw = {"action": "sts:AssumeRoleWithWebIdentity", "resource": ROLE}
    ok = decide(
        None,
        principal={"type": "Federated", "name": oidc},
        resource_policy=web,
        context={"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"},
        **kw,
    )
    assert ok.allowed
    evil = decide(
        None,
        principal={"type": "Federated", "name": oidc},
        resource_policy=web,
        context={"token.actions.githubusercontent.com:sub": "repo:evil/app"},
        **kw,
    )
    assert evil.decision is Decision.IMPLICIT_DENY
    saml = f"arn:aws:iam::{ACCT}:saml-provider/okta"
    trust = {
        "Effect": "Allow",
        "Principal": {"Federated": saml},
        "Action": "sts:AssumeRoleWithSAML",
    }
    assert decide(
        None,
        principal={"type": "Federated", "name": saml},
        resource_policy=trust,
        action="sts:AssumeRoleWithSAML",
        resource=ROLE,
    ).allowed
    cid = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    canon = {
        "Effect": "Allow",
        "Principal": {"CanonicalUser": cid},
        "Action": "s3:GetObject",
        "Resource": "*",
    }
    assert decide(
        None, principal={"type": "CanonicalUser", "id": cid}, resource_policy=canon
    ).allowed


# ---- roles, sessions, boundaries, session policies ----

BOUNDARY_EC2 = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}


def test_role_arn_in_resource_policy_matches_its_sessions(decide) -> None:
    assert decide(None, principal=SESSION, resource_policy=rp({"AWS": ROLE})).allowed
    assert decide(None, principal=ROLE, resource_policy=rp({"AWS": ROLE})).allowed
    other = f"arn:aws:sts::{ACCT}:assumed-role/other/s1"
    assert (
        decide(None, principal=other, resource_policy=rp({"AWS": ROLE})).decision
        is Decision.IMPLICIT_DENY
    )


def test_boundary_limits_role_arn_grant_but_not_session_or_user_grant(decide) -> None:
    assert (
        decide(
            None, principal=SESSION, boundary=BOUNDARY_EC2, resource_policy=rp({"AWS": ROLE})
        ).decision
        is Decision.IMPLICIT_DENY
    )
    assert decide(
        None, principal=SESSION, boundary=BOUNDARY_EC2, resource_policy=rp({"AWS": SESSION})
    ).allowed
    assert decide(
        None, principal=USER, boundary=BOUNDARY_EC2, resource_policy=rp({"AWS": USER})
    ).allowed
    assert (
        decide(ALLOW_GET, principal=USER, boundary=BOUNDARY_EC2).decision is Decision.IMPLICIT_DENY
    )
    deny_boundary = [
        BOUNDARY_EC2,
        {"Sid": "B", "Effect": "Deny", "Action": "s3:*", "Resource": "*"},
    ]
    assert (
        decide(
            None, principal=SESSION, boundary=deny_boundary, resource_policy=rp({"AWS": SESSION})
        ).decision
        is Decision.EXPLICIT_DENY
    )


def test_session_policy_limits_identity_and_role_grants_not_session_grants(decide) -> None:
    # AWS IAM User Guide, policy evaluation logic: a resource policy naming the role session
    # grants directly to the session; a session policy's implicit deny does not limit it.
    ec2_only = BOUNDARY_EC2
    assert decide(ALLOW_GET, principal=SESSION, session=ec2_only).decision is Decision.IMPLICIT_DENY
    assert (
        decide(
            None, principal=SESSION, session=ec2_only, resource_policy=rp({"AWS": ROLE})
        ).decision
        is Decision.IMPLICIT_DENY
    )
    assert decide(
        None, principal=SESSION, session=ec2_only, resource_policy=rp({"AWS": SESSION})
    ).allowed
    deny = {"Sid": "SP", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    got = decide(None, principal=SESSION, session=deny, resource_policy=rp({"AWS": SESSION}))
    assert got.decision is Decision.EXPLICIT_DENY and [str(r) for r in got.denied_by] == [
        "session#SP"
    ]
    assert decide(
        ALLOW_GET, principal=SESSION, session={"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    ).allowed


def test_federated_user_session_without_session_policy_has_no_identity_permissions(decide) -> None:
    fed = f"arn:aws:sts::{ACCT}:federated-user/bob"
    assert decide(ALLOW_GET, principal=fed).decision is Decision.IMPLICIT_DENY
    assert decide(
        ALLOW_GET, principal=fed, session={"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    ).allowed
    assert decide(None, principal=fed, resource_policy=rp({"AWS": fed})).allowed


def test_unknown_everything_mode_treats_session_name_as_callers_choice(decide) -> None:
    named = rp({"AWS": f"arn:aws:sts::{ACCT}:assumed-role/worker/audit"})
    assert decide(None, principal=ROLE, resource_policy=named).decision is Decision.IMPLICIT_DENY
    assert decide(None, principal=ROLE, resource_policy=named, assume_unknown=True).allowed
    deny_named = [
        rp("*"),
        rp({"AWS": f"arn:aws:sts::{ACCT}:assumed-role/worker/audit"}, effect="Deny", sid="D"),
    ]
    assert decide(None, principal=ROLE, resource_policy=deny_named, assume_unknown=True).allowed


def test_trust_policy_and_kms_key_policy_are_required(decide) -> None:
    assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    kw = {"action": "sts:AssumeRole", "resource": ROLE}
    assert decide(assume, **kw).decision is Decision.IMPLICIT_DENY  # no trust policy
    root_trust = {"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "sts:AssumeRole"}
    assert decide(assume, resource_policy=root_trust, **kw).allowed
    assert decide(None, resource_policy=root_trust, **kw).decision is Decision.IMPLICIT_DENY
    key = f"arn:aws:kms:us-east-1:{ACCT}:key/1234"
    use = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}
    assert decide(use, action="kms:Decrypt", resource=key).decision is Decision.IMPLICIT_DENY
    key_policy = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert decide(use, action="kms:Decrypt", resource=key, resource_policy=key_policy).allowed


# ---- Organizations ----

SCP_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
SCP_NO_S3 = [SCP_ALL, {"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]


def test_scp_every_level_must_allow(decide) -> None:
    assert decide(ALLOW_GET, scps=[SCP_ALL, SCP_ALL]).allowed
    assert (
        decide(
            ALLOW_GET, scps=[SCP_ALL, {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]
        ).decision
        is Decision.IMPLICIT_DENY
    )
    got = decide(ALLOW_GET, scps=[SCP_ALL, SCP_NO_S3])
    assert got.decision is Decision.EXPLICIT_DENY and [str(r) for r in got.denied_by] == [
        "scp[1]#NoS3"
    ]


def test_scp_exemptions(decide) -> None:
    assert decide(ALLOW_GET, scps=[SCP_NO_S3], management_account=ACCT).allowed
    assert (
        decide(ALLOW_GET, scps=[SCP_NO_S3], management_account=OTHER).decision
        is Decision.EXPLICIT_DENY
    )
    slr = f"arn:aws:iam::{ACCT}:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForSageMaker"
    assert decide(ALLOW_GET, principal=slr, scps=[SCP_NO_S3]).allowed
    assert decide(
        None, principal={"type": "Anonymous"}, resource_policy=rp("*"), scps=[SCP_NO_S3]
    ).allowed
    # the root user of a member account is bound by SCPs
    assert (
        decide(None, principal=f"arn:aws:iam::{ACCT}:root", scps=[SCP_NO_S3]).decision
        is Decision.EXPLICIT_DENY
    )
    assert decide(None, principal=f"arn:aws:iam::{ACCT}:root", scps=[SCP_ALL]).allowed


def test_scp_exempts_sessions_of_service_linked_roles_when_role_known() -> None:
    role = (
        f"arn:aws:iam::{ACCT}:role/aws-service-role/bedrock.amazonaws.com/AWSServiceRoleForBedrock"
    )
    sess = Principal.session(role, "svc")
    assert sess.is_service_linked_role and sess.arn.endswith(
        "assumed-role/AWSServiceRoleForBedrock/svc"
    )
    pols = PolicySet(
        identity=(compile_policy({"Version": "2012-10-17", "Statement": ALLOW_GET}, "id"),),
        scps=(
            (
                compile_policy(
                    {"Version": "2012-10-17", "Statement": SCP_NO_S3}, "scp", PolicyKind.SCP
                ),
            ),
        ),
    )
    assert evaluate(Request(sess, "s3:GetObject", BUCKET_OBJ, ACCT), pols).allowed


def test_rcp_denies_apply_to_every_caller_but_not_management_account_resources(decide) -> None:
    rcp = {
        "Sid": "OrgOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}},
    }
    assert decide(ALLOW_GET, rcps=[rcp]).decision is Decision.EXPLICIT_DENY
    assert decide(ALLOW_GET, rcps=[rcp], context={"aws:PrincipalOrgID": "o-1"}).allowed
    assert decide(ALLOW_GET, rcps=[rcp], management_account=ACCT).allowed
    # RCPFullAWSAccess is always attached: a level with only an unrelated Deny still allows
    assert decide(
        ALLOW_GET, rcps=[{"Effect": "Deny", "Principal": "*", "Action": "ec2:*", "Resource": "*"}]
    ).allowed


def test_endpoint_policies(decide) -> None:
    vpce = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bucket/*",
    }
    assert decide(ALLOW_GET, endpoints=[vpce]).allowed
    assert (
        decide(ALLOW_GET, endpoints=[vpce], resource="arn:aws:s3:::exfil/key").decision
        is Decision.IMPLICIT_DENY
    )
    assert (
        decide(
            ALLOW_GET,
            endpoints=[
                vpce,
                {"Effect": "Allow", "Principal": "*", "Action": "ec2:*", "Resource": "*"},
            ],
        ).decision
        is Decision.IMPLICIT_DENY
    )


# ---- refusals outside policies ----


def test_service_rules_and_get_caller_identity(decide) -> None:
    admin = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    managed = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert decide(admin, action="iam:GetPolicy", resource=managed).allowed
    got = decide(admin, action="iam:CreatePolicyVersion", resource=managed)
    assert got.decision is Decision.IMPLICIT_DENY and "AWS managed" in got.reason
    deny_all = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    assert decide(deny_all, action="sts:GetCallerIdentity", resource="*").allowed


def test_derive_principal_keys_fills_known_principal_facts() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::home/${aws:username}/*",
        },
    }
    pols = PolicySet(identity=(compile_policy(doc, "home"),))
    who = Principal(PrincipalKind.USER, USER, ACCT)
    plain = Request(who, "s3:GetObject", "arn:aws:s3:::home/alice/x", ACCT, assume_unknown=True)
    derived = Request(
        who,
        "s3:GetObject",
        "arn:aws:s3:::home/alice/x",
        ACCT,
        assume_unknown=True,
        derive_principal_keys=True,
    )
    assert evaluate(plain, pols).decision is Decision.CONDITIONAL
    assert evaluate(derived, pols).allowed
    other = Request(
        who,
        "s3:GetObject",
        "arn:aws:s3:::home/bob/x",
        ACCT,
        assume_unknown=True,
        derive_principal_keys=True,
    )
    assert evaluate(other, pols).decision is Decision.IMPLICIT_DENY


def test_prebuilt_context_is_shared_as_is() -> None:
    from graphscope.iam import Context

    ctx = Context({"aws:SourceIp": "10.0.0.1"}, assume_unknown=True)
    doc = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
           "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "Bool": {"aws:SecureTransport": "true"}}}}  # fmt: skip
    pols = PolicySet(identity=(compile_policy(doc, "p"),))
    who = Principal(PrincipalKind.USER, USER, ACCT)
    got = evaluate(Request(who, "s3:GetObject", BUCKET_OBJ, ACCT, ctx), pols)
    assert got.decision is Decision.CONDITIONAL and [c.key for c in got.conditions] == [
        "aws:SecureTransport"
    ]


def test_resource_variable_note_only_when_it_decides(decide) -> None:
    stmt = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": ["arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::bucket/*"],
    }
    got = decide(stmt, assume_unknown=True)  # the second pattern matches outright
    assert got.allowed and not got.conditions


def test_granted_by_separates_grants_from_guardrails(decide) -> None:
    got = decide(
        ALLOW_GET,
        boundary={"Sid": "B", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        scps=[SCP_ALL],
    )
    assert got.allowed
    assert [str(r) for r in got.granted_by] == ["identity#Get"]
    assert {str(r) for r in got.allowed_by} == {"identity#Get", "boundary#B", "scp[0][0]"}
