"""The drawable graph and the node budget, without a browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphscope.cli import app
from graphscope.viz import render_scope
from graphscope.viz.collapse import apply_budget
from graphscope.viz.graph import DENIED, GROUP, OBSERVED, POTENTIAL, SESSION, SUBJECT, scope_graph

from .conftest import (
    ALICE,
    DENIED_OBJECT,
    HAIKU,
    KEY,
    OBJECT,
    ROLE,
    big_scope,
    small_scope,
)
from .conftest import (
    SESSION as SESSION_KEY,
)

REPO = Path(__file__).resolve().parents[2]
ORG = REPO / "tests" / "inventory" / "data" / "org-snapshot"


def test_scope_graph_matches_the_report() -> None:
    g = scope_graph(small_scope())
    assert len(g.nodes) == 10 and len(g.edges) == 10
    assert g.nodes[ALICE].role == SUBJECT
    assert g.nodes[KEY].role == SESSION and g.nodes[SESSION_KEY].role == SESSION
    fam = {(e.src, e.dst, e.family) for e in g.edges.values()}
    assert (ALICE, ROLE, POTENTIAL) in fam and (ALICE, ROLE, OBSERVED) in fam
    assert (ALICE, DENIED_OBJECT, DENIED) in fam
    assert (ALICE, OBJECT, OBSERVED) in fam and (KEY, SESSION_KEY, OBSERVED) in fam
    obj = next(e for e in g.edges.values() if e.dst == OBJECT)
    assert (obj.count, obj.error_count, obj.elements) == (3, 0, {"Private data"})
    hop = next(e for e in g.edges.values() if e.dst == ROLE and e.family == POTENTIAL)
    assert any(line.startswith("granted by AllowAssume") for line in hop.tip)


def test_invocations_land_on_the_reachable_model_when_drawn() -> None:
    report = small_scope()
    model = f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"
    report.potential.resources[2].arn = model
    report.potential.resources[2].paths[0][0].to = model
    g = scope_graph(report)
    invoked = [e for e in g.edges.values() if e.kind.startswith("invoked")]
    assert [(e.dst, e.count) for e in invoked] == [(model, 2)]


def test_budget_folds_leaves_first_and_loses_nothing() -> None:
    g = scope_graph(big_scope())  # 3 accounts x (10 roles + 4 x 80 leaves) + small scope
    before = len(g.nodes)
    folded = apply_budget(scope_graph(big_scope()), 200)
    assert len(folded.nodes) <= 200
    assert sum(n.members for n in folded.nodes.values()) == before
    assert any("node budget of 200" in n for n in folded.notes)
    # the subject, its sessions, every observed node and every role on a path stay visible
    for keep in (
        ALICE,
        KEY,
        SESSION_KEY,
        OBJECT,
        DENIED_OBJECT,
        "arn:aws:iam::100000000001:role/r3",
    ):
        assert keep in folded.nodes
    groups = [n for n in folded.nodes.values() if n.role == GROUP]
    assert groups and all(n.members > 1 for n in groups)
    assert all(n.group_key and n.group_key[1] != "*" for n in groups)  # (account, service) sufficed
    # an edge into a group keeps the sum of what it stands for
    leaf_edges = sum(
        1 for e in g.edges.values() if e.family == POTENTIAL and e.dst.startswith("arn:aws:lambda")
    )
    into_groups = [
        e for e in folded.edges.values() if e.dst.startswith("group:") and ":lambda" in e.dst
    ]
    assert into_groups and len(into_groups) <= leaf_edges


def test_tight_budget_folds_by_account_then_cuts_with_a_note() -> None:
    by_account = apply_budget(scope_graph(big_scope()), 12)
    assert len(by_account.nodes) <= 12
    assert any(n.group_key and n.group_key[1] == "*" for n in by_account.nodes.values())
    assert not any("not drawn" in n for n in by_account.notes)
    folded = apply_budget(scope_graph(big_scope()), 5)
    assert len(folded.nodes) <= 5
    assert any("not drawn" in n for n in folded.notes)
    assert {ALICE, KEY, SESSION_KEY} <= set(folded.nodes)
    with pytest.raises(ValueError):
        apply_budget(scope_graph(small_scope()), 0)


def test_render_is_deterministic() -> None:
    assert render_scope(small_scope()) == render_scope(small_scope())


def test_viz_cli_who_can_draws_what_the_json_says(tmp_path: Path, open_view) -> None:
    runner = CliRunner()
    bucket = "arn:aws:s3:::acme-training-data"
    res = runner.invoke(
        app, ["who-can", "--snapshot", str(ORG), "--resource", bucket, "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    who = json.loads(res.stdout)
    nodes = {bucket} | {p["arn"] for p in who["principals"]}
    edges = set()
    for p in who["principals"]:
        for path in p["paths"]:
            for h in path:
                nodes |= {h["from"], h["to"]}
                edges.add((h["from"], h["to"], h["edge"]))
    out = tmp_path / "who.html"
    res = runner.invoke(
        app, ["viz", "--snapshot", str(ORG), "--who-can", bucket, "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    w = open_view(out.read_text(encoding="utf-8"))
    assert w.page.evaluate("[graphscope.nodes.length, graphscope.edges.length]") == [
        len(nodes),
        len(edges),
    ]
    assert w.errors == [] and w.requests == []


def test_viz_cli_refuses_ambiguous_or_unknown_input(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["viz", "--snapshot", str(ORG)])
    assert res.exit_code == 2 and "give one of" in res.output
    res = runner.invoke(app, ["viz", "--who-can", "arn:aws:s3:::nope"])
    assert res.exit_code == 2 and "need an inventory" in res.output
    res = runner.invoke(app, ["viz", "--snapshot", str(ORG), "--who-can", "arn:aws:s3:::nope"])
    assert res.exit_code == 1 and "not in the inventory" in res.output
    res = runner.invoke(app, ["viz", "--snapshot", str(tmp_path / "missing"), "--who-can", "x"])
    assert res.exit_code == 2 and "no such file" in res.output


EXAMPLE = REPO / "examples" / "incident"


def test_viz_cli_scope_draws_every_resource_of_the_report(tmp_path: Path, open_view) -> None:
    runner = CliRunner()
    flags = [
        "--snapshot", str(EXAMPLE / "snapshot"),
        "--cloudtrail", str(EXAMPLE / "cloudtrail"),
        "--invocation-logs", str(EXAMPLE / "invocation-logs"),
    ]  # fmt: skip
    key = "AKIAIOSFODNN7EXAMPLE"
    res = runner.invoke(app, ["scope", "--access-key", key, *flags, "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    out = tmp_path / "scope.html"
    res = runner.invoke(app, ["viz", "--access-key", key, *flags, "--out", str(out)])
    assert res.exit_code == 0, res.output
    w = open_view(out.read_text(encoding="utf-8"))
    ids = set(w.page.evaluate("graphscope.nodes.getIds()"))
    assert {r["arn"] for r in report["potential"]["resources"]} <= ids
    assert set(report["observed"]["resources"]) <= ids
    assert {s["access_key_id"] for s in report["observed"]["sessions"]} <= ids
    assert (
        w.page.evaluate(f"graphscope.nodes.get({report['subject']['principal_arn']!r}).shape")
        == "star"
    )
    families = w.page.evaluate("[...new Set(graphscope.edges.get().map(e => e.family))].sort()")
    assert families == ["denied", "observed", "potential"]
    assert w.errors == [] and w.requests == []
