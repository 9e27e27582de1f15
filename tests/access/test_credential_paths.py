"""The credential paths (graphscope/data/credential_paths.toml) are well formed data."""

from __future__ import annotations

import pytest

from graphscope.escalation import EscalationMode, _parse, escalation_paths


def test_the_four_ways_into_a_user_are_declared() -> None:
    by_action = {p.actions: p for p in escalation_paths() if p.mode is EscalationMode.CREDENTIALS}
    assert set(by_action) == {
        ("iam:CreateAccessKey",),
        ("iam:CreateLoginProfile",),
        ("iam:UpdateLoginProfile",),
        ("iam:CreateServiceSpecificCredential",),
    }
    assert all(p.target_kinds == ("user",) and p.takes_over for p in by_action.values())
    # keys and passwords are the user itself; a service credential only works for its service
    assert by_action[("iam:CreateAccessKey",)].yields_actions is None
    service = by_action[("iam:CreateServiceSpecificCredential",)].yields_actions or ()
    assert {"bedrock:InvokeModel", "bedrock:Retrieve", "codecommit:GitPull"} <= set(service)
    assert not any(a.startswith(("s3:", "sts:", "iam:")) for a in service)
    # pathfinding.cloud's ids where the path exists there (iam-002/004/006), none invented
    assert {a: p.pathfinding_id for a, p in by_action.items()} == {
        ("iam:CreateAccessKey",): "iam-002",
        ("iam:CreateLoginProfile",): "iam-004",
        ("iam:UpdateLoginProfile",): "iam-006",
        ("iam:CreateServiceSpecificCredential",): None,
    }


def test_wildcards_in_yields_actions_are_expanded_and_must_match() -> None:
    path = _parse(
        {
            "id": "x-3",
            "name": "n",
            "mode": "credentials",
            "actions": ["iam:CreateAccessKey"],
            "target_kinds": ["user"],
            "yields_actions": ["bedrock:Invoke*", "s3:GetObject"],
        }
    )
    assert path.yields_actions is not None
    assert "bedrock:InvokeModel" in path.yields_actions and "s3:GetObject" in path.yields_actions
    assert "bedrock:DeleteGuardrail" not in path.yields_actions
    with pytest.raises(ValueError, match="matches no IAM action"):
        _parse({**_entry(), "yields_actions": ["nosuchservice:*"]})


def test_credentials_are_minted_for_users_only() -> None:
    with pytest.raises(ValueError, match="x-4: credentials are minted for users, not 'role'"):
        _parse({**_entry(), "target_kinds": ["role"]})


def _entry() -> dict[str, object]:
    return {
        "id": "x-4",
        "name": "n",
        "mode": "credentials",
        "actions": ["iam:CreateAccessKey"],
        "target_kinds": ["user"],
    }
