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
    # extension: how the item was tied to the subject when not by its own sessions
    # (e.g. "time proximity" for calls an AI application's role made right after the subject's)
    attribution: str | None = None


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
    # A role or user the subject cannot use freely: it only makes an AI application or compute
    # act with it (`proxy_via`: those that act with the role), or holds a credential that works
    # for some services only. What the identity then reaches for the subject is cut to
    # `proxy_limits`; `actions` are what the subject does to make it act.
    proxy: bool = False
    proxy_via: list[str] = []
    proxy_limits: list[str] = []


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
    # extensions (the contract grows, never breaks)
    why: str | None = None
    account: str | None = None


# scope report extensions: what the Markdown/HTML report shows beyond the contract's blocks,
# kept in the JSON so the API can render the same report from a stored result


class Finding(ContractModel):
    """One thing the responder must act on, worst first; `weakened_by` are the coverage gaps
    that could hide more of the same (shown next to it)."""

    kind: str  # logging-disabled | data-read | compute-started | privilege-escalation | ...
    severity: Literal["critical", "high", "medium", "low", "info"]
    title: str
    evidence: list[str]
    first_seen: str | None = None
    weakened_by: list[Gap] = []


class ComponentCount(ContractModel):
    component: str
    potential: int
    observed: int


class Headline(ContractModel):
    who: str
    principal_arn: str | None
    first_seen: str | None
    last_seen: str | None
    sessions: int
    accounts: list[str]
    reach: list[ComponentCount]
    findings: list[Finding]
    estimated_cost_usd: float | None
    notes: list[str] = []


class TimelineEntry(ContractModel):
    """Consecutive identical calls of one credential, folded into one row."""

    first_seen: str
    last_seen: str
    access_key_id: str | None
    principal_arn: str | None
    event_source: str
    event_name: str
    count: int
    error_code: str | None
    resources: list[str]
    account: str | None
    region: str | None
    source_ip: str | None


class Timeline(ContractModel):
    actions: list[TimelineEntry]
    recon: list[TimelineEntry]  # denied calls: intent and reconnaissance, kept apart
    omitted: int = 0  # rows left out above the report's limit (the JSON elements still count them)


class CostLine(InvocationSummary):
    """An invocation summary priced, with why its estimate is missing or a lower bound."""

    note: str | None


class CostEstimate(ContractModel):
    total_usd: float | None  # None when nothing could be priced
    lower_bound: bool  # some calls could not be priced (tokens unknown, no price)
    currency: str
    prices_as_of: str
    price_source: str
    lines: list[CostLine]


class ScopeReport(ContractModel):
    """The product's main answer: potential + observed + coverage + containment for one subject."""

    subject: Subject
    window: Window
    potential: Potential
    observed: Observed
    coverage: Coverage
    containment: list[ContainmentStep]
    # extensions (the contract grows, never breaks)
    generated_at: str | None = None
    headline: Headline | None = None
    timeline: Timeline | None = None
    cost: CostEstimate | None = None


# --- exposure: `graphscope exposure --format json` and `GET /v1/exposure` ---


class ExposurePrincipal(ContractModel):
    arn: str
    actions: list[str]
    conditional: bool
    via: str  # "direct" or the first hop's edge and target (role assumed, AI app used ...)
    hops: int  # shortest path length


class ExposureTarget(ContractModel):
    arn: str
    type: str
    component: str
    sensitive: bool
    tags: dict[str, str]
    principal_count: int
    direct_count: int  # reach it with their own permissions
    indirect_count: int  # only through roles, compute or AI applications
    principals: list[ExposurePrincipal]


class PolicyDiff(ContractModel):
    """Least privilege for one principal on the exposed targets over the event window."""

    principal: str
    granted: list[str]  # "action resource" pairs its own policies allow
    used: list[str]  # the same pairs seen succeed in the events
    remove: list[str]  # granted and never used: candidates to remove
    granted_by: list[str]  # the statements behind the unused grants
    diff: str  # unified-diff style text ("- s3:DeleteObject on arn:...")


class ExposureReport(ContractModel):
    window: Window
    events_given: bool
    targets: list[ExposureTarget]
    least_privilege: list[PolicyDiff]
    notes: list[str] = []
