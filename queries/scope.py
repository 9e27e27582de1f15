"""`graphscope scope`: one subject's potential reach, observed activity, coverage, findings,
cost and containment, as one ScopeReport.

Decisions (tested in tests/scope/):
* an AKIA key is resolved through the snapshot's access keys, failing that through the events;
  an ASIA key through the session that issued it: potential reach then starts at the role (or
  user) behind that session, observed activity at the key's own tree;
* only events the subject's SessionTree owns are read (queries/activity.subject_events), so a
  session that does not descend from the subject never appears;
* without an inventory the potential block is empty and a coverage gap says so;
* model calls are priced from invocation-log token counts only; CloudTrail-only calls stay
  "tokens unknown" and make the total a lower bound.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graphscope.arn import parse_arn, session_role_arn
from graphscope.elements import is_denied
from graphscope.eventstore import EventStore
from graphscope.ingest.cloudtrail import Event
from graphscope.pricing import PriceTable, estimate_usd, price_table
from graphscope.queries.activity import (
    ActivityResult,
    build_activity,
    subject_events,
)
from graphscope.queries.containment import containment_steps
from graphscope.queries.contract import (
    CostEstimate,
    CostLine,
    Gap,
    Potential,
    ScopeReport,
    Subject,
    Timeline,
    TimelineEntry,
)
from graphscope.queries.coverage import inventory_gaps
from graphscope.queries.headline import build_headline
from graphscope.queries.potential import SubjectNotFound, reach_report
from graphscope.window import window_bound
from graphscope.workspace import Workspace

MAX_TIMELINE_ROWS = 2000
"""Folded timeline rows kept in the report; the element counts still cover every event."""


@dataclass
class ScopeResult:
    """The report plus what the table view and the benchmarks need."""

    report: ScopeReport
    activity: ActivityResult
    events: list[Event]  # the subject's events inside the window, in time order
    start_principal: str | None  # where potential reach was computed from
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Start:
    """Where the scope starts: the IAM principal whose permissions the subject holds."""

    principal: str | None
    notes: tuple[str, ...] = ()


def build_scope(
    ws: Workspace,
    *,
    access_key: str | None = None,
    principal: str | None = None,
    since: str | None = None,
    until: str | None = None,
    now: datetime | None = None,
    prices: PriceTable | None = None,
) -> ScopeResult:
    """Scope one access key or principal over the workspace's inventory and logs."""
    if (access_key is None) == (principal is None):
        raise ValueError("give exactly one of an access key id or a principal ARN")
    since, until = window_bound(since), window_bound(until, end=True)
    generated = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events_store = ws.events
    activity = build_activity(
        events_store,
        access_key=access_key,
        principal=principal,
        since=since,
        until=until,
        invocation_logs_given=bool(ws.sources.invocation_logs)
        or "invocation-log" in events_store.source_kinds(),
        inventory=ws.inventory,
        inventory_coverage=False,  # inventory_gaps below adds the reachable resources too
    )
    start = _start(ws, activity, access_key, principal)
    gaps: list[Gap] = []
    potential = Potential(resources=[])
    if ws.inventory is None or ws.engine is None:
        gaps.append(
            Gap(
                source="inventory",
                detail="no snapshot or IAM authorization details given: the potential blast radius "
                "(everything this subject could reach) is not computed, only what the logs show",
                since=None,
            )
        )
    elif start.principal is None or ws.inventory.node(start.principal) is None:
        who = start.principal or (access_key or principal or "")
        gaps.append(
            Gap(
                source="inventory",
                detail=f"{who} is not in the inventory given (accounts {', '.join(ws.inventory.accounts) or 'none'}): "
                "its potential blast radius is unknown; collect a snapshot of its account",
                since=None,
            )
        )
    else:
        subject_out = Subject(
            input=access_key or principal or "",
            access_key_id=access_key,
            principal_arn=start.principal,
        )
        potential = reach_report(ws.engine, subject_out).potential
    if ws.inventory is not None:
        gaps.extend(_snapshot_gaps(ws))
        gaps.extend(_inventory_gaps(ws, activity, [r.arn for r in potential.resources]))
    report_gaps = list(
        {(g.source, g.detail, g.since): g for g in [*gaps, *activity.report.coverage.gaps]}.values()
    )  # the same gap found twice (e.g. two API-key grants of one user) is shown once

    events = sorted(
        (
            e
            for e in subject_events(events_store, activity.tree)
            if not (since and e.time < since) and not (until and e.time > until)
        ),
        key=lambda e: (e.time, e.key),
    )
    observed = activity.report.observed
    table = prices or price_table()
    cost = _price(observed.invocations, table)
    for inv, line in zip(observed.invocations, cost.lines, strict=True):
        inv.estimated_cost_usd = line.estimated_cost_usd
    subject = Subject(
        input=access_key or principal or "",
        access_key_id=access_key,
        principal_arn=start.principal or activity.report.subject.principal_arn,
    )
    containment = containment_steps(
        subject=subject,
        tree=activity.tree,
        events=events,
        inventory=ws.inventory,
        now=generated,
        later_restores=_restores(events_store),
        key_owners=_key_owners(ws, activity),
    )
    timeline = _timeline(events)
    report = ScopeReport(
        subject=subject,
        window=activity.report.window,
        potential=potential,
        observed=observed,
        coverage=activity.report.coverage.model_copy(update={"gaps": report_gaps}),
        containment=containment,
        generated_at=generated,
        timeline=timeline,
        cost=cost,
    )
    report.headline = build_headline(report, activity.tree, events, list(start.notes))
    return ScopeResult(report, activity, events, start.principal, list(start.notes))


def _key_owners(ws: Workspace, activity: ActivityResult) -> dict[str, str]:
    """Who owns the long-term keys upstream of the subject (snapshot first, then the events)."""
    wanted = {c.issued_by for c in activity.tree.ancestry if c.issued_by}
    out: dict[str, str] = {}
    for key in wanted:
        owner = ws.inventory.key_owner(key) if ws.inventory is not None else None
        if owner:
            out[key] = owner
    missing = wanted - set(out)
    if missing:
        for use in ws.events.key_uses():
            if use.access_key_id in missing and use.principal:
                out.setdefault(use.access_key_id, use.principal)
    return out


def _restores(store: EventStore) -> list[Event]:
    """Successful calls by anyone that turned logging back on: a containment step may be done."""
    pairs = [
        ("bedrock.amazonaws.com", "PutModelInvocationLoggingConfiguration"),
        ("cloudtrail.amazonaws.com", "StartLogging"),
    ]
    return [e for e in store.events_named(pairs) if e.error_code is None]


def _start(
    ws: Workspace, activity: ActivityResult, access_key: str | None, principal: str | None
) -> Start:
    """The IAM principal behind the subject, or SubjectNotFound when nothing knows it."""
    tree = activity.tree
    inv = ws.inventory
    if access_key:
        owner = inv.key_owner(access_key) if inv is not None else None
        seen = tree.root_principal
        if access_key.startswith("ASIA") or (owner is None and seen and ":sts:" in seen):
            return _session_start(ws, activity, access_key)
        if owner and seen and seen != owner:
            return Start(
                owner,
                (
                    f"the inventory lists {access_key} under {owner} but the events show it acting as {seen}; "
                    "the inventory's owner is used for potential reach",
                ),
            )
        if owner or seen:
            return Start(owner or seen)
        raise SubjectNotFound(
            f"access key {access_key} is neither among the inventory's access keys nor in the events given"
        )
    assert principal is not None
    role = session_role_arn(principal)
    if role:  # a session ARN: reach is the role's
        found = _role_in_inventory(ws, role) or role
        return Start(
            found, (f"{principal} is a session of {found}: potential reach is the role's",)
        )
    if inv is not None and inv.node(principal) is None and not tree.credentials:
        raise SubjectNotFound(
            f"principal {principal} is neither in the inventory nor in the events given"
        )
    return Start(principal)


def _session_start(ws: Workspace, activity: ActivityResult, key: str) -> Start:
    """A temporary key: the scope starts at the role (or user) its session acts for."""
    tree = activity.tree
    cred = tree.credentials.get(key)
    session = tree.root_principal or (cred.principal if cred else None)
    if session is None:
        raise SubjectNotFound(
            f"temporary key {key} appears in no event given: without the call that issued it, "
            "or a call made with it, its principal cannot be known"
        )
    notes = []
    origin = tree.ancestry[0] if tree.ancestry else None
    if origin is not None:
        notes.append(
            f"{key} was issued at {origin.created or '?'} by {origin.issued_by or '?'} "
            f"({origin.kind}); scope that credential too to see everything upstream"
        )
    else:
        notes.append(
            f"the call that issued {key} is not in the logs given: how the attacker got it is unknown"
        )
    role = (cred.role_arn if cred else None) or session_role_arn(session)
    if role is None:  # GetSessionToken: the session acts as the user itself
        if session.startswith("arn:") and ":iam::" in session:
            return Start(session, tuple(notes))
        notes.append(f"{session} is not a role session: potential reach is not computed")
        return Start(None, tuple(notes))
    found = _role_in_inventory(ws, role) or role
    notes.append(f"{key} acts as {session}; potential reach is that of {found}")
    return Start(found, tuple(notes))


def _role_in_inventory(ws: Workspace, role: str) -> str | None:
    """A session ARN drops the role's path: find the inventory's role of that name and account."""
    inv = ws.inventory
    if inv is None:
        return None
    if inv.node(role) is not None:
        return role
    arn = parse_arn(role)
    if arn is None:
        return None
    name = arn.resource.rsplit("/", 1)[-1]
    for node in inv.principals(["role"]):
        if node.account == arn.account and node.id.rsplit("/", 1)[-1] == name:
            return node.id
    return None


def _snapshot_gaps(ws: Workspace) -> list[Gap]:
    """Parts of the inventory the collector could not read, one gap per service and reason
    (a partial read-only role leaves dozens of operations out): they weaken the potential block."""
    assert ws.inventory is not None
    groups: dict[tuple[str, str], list] = {}
    for g in ws.inventory.gaps:
        groups.setdefault((g.service or "?", g.reason), []).append(g)
    out = []
    for (service, reason), gs in sorted(groups.items()):
        ops = sorted({g.operation for g in gs if g.operation})
        places = sorted({"/".join(x for x in (g.account, g.region) if x) or "?" for g in gs})
        why = next((g.message or g.error_code for g in gs if g.message or g.error_code), reason)
        what = f"{service} {', '.join(ops)}" if ops else service
        out.append(
            Gap(
                source="inventory",
                detail=f"{what} not collected ({reason}) in {', '.join(places)}: {why}; "
                "potential paths through what these calls describe may be missing",
                since=None,
            )
        )
    return out


def _inventory_gaps(ws: Workspace, activity: ActivityResult, reachable: list[str]) -> list[Gap]:
    """Logging-configuration gaps from the snapshot (queries/coverage.inventory_gaps), for the
    resources the subject touched and those it could reach."""
    assert ws.inventory is not None
    return inventory_gaps(ws.inventory, activity, extra_resources=reachable)


def _price(invocations: list, table: PriceTable) -> CostEstimate:
    """Per model and source: the estimate or why there is none; the total is a lower bound when
    CloudTrail shows more calls of a model than the invocation logs priced."""
    lines: list[CostLine] = []
    logged: Counter[str] = Counter()
    for inv in invocations:
        if inv.source == "invocation-log":
            logged[inv.model_id] += inv.count
    unpriced = False
    for inv in invocations:
        if inv.source == "invocation-log":
            cost, note = estimate_usd(inv.model_id, inv.input_tokens, inv.output_tokens, table)
        else:
            cost = None
            extra = inv.count - logged.get(inv.model_id, 0)
            note = "tokens unknown: CloudTrail records the call, not its tokens" + (
                f"; {extra} call(s) have no invocation-log record"
                if extra > 0
                else "; the invocation-log line prices these calls"
            )
            if extra > 0:
                unpriced = True
        if inv.source == "invocation-log" and cost is None:
            unpriced = True
        lines.append(
            CostLine(
                model_id=inv.model_id,
                source=inv.source,
                count=inv.count,
                input_tokens=inv.input_tokens,
                output_tokens=inv.output_tokens,
                estimated_cost_usd=cost,
                note=note,
            )
        )
    priced = [ln.estimated_cost_usd for ln in lines if ln.estimated_cost_usd is not None]
    return CostEstimate(
        total_usd=round(sum(priced), 6) if priced else None,
        lower_bound=unpriced,
        currency=table.currency,
        prices_as_of=table.as_of,
        price_source=table.source,
        lines=lines,
    )


def _timeline(events: list[Event]) -> Timeline:
    """Calls in time order, consecutive repeats of one credential folded; denied calls apart."""
    actions: list[TimelineEntry] = []
    recon: list[TimelineEntry] = []
    for e in events:
        rows = recon if is_denied(e.error_code) else actions
        last = rows[-1] if rows else None
        if (
            last is not None
            and last.access_key_id == e.access_key_id
            and last.principal_arn == e.principal
            and last.event_source == e.source
            and last.event_name == e.name
            and last.error_code == e.error_code
            and last.account == e.account
            and last.region == e.region
        ):
            last.count += 1
            last.last_seen = e.time
            for r in e.resources:
                if r not in last.resources and len(last.resources) < 20:
                    last.resources.append(r)
            continue
        rows.append(
            TimelineEntry(
                first_seen=e.time,
                last_seen=e.time,
                access_key_id=e.access_key_id,
                principal_arn=e.principal,
                event_source=e.source,
                event_name=e.name,
                count=1,
                error_code=e.error_code,
                resources=list(e.resources[:20]),
                account=e.account,
                region=e.region,
                source_ip=e.source_ip,
            )
        )
    omitted = max(0, len(actions) - MAX_TIMELINE_ROWS) + max(0, len(recon) - MAX_TIMELINE_ROWS)
    return Timeline(
        actions=actions[:MAX_TIMELINE_ROWS], recon=recon[:MAX_TIMELINE_ROWS], omitted=omitted
    )
