"""Potential paths on the hand-built organisation snapshot (tests/inventory/data/org-snapshot)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphscope.access.identity_edges import hops_of
from graphscope.access.inputs import AccessInputs
from graphscope.access.reach import Reached, ReachEngine
from graphscope.iam import Decision
from graphscope.ingest.inventory import load_inventory

SNAP = Path(__file__).resolve().parents[1] / "inventory" / "data" / "org-snapshot"
MGMT, PROD = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{PROD}:user/dev-alice"
CI_BOT = f"arn:aws:iam::{PROD}:user/ci-bot"
OPS_ADMIN = f"arn:aws:iam::{MGMT}:user/ops-admin"
ANALYST = f"arn:aws:iam::{PROD}:role/analyst"
AUDIT = f"arn:aws:iam::{MGMT}:role/AuditReader"
ORG_ACCESS = f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole"
NOTEBOOK_ROLE = f"arn:aws:iam::{PROD}:role/NotebookRole"
TRAINING = "arn:aws:s3:::acme-training-data"


@pytest.fixture(scope="module")
def engine() -> ReachEngine:
    inv = load_inventory([SNAP])
    return ReachEngine(AccessInputs(inv.store))


def _edges(reached: Reached) -> list[list[str]]:
    return [[h.edge for h in p] for p in reached.paths]


def test_two_hop_cross_account_chain_is_conditional_on_mfa(engine: ReachEngine) -> None:
    reach = engine.reach(ALICE)
    assert reach[ANALYST].grants["sts:AssumeRole"].outcome.decision is Decision.ALLOW
    audit = reach[AUDIT].grants["sts:AssumeRole"].outcome
    assert audit.decision is Decision.CONDITIONAL
    assert any("MultiFactorAuthPresent" in c.text for c in audit.conditions)
    # the bucket policy in ml-prod grants the management account's AuditReader: cross-account read
    training = reach[TRAINING]
    assert any(e[:2] == ["can_assume", "can_assume"] for e in _edges(training))


def test_boundary_cuts_pass_role_and_delete(engine: ReachEngine) -> None:
    reach = engine.reach(CI_BOT)
    for reached in reach.values():
        assert "iam:PassRole" not in reached.grants
        assert "s3:DeleteObject" not in reached.grants


def test_pass_role_into_a_notebook_honours_passed_to_service(engine: ReachEngine) -> None:
    reach = engine.reach(ALICE)
    hops = [p[-1] for p in reach[NOTEBOOK_ROLE].paths]
    assert any(h.edge == "can_pass_role_to" and "sagemaker" in h.granted_by for h in hops)


def test_scp_cuts_an_action_in_the_member_account_but_not_the_management_account(
    engine: ReachEngine,
) -> None:
    reach = engine.reach(OPS_ADMIN)
    # ops-admin becomes OrganizationAccountAccessRole in ml-prod (cross-account, the other way) ...
    assert reach[ORG_ACCESS].grants["sts:AssumeRole"].outcome.decision is Decision.ALLOW
    training = reach[TRAINING]
    assert "s3:GetObject" in training.grants
    # ... where the OU's DenyAIDestruction SCP removes s3:DeleteBucket
    assert "s3:DeleteBucket" not in training.grants
    # in the management account no SCP binds: DeleteBucket on its own trail bucket stays
    assert "s3:DeleteBucket" in reach["arn:aws:s3:::acme-org-trail"].grants


AGENT_ALIAS = f"arn:aws:bedrock:us-east-1:{PROD}:agent-alias/AGENT00001/ALIAS00001"
KB_DOCS = "arn:aws:s3:::acme-kb-docs"
AGENT_MODEL = (
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
)


def test_invoke_agent_reaches_what_the_agent_role_and_its_knowledge_base_reach(
    engine: ReachEngine,
) -> None:
    reach = engine.reach(ALICE)
    assert "bedrock:InvokeAgent" in reach[AGENT_ALIAS].grants
    hops = hops_of(engine, ALICE)
    via_agent = {h.dst: h for h in hops if h.via and h.via[0] == AGENT_ALIAS}
    # the agent acts with its own role, its knowledge base's role and its action group's function
    assert {r.rsplit("/", 1)[1] for r in via_agent} == {
        "BedrockAgentRole", "BedrockKbRole", "OrderLookupLambdaRole",
    }  # fmt: skip
    kb_hop = via_agent[f"arn:aws:iam::{PROD}:role/BedrockKbRole"]
    assert [s.edge for s in kb_hop.steps] == ["can_access", "uses_knowledge_base", "runs_as"]
    assert kb_hop.granted_by.startswith("arn:aws:iam::")  # the statement allowing InvokeAgent
    assert KB_DOCS in kb_hop.limit_resources and "s3:getobject" in kb_hop.limit
    # what the knowledge base reads is reached, but only as a knowledge base reads: no writes
    docs = reach[KB_DOCS]
    assert "s3:GetObject" in docs.grants
    kb_paths = [p for p in docs.paths if any(h.dst.endswith("role/BedrockKbRole") for h in p)]
    assert kb_paths
    # the agent's own role invokes the agent's model for the caller
    model = reach[AGENT_MODEL]
    assert any(
        [h.edge for h in p][-2:] == ["runs_as", "can_access"]
        and p[-2].dst.endswith("role/BedrockAgentRole")
        and p[0].dst == AGENT_ALIAS
        for p in model.paths
    ), [[h.edge for h in p] for p in model.paths]
