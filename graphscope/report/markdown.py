"""The incident report as Markdown: what a responder pastes into a ticket.

Attacker-chosen strings (session names, user agents, resource names) are escaped so they render
as text, never as links, HTML or table structure; commands sit in fenced blocks longer than any
backtick run inside them.
"""

from __future__ import annotations

import re

from graphscope.queries.contract import Finding, ScopeReport
from graphscope.report import common
from graphscope.report.common import Table

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")


def md(text: object) -> str:
    """Inline-safe text: Markdown and HTML syntax escaped, line breaks flattened."""
    s = str(text).replace("\r", " ").replace("\n", " ")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    # GFM turns bare URLs into links: break the patterns it looks for
    return s.replace("://", ":\\/\\/").replace("www.", "www\\.")


def _fence(body: str, lang: str = "sh") -> str:
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def _table(t: Table, empty: str = "none") -> list[str]:
    if not t.rows:
        return [f"_{empty}_", ""]
    lines = [
        "| " + " | ".join(md(h) for h in t.headers) + " |",
        "|" + "---|" * len(t.headers),
    ]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in t.rows]
    if t.omitted:
        lines.append("")
        lines.append(f"_{t.omitted} more rows in the JSON report._")
    lines.append("")
    return lines


def _finding(f: Finding) -> list[str]:
    first = f" (first seen {md(f.first_seen)})" if f.first_seen else ""
    lines = [f"- **{f.severity.upper()}** {md(f.title)}{first}"]
    lines += [f"  - {md(x)}" for x in f.evidence]
    for g in f.weakened_by:
        lines.append(f"  - ⚠ _Coverage_ ({md(g.source)}): {md(g.detail)}")
    return lines


def render_markdown(report: ScopeReport) -> str:
    """The whole report; reads only the ScopeReport, so the API can render a stored result."""
    out = [f"# {md(common.title(report))}", ""]
    out += [f"- **{md(k)}**: {md(v)}" for k, v in common.summary_lines(report)]
    out.append("")
    h = report.headline
    if h is not None:
        for note in h.notes:
            out.append(f"> {md(note)}")
        if h.notes:
            out.append("")
        out += ["## How far", ""]
        out += _table(common.reach_table(report))
        out += ["## Findings (worst first)", ""]
        if h.findings:
            for f in h.findings:
                out += _finding(f)
        else:
            out.append("_nothing in the logs given; see the coverage gaps before concluding_")
        out.append("")
        general = common.general_gaps(report)
        if general:
            out += ["**Gaps that weaken every finding:**", ""]
            out += [f"- {md(g.detail)}" for g in general]
            out.append("")
    out += ["## Timeline", "", "### Sessions", ""]
    out += _table(common.sessions_table(report), "no session seen")
    actions, recon = common.timeline_tables(report)
    out += ["### Actions", ""]
    out += _table(actions, "no successful or failed call seen")
    out += ["### Reconnaissance (denied calls)", ""]
    out += _table(recon, "no denied call")
    out += ["## Created resources (eradication list)", ""]
    out += _table(common.created_table(report), "nothing created")
    out += ["## Containment", ""]
    if report.containment:
        for i, step in enumerate(report.containment, 1):
            out.append(f"{i}. **{md(step.action)}**" + (f": {md(step.why)}" if step.why else ""))
            out.append("")
            out += ["   " + line for line in _fence(step.command).split("\n")]
            out.append("")
    else:
        out += ["_no step: nothing to contain was found in the inputs_", ""]
    out += ["## Bedrock cost", ""]
    if report.cost is not None:
        out += _table(common.cost_table(report), "no model call seen")
        out.append(
            f"_Prices as of {md(report.cost.prices_as_of)}: {md(report.cost.price_source)}. "
            "Estimates, not an invoice._"
        )
        out.append("")
    out += ["## Potential reach", ""]
    out += _table(
        common.potential_table(report), "not computed or nothing reachable (see coverage)"
    )
    out += ["## Observed activity by element", ""]
    for element, table in common.element_tables(report):
        out += [f"### {md(element)}", ""]
        out += _table(table)
    out += ["## Coverage gaps", ""]
    out += _table(common.gaps_table(report), "no gap found")
    return "\n".join(out).rstrip() + "\n"
