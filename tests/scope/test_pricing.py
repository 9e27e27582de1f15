"""The dated Bedrock price table and the estimates built on it."""

from __future__ import annotations

import re

import pytest

from graphscope.pricing import PriceTable, base_model_id, estimate_usd, price_table


def test_table_is_dated_and_sourced() -> None:
    t = price_table()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.as_of)
    assert "bedrock/pricing" in t.source and t.currency == "USD"
    assert t.models and all(p.input_per_1k > 0 and p.output_per_1k >= 0 for p in t.models.values())


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1"),
        ("us.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1"),
        ("global.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-sonnet-4-20250514-v1"),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0:48k",
            "anthropic.claude-3-haiku-20240307-v1",
        ),
        ("amazon.titan-embed-text-v2:0", "amazon.titan-embed-text-v2"),
    ],
)
def test_model_ids_in_their_shapes(given: str, base: str) -> None:
    assert base_model_id(given) == base
    assert price_table().price(given) is not None


def test_estimates() -> None:
    t = price_table()
    haiku = "anthropic.claude-3-haiku-20240307-v1:0"
    assert estimate_usd(haiku, 1_000_000, 1_000_000, t) == (0.25 + 1.25, None)
    assert estimate_usd(haiku, None, None, t) == (None, "tokens unknown")
    cost, note = estimate_usd(haiku, 4000, None, t)
    assert cost == 0.001 and note and "lower bound" in note
    cost, note = estimate_usd("acme.private-model-v1:0", 10, 10, t)
    assert cost is None and note and "no price for acme.private-model-v1" in note


def test_a_custom_table() -> None:
    from graphscope.pricing import ModelPrice

    t = PriceTable("2020-01-01", "test", "USD", {"x.model-v1": ModelPrice(1.0, 2.0)})
    assert estimate_usd("x.model-v1:0", 500, 250, t) == (1.0, None)
