"""The view in real headless Chromium: offline, drawn as the report says, silent, inert."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphscope.queries.contract import ScopeReport
from graphscope.viz import render_scope
from graphscope.viz.collapse import apply_budget
from graphscope.viz.graph import scope_graph
from graphscope.viz.page import render_page

from .conftest import ALICE, DENIED_OBJECT, ROLE, SECRET, small_scope

COUNTS = "[graphscope.nodes.length, graphscope.edges.length, graphscope.nodeView.length, graphscope.edgeView.length]"


def _families(page: object) -> dict[str, int]:
    return page.evaluate(  # type: ignore[attr-defined]
        "(() => { const c = {}; graphscope.edges.forEach(e => { c[e.family] = (c[e.family] || 0) + 1; }); return c; })()"
    )


def test_page_is_self_contained_and_draws_every_node_and_edge(open_view, tmp_path: Path) -> None:
    html = render_scope(small_scope())
    # nothing in the markup points outside the file (vis-network's licence comment names its
    # licences' URLs and SVG's namespace is a URI; neither is ever fetched)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert not re.search(r"""url\(\s*["']?(https?:)?//""", html, re.I)
    assert "bootstrap" not in html.lower()
    w = open_view(html, via_file=tmp_path / "view.html")
    assert w.requests == []
    assert w.errors == []
    assert w.page.evaluate(COUNTS) == [10, 10, 10, 10]
    assert _families(w.page) == {"potential": 3, "observed": 6, "denied": 1}
    # the subject is drawn apart (a star), potential edges dashed, denied ones marked and red
    assert w.page.evaluate(f"graphscope.nodes.get({ALICE!r}).shape") == "star"
    assert w.page.evaluate(
        "graphscope.edges.get({filter: e => e.family === 'potential'}).every(e => Array.isArray(e.dashes))"
    )
    denied = w.page.evaluate("graphscope.edges.get({filter: e => e.family === 'denied'})")
    assert [(d["to"], d["label"]) for d in denied] == [(DENIED_OBJECT, "denied")]
    # observed edges carry their call counts as width
    assert (
        w.page.evaluate(
            f"graphscope.edges.get({{filter: e => e.family === 'observed' && e.to === {ROLE!r}}})[0].value"
        )
        == 1
    )
    # the canvas was actually painted (vis draws on a sized canvas)
    assert w.page.evaluate("document.querySelector('#gs-net canvas').width") > 300
    legend = w.page.inner_text("#gs-legend")
    for word in ("subject", "potential", "observed", "denied", "folded group"):
        assert word in legend


def test_loads_with_set_content_and_every_request_blocked(open_view) -> None:
    w = open_view(render_scope(small_scope()))
    assert w.requests == [] and w.errors == []
    assert w.page.evaluate(COUNTS)[:2] == [10, 10]


def test_filters_by_family_element_and_component(open_view) -> None:
    w = open_view(render_scope(small_scope()))
    page = w.page

    def click(group: str, key: str) -> None:
        page.click(f"input[data-group='{group}'][data-key='{key}']")

    click("family", "potential")
    # potential-only nodes (the bucket, the secret) go; the role stays: AssumeRole was observed
    assert page.evaluate(COUNTS)[2:] == [8, 7]
    assert page.evaluate(f"graphscope.nodeView.get({SECRET!r})") is None
    assert page.evaluate(f"graphscope.nodeView.get({ROLE!r}) !== null")
    click("family", "potential")
    click("element", "Access")  # AssumeRole, the denied GetObject and the session chain
    assert page.evaluate(COUNTS)[2:] == [7, 6]
    click("element", "Access")
    click("component", "Private data")  # bucket, secret, both objects and their edges
    assert page.evaluate(COUNTS)[2:] == [6, 6]
    assert "6 of 10 nodes" in page.inner_text("#gs-counts")
    assert w.errors == []


def test_tooltips_are_text_with_path_statement_counts_and_times(open_view) -> None:
    w = open_view(render_scope(small_scope()))
    tip = w.page.evaluate(
        f"(() => {{ const t = graphscope.nodes.get({'arn:aws:s3:::training-data'!r}).title;"
        " return [t instanceof HTMLElement, t.textContent]; })()"
    )
    assert tip[0] is True
    assert "can_assume" in tip[1] and "can_access" in tip[1] and "granted by AllowAssume" in tip[1]
    edge_tip = w.page.evaluate(
        "graphscope.edges.get({filter: e => e.family === 'observed' && e.kind === 'performed'"
        " && e.to.endsWith('customers.csv')})[0].title.textContent"
    )
    assert "×3" in edge_tip and "2026-03-01T10:00:00Z .. 2026-03-01T10:05:00Z" in edge_tip


PAYLOADS = {
    "user_agent": "<script>alert(1)</script>",
    "session_name": "<img src=x onerror=alert(1)>",
    "bucket": "arn:aws:s3:::<img src=x onerror=window.__pwned=1>",
    "statement": "</script><script>alert(2)</script>",
    "condition": "aws:ResourceTag/<svg/onload=alert(3)> = x",
    "event_name": "<iframe srcdoc='<script>parent.__pwned=1</script>'>",
    "gap": "<!-- <script>alert(4)</script> -->",
}


@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "escaping-alone"])
def test_hostile_strings_stay_text(open_view, csp: bool) -> None:
    report = small_scope(**PAYLOADS)
    html = render_page(apply_budget(scope_graph(report), 300), csp=csp)
    assert "<script>alert" not in html and "<img src=x" not in html
    w = open_view(html)
    page = w.page
    # hover every node and edge so their tooltips are built and shown
    for node_id in page.evaluate("graphscope.nodes.getIds()"):
        pos = page.evaluate(
            f"(() => {{ const p = graphscope.network.getPositions([{node_id!r}])[{node_id!r}];"
            " return graphscope.network.canvasToDOM(p); })()"
        )
        box = page.locator("#gs-net").bounding_box()
        page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])
        page.wait_for_timeout(200)
    assert w.dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('img, iframe, svg script').length") == 0
    # a tooltip was shown, and it holds the payload as text
    assert page.evaluate("document.querySelector('div.vis-tooltip') !== null")
    texts = page.evaluate("graphscope.nodes.get().map(n => n.title.textContent).join('\\n')")
    for value in PAYLOADS.values():
        assert value.split("::")[-1] in texts or value in texts
    assert page.inner_text("#gs-title") == f"Scope of {report.subject.input}"
    assert w.errors == []


def test_budget_folds_a_large_scope_and_says_so(open_view, large_scope: ScopeReport) -> None:
    w = open_view(render_scope(large_scope, node_budget=120))
    nodes, edges, *_ = w.page.evaluate(COUNTS)
    assert nodes <= 120
    assert edges > 0
    note = w.page.inner_text("#gs-notes")
    assert "folded" in note and "node budget of 120" in note
    assert w.page.evaluate("graphscope.nodes.get({filter: n => n.role === 'group'}).length") > 0
    assert w.errors == []
    # physics is off once settled: the browser is idle, not animating hundreds of nodes
    assert w.page.evaluate("graphscope.network.physics.physicsEnabled") is False


def test_who_can_and_path_views(open_view) -> None:
    from graphscope.queries.contract import PathReport, WhoCanPrincipal, WhoCanReport
    from graphscope.viz import render_paths, render_who_can

    from .conftest import BUCKET, hop

    path = [hop(ALICE, ROLE, "can_assume", "s1"), hop(ROLE, BUCKET, "can_access", "s2")]
    who = WhoCanReport(
        resource=BUCKET,
        principals=[
            WhoCanPrincipal(
                arn=ALICE, actions=["s3:GetObject"], conditional=False, conditions=[], paths=[path]
            ),
            WhoCanPrincipal(
                arn=ROLE,
                actions=["s3:GetObject"],
                conditional=False,
                conditions=[],
                paths=[path[1:]],
            ),
        ],
    )
    w = open_view(render_who_can(who))
    assert w.page.evaluate(COUNTS) == [3, 2, 3, 2]
    assert w.page.evaluate(f"graphscope.nodes.get({BUCKET!r}).shape") == "star"
    w = open_view(render_paths(PathReport(paths=[path]), ALICE, BUCKET))
    assert w.page.evaluate(COUNTS) == [3, 2, 3, 2]
    assert w.page.evaluate("graphscope.nodes.get({filter: n => n.shape === 'star'}).length") == 2
    assert w.errors == []
