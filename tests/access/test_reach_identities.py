"""Identities and controls the reach walk must list, on a small hand-built organisation.

Roles used only through an AI application (proxy reach, limited to what the application does),
users taken over by minting credentials for them (an identity hop), and the account-level
logging controls a subject can switch off. Each comes with the variant where an explicit Deny,
a permissions boundary or an SCP removes it, and the reverse query (who-can) must agree.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graphscope.access.identity_edges import hop_edge, hops_of
from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import Reached, ReachEngine
from graphscope.iam import Decision
from graphscope.model import Edge, Node
from graphscope.queries.contract import ReachReport
from graphscope.queries.potential import reach_report, resolve_subject
from graphscope.store import MemoryGraphStore

MGMT, DEV, OTHER = "111111111111", "222222222222", "333333333333"
ALICE = f"arn:aws:iam::{DEV}:user/alice"
SVC = f"arn:aws:iam::{DEV}:user/svc-bot"
BOB = f"arn:aws:iam::{DEV}:user/bob"
OUTSIDER = f"arn:aws:iam::{OTHER}:user/outsider"
OPS = f"arn:aws:iam::{DEV}:role/ops"
KB_ROLE = f"arn:aws:iam::{DEV}:role/kb-role"
AGENT_ROLE = f"arn:aws:iam::{DEV}:role/agent-role"
FN_ROLE = f"arn:aws:iam::{DEV}:role/tool-fn-role"
KB = f"arn:aws:bedrock:us-east-1:{DEV}:knowledge-base/KB1"
DS = f"arn:aws:bedrock:us-east-1:{DEV}:knowledge-base/KB1/data-source/DS1"
AGENT = f"arn:aws:bedrock:us-east-1:{DEV}:agent/AG1"
ALIAS = f"arn:aws:bedrock:us-east-1:{DEV}:agent-alias/AG1/AL1"
GROUP = f"{AGENT}/action-group/GR1"
FN = f"arn:aws:lambda:us-east-1:{DEV}:function:tool-fn"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
LOGGING = f"invocation-logging/{DEV}/us-east-1"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{DEV}:trail/main"
SECRET = f"arn:aws:secretsmanager:us-east-1:{DEV}:secret:tool-db-AbCdEf"


def _doc(*stmts: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def _allow(sid: str, action: str | list[str], resource: str | list[str], **extra: object) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _deny(sid: str, action: str | list[str], resource: str | list[str] = "*") -> dict:
    return {"Sid": sid, "Effect": "Deny", "Action": action, "Resource": resource}


def _trust(principal: dict) -> dict:
    return _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def _bucket(name: str) -> Node:
    return Node(f"arn:aws:s3:::{name}", "s3_bucket", account=DEV)


ALICE_BASE = [
    _allow("Rag", "bedrock:Retrieve", KB),
    _allow("Agent", "bedrock:InvokeAgent", ALIAS),
    _allow("Keys", "iam:CreateAccessKey", f"arn:aws:iam::{DEV}:user/svc-*"),
    _allow("Logging", "bedrock:DeleteModelInvocationLoggingConfiguration", "*"),
    _allow("Trail", ["cloudtrail:StopLogging", "cloudtrail:GetTrailStatus"], TRAIL),
]


def build(
    alice: list[dict] | None = None,
    *,
    alice_boundary: list[dict] | None = None,
    scp_denies: list[dict] | None = None,
    ops_trusts_alice: bool = False,
    ops_trust: dict | None = None,
) -> ReachEngine:
    """The organisation; `alice` replaces her statements, the other arguments add a boundary,
    an SCP on the dev account, a trust from role `ops` to alice, or replace ops' trust."""
    nodes = [
        Node("r-root", "org_root"),
        Node(
            f"acct-{MGMT}",
            "account",
            name=MGMT,
            account=MGMT,
            props={"account_id": MGMT, "is_management": True},
        ),
        Node(f"acct-{DEV}", "account", name=DEV, account=DEV, props={"account_id": DEV}),
        Node(f"acct-{OTHER}", "account", name=OTHER, account=OTHER, props={"account_id": OTHER}),
        Node("scp-full", "scp", props={"document": _doc(_allow("All", "*", "*"))}),
        Node(ALICE, "user", account=DEV),
        Node("alice-inline", "inline_policy", props={"document": _doc(*(alice or ALICE_BASE))}),
        Node(SVC, "user", account=DEV),
        Node(
            "svc-inline",
            "inline_policy",
            props={
                "document": _doc(
                    _allow("Data", "s3:GetObject", "arn:aws:s3:::svc-data/*"),
                    _allow("Models", "bedrock:InvokeModel", "*"),
                    _allow("Ops", "sts:AssumeRole", OPS),
                )
            },
        ),
        Node(BOB, "user", account=DEV),
        Node(
            "bob-inline",
            "inline_policy",
            props={"document": _doc(_allow("Bob", "s3:GetObject", "arn:aws:s3:::bob-data/*"))},
        ),
        Node(OUTSIDER, "user", account=OTHER),
        Node(
            "outsider-inline",
            "inline_policy",
            props={
                "document": _doc(
                    _allow("All", ["bedrock:*", "cloudtrail:*", "iam:CreateAccessKey"], "*")
                )
            },
        ),
        Node(
            OPS,
            "role",
            account=DEV,
            props={
                "trust_policy": ops_trust
                or _trust({"AWS": [SVC, *([ALICE] if ops_trusts_alice else [])]})
            },
        ),
        Node(
            "ops-inline",
            "inline_policy",
            props={"document": _doc(_allow("Ops", "s3:ListBucket", "arn:aws:s3:::ops-data"))},
        ),
        Node(
            KB_ROLE,
            "role",
            account=DEV,
            props={"trust_policy": _trust({"Service": "bedrock.amazonaws.com"})},
        ),
        Node(
            "kb-inline",
            "inline_policy",
            props={"document": _doc(_allow("Read", ["s3:GetObject", "s3:PutObject"], "*"))},
        ),
        Node(
            AGENT_ROLE,
            "role",
            account=DEV,
            props={"trust_policy": _trust({"Service": "bedrock.amazonaws.com"})},
        ),
        Node(
            "agent-inline",
            "inline_policy",
            props={"document": _doc(_allow("Invoke", ["bedrock:InvokeModel", "s3:*"], "*"))},
        ),
        Node(
            FN_ROLE,
            "role",
            account=DEV,
            props={"trust_policy": _trust({"Service": "lambda.amazonaws.com"})},
        ),
        Node(
            "fn-inline",
            "inline_policy",
            props={"document": _doc(_allow("Db", "secretsmanager:GetSecretValue", SECRET))},
        ),
        Node(KB, "knowledge_base", account=DEV),
        Node(DS, "data_source", account=DEV),
        Node(AGENT, "agent", account=DEV),
        Node(ALIAS, "agent_alias", account=DEV),
        Node(GROUP, "agent_action_group", account=DEV),
        Node(FN, "lambda_function", account=DEV),
        Node(MODEL, "foundation_model"),
        Node(SECRET, "secret", account=DEV),
        Node(LOGGING, "invocation_logging", account=DEV, region="us-east-1"),
        Node(TRAIL, "trail", account=DEV, region="us-east-1"),
        *(_bucket(n) for n in ("kb-source", "svc-data", "bob-data", "ops-data", "other")),
    ]
    edges = [
        Edge(f"acct-{DEV}", "r-root", "member_of"),
        Edge(f"acct-{MGMT}", "r-root", "member_of"),
        Edge("scp-full", "r-root", "policy_applies_to"),
        Edge("scp-full", f"acct-{DEV}", "policy_applies_to"),
        Edge(ALICE, "alice-inline", "attached_policy"),
        Edge(SVC, "svc-inline", "attached_policy"),
        Edge(BOB, "bob-inline", "attached_policy"),
        Edge(OUTSIDER, "outsider-inline", "attached_policy"),
        Edge(OPS, "ops-inline", "attached_policy"),
        Edge(KB_ROLE, "kb-inline", "attached_policy"),
        Edge(AGENT_ROLE, "agent-inline", "attached_policy"),
        Edge(FN_ROLE, "fn-inline", "attached_policy"),
        Edge(KB, KB_ROLE, "runs_as"),
        Edge(KB, DS, "reads_data_source"),
        Edge(DS, "arn:aws:s3:::kb-source", "stored_in"),
        Edge(AGENT, ALIAS, "has_alias"),
        Edge(AGENT, AGENT_ROLE, "runs_as"),
        Edge(AGENT, MODEL, "uses_model"),
        Edge(AGENT, GROUP, "has_action_group"),
        Edge(GROUP, FN, "invokes_function"),
        Edge(FN, FN_ROLE, "runs_as"),
    ]
    if alice_boundary is not None:
        nodes.append(
            Node("alice-boundary", "managed_policy", props={"document": _doc(*alice_boundary)})
        )
        edges.append(Edge(ALICE, "alice-boundary", "permissions_boundary"))
    if scp_denies:
        nodes.append(Node("scp-deny", "scp", props={"document": _doc(*scp_denies)}))
        edges.append(Edge("scp-deny", f"acct-{DEV}", "policy_applies_to"))
    store = MemoryGraphStore()
    store.upsert_nodes(nodes)
    store.upsert_edges(edges)
    return ReachEngine(AccessInputs(store))


def _report(engine: ReachEngine, subject: str = ALICE) -> dict[str, dict]:
    report = reach_report(engine, resolve_subject(engine.store, subject, None))
    dumped = report.model_dump(by_alias=True)
    ReachReport.model_validate(dumped)
    return {r["arn"]: r for r in dumped["potential"]["resources"]}


# ------------------------------------------------------------------- roles behind AI applications
def test_a_knowledge_base_role_is_listed_as_proxy_reach() -> None:
    out = _report(build())
    kb_role = out[KB_ROLE]
    assert kb_role["type"] == "role" and kb_role["actions"] == ["bedrock:Retrieve"]
    assert kb_role["proxy"] and kb_role["proxy_via"] == [KB]
    assert kb_role["proxy_limits"] == ["reads only the knowledge base's sources"]
    path = kb_role["paths"][0]
    assert [h["edge"] for h in path] == ["can_access", "runs_as"]
    assert path[0]["granted_by"] == "alice-inline#Rag"  # the statement allowing retrieval
    # what the role reaches for alice stays what retrieval does: its sources, read only
    assert set(out["arn:aws:s3:::kb-source"]["actions"]) == {"s3:GetObject"}
    assert "arn:aws:s3:::other" not in out


def test_agent_and_action_group_function_roles_are_listed_as_proxy_reach() -> None:
    out = _report(build())
    agent = out[AGENT_ROLE]
    assert agent["proxy"] and agent["proxy_via"] == [AGENT]
    assert agent["actions"] == ["bedrock:InvokeAgent"]
    assert [h["edge"] for h in agent["paths"][0]] == ["can_access", "runs_as"]
    fn = out[FN_ROLE]
    assert fn["proxy"] and fn["proxy_via"] == [FN]
    assert [h["edge"] for h in fn["paths"][0]] == [
        "can_access",
        "has_action_group",
        "invokes_function",
        "runs_as",
    ]
    # the agent role invokes the agent's model only, never its s3:* for alice
    assert set(out[MODEL]["actions"]) >= {"bedrock:InvokeModel"}
    assert "arn:aws:s3:::other" not in out
    assert out[SECRET]["actions"] == ["secretsmanager:GetSecretValue"]


def test_a_role_also_assumed_is_not_proxy_reach() -> None:
    alice = [*ALICE_BASE, _allow("Ops", "sts:AssumeRole", OPS)]
    out = _report(build(alice, ops_trusts_alice=True))
    assert not out[OPS]["proxy"] and out[OPS]["proxy_via"] == []


@pytest.mark.parametrize(
    "variant",
    [
        {"alice": [*ALICE_BASE, _deny("NoRag", ["bedrock:Retrieve", "bedrock:InvokeAgent"])]},
        {"alice_boundary": [_allow("OnlyIam", "iam:*", "*")]},
        {"scp_denies": [_deny("NoAi", "bedrock:*")]},
    ],
    ids=["identity-deny", "boundary", "scp"],
)
def test_no_entry_action_no_proxy_roles(variant: dict) -> None:
    reach = build(**variant).reach(ALICE)
    assert not {KB_ROLE, AGENT_ROLE, FN_ROLE} & set(reach)
    assert SECRET not in reach and "arn:aws:s3:::kb-source" not in reach


# ------------------------------------------------------------------------------ user take-over
def test_create_access_key_on_a_user_is_a_way_in_and_the_walk_follows_it() -> None:
    engine = build()
    out = _report(engine)
    svc = out[SVC]
    assert svc["type"] == "user" and svc["actions"] == ["iam:CreateAccessKey"]
    assert svc["access_levels"] == ["Permissions management"] and not svc["proxy"]
    hop = svc["paths"][0][0]
    assert (hop["from"], hop["to"], hop["edge"]) == (ALICE, SVC, "can_access")
    assert hop["granted_by"] == "gs-iam-create-access-key (alice-inline#Keys)"
    # as svc-bot: its data, and the role it may assume (an identity hop like assumption)
    data = out["arn:aws:s3:::svc-data"]
    assert [h["edge"] for h in data["paths"][0]] == ["can_access", "can_access"]
    assert [h["edge"] for h in out[OPS]["paths"][0]] == ["can_access", "can_assume"]
    assert "arn:aws:s3:::ops-data" in out
    # the Resource pattern user/svc-* leaves bob out
    assert BOB not in out and "arn:aws:s3:::bob-data" not in out


def test_a_service_credential_acts_as_the_user_for_that_service_only() -> None:
    alice = [_allow("Api", "iam:CreateServiceSpecificCredential", SVC)]
    out = _report(build(alice))
    svc = out[SVC]
    assert svc["actions"] == ["iam:CreateServiceSpecificCredential"] and svc["proxy"]
    assert svc["proxy_limits"] and svc["proxy_limits"][0].startswith("gs-iam-service-credential")
    assert "bedrock:InvokeModel" in out[MODEL]["actions"]  # a Bedrock API key invokes models
    assert "arn:aws:s3:::svc-data" not in out  # ... but reads no S3
    assert OPS not in out  # ... and assumes no role


def test_a_conditional_grant_makes_the_take_over_conditional() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    alice = [_allow("Keys", "iam:CreateAccessKey", SVC, Condition=mfa)]
    reached = build(alice).reach(ALICE)[SVC]
    grant = reached.grants["iam:CreateAccessKey"]
    assert grant.outcome.decision is Decision.CONDITIONAL and reached.conditional
    assert any("MultiFactorAuthPresent" in c.text for c in grant.outcome.conditions)


def test_own_keys_are_no_hop() -> None:
    alice = [_allow("Self", "iam:CreateAccessKey", ALICE)]
    engine = build(alice)
    assert engine.reach(ALICE) == {}
    assert hops_of(engine, ALICE) == []


@pytest.mark.parametrize(
    "variant",
    [
        {"alice": [*ALICE_BASE, _deny("NoKeys", "iam:CreateAccessKey", SVC)]},
        {"alice_boundary": [_allow("NoIam", ["bedrock:*", "cloudtrail:*"], "*")]},
        {"scp_denies": [_deny("NoKeys", ["iam:CreateAccessKey", "iam:CreateLoginProfile"])]},
    ],
    ids=["identity-deny", "boundary", "scp"],
)
def test_a_deny_boundary_or_scp_removes_the_take_over(variant: dict) -> None:
    reach = build(**variant).reach(ALICE)
    assert SVC not in reach and "arn:aws:s3:::svc-data" not in reach and OPS not in reach


def test_the_take_over_is_an_identity_hop_with_its_own_edge() -> None:
    alice = [
        _allow("Keys", "iam:CreateAccessKey", SVC),
        _allow("Api", "iam:CreateServiceSpecificCredential", SVC),
    ]
    hops = [h for h in hops_of(build(alice), ALICE) if h.dst == SVC]
    by_path = {h.granted_by.split(" ")[0]: h for h in hops}
    assert set(by_path) == {"gs-iam-create-access-key", "gs-iam-service-credential"}
    assert by_path["gs-iam-create-access-key"].walks_on
    assert not by_path["gs-iam-service-credential"].walks_on
    edges = {hop_edge(h).ident for h in hops}
    assert len(edges) == 2  # two ways in, two potential edges (each with its limit)
    assert all(h.edge == "can_access" and h.via == () for h in hops)


def test_no_cross_account_take_over_without_the_users_account() -> None:
    # the outsider may CreateAccessKey on "*", but IAM users take no resource policy
    reach = build().reach(OUTSIDER)
    assert SVC not in reach and ALICE not in reach


# --------------------------------------------------------------------------- logging controls
def test_the_subject_can_switch_logging_off() -> None:
    out = _report(build())
    logging = out[LOGGING]
    assert logging["type"] == "invocation_logging"
    assert logging["actions"] == ["bedrock:DeleteModelInvocationLoggingConfiguration"]
    assert [(h["edge"], h["granted_by"]) for h in logging["paths"][0]] == [
        ("can_access", "alice-inline#Logging")
    ]
    assert set(out[TRAIL]["actions"]) == {"cloudtrail:StopLogging", "cloudtrail:GetTrailStatus"}


def test_logging_actions_need_resource_star() -> None:
    """Bedrock's logging actions take no resource: a statement naming an ARN does not grant."""
    alice = [
        _allow(
            "Arn",
            "bedrock:DeleteModelInvocationLoggingConfiguration",
            f"arn:aws:bedrock:us-east-1:{DEV}:*",
        )
    ]
    assert LOGGING not in build(alice).reach(ALICE)


@pytest.mark.parametrize(
    "variant",
    [
        {"alice": [*ALICE_BASE, _deny("Keep", ["bedrock:Delete*", "cloudtrail:StopLogging"])]},
        {"alice_boundary": [_allow("Ai", ["bedrock:Retrieve", "bedrock:InvokeAgent"], "*")]},
        {"scp_denies": [_deny("Protect", ["bedrock:*Logging*", "cloudtrail:StopLogging"])]},
    ],
    ids=["identity-deny", "boundary", "scp"],
)
def test_a_deny_boundary_or_scp_protects_logging(variant: dict) -> None:
    reach = build(**variant).reach(ALICE)
    assert LOGGING not in reach
    assert "cloudtrail:StopLogging" not in (reach[TRAIL].grants if TRAIL in reach else {})


def test_another_account_cannot_touch_this_accounts_logging() -> None:
    reach = build().reach(OUTSIDER)
    assert LOGGING not in reach and TRAIL not in reach


# ------------------------------------------------------------------------ reverse and reference
def _view(reached: Reached) -> object:
    grants = {
        a: (g.access_level, g.outcome.decision, g.outcome.conditions, g.granted_by)
        for a, g in sorted(reached.grants.items())
    }
    return grants, reached.paths


VARIANTS: list[Callable[[], ReachEngine]] = [
    build,
    lambda: build([_allow("Api", "iam:CreateServiceSpecificCredential", SVC)]),
]


@pytest.mark.parametrize("make", VARIANTS, ids=["base", "service-credential"])
def test_who_can_and_the_exhaustive_reference_agree(make: Callable[[], ReachEngine]) -> None:
    engine = make()
    reference = ReachEngine(AccessInputs(engine.store), exhaustive=True)
    principals = sorted(n.id for n in engine.inputs.principals())
    for p in principals:
        got = {k: _view(v) for k, v in engine.reach(p).items()}
        assert got == {k: _view(v) for k, v in reference.reach(p).items()}, p
    for target in (KB_ROLE, AGENT_ROLE, FN_ROLE, SVC, OPS, LOGGING, TRAIL):
        fast = {p: _view(r) for p, r in engine.who_reaches(target).items()}
        slow = {}
        for p in principals:
            r = engine.reach(p, only=frozenset({target})).get(target)
            if r is not None:
                slow[p] = _view(r)
        assert fast == slow, target
    assert ALICE in {p for p, _ in engine.who_reaches(SVC).items()}


# ------------------------------------------------------------------ conditions along the path
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
MFA_TRUST = _doc(
    {"Effect": "Allow", "Principal": {"AWS": SVC}, "Action": "sts:AssumeRole"},
    {
        "Sid": "AliceWithMfa",
        "Effect": "Allow",
        "Principal": {"AWS": ALICE},
        "Action": "sts:AssumeRole",
        "Condition": MFA,
    },
)


def test_a_condition_on_a_hop_carries_to_what_is_reached_through_it() -> None:
    """alice becomes ops only with MFA: what ops reaches needs MFA too, in every engine."""
    alice = [_allow("Ops", "sts:AssumeRole", OPS)]
    engine = build(alice, ops_trust=MFA_TRUST)
    reach = engine.reach(ALICE)
    assert reach[OPS].conditional  # the hop itself
    data = reach["arn:aws:s3:::ops-data"]
    assert data.conditional
    grant = data.grants["s3:ListBucket"]
    assert any("MultiFactorAuthPresent" in c.text for c in grant.outcome.conditions)
    plain = ReachEngine(engine.inputs, grouped=False).reach(ALICE)["arn:aws:s3:::ops-data"]
    assert plain.grants == data.grants
    assert engine.who_reaches("arn:aws:s3:::ops-data")[ALICE].grants == data.grants


def test_an_unconditional_second_way_keeps_the_access_unconditional() -> None:
    """Guard for the fix above: alice assumes ops only with MFA, but svc-bot (taken over
    without a condition) assumes it freely, so ops-data is reachable without MFA."""
    alice = [_allow("Ops", "sts:AssumeRole", OPS), _allow("Keys", "iam:CreateAccessKey", SVC)]
    reach = build(alice, ops_trust=MFA_TRUST).reach(ALICE)
    assert reach[OPS].conditional is False  # svc-bot's way needs no MFA
    data = reach["arn:aws:s3:::ops-data"]
    assert not data.conditional
    assert data.grants["s3:ListBucket"].outcome.decision is Decision.ALLOW
