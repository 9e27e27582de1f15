"""Attacker strings in the Markdown and HTML reports are text, never markup; the HTML page is
self-contained: no external URL outside escaped data, nothing fetched, nothing executed but the
embedded graph's own scripts (checked in headless Chromium)."""

from __future__ import annotations

import html
import re
import shlex
from pathlib import Path

import pytest

from graphscope.queries.contract import ScopeReport
from graphscope.report.html import render_html
from graphscope.report.markdown import md, render_markdown

from .conftest import run_cli, scope_args
from .handmade import EVIL_URL_AGENT, KEY, NOTEBOOK, XSS_AGENT, XSS_SESSION

PAYLOADS = (XSS_AGENT, XSS_SESSION, "<img src=x onerror=alert(1)>", "<script>")
_SRCDOC = re.compile(r'srcdoc="([^"]*)"')


@pytest.fixture(scope="module")
def report(hand_report: dict) -> ScopeReport:
    return ScopeReport.model_validate(hand_report)


@pytest.fixture(scope="module")
def page(hand_inputs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("html") / "report.html"
    run_cli(*scope_args(hand_inputs, "--access-key", KEY, "--format", "html", "--out", str(out)))
    return out.read_text(encoding="utf-8")


def test_payloads_reach_the_report_data(report: ScopeReport) -> None:
    """The escaping tests below would prove nothing if the payloads never got into the report."""
    text = report.model_dump_json()
    assert "<script>alert(1)</script>" in text and "onerror=alert(1)" in text


def test_html_never_carries_a_payload_raw(page: str) -> None:
    outer = _SRCDOC.sub('srcdoc=""', page)
    for p in PAYLOADS:
        assert p not in page
    assert html.escape(XSS_AGENT, quote=True) in outer  # shown, as text
    assert html.escape(XSS_SESSION, quote=True) in outer
    assert "<script" not in outer  # the report page itself runs no script


def test_html_has_no_external_url_outside_escaped_data(page: str) -> None:
    outer = _SRCDOC.sub('srcdoc=""', page)
    assert html.escape(EVIL_URL_AGENT, quote=True) in outer  # escaped data, present
    stripped = outer.replace(html.escape(EVIL_URL_AGENT, quote=True), "")
    assert not re.search(r"https?://", stripped)
    # no attribute of the page points anywhere
    assert not re.search(r'(?:src|href|action)\s*=\s*"(?!data:)[^"]+"', stripped)


def test_embedded_graph_is_escaped_as_one_attribute(page: str) -> None:
    docs = _SRCDOC.findall(page)
    assert len(docs) == 1
    inner = html.unescape(docs[0])
    assert inner.startswith("<!DOCTYPE html>")
    for p in PAYLOADS[:2]:
        assert p not in inner  # the view escapes its data too (JSON with \u003c)


def test_markdown_escapes_payloads_and_keeps_commands_whole(report: ScopeReport) -> None:
    text = render_markdown(report)
    for p in PAYLOADS:
        assert p not in text
    assert md(XSS_AGENT) in text
    assert "https://evil" not in text  # no bare autolink
    fences = re.findall(r"^ *(`{3,})sh\n(.*?)\n *\1$", text, re.S | re.M)
    argvs = [shlex.split(body.strip().split(" && ")[0]) for _, body in fences]
    assert len(argvs) == len(report.containment)
    nb = next(a for a in argvs if "stop-notebook-instance" in a)
    assert nb[nb.index("--notebook-instance-name") + 1] == NOTEBOOK  # verbatim, one argument


def test_md_escape_is_exact() -> None:
    assert md("a|b") == "a\\|b"
    assert md("<b>x</b>") == "\\<b\\>x\\</b\\>"
    assert md("line1\nline2") == "line1 line2"
    assert md("see https://x.example") == "see https:\\/\\/x.example"


def test_render_html_without_graph_has_empty_script_policy(report: ScopeReport) -> None:
    page = render_html(report, with_graph=False)
    assert "script-src 'none'" in html.unescape(page) and "<iframe" not in page


def test_page_in_chromium(browser: object, page: str) -> None:
    ctx = browser.new_context()  # type: ignore[attr-defined]
    try:
        tab = ctx.new_page()
        requests: list[str] = []
        errors: list[str] = []
        dialogs: list[str] = []

        def refuse(route: object) -> None:
            requests.append(route.request.url)  # type: ignore[attr-defined]
            route.abort()  # type: ignore[attr-defined]

        tab.route("**/*", refuse)
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.set_content(page)
        frame = next(f for f in tab.frames if f.url == "about:srcdoc")
        frame.wait_for_function("() => window.graphscope && window.graphscope.ready", timeout=60000)
        assert frame.evaluate("() => document.querySelectorAll('canvas').length") >= 1
        body = tab.inner_text("body")
        assert XSS_AGENT in body and XSS_SESSION in body  # rendered as text
        assert tab.evaluate("() => document.querySelectorAll('img').length") == 0
        assert tab.evaluate("() => document.querySelectorAll('.finding').length") >= 5
        assert requests == [] and errors == [] and dialogs == []
    finally:
        ctx.close()
