"""The incident report as one self-contained HTML page: inline CSS, no script of its own, no
network fetch; the interactive graph (graphscope.viz) is embedded in an iframe srcdoc.

Every string from the report goes through html.escape (quotes too) on its way into the page;
the embedded graph document is escaped as one attribute value. A Content-Security-Policy allows
only the graph's own inline scripts (by hash; the srcdoc frame inherits this policy) and inline
styles, and nothing from the network.
"""

from __future__ import annotations

from html import escape

from graphscope.queries.contract import Finding, ScopeReport
from graphscope.report import common
from graphscope.report.common import Table
from graphscope.viz import render_scope, script_hashes

CSS = """
:root{--fg:#1d2733;--muted:#5b6875;--line:#d8dee4;--bg:#fff;--crit:#b03a2e;--high:#c0641d;
--med:#9a7d0a;--low:#2e6f9e;--info:#5b6875}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;max-width:1200px;padding:16px 24px 64px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
dl.summary dt{color:var(--muted)}dl.summary dd{margin:0;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
td{word-break:break-word}th{background:#f3f5f7}
.finding{border-left:4px solid var(--info);padding:6px 10px;margin:8px 0;background:#fafbfc}
.finding.critical{border-color:var(--crit)}.finding.high{border-color:var(--high)}
.finding.medium{border-color:var(--med)}.finding.low{border-color:var(--low)}
.sev{font-weight:700;font-size:12px;text-transform:uppercase;margin-right:6px}
.critical .sev{color:var(--crit)}.high .sev{color:var(--high)}.medium .sev{color:var(--med)}
.low .sev{color:var(--low)}
.finding ul{margin:4px 0 0 18px;padding:0}
.gap{background:#fff6e5;border:1px solid #f0d49b;padding:4px 8px;margin:6px 0 0;font-size:13px}
.gap b{color:#8a5a00}
.note{color:var(--muted);font-style:italic}
pre{background:#f3f5f7;border:1px solid var(--line);padding:6px 8px;overflow-x:auto;
white-space:pre-wrap;word-break:break-all;font-size:12px;margin:4px 0}
ol.steps>li{margin:10px 0}
iframe.graph{width:100%;height:720px;border:1px solid var(--line)}
details>summary{cursor:pointer;color:var(--muted);margin:6px 0}
.muted{color:var(--muted)}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _table(t: Table, empty: str = "none") -> str:
    if not t.rows:
        return f'<p class="note">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in t.headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in t.rows)
    more = f'<p class="note">{t.omitted} more rows in the JSON report.</p>' if t.omitted else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _finding(f: Finding) -> str:
    first = f' <span class="muted">first seen {_e(f.first_seen)}</span>' if f.first_seen else ""
    items = "".join(f"<li>{_e(x)}</li>" for x in f.evidence)
    gaps = "".join(
        f'<div class="gap"><b>Coverage ({_e(g.source)}):</b> {_e(g.detail)}</div>'
        for g in f.weakened_by
    )
    return (
        f'<div class="finding {_e(f.severity)}"><span class="sev">{_e(f.severity)}</span>'
        f"<b>{_e(f.title)}</b>{first}<ul>{items}</ul>{gaps}</div>"
    )


def _graph(report: ScopeReport) -> tuple[str, list[str]]:
    """(iframe, CSP script sources) of the interactive graph, or a note when it cannot be drawn."""
    try:
        doc = render_scope(report)
    except Exception as exc:
        return f'<p class="note">interactive graph could not be drawn: {_e(exc)}</p>', []
    frame = (
        '<iframe class="graph" title="interactive graph" sandbox="allow-scripts" '
        f'srcdoc="{_e(doc)}"></iframe>'
    )
    return frame, script_hashes(doc)


def _csp(scripts: list[str]) -> str:
    src = " ".join(dict.fromkeys(scripts)) or "'none'"
    return (
        f"default-src 'none'; script-src {src}; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def render_html(report: ScopeReport, *, with_graph: bool = True) -> str:
    """The whole report as one HTML document; reads only the ScopeReport."""
    parts: list[str] = [f"<h1>{_e(common.title(report))}</h1>"]
    parts.append(
        '<dl class="summary">'
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in common.summary_lines(report))
        + "</dl>"
    )
    h = report.headline
    if h is not None:
        parts += [f'<p class="note">{_e(n)}</p>' for n in h.notes]
        parts.append("<h2>How far</h2>" + _table(common.reach_table(report)))
        parts.append("<h2>Findings (worst first)</h2>")
        if h.findings:
            parts += [_finding(f) for f in h.findings]
        else:
            parts.append(
                '<p class="note">nothing in the logs given; read the coverage gaps before concluding</p>'
            )
        general = common.general_gaps(report)
        if general:
            parts.append(
                "<h3>Gaps that weaken every finding</h3>"
                + "".join(f'<div class="gap">{_e(g.detail)}</div>' for g in general)
            )
    scripts: list[str] = []
    if with_graph:
        frame, scripts = _graph(report)
        parts.append("<h2>Graph</h2>" + frame)
    parts.append("<h2>Timeline</h2><h3>Sessions</h3>")
    parts.append(_table(common.sessions_table(report), "no session seen"))
    actions, recon = common.timeline_tables(report)
    parts.append("<h3>Actions</h3>" + _table(actions, "no call seen"))
    parts.append("<h3>Reconnaissance (denied calls)</h3>" + _table(recon, "no denied call"))
    parts.append(
        "<h2>Created resources (eradication list)</h2>"
        + _table(common.created_table(report), "nothing created")
    )
    parts.append("<h2>Containment</h2>")
    if report.containment:
        steps = "".join(
            f"<li><b>{_e(s.action)}</b>"
            + (f'<div class="muted">{_e(s.why)}</div>' if s.why else "")
            + f"<pre>{_e(s.command)}</pre></li>"
            for s in report.containment
        )
        parts.append(f'<ol class="steps">{steps}</ol>')
    else:
        parts.append('<p class="note">no step: nothing to contain was found in the inputs</p>')
    if report.cost is not None:
        parts.append(
            "<h2>Bedrock cost</h2>" + _table(common.cost_table(report), "no model call seen")
        )
        parts.append(
            f'<p class="note">Prices as of {_e(report.cost.prices_as_of)}: '
            f"{_e(report.cost.price_source)}. Estimates, not an invoice.</p>"
        )
    parts.append(
        "<h2>Potential reach</h2>"
        + _table(common.potential_table(report), "not computed or nothing reachable (see coverage)")
    )
    parts.append("<h2>Observed activity by element</h2>")
    for element, table in common.element_tables(report):
        parts.append(f"<h3>{_e(element)}</h3>" + _table(table))
    parts.append("<h2>Coverage gaps</h2>" + _table(common.gaps_table(report), "no gap found"))
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_csp(scripts))}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(common.title(report))}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )
