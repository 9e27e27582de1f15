"""Every route over real HTTP, and the same bytes as the CLI."""

from __future__ import annotations

import time

import httpx
import pytest
from typer.testing import CliRunner

from graphscope.cli import app as cli
from graphscope.viz import view_script_sources

from .conftest import EXAMPLE_FLAGS, TOKEN

KEY = "AKIAIOSFODNN7EXAMPLE"
PRINCIPAL = "arn:aws:iam::444455556666:user/ci-runner"
BUCKET = "arn:aws:s3:::examplecorp-training-data"
SNAPSHOT_FLAGS = EXAMPLE_FLAGS[:2]


def cli_bytes(*args: str) -> bytes:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output
    return res.stdout_bytes


def test_who_can_is_the_cli_json_byte_for_byte(client: httpx.Client) -> None:
    r = client.get("/v1/who-can", params={"resource": BUCKET})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    expected = cli_bytes("who-can", *SNAPSHOT_FLAGS, "--resource", BUCKET, "--format", "json")
    assert r.content == expected
    assert int(r.headers["x-total-count"]) == r.json()["principals"].__len__() > 1
    r = client.get("/v1/who-can", params={"resource": BUCKET, "access_level": "Write"})
    assert r.content == cli_bytes(
        "who-can",
        *SNAPSHOT_FLAGS,
        "--resource",
        BUCKET,
        "--access-level",
        "Write",
        "--format",
        "json",
    )


def test_who_can_result_count_is_bounded(client: httpx.Client) -> None:
    r = client.get("/v1/who-can", params={"resource": BUCKET, "limit": 1})
    assert r.status_code == 200
    assert len(r.json()["principals"]) == 1 and int(r.headers["x-total-count"]) > 1


def test_path_and_reach_are_the_cli_json(client: httpx.Client) -> None:
    r = client.get("/v1/path", params={"from": PRINCIPAL, "to": BUCKET})
    assert r.status_code == 200
    assert r.content == cli_bytes(
        "path", *SNAPSHOT_FLAGS, "--from", PRINCIPAL, "--to", BUCKET, "--format", "json"
    )
    assert r.json()["paths"] and all("from" in hop for p in r.json()["paths"] for hop in p)
    short = client.get("/v1/path", params={"from": PRINCIPAL, "to": BUCKET, "max_depth": 1})
    assert all(len(p) <= 1 for p in short.json()["paths"])
    assert int(short.headers["x-total-count"]) < int(r.headers["x-total-count"])
    r = client.get("/v1/reach", params={"access_key_id": KEY})
    assert r.status_code == 200
    assert r.content == cli_bytes("reach", *SNAPSHOT_FLAGS, "--access-key", KEY, "--format", "json")


def test_exposure_is_the_cli_json(client: httpx.Client) -> None:
    r = client.get("/v1/exposure", params={"tag_sensitive": "classification=restricted"})
    assert r.status_code == 200, r.text
    assert r.content == cli_bytes(
        "exposure",
        *EXAMPLE_FLAGS[:4],
        "--tag-sensitive",
        "classification=restricted",
        "--format",
        "json",
    )


def _same_but_generated_at(api: bytes, cli_out: bytes) -> None:
    """The scope carries its generation time (also used in containment commands): align it."""
    import json

    a, c = json.loads(api)["generated_at"], json.loads(cli_out)["generated_at"]
    assert a and c
    assert api == cli_out.replace(c.encode(), a.encode())


def test_scope_is_the_cli_json_and_cached_by_input(client: httpx.Client) -> None:
    r = client.post("/v1/scope", json={"access_key_id": KEY})
    assert r.status_code == 200, r.text
    _same_but_generated_at(
        r.content, cli_bytes("scope", "--access-key", KEY, *EXAMPLE_FLAGS, "--format", "json")
    )
    scope_url = r.headers["content-location"]
    again = client.post("/v1/scope", json={"access_key_id": KEY})
    assert again.content == r.content  # the same generation time: served from the cache
    assert client.get(scope_url).content == r.content


def test_long_scope_runs_as_a_job(client: httpx.Client) -> None:
    body = {"principal_arn": PRINCIPAL, "since": "2025-03-14", "until": "2025-03-15T00:00:00Z"}
    r = client.post("/v1/scope", json=body, headers={"Prefer": "respond-async"})
    assert r.status_code == 202
    job_url = r.headers["location"]
    assert job_url.startswith("/v1/jobs/") and r.json()["status"] in ("running", "done")
    deadline = time.monotonic() + 60
    while (job := client.get(job_url).json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["status"] == "done" and job["error"] is None
    result = client.get(job["result"])
    assert result.status_code == 200
    _same_but_generated_at(
        result.content,
        cli_bytes(
            "scope",
            "--principal",
            PRINCIPAL,
            *EXAMPLE_FLAGS,
            "--since",
            body["since"],
            "--until",
            body["until"],
            "--format",
            "json",
        ),
    )
    html = client.get(job["report_html"])
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    csp = html.headers["content-security-policy"]
    assert all(src in csp for src in view_script_sources())  # the embedded graph may run
    graph = client.get(job["result"] + "/graph.html")
    assert graph.status_code == 200 and graph.text.startswith("<!DOCTYPE html>")
    assert all(src in graph.headers["content-security-policy"] for src in view_script_sources())


def test_failed_scope_job_reports_a_problem(client: httpx.Client) -> None:
    nobody = {"principal_arn": "arn:aws:iam::000000000000:user/nobody"}
    r = client.post("/v1/scope", json=nobody)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "neither in the inventory nor in the events" in r.json()["detail"]
    r = client.post(
        "/v1/scope",
        json={"access_key_id": "AKIAAAAAAAAAAAAAAAAA"},
        headers={"Prefer": "respond-async"},
    )
    assert r.status_code == 202
    deadline = time.monotonic() + 60
    while (job := client.get(r.headers["location"]).json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["status"] == "failed" and job["result"] is None
    assert job["error"]["status"] == 404 and "AKIAAAAAAAAAAAAAAAAA" in job["error"]["detail"]
    again = client.get(r.headers["location"].replace("/jobs/", "/scope/"))
    assert again.status_code == 404 and again.headers["content-type"] == "application/problem+json"


def test_unknown_scope_and_job_ids(client: httpx.Client) -> None:
    assert client.get("/v1/jobs/" + "0" * 64).status_code == 404
    assert client.get("/v1/scope/" + "0" * 64).status_code == 404
    assert client.get("/v1/scope/not-a-digest").status_code == 422
    assert client.get("/v1/scope/" + "0" * 64 + "/report.html").status_code == 404


def test_graph_pages_cover_the_graph_once(client: httpx.Client) -> None:
    seen: list[str] = []
    edges: list[tuple[str, str, str, str]] = []
    cursor = None
    while True:
        params = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/graph", params=params).json()
        seen += [n["id"] for n in page["nodes"]]
        edges += [(e["src"], e["dst"], e["kind"], e["key"]) for e in page["edges"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == page["total_nodes"] > 40
    assert len(edges) == len(set(edges)) > 0
    assert all(src in seen and dst in seen for src, dst, _, _ in edges)
    near = client.get("/v1/graph", params={"center": BUCKET, "depth": 1, "props": True}).json()
    ids = {n["id"] for n in near["nodes"]}
    assert BUCKET in ids and 1 < len(ids) < len(seen)
    assert any(n["props"] is not None for n in near["nodes"])
    assert client.get("/v1/graph", params={"kind": "nope"}).status_code == 422
    assert client.get("/v1/graph", params={"center": "arn:aws:s3:::nope"}).status_code == 404


def test_healthz_and_docs(live, client: httpx.Client) -> None:
    h = httpx.get(live.url + "/healthz").json()
    assert h["status"] == "ok" and h["inventory"] is True and h["events"] > 0
    docs = httpx.get(live.url + "/docs")
    assert (
        docs.status_code == 200 and "script-src 'sha256-" in docs.headers["content-security-policy"]
    )
    assert "cdn." not in docs.text and 'src="http' not in docs.text
    spec = httpx.get(live.url + "/openapi.json").json()
    for path in (
        "/v1/scope",
        "/v1/who-can",
        "/v1/path",
        "/v1/exposure",
        "/v1/graph",
        "/v1/scope/{scope_id}/report.html",
        "/healthz",
    ):
        assert path in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status"),
    [
        ("GET", "/v1/who-can", {"params": {"resource": "arn:aws:s3:::nope"}}, 404),
        (
            "GET",
            "/v1/who-can",
            {"params": {"resource": BUCKET, "action": "s3:GetObject", "access_level": "Read"}},
            422,
        ),
        ("GET", "/v1/who-can", {}, 422),
        ("GET", "/v1/reach", {"params": {"principal_arn": PRINCIPAL, "access_key_id": KEY}}, 422),
        ("GET", "/v1/reach", {"params": {"principal_arn": "arn:aws:iam::1:user/nobody"}}, 404),
        ("GET", "/v1/path", {"params": {"from": PRINCIPAL, "to": BUCKET, "max_depth": 0}}, 422),
        ("POST", "/v1/scope", {"json": {"access_key_id": KEY, "principal_arn": PRINCIPAL}}, 422),
        ("POST", "/v1/scope", {"json": {"access_key_id": KEY, "since": "yesterday"}}, 422),
        ("POST", "/v1/scope", {"json": {"access_key_id": KEY, "extra": 1}}, 422),
        (
            "POST",
            "/v1/scope",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
        ),
        ("DELETE", "/v1/scope", {}, 405),
        ("PUT", "/v1/who-can", {}, 405),
        ("GET", "/v1/nothing-here", {}, 404),
    ],
)
def test_errors_are_problem_json_without_traces(
    client: httpx.Client, method: str, url: str, kwargs: dict, status: int
) -> None:
    r = client.request(method, url, **kwargs)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["title"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


def test_request_bodies_are_size_limited(client: httpx.Client) -> None:
    big = {"principal_arn": "arn:aws:iam::1:user/" + "a" * 40_000}
    r = client.post("/v1/scope", json=big)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["x-content-type-options"] == "nosniff"

    def chunks():  # no Content-Length: the limit still holds while streaming
        yield b'{"principal_arn": "'
        for _ in range(40):
            yield b"a" * 1024
        yield b'"}'

    r = client.post("/v1/scope", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_auth_is_required_and_checked(live) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-0123456789ab"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ):
        r = httpx.get(live.url + "/v1/who-can", params={"resource": BUCKET}, headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.headers["content-type"] == "application/problem+json"
        r = httpx.post(live.url + "/v1/scope", json={"access_key_id": KEY}, headers=headers)
        assert r.status_code == 401
    ok = httpx.get(
        live.url + "/v1/who-can",
        params={"resource": BUCKET},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert ok.status_code == 200
