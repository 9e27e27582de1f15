"""The shipped collect policy covers every operation, with action names that exist and only read."""

from __future__ import annotations

import json

from policy_sentry.querying.actions import get_action_data

from graphscope.ingest.collect_ops import EXTRA_ACTIONS, OPERATIONS, file_key, operation
from graphscope.ingest.collect_policy import POLICY_PATH, collect_policy, render


def test_shipped_policy_is_generated_from_the_table() -> None:
    assert POLICY_PATH.read_text() == render(), "run python -m graphscope.ingest.collect_policy"


def test_policy_covers_every_operation() -> None:
    actions = set(collect_policy()["Statement"][0]["Action"])
    assert {op.iam_action for op in OPERATIONS} <= actions
    assert {a for a, _ in EXTRA_ACTIONS} <= actions
    assert json.loads(POLICY_PATH.read_text())["Statement"][0]["Effect"] == "Allow"


def test_every_action_exists_and_is_read_only() -> None:
    for action in collect_policy()["Statement"][0]["Action"]:
        service, name = action.split(":")
        data = get_action_data(service, name)
        assert data and data.get(service), f"{action} is not in policy_sentry's action database"
        levels = {row["access_level"] for row in data[service]}
        assert levels <= {"List", "Read"}, (action, levels)


def test_table_is_well_formed() -> None:
    idents = [op.ident for op in OPERATIONS]
    assert len(idents) == len(set(idents))
    for op in OPERATIONS:
        for src in op.each:
            assert operation(op.service, src.operation) is not None, (op.ident, src.operation)
            assert set(src.params) | set(op.params) >= set(op.key), op.ident
    bedrock_ds = operation("bedrock-agent", "GetDataSource")
    assert file_key(bedrock_ds, {"knowledgeBaseId": "KB", "dataSourceId": "DS"}) == "KB__DS"
    secret = operation("secretsmanager", "GetResourcePolicy")
    assert file_key(secret, {"SecretId": "arn:aws:secretsmanager:r:1:secret:a/b"}) == (
        "arn%3Aaws%3Asecretsmanager%3Ar%3A1%3Asecret%3Aa%2Fb"
    )
