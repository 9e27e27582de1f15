"""The JSON contract shared by `activity`, `scope` and the API (issue 5), as pydantic models.

Blocks are added here, never renamed: `observed` and `coverage` are filled by the activity
overlay; `potential` is filled by the reach engine; `containment` joins with the scope report.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graphscope.schema import ELEMENTS


class ContractModel(BaseModel):
    """Unknown fields are refused: the contract is exact in both directions."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Subject(ContractModel):
    input: str
    access_key_id: str | None
    principal_arn: str | None  # None only when the subject never appears in the logs given


class Window(ContractModel):
    since: str | None
    until: str | None


class ObservedSession(ContractModel):
    access_key_id: str
    principal_arn: str
    issued_by: str | None
    first_seen: str
    last_seen: str
    source_ips: list[str]
    user_agents: list[str]


class ElementItem(ContractModel):
    event_source: str
    event_name: str
    count: int
    error_count: int
    resources: list[str]
    first_seen: str
    last_seen: str


class CreatedResource(ContractModel):
    arn: str | None
    name: str
    event_name: str
    event_time: str


class InvocationSummary(ContractModel):
    model_id: str
    source: Literal["invocation-log", "cloudtrail"]
    count: int
    input_tokens: int | None
    output_tokens: int | None
    estimated_cost_usd: float | None


class Observed(ContractModel):
    sessions: list[ObservedSession]
    elements: dict[str, list[ElementItem]]
    resources: list[str]
    created_resources: list[CreatedResource]
    invocations: list[InvocationSummary]
    source_ips: list[str]
    user_agents: list[str]

    @field_validator("elements")
    @classmethod
    def _seven_elements(cls, v: dict[str, list[ElementItem]]) -> dict[str, list[ElementItem]]:
        if list(v) != list(ELEMENTS):
            raise ValueError(f"elements must be keyed by exactly {list(ELEMENTS)}, in order")
        return v


class Gap(ContractModel):
    source: str
    detail: str
    since: str | None


class Coverage(ContractModel):
    gaps: list[Gap]


class ActivityReport(ContractModel):
    """`graphscope activity --format json`."""

    subject: Subject
    window: Window
    observed: Observed
    coverage: Coverage


# --- potential access: `reach`, `who-can`, `path`, and the scope report's `potential` block ---


class HopOut(ContractModel):
    from_: str = Field(alias="from")
    to: str
    edge: str
    granted_by: str


class ConditionOut(ContractModel):
    """An open condition: the access holds only if it does (must hold) or does not (must not hold)."""

    statement: str
    polarity: str
    condition: str
    actions: list[str]


class PotentialResource(ContractModel):
    arn: str
    type: str
    component: str
    actions: list[str]
    access_levels: list[str]
    conditional: bool
    conditions: list[ConditionOut]
    paths: list[list[HopOut]]
    # extensions (the contract grows, never breaks)
    conditional_actions: list[str] = []
    assumptions: list[ConditionOut] = []


class Potential(ContractModel):
    resources: list[PotentialResource]


class ReachReport(ContractModel):
    subject: Subject
    potential: Potential


class WhoCanPrincipal(ContractModel):
    arn: str
    actions: list[str]
    conditional: bool
    conditions: list[ConditionOut]
    paths: list[list[HopOut]]


class WhoCanReport(ContractModel):
    resource: str
    principals: list[WhoCanPrincipal]


class PathReport(ContractModel):
    paths: list[list[HopOut]]


# --- the scope report: `graphscope scope --format json` and `POST /v1/scope` ---


class ContainmentStep(ContractModel):
    action: str
    command: str


class ScopeReport(ContractModel):
    """The product's main answer: potential + observed + coverage + containment for one subject."""

    subject: Subject
    window: Window
    potential: Potential
    observed: Observed
    coverage: Coverage
    containment: list[ContainmentStep]
