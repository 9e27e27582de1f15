"""Bedrock cost estimates from token counts and the dated price table in data/bedrock_prices.toml.

An attacker running up a model bill (LLMjacking) is a finding a responder must size; the table is
data with its date and source so the report can say exactly what the estimate rests on.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

_PROFILE_PREFIX = re.compile(r"^(?:us|eu|apac|us-gov|ca|jp|au|global)\.")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    input_per_1k: float
    output_per_1k: float


@dataclass(frozen=True, slots=True)
class PriceTable:
    as_of: str
    source: str
    currency: str
    models: dict[str, ModelPrice]

    def price(self, model_id: str) -> ModelPrice | None:
        """The price of a model id, foundation-model ARN or cross-region inference profile id."""
        return self.models.get(base_model_id(model_id))


def base_model_id(model_id: str) -> str:
    """'arn:...:foundation-model/us.anthropic.x-v1:0:200k' -> 'anthropic.x-v1' (the table's key)."""
    mid = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    mid = _PROFILE_PREFIX.sub("", mid)
    return mid.split(":", 1)[0]


@cache
def price_table() -> PriceTable:
    """Load the shipped table once; a malformed row fails loudly naming the model."""
    text = resources.files("graphscope.data").joinpath("bedrock_prices.toml").read_text("utf-8")
    data = tomllib.loads(text)
    models = {}
    for name, row in data.get("models", {}).items():
        try:
            models[name] = ModelPrice(float(row["input_per_1k"]), float(row["output_per_1k"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bedrock_prices.toml: bad row for {name!r}: {exc}") from None
    return PriceTable(str(data["as_of"]), str(data["source"]), str(data["currency"]), models)


def estimate_usd(
    model_id: str, input_tokens: int | None, output_tokens: int | None, table: PriceTable
) -> tuple[float | None, str | None]:
    """(cost, note): None with the reason when tokens or the model's price are unknown."""
    if input_tokens is None and output_tokens is None:
        return None, "tokens unknown"
    price = table.price(model_id)
    if price is None:
        return None, f"no price for {base_model_id(model_id)} in the table of {table.as_of}"
    cost = (input_tokens or 0) / 1000 * price.input_per_1k + (
        output_tokens or 0
    ) / 1000 * price.output_per_1k
    note = None
    if input_tokens is None or output_tokens is None:
        note = "some token counts unknown: a lower bound"
    return round(cost, 6), note
