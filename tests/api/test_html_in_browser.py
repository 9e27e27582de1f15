"""The HTML routes in real headless Chromium: the report's embedded graph runs under the
server's Content-Security-Policy, and nothing is fetched but the page itself."""

from __future__ import annotations

import os
import threading

import httpx
import pytest

from .conftest import TOKEN

CHROMIUM = os.environ.get("GRAPHSCOPE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def scope_id(live) -> str:
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    ) as c:
        r = c.post("/v1/scope", json={"access_key_id": "AKIAIOSFODNN7EXAMPLE"})
        assert r.status_code == 200, r.text
        return r.headers["content-location"].rsplit("/", 1)[1]


def _visit(url: str) -> tuple[int, list[str], list[str]]:
    """(nodes drawn, other requests, console errors) of the page's graph, in its own thread:
    the Playwright sync API refuses to nest inside another test's running browser session."""
    from playwright.sync_api import sync_playwright

    out: dict[str, object] = {}

    def run() -> None:
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                ctx = browser.new_context(extra_http_headers={"Authorization": f"Bearer {TOKEN}"})
                page = ctx.new_page()
                other: list[str] = []
                errors: list[str] = []

                def route(r: object) -> None:
                    if r.request.url == url:  # type: ignore[attr-defined]
                        r.continue_()  # type: ignore[attr-defined]
                    else:
                        other.append(r.request.url)  # type: ignore[attr-defined]
                        r.abort()  # type: ignore[attr-defined]

                page.route("**/*", route)
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(url)
                if url.endswith("report.html"):  # the view is embedded with iframe srcdoc
                    page.wait_for_selector("iframe.graph")
                    target = page.query_selector("iframe.graph").content_frame()
                else:
                    target = page.main_frame
                target.wait_for_function(
                    "() => window.graphscope && window.graphscope.ready", timeout=30000
                )
                out["result"] = (target.evaluate("graphscope.nodes.length"), other, errors)
                browser.close()
        except BaseException as e:  # re-raised in the test's thread
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=120)
    if "error" in out:
        raise out["error"]  # type: ignore[misc]
    return out["result"]  # type: ignore[return-value]


@pytest.mark.parametrize("page_name", ["report.html", "graph.html"])
def test_html_routes_render_the_graph_offline(live, scope_id: str, page_name: str) -> None:
    nodes, other, errors = _visit(f"{live.url}/v1/scope/{scope_id}/{page_name}")
    assert nodes > 20
    assert other == [] and errors == []
