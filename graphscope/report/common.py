"""What the Markdown and HTML reports share: the sections' content as plain rows, so the two
renderings cannot drift; each renderer only escapes and lays out."""

from __future__ import annotations

from dataclasses import dataclass

from graphscope.queries.contract import (
    Gap,
    HopOut,
    PotentialResource,
    ScopeReport,
    TimelineEntry,
)
from graphscope.schema import ELEMENTS

GENERAL_GAP_SOURCES = ("cloudtrail", "session-resolution", "element-mapping")
MAX_POTENTIAL_ROWS = 200
MAX_TIMELINE_SHOWN = 500


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    omitted: int = 0  # rows not shown (the JSON has them all)


def title(report: ScopeReport) -> str:
    return f"Incident scope: {report.subject.input}"


def summary_lines(report: ScopeReport) -> list[tuple[str, str]]:
    """(label, value) pairs of the headline's first block: who, since when, where."""
    h = report.headline
    s = report.subject
    out = [
        ("Subject", s.input),
        ("Principal", s.principal_arn or "unknown (not in the inputs)"),
    ]
    if h is not None:
        out += [
            (
                "Active",
                f"{h.first_seen or '?'} to {h.last_seen or '?'}"
                if h.first_seen
                else "no activity seen in the logs given",
            ),
            ("Sessions", str(h.sessions)),
            ("Accounts", ", ".join(h.accounts) or "none seen"),
        ]
        cost = report.cost
        if cost is not None and report.observed.invocations:
            value = "unknown" if cost.total_usd is None else f"${cost.total_usd:,.2f}"
            if cost.lower_bound:
                value += " or more (tokens unknown for some calls)"
            out.append(("Bedrock cost (estimate)", value))
    w = report.window
    out.append(("Window", f"{w.since or 'start of logs'} to {w.until or 'end of logs'}"))
    if report.generated_at:
        out.append(("Generated", report.generated_at))
    return out


def reach_table(report: ScopeReport) -> Table:
    h = report.headline
    rows = [(c.component, str(c.potential), str(c.observed)) for c in (h.reach if h else [])]
    return Table(("Component", "Could reach (potential)", "Touched (observed)"), rows)


def general_gaps(report: ScopeReport) -> list[Gap]:
    """Gaps that weaken every finding; the others sit next to the findings they weaken."""
    return [g for g in report.coverage.gaps if g.source in GENERAL_GAP_SOURCES]


def sessions_table(report: ScopeReport) -> Table:
    rows = [
        (
            s.access_key_id,
            s.principal_arn,
            s.issued_by or "",
            s.first_seen,
            s.last_seen,
            ", ".join(s.source_ips),
            ", ".join(s.user_agents),
        )
        for s in sorted(report.observed.sessions, key=lambda s: (s.first_seen, s.access_key_id))
    ]
    return Table(
        (
            "Access key",
            "Acts as",
            "Issued by",
            "First seen",
            "Last seen",
            "Source IPs",
            "User agents",
        ),
        rows,
    )


def _timeline_rows(entries: list[TimelineEntry]) -> list[tuple[str, ...]]:
    return [
        (
            e.first_seen if e.first_seen == e.last_seen else f"{e.first_seen} to {e.last_seen}",
            e.access_key_id or e.principal_arn or "",
            f"{e.event_source.split('.', 1)[0]}:{e.event_name}",
            str(e.count),
            e.error_code or "ok",
            ", ".join(e.resources),
            f"{e.account or '?'}/{e.region or '?'}",
            e.source_ip or "",
        )
        for e in entries
    ]


_TIMELINE_HEADERS = (
    "Time",
    "Credential",
    "Call",
    "Count",
    "Result",
    "Resources",
    "Where",
    "Source IP",
)


def timeline_tables(report: ScopeReport) -> tuple[Table, Table]:
    """(actions, recon): recon are the denied calls, kept apart."""
    t = report.timeline
    if t is None:
        return Table(_TIMELINE_HEADERS, []), Table(_TIMELINE_HEADERS, [])
    acts, recon = t.actions, t.recon
    return (
        Table(
            _TIMELINE_HEADERS,
            _timeline_rows(acts[:MAX_TIMELINE_SHOWN]),
            max(0, len(acts) - MAX_TIMELINE_SHOWN) + t.omitted,
        ),
        Table(
            _TIMELINE_HEADERS,
            _timeline_rows(recon[:MAX_TIMELINE_SHOWN]),
            max(0, len(recon) - MAX_TIMELINE_SHOWN),
        ),
    )


def created_table(report: ScopeReport) -> Table:
    rows = [
        (c.event_time, c.event_name, c.name, c.arn or "") for c in report.observed.created_resources
    ]
    return Table(("Time", "Created by", "Name / id", "ARN"), rows)


def cost_table(report: ScopeReport) -> Table:
    cost = report.cost
    if cost is None:
        return Table((), [])
    rows = [
        (
            ln.model_id,
            ln.source,
            str(ln.count),
            "unknown" if ln.input_tokens is None else str(ln.input_tokens),
            "unknown" if ln.output_tokens is None else str(ln.output_tokens),
            "" if ln.estimated_cost_usd is None else f"${ln.estimated_cost_usd:,.4f}",
            ln.note or "",
        )
        for ln in cost.lines
    ]
    return Table(
        ("Model", "Source", "Calls", "Input tokens", "Output tokens", "Estimate", "Note"), rows
    )


def path_text(path: list[HopOut]) -> str:
    if not path:
        return ""
    parts = [path[0].from_]
    for hop in path:
        parts.append(f"-[{hop.edge}]-> {hop.to}")
    return " ".join(parts)


def _potential_sort(r: PotentialResource) -> tuple:
    return (r.conditional, r.component, r.type, r.arn)


def potential_table(report: ScopeReport) -> Table:
    resources = sorted(report.potential.resources, key=_potential_sort)
    rows = [
        (
            r.arn,
            r.type,
            r.component,
            ", ".join(r.access_levels),
            str(len(r.actions)),
            "yes" if r.conditional else "no",
            path_text(r.paths[0]) if r.paths else "",
        )
        for r in resources[:MAX_POTENTIAL_ROWS]
    ]
    return Table(
        (
            "Resource",
            "Type",
            "Component",
            "Access levels",
            "Actions",
            "Only under conditions",
            "Shortest path",
        ),
        rows,
        max(0, len(resources) - MAX_POTENTIAL_ROWS),
    )


def element_tables(report: ScopeReport) -> list[tuple[str, Table]]:
    out = []
    for element in ELEMENTS:
        items = report.observed.elements.get(element, [])
        rows = [
            (
                f"{i.event_source.split('.', 1)[0]}:{i.event_name}",
                str(i.count),
                str(i.error_count),
                i.first_seen,
                i.last_seen,
                ", ".join(i.resources[:10])
                + (f" (+{len(i.resources) - 10})" if len(i.resources) > 10 else ""),
            )
            for i in items
        ]
        out.append(
            (
                element,
                Table(("Call", "Count", "Errors", "First seen", "Last seen", "Resources"), rows),
            )
        )
    return out


def gaps_table(report: ScopeReport) -> Table:
    rows = [(g.source, g.since or "", g.detail) for g in report.coverage.gaps]
    return Table(("Source", "Since", "What the logs cannot show"), rows)
