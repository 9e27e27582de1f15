"""Potential reach on a small hand-built graph: each kind of hop, with its granting statement."""

from __future__ import annotations

import pytest

from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import ReachEngine
from graphscope.iam import Decision
from graphscope.model import Edge, Node
from graphscope.store import MemoryGraphStore

MGMT, DEV = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{DEV}:user/alice"
ANALYST = f"arn:aws:iam::{DEV}:role/analyst"
KB_ROLE = f"arn:aws:iam::{DEV}:role/kb-role"
NB_ROLE = f"arn:aws:iam::{DEV}:role/nb-role"
LAMBDA_ROLE = f"arn:aws:iam::{DEV}:role/fn-role"
KB = f"arn:aws:bedrock:us-east-1:{DEV}:knowledge-base/KB1"
DS = f"arn:aws:bedrock:us-east-1:{DEV}:knowledge-base/KB1/data-source/DS1"


def _doc(*stmts: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def _bucket(name: str, account: str = DEV, policy: dict | None = None) -> Node:
    props = {"resource_policy": policy} if policy else {}
    return Node(f"arn:aws:s3:::{name}", "s3_bucket", account=account, props=props)


def _trust(principal: dict) -> dict:
    return _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


@pytest.fixture()
def engine() -> ReachEngine:
    st = MemoryGraphStore()
    st.upsert_nodes(
        [
            Node("r-root", "org_root"),
            Node("ou-dev", "org_unit"),
            Node(
                f"acct-{MGMT}",
                "account",
                name=MGMT,
                account=MGMT,
                props={"account_id": MGMT, "is_management": True},
            ),
            Node(f"acct-{DEV}", "account", name=DEV, account=DEV, props={"account_id": DEV}),
            Node(
                "scp-all",
                "scp",
                props={"document": _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})},
            ),
            Node(
                "scp-nodelete",
                "scp",
                props={
                    "document": _doc(
                        {
                            "Sid": "NoDelete",
                            "Effect": "Deny",
                            "Action": "s3:DeleteObject",
                            "Resource": "*",
                        }
                    )
                },
            ),
            Node(ALICE, "user", account=DEV),
            Node(
                "alice-inline",
                "inline_policy",
                props={
                    "document": _doc(
                        {
                            "Sid": "Assume",
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Resource": ANALYST,
                        },
                        {
                            "Sid": "Rag",
                            "Effect": "Allow",
                            "Action": "bedrock:Retrieve",
                            "Resource": KB,
                        },
                        {
                            "Sid": "Office",
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::office/*",
                            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                        },
                        {
                            "Sid": "Pass",
                            "Effect": "Allow",
                            "Action": "iam:PassRole",
                            "Resource": NB_ROLE,
                        },
                        {
                            "Sid": "Notebook",
                            "Effect": "Allow",
                            "Action": "sagemaker:CreateNotebookInstance",
                            "Resource": "*",
                        },
                    )
                },
            ),
            Node(
                ANALYST,
                "role",
                account=DEV,
                props={"trust_policy": _trust({"AWS": f"arn:aws:iam::{DEV}:root"})},
            ),
            Node(
                "analyst-policy",
                "inline_policy",
                props={
                    "document": _doc(
                        {
                            "Sid": "Data",
                            "Effect": "Allow",
                            "Action": "s3:*",
                            "Resource": ["arn:aws:s3:::secret-data", "arn:aws:s3:::secret-data/*"],
                        }
                    )
                },
            ),
            Node(
                "read-only-boundary",
                "managed_policy",
                props={
                    "document": _doc(
                        {
                            "Effect": "Allow",
                            "Action": ["s3:Get*", "s3:List*", "sts:AssumeRole"],
                            "Resource": "*",
                        }
                    )
                },
            ),
            Node(
                KB_ROLE,
                "role",
                account=DEV,
                props={"trust_policy": _trust({"Service": "bedrock.amazonaws.com"})},
            ),
            Node(
                "kb-policy",
                "inline_policy",
                props={
                    "document": _doc(
                        {
                            "Sid": "Read",
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
                            "Resource": "*",
                        }
                    )
                },
            ),
            Node(
                NB_ROLE,
                "role",
                account=DEV,
                props={"trust_policy": _trust({"Service": "sagemaker.amazonaws.com"})},
            ),
            Node(
                "nb-policy",
                "inline_policy",
                props={
                    "document": _doc(
                        {
                            "Sid": "Models",
                            "Effect": "Allow",
                            "Action": "s3:ListBucket",
                            "Resource": "arn:aws:s3:::models",
                        }
                    )
                },
            ),
            Node(
                LAMBDA_ROLE,
                "role",
                account=DEV,
                props={"trust_policy": _trust({"Service": "lambda.amazonaws.com"})},
            ),
            Node(KB, "knowledge_base", account=DEV),
            Node(DS, "data_source", account=DEV),
            _bucket("kb-source"),
            _bucket("other"),
            _bucket("office"),
            _bucket("models"),
            _bucket(
                "secret-data",
                policy=_doc(
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": ["arn:aws:s3:::secret-data", "arn:aws:s3:::secret-data/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ),
            ),
        ]
    )
    st.upsert_edges(
        [
            Edge("ou-dev", "r-root", "member_of"),
            Edge(f"acct-{DEV}", "ou-dev", "member_of"),
            Edge(f"acct-{MGMT}", "r-root", "member_of"),
            Edge("scp-all", "r-root", "policy_applies_to"),
            Edge("scp-all", "ou-dev", "policy_applies_to"),
            Edge("scp-nodelete", f"acct-{DEV}", "policy_applies_to"),
            Edge("scp-all", f"acct-{DEV}", "policy_applies_to"),
            Edge(ALICE, "alice-inline", "attached_policy"),
            Edge(ANALYST, "analyst-policy", "attached_policy"),
            Edge(ANALYST, "read-only-boundary", "permissions_boundary"),
            Edge(KB_ROLE, "kb-policy", "attached_policy"),
            Edge(NB_ROLE, "nb-policy", "attached_policy"),
            Edge(KB, KB_ROLE, "runs_as"),
            Edge(KB, DS, "reads_data_source"),
            Edge(DS, "arn:aws:s3:::kb-source", "stored_in"),
        ]
    )
    return ReachEngine(AccessInputs(st))


def test_role_assumption_with_the_granting_statements(engine: ReachEngine) -> None:
    reach = engine.reach(ALICE)
    analyst = reach[ANALYST]
    assert analyst.grants["sts:AssumeRole"].outcome.decision is Decision.ALLOW
    hop = analyst.paths[0][0]
    assert (hop.src, hop.dst, hop.edge) == (ALICE, ANALYST, "can_assume")
    assert "alice-inline#Assume" in hop.granted_by


def test_boundary_cuts_what_the_assumed_role_may_do(engine: ReachEngine) -> None:
    data = engine.reach(ALICE)["arn:aws:s3:::secret-data"]
    actions = set(data.grants)
    assert {"s3:GetObject", "s3:ListBucket"} <= actions
    assert "s3:PutObject" not in actions and "s3:DeleteBucket" not in actions
    # the TLS-only deny is met by the caller: allowed, with the assumption recorded
    get = data.grants["s3:GetObject"].outcome
    assert get.decision is Decision.ALLOW
    assert any("SecureTransport" in c.text for c in get.assumptions)
    assert [h.edge for h in data.paths[0]] == ["can_assume", "can_access"]


def test_conditional_grant_is_kept_with_its_condition(engine: ReachEngine) -> None:
    office = engine.reach(ALICE)["arn:aws:s3:::office"]
    grant = office.grants["s3:GetObject"]
    assert grant.outcome.decision is Decision.CONDITIONAL
    assert office.conditional
    assert any("aws:SourceIp" in c.text for c in grant.outcome.conditions)


def test_knowledge_base_reads_its_sources_for_the_caller_and_nothing_else(
    engine: ReachEngine,
) -> None:
    reach = engine.reach(ALICE)
    source = reach["arn:aws:s3:::kb-source"]
    assert set(source.grants) == {"s3:GetObject", "s3:ListBucket"}  # not PutObject: a proxy reads
    edges = [h.edge for h in source.paths[0]]
    assert edges == ["can_access", "runs_as", "can_access"]
    assert "arn:aws:s3:::other" not in reach  # the KB role can read it, but not through retrieval


def test_pass_role_into_a_notebook_yields_the_notebook_role(engine: ReachEngine) -> None:
    reach = engine.reach(ALICE)
    nb = reach[NB_ROLE]
    hop = nb.paths[0][-1]
    assert hop.edge == "can_pass_role_to" and hop.granted_by.startswith("sagemaker-001")
    assert "s3:ListBucket" in reach["arn:aws:s3:::models"].grants
    # a role that does not trust the service cannot be passed to it
    assert LAMBDA_ROLE not in reach


def test_who_can_and_path_answer_with_the_contract(engine: ReachEngine) -> None:
    from graphscope.queries.potential import paths_between, who_can

    report = who_can(engine, "arn:aws:s3:::secret-data", access_level="Read")
    by_arn = {p.arn: p for p in report.principals}
    # kb-role reads every bucket itself; alice only through the analyst role, not through the KB
    assert set(by_arn) == {ALICE, ANALYST, KB_ROLE}
    assert [h.edge for h in by_arn[ALICE].paths[0]] == ["can_assume", "can_access"]
    assert "s3:GetObject" in by_arn[ALICE].actions
    dumped = report.model_dump(by_alias=True)
    hop = dumped["principals"][0]["paths"][0][0]
    assert set(hop) == {"from", "to", "edge", "granted_by"}
    paths = paths_between(engine, ALICE, "arn:aws:s3:::kb-source").model_dump(by_alias=True)[
        "paths"
    ]
    assert paths and paths[0][0]["from"] == ALICE and paths[0][-1]["to"] == "arn:aws:s3:::kb-source"
