"""`graphscope neo4j push`: idempotent, incremental, and equal to the embedded graph."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from graphscope.cli.neo4j import app
from graphscope.push import push
from graphscope.schema import EdgeFamily
from graphscope.store import MemoryGraphStore
from graphscope.store.neo4j import Neo4jGraphStore
from graphscope.workspace import Sources, Workspace

from .conftest import INCIDENT, ORG_SNAPSHOT


def _push(uri: str, *args: str) -> dict:
    result = CliRunner().invoke(app, ["push", "--uri", uri, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _embedded(sources: Sources) -> MemoryGraphStore:
    """What push would write, built by the same pipeline into the networkx store."""
    ws = Workspace.load(sources)
    target = MemoryGraphStore()
    push(ws, target)
    ws.close()
    return target


def _edge_state(store) -> dict[tuple, dict]:
    return {e.ident: e.props for e in store.edges()}


def test_push_twice_changes_nothing(neo: Neo4jGraphStore, neo4j_uri: str) -> None:
    args = ["--snapshot", str(ORG_SNAPSHOT), "--cloudtrail", str(INCIDENT)]
    args += ["--invocation-logs", str(INCIDENT)]
    first = _push(neo4j_uri, *args)
    expected = _embedded(
        Sources(
            snapshots=(str(ORG_SNAPSHOT),),
            cloudtrail=(str(INCIDENT),),
            invocation_logs=(str(INCIDENT),),
        )
    )
    neo.refresh()
    assert neo.counts() == expected.counts()
    assert first["nodes_written"] == first["nodes"] == len(list(expected.nodes()))
    assert first["edges_written"] == first["edges"] == len(list(expected.edges()))
    assert first["observed_subjects"] >= 1
    assert any(k.startswith("edge:performed") for k in neo.counts())
    assert _edge_state(neo) == _edge_state(expected)

    second = _push(neo4j_uri, *args)
    assert (second["nodes_written"], second["edges_written"]) == (0, 0)
    neo.refresh()
    assert neo.counts() == expected.counts()


def test_new_events_update_only_the_observed_edges_they_touch(
    neo: Neo4jGraphStore, neo4j_uri: str, tmp_path: Path
) -> None:
    # day one: only the first CloudTrail file of the first account has arrived
    early = tmp_path / "early"
    files = sorted(INCIDENT.rglob("*_CloudTrail_*.json"))
    (early / "a").mkdir(parents=True)
    shutil.copy(files[0], early / "a" / files[0].name)
    db = str(tmp_path / "events.sqlite")
    base = ["--snapshot", str(ORG_SNAPSHOT), "--event-store", db]
    _push(neo4j_uri, *base, "--cloudtrail", str(early))
    before = _edge_state(neo)
    # day two: the rest arrives, plus a repeat of a day-one call (a new event id); the event
    # store keeps day one and does not count the files read twice again
    records = json.loads(files[0].read_text())["Records"]
    repeat = dict(next(r for r in records if r["eventName"] == "GetCallerIdentity"))
    repeat.update(eventID="00000000-repeat-0000-0000-000000000001")
    repeat["eventTime"] = repeat["eventTime"].replace("T10:00", "T10:30")
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "repeat.json").write_text(json.dumps({"Records": [repeat]}))
    day_two = [str(early), str(INCIDENT), str(tmp_path / "extra")]
    later = _push(neo4j_uri, *base, *(x for p in day_two for x in ("--cloudtrail", p)))

    partial = _embedded(Sources(snapshots=(str(ORG_SNAPSHOT),), cloudtrail=(str(early),)))
    full = _embedded(Sources(snapshots=(str(ORG_SNAPSHOT),), cloudtrail=tuple(day_two)))
    assert _edge_state(partial) == before
    old, new = _edge_state(partial), _edge_state(full)
    changed = {k for k, v in new.items() if old.get(k) != v}
    assert later["edges_written"] == len(changed) > 0
    assert all(k[2] in ("performed", "invoked", "issued_session") for k in changed)
    grown = [k for k in changed if k in old and k[2] == "performed"]
    assert grown, "some day-one edge gained events"
    neo.refresh()
    after = _edge_state(neo)
    assert after == new
    for k in grown:
        assert after[k]["count"] > before[k]["count"]
    structural = {k for k in new if k not in changed and _family(k[2]) is EdgeFamily.STRUCTURAL}
    assert structural and all(after[k] == before[k] for k in structural)


def _family(kind: str) -> EdgeFamily:
    from graphscope.schema import edge_kind

    return edge_kind(kind).family


def test_bad_input_and_missing_password_are_clear_errors(neo4j_uri: str, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["push", "--uri", neo4j_uri, "--snapshot", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "no such file or folder" in r.output
    r = runner.invoke(
        app,
        [
            "push",
            "--uri",
            neo4j_uri,
            "--snapshot",
            str(ORG_SNAPSHOT),
            "--user",
            "neo4j",
            "--password-env",
            "GS_TEST_UNSET_PASSWORD_VAR",
        ],
    )
    assert r.exit_code == 2 and "GS_TEST_UNSET_PASSWORD_VAR is not set" in r.output
    r = runner.invoke(app, ["push", "--uri", "bolt://127.0.0.1:1", "--snapshot", str(ORG_SNAPSHOT)])
    assert r.exit_code == 1 and "Neo4j push to bolt://127.0.0.1:1 failed" in r.output
