"""`graphscope demo` writes the three reports of the bundled example, and they carry the facts
the example's expected.json lists (examples/incident/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphscope.queries.contract import ScopeReport

from .conftest import EXAMPLE, run_cli

pytestmark = pytest.mark.skipif(
    not (EXAMPLE / "expected.json").is_file(), reason="the bundled example is not in this checkout"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    cwd = tmp_path_factory.mktemp("demo")
    out = run_cli("demo", cwd=cwd)
    return cwd, out.stdout.split()


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((EXAMPLE / "expected.json").read_text(encoding="utf-8"))


def test_writes_three_files_and_prints_their_paths(demo: tuple[Path, list[str]]) -> None:
    cwd, printed = demo
    names = ["report.json", "report.md", "report.html"]
    assert printed == [str((cwd / n).resolve()) for n in names]
    for n in names:
        assert (cwd / n).stat().st_size > 1000


def test_json_report_facts(demo: tuple[Path, list[str]], expected: dict) -> None:
    cwd, _ = demo
    text = (cwd / "report.json").read_text()
    r = ScopeReport.model_validate_json(text)
    assert r.subject.access_key_id == expected["subject"]["access_key_id"]
    assert r.subject.principal_arn == expected["subject"]["principal_arn"]
    assert {s.access_key_id for s in r.observed.sessions} == {
        s["access_key_id"] for s in expected["sessions"]
    }
    for key in expected["never_in_report"]["access_key_ids"]:
        assert key not in text
    for arn in expected["never_in_report"].get("principal_arns", []):
        assert f'"{arn}"' not in text
    assert [(c.name, c.event_name) for c in r.observed.created_resources] == [
        (c["name"], c["event_name"]) for c in expected["created_resources"]
    ]
    logged = {i.model_id: i for i in r.observed.invocations if i.source == "invocation-log"}
    for inv in (i for i in expected["invocations"] if i["source"] == "invocation-log"):
        assert logged[inv["model_id"]].count == inv["count"]
        assert logged[inv["model_id"]].estimated_cost_usd is not None
    assert r.cost is not None and r.cost.total_usd and r.cost.lower_bound  # logging was deleted
    kinds = [f.kind for f in r.headline.findings] if r.headline else []
    assert kinds[0] == "logging-disabled"
    restore = [
        s for s in r.containment if "put-model-invocation-logging-configuration" in s.command
    ]
    assert restore and "file://" not in restore[0].command  # the snapshot knew the configuration


def test_markdown_and_html_carry_the_headline(demo: tuple[Path, list[str]], expected: dict) -> None:
    cwd, _ = demo
    md = (cwd / "report.md").read_text()
    page = (cwd / "report.html").read_text()
    key = expected["subject"]["access_key_id"]
    assert md.startswith(f"# Incident scope: {key}") and "## Containment" in md
    assert f"Incident scope: {key}" in page and "<iframe" in page
