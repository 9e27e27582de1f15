"""The example incident through `graphscope activity` and `graphscope reach`: every fact in
examples/incident/expected.json (derived from the story's ground truth, not from graphscope).

Facts the current code gets wrong are strict xfails naming the defect, so a fix turns them into
failures that ask for the marker to go; the facts themselves are never weakened.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from graphscope.queries.contract import ActivityReport, ReachReport
from graphscope.schema import ELEMENTS

Item = tuple[str, str, int, int]

POTENTIAL_XFAIL: dict[str, str] = {}


def _expected_json() -> dict[str, Any]:
    from .conftest import EXAMPLE

    return json.loads((EXAMPLE / "expected.json").read_text())


EXPECTED = _expected_json()


def _items(items: list[dict[str, Any]]) -> set[Item]:
    return {(i["event_source"], i["event_name"], i["count"], i["error_count"]) for i in items}


def _sessions(activity: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["access_key_id"]: s for s in activity["observed"]["sessions"]}


# ------------------------------------------------------------------------------- contract
def test_outputs_validate_against_the_contract(activity: dict, reach: dict) -> None:
    ActivityReport.model_validate(activity)
    ReachReport.model_validate(reach)


def test_subject(activity: dict, reach: dict, expected: dict) -> None:
    assert activity["subject"]["access_key_id"] == expected["subject"]["access_key_id"]
    assert activity["subject"]["principal_arn"] == expected["subject"]["principal_arn"]
    assert reach["subject"]["principal_arn"] == expected["subject"]["principal_arn"]


# ------------------------------------------------------------------------------- sessions
def test_session_tree(activity: dict, expected: dict) -> None:
    """Exactly the attacker's credentials, each issued by the right parent."""
    got = {
        (s["access_key_id"], s["principal_arn"], s["issued_by"])
        for s in activity["observed"]["sessions"]
    }
    want = {(s["access_key_id"], s["principal_arn"], s["issued_by"]) for s in expected["sessions"]}
    assert got == want


def test_session_tree_is_rooted_at_the_leaked_key(expected: dict) -> None:
    keys = {s["access_key_id"] for s in expected["sessions"]}
    roots = [s for s in expected["sessions"] if s["issued_by"] is None]
    assert [r["access_key_id"] for r in roots] == [expected["subject"]["access_key_id"]]
    assert all(s["issued_by"] in keys for s in expected["sessions"] if s["issued_by"])


@pytest.mark.parametrize(
    "label",
    [s["label"] for s in EXPECTED["sessions"]],
)
def test_session_use(activity: dict, expected: dict, label: str) -> None:
    """When and from where each credential was used."""
    want = next(s for s in expected["sessions"] if s["label"] == label)
    got = _sessions(activity)[want["access_key_id"]]
    assert (got["first_seen"], got["last_seen"]) == (want["first_seen"], want["last_seen"])
    assert got["source_ips"] == want["source_ips"]


def test_session_named_like_the_lambda_job_is_the_attackers(activity: dict, expected: dict) -> None:
    """S4 shares its session ARN with the legitimate Lambda job; only its key is in the tree."""
    s4 = next(s for s in expected["sessions"] if s["label"] == "S4")
    rows = [
        s for s in activity["observed"]["sessions"] if s["principal_arn"] == s4["principal_arn"]
    ]
    assert [r["access_key_id"] for r in rows] == [s4["access_key_id"]]


def test_others_never_appear(activity: dict, expected: dict) -> None:
    """The Lambda job, the console admin, the GitHub deployer, the scanner and the legitimate
    users of the same IAM users: no key or principal of theirs in the subject's report."""
    never = expected["never_in_report"]
    sessions = activity["observed"]["sessions"]
    assert not {s["access_key_id"] for s in sessions} & set(never["access_key_ids"])
    assert not {s["principal_arn"] for s in sessions} & set(never["principal_arns"])
    observed = json.dumps(activity["observed"])
    leaked = [k for k in never["access_key_ids"] if k in observed]
    assert leaked == []
    for arn in never["principal_arns"]:
        assert arn not in observed, arn
    assert "alice.admin" not in observed
    assert "gha-deploy" not in observed
    assert "signin.amazonaws.com" not in observed


def test_never_list_covers_every_unrelated_actor(expected: dict) -> None:
    """Guard on the example itself: the exclusions name each unrelated actor's credentials."""
    never = expected["never_in_report"]
    arns = " ".join(never["principal_arns"])
    for who in (
        "user/alice.admin",
        "assumed-role/gha-deploy/",
        "user/dana.ds",
        "assumed-role/audit-readonly/",
        "assumed-role/order-tools-lambda-role/",
    ):
        assert who in arns, who
    for key in ("AKIAQ4REPORTS7XAMPLE", "AKIAT6BRTESTER7XMPLE", "AKIAD3DANADS7EXAMPLE"):
        assert key in never["access_key_ids"]
    assert len([k for k in never["access_key_ids"] if k.startswith("ASIA")]) >= 10


# ------------------------------------------------------------------------------- elements
@pytest.mark.parametrize(
    "element",
    [e for e in ELEMENTS if e != "Proxy"],  # Proxy items are checked on their own below
)
def test_element_items(activity: dict, expected: dict, element: str) -> None:
    assert _items(activity["observed"]["elements"][element]) == _items(
        expected["elements"][element]
    )


def test_proxy_element_holds_the_subjects_own_calls(activity: dict, expected: dict) -> None:
    got = _items(activity["observed"]["elements"]["Proxy"])
    own = _items(expected["elements"]["Proxy"])
    downstream = _items(expected["proxy_downstream"])
    assert own <= got
    assert got - own <= downstream  # anything else must be an application acting for it


def test_proxy_element_shows_the_agent_tool_reading_the_secret(
    activity: dict, expected: dict
) -> None:
    got = _items(activity["observed"]["elements"]["Proxy"])
    assert _items(expected["proxy_downstream"]) <= got


def test_denied_recon_counted(activity: dict, expected: dict) -> None:
    denied = {
        (i["event_source"], i["event_name"]): i["error_count"]
        for i in activity["observed"]["elements"]["Access"]
        if i["error_count"]
    }
    want = {
        (i["event_source"], i["event_name"]): i["error_count"]
        for i in expected["elements"]["Access"]
        if i["error_count"]
    }
    assert denied == want
    assert sum(want.values()) == 9  # 6 by the CI key, 3 by the first deploy session


def test_every_subject_call_is_counted_once(activity: dict, expected: dict) -> None:
    by_call: dict[tuple[str, str], int] = {}
    for items in activity["observed"]["elements"].values():
        for i in items:
            key = (i["event_source"], i["event_name"])
            if (key[0], key[1], i["count"], i["error_count"]) in _items(
                expected["proxy_downstream"]
            ):
                continue
            by_call[key] = max(by_call.get(key, 0), i["count"])
    assert sum(by_call.values()) == expected["event_count"]


def test_item_times(activity: dict) -> None:
    """first/last seen of the recon, the logging deletion and the LLMjacking."""
    items = {
        (el, i["event_source"], i["event_name"]): i
        for el, its in activity["observed"]["elements"].items()
        for i in its
    }
    first = items[("Access", "sts.amazonaws.com", "GetCallerIdentity")]
    assert first["first_seen"] == EXPECTED["timeline"]["leak_first_used"]
    delete = items[
        ("AI changes", "bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration")
    ]
    assert (
        delete["first_seen"]
        == delete["last_seen"]
        == EXPECTED["timeline"]["invocation_logging_deleted"]
    )
    invoke = items[("Invocation", "bedrock.amazonaws.com", "InvokeModel")]
    assert invoke["last_seen"] == EXPECTED["window"]["last_seen"]


# --------------------------------------------------------------- invocations and resources
def _invocations(activity: dict, source: str) -> set[tuple[Any, ...]]:
    return {
        (i["model_id"], i["count"], i["input_tokens"], i["output_tokens"])
        for i in activity["observed"]["invocations"]
        if i["source"] == source
    }


def _expected_invocations(source: str) -> set[tuple[Any, ...]]:
    return {
        (i["model_id"], i["count"], i["input_tokens"], i["output_tokens"])
        for i in EXPECTED["invocations"]
        if i["source"] == source
    }


def test_invocation_log_tokens(activity: dict) -> None:
    """Joined by requestId: the Lambda job's records under the same session ARN stay out."""
    assert _invocations(activity, "invocation-log") == _expected_invocations("invocation-log")


def test_cloudtrail_invocation_counts(activity: dict) -> None:
    assert _invocations(activity, "cloudtrail") == _expected_invocations("cloudtrail")


def test_cloudtrail_invocation_models_without_tokens(activity: dict) -> None:
    got = {
        i["model_id"]: i for i in activity["observed"]["invocations"] if i["source"] == "cloudtrail"
    }
    assert set(got) == {m for m, *_ in _expected_invocations("cloudtrail")}
    assert all(i["input_tokens"] is None and i["output_tokens"] is None for i in got.values())


def test_created_resources(activity: dict, expected: dict) -> None:
    got = [
        {k: c[k] for k in ("arn", "name", "event_name", "event_time")}
        for c in activity["observed"]["created_resources"]
    ]
    assert got == expected["created_resources"]


def test_resources_touched(activity: dict, expected: dict) -> None:
    touched = set(activity["observed"]["resources"])
    assert set(expected["resources_touched_include"]) <= touched
    assert not touched & set(expected["resources_touched_exclude"])


def test_source_ips_and_user_agents(activity: dict, expected: dict) -> None:
    assert activity["observed"]["source_ips"] == expected["source_ips"]
    assert activity["observed"]["user_agents"] == expected["user_agents"]


# ------------------------------------------------------------------------------- coverage
@pytest.mark.parametrize("gap_id", [g["id"] for g in EXPECTED["coverage_gaps"]])
def test_coverage_gap(activity: dict, expected: dict, gap_id: str) -> None:
    want = next(g for g in expected["coverage_gaps"] if g["id"] == gap_id)
    found = [
        g
        for g in activity["coverage"]["gaps"]
        if g["source"] == want["source"]
        and (want["since"] is None or g["since"] == want["since"])
        and all(m in g["detail"] for m in want["mentions"])
    ]
    assert found, f"no gap {want} in {json.dumps(activity['coverage']['gaps'], indent=1)}"


@pytest.mark.parametrize("i", range(len(EXPECTED["coverage_gaps_absent"])))
def test_no_false_coverage_gap(activity: dict, expected: dict, i: int) -> None:
    absent = expected["coverage_gaps_absent"][i]
    wrong = [
        g
        for g in activity["coverage"]["gaps"]
        if g["source"] == absent["source"] and absent.get("contains", "") in g["detail"]
    ]
    assert wrong == []


def test_no_duplicate_gaps(activity: dict) -> None:
    seen = [(g["source"], g["detail"]) for g in activity["coverage"]["gaps"]]
    assert len(seen) == len(set(seen))


# ------------------------------------------------------------------------------ potential
def _reach_params() -> list[Any]:
    out = []
    for r in EXPECTED["potential"]["reachable"]:
        reason = POTENTIAL_XFAIL.get(r["arn"])
        out.append(
            pytest.param(r["arn"], marks=pytest.mark.xfail(strict=True, reason=reason))
            if reason
            else r["arn"]
        )
    return out


@pytest.mark.parametrize("arn", _reach_params())
def test_potential_reaches(reach: dict, expected: dict, arn: str) -> None:
    want = next(r for r in expected["potential"]["reachable"] if r["arn"] == arn)
    got = {r["arn"]: r for r in reach["potential"]["resources"]}.get(arn)
    assert got is not None, f"{arn} not reachable"
    assert got["type"] == want["type"]
    assert set(want["actions"]) <= set(got["actions"])
    nodes = [{hop["to"] for hop in path} | {hop["from"] for hop in path} for path in got["paths"]]
    for alternative in want["paths_through"]:
        assert any(set(alternative) <= n for n in nodes), (alternative, got["paths"])
    edges = {hop["edge"] for path in got["paths"] for hop in path}
    assert set(want["edges"]) <= edges


@pytest.mark.parametrize("arn", [r["arn"] for r in EXPECTED["potential"]["unreachable"]])
def test_potential_does_not_reach(reach: dict, arn: str) -> None:
    assert arn not in {r["arn"] for r in reach["potential"]["resources"]}


def test_potential_paths_start_at_the_subject(reach: dict, expected: dict) -> None:
    for r in reach["potential"]["resources"]:
        for path in r["paths"]:
            assert path[0]["from"] == expected["potential"]["subject"]
            assert path[-1]["to"] == r["arn"]


def test_what_was_done_was_possible(reach: dict, activity: dict, expected: dict) -> None:
    """Every role the attacker's sessions acted as is in the potential report (observed within
    potential: the policy engine and the logs agree)."""
    reachable = {r["arn"] for r in reach["potential"]["resources"]}
    roles = set()
    for s in expected["sessions"]:
        arn = s["principal_arn"]
        if ":assumed-role/" in arn:
            account = arn.split(":")[4]
            roles.add(f"arn:aws:iam::{account}:role/{arn.split('/')[1]}")
    assert roles <= reachable


# ------------------------------------------------------------------------------ logs only
@pytest.fixture(scope="module")
def activity_logs_only(expected: dict) -> dict[str, Any]:
    from .conftest import CLOUDTRAIL, INVOCATION_LOGS, run_cli

    out = run_cli(
        "activity",
        "--access-key",
        expected["subject"]["access_key_id"],
        "--cloudtrail",
        str(CLOUDTRAIL),
        "--invocation-logs",
        str(INVOCATION_LOGS),
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_logs_alone_give_the_same_observed_facts(activity_logs_only: dict, activity: dict) -> None:
    """A responder often has only the logs at first: the session tree, the subject's own calls
    and the invocations do not depend on the snapshot."""
    alone, full = activity_logs_only["observed"], activity["observed"]
    assert alone["sessions"] == full["sessions"]
    assert alone["invocations"] == full["invocations"]
    for element in (
        "Access",
        "Computing changes",
        "AI changes",
        "Data store changes",
        "Invocation",
        "Private data",
    ):
        assert _items(alone["elements"][element]) == _items(full["elements"][element])
    assert _items(EXPECTED["elements"]["Proxy"]) <= _items(alone["elements"]["Proxy"])
