"""The /v1 routes. Each answers with the bytes the matching CLI command prints."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from graphscope.access.reach import ReachEngine
from graphscope.api.graph_page import UnknownNode, graph_page
from graphscope.api.models import (
    ARN_MAX,
    ISO_PATTERN,
    KEY_PATTERN,
    GraphPage,
    JobStatus,
    ScopeRequest,
    contract_json,
)
from graphscope.api.problems import Problem, ProblemError
from graphscope.api.runner import Busy, Job, QueryRunner, TimeBudgetExceeded
from graphscope.api.settings import ApiSettings
from graphscope.queries.contract import (
    ExposureReport,
    PathReport,
    ReachReport,
    ScopeReport,
    WhoCanReport,
)
from graphscope.queries.exposure import build_exposure, parse_tags
from graphscope.queries.potential import (
    SUBJECT_KINDS,
    SubjectNotFound,
    reach_report,
    resolve_subject,
    who_can,
)
from graphscope.queries.scope import build_scope
from graphscope.report.html import render_html
from graphscope.schema import NODE_KINDS
from graphscope.store.paths import path_report
from graphscope.viz import render_scope, script_hashes, view_script_sources
from graphscope.window import window_bound
from graphscope.workspace import Workspace

T = TypeVar("T")
router = APIRouter()
AccessLevel = Literal["List", "Read", "Write", "Permissions management", "Tagging"]
DIGEST = r"^[0-9a-f]{64}$"
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (401, 404, 409, 413, 422, 503)
}
HTML_CSP = "default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _ctx(request: Request) -> tuple[ApiSettings, QueryRunner]:
    return request.app.state.settings, request.app.state.runner


async def _cached(request: Request, key: tuple, fn: Callable[[Workspace], T]) -> T:
    """The answer from the query cache, or computed on the query thread and kept."""
    cache = request.app.state.query_cache
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = await _run(request, fn)
    cache.put(key, value)
    return value


async def _run(request: Request, fn: Callable[[Workspace], T]) -> T:
    settings, runner = _ctx(request)
    try:
        return await runner.run(fn, settings.time_budget_s)
    except Busy:
        raise ProblemError(
            503, "the server is busy; retry shortly", kind="busy", headers={"Retry-After": "2"}
        ) from None
    except TimeBudgetExceeded as e:
        raise ProblemError(503, f"time budget exceeded: {e}", kind="time-budget") from None


def _json(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _engine(ws: Workspace) -> ReachEngine:
    if ws.engine is None:
        raise ProblemError(
            409, "the server was started without an inventory (--snapshot)", kind="no-inventory"
        )
    return ws.engine


def _limit(request: Request, limit: int | None) -> int:
    cap = _ctx(request)[0].max_results
    return min(limit or cap, cap)


# --- potential access ----------------------------------------------------------------------


@router.get(
    "/who-can",
    response_model=WhoCanReport,
    responses=ERRORS,
    tags=["potential"],
    summary="Every principal that can reach a resource (same JSON as `graphscope who-can`)",
)
async def who_can_route(
    request: Request,
    resource: Annotated[str, Query(min_length=1, max_length=ARN_MAX, description="resource ARN")],
    action: Annotated[str | None, Query(max_length=128, pattern=r"^[\w-]+:[\w*?-]+$")] = None,
    access_level: AccessLevel | None = None,
    limit: Annotated[int | None, Query(ge=1, description="at most this many principals")] = None,
) -> Response:
    if action and access_level:
        raise ProblemError(422, "give action or access_level, not both", kind="invalid-request")
    n = _limit(request, limit)

    def query(ws: Workspace) -> tuple[bytes, int]:
        engine = _engine(ws)
        if ws.store.node(resource) is None:
            raise ProblemError(
                404, f"resource {resource} is not in the inventory", kind="not-found"
            )
        report = who_can(engine, resource, action, access_level)
        total = len(report.principals)
        if total > n:
            report = report.model_copy(update={"principals": report.principals[:n]})
        return contract_json(report), total

    body, total = await _cached(request, ("who-can", resource, action, access_level, n), query)
    return _json(body, headers={"X-Total-Count": str(total)})


@router.get(
    "/path",
    response_model=PathReport,
    responses=ERRORS,
    tags=["potential"],
    summary="Every path from a principal to a resource (same JSON as `graphscope path`)",
)
async def path_route(
    request: Request,
    src: Annotated[str, Query(alias="from", min_length=1, max_length=ARN_MAX)],
    dst: Annotated[str, Query(alias="to", min_length=1, max_length=ARN_MAX)],
    max_depth: Annotated[
        int | None, Query(ge=1, le=32, description="longest path returned, in hops")
    ] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    settings = _ctx(request)[0]
    depth = min(max_depth or settings.max_path_depth, settings.max_path_depth)
    n = _limit(request, limit)

    def query(ws: Workspace) -> tuple[bytes, int]:
        engine = _engine(ws)
        for arn in (src, dst):
            if ws.store.node(arn) is None:
                raise ProblemError(404, f"{arn} is not in the inventory", kind="not-found")
        start = ws.store.node(src)
        if start is None or start.kind not in SUBJECT_KINDS:
            raise ProblemError(
                422,
                f"from must be a user or role, not a {start.kind if start else '?'}",
                kind="invalid-request",
            )
        report = path_report(engine, src, dst)
        kept = [p for p in report.paths if len(p) <= depth]
        if len(kept) != len(report.paths) or len(kept) > n:
            report = report.model_copy(update={"paths": kept[:n]})
        return contract_json(report), len(kept)

    body, total = await _cached(request, ("path", src, dst, depth, n), query)
    return _json(body, headers={"X-Total-Count": str(total)})


@router.get(
    "/reach",
    response_model=ReachReport,
    responses=ERRORS,
    tags=["potential"],
    summary="Potential blast radius of a principal (same JSON as `graphscope reach`)",
)
async def reach_route(
    request: Request,
    principal_arn: Annotated[str | None, Query(min_length=1, max_length=ARN_MAX)] = None,
    access_key_id: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
) -> Response:
    if (principal_arn is None) == (access_key_id is None):
        raise ProblemError(
            422, "give exactly one of principal_arn or access_key_id", kind="invalid-request"
        )

    def query(ws: Workspace) -> bytes:
        engine = _engine(ws)
        try:
            subject = resolve_subject(ws.store, principal_arn, access_key_id)
        except SubjectNotFound as e:
            raise ProblemError(404, str(e), kind="not-found") from None
        return contract_json(reach_report(engine, subject))

    return _json(await _cached(request, ("reach", principal_arn, access_key_id), query))


@router.get(
    "/exposure",
    response_model=ExposureReport,
    responses=ERRORS,
    tags=["potential"],
    summary="Per data store and model: who reaches it and through what (same JSON as `graphscope exposure`)",
)
async def exposure_route(
    request: Request,
    tag_sensitive: Annotated[
        list[str] | None, Query(max_length=20, description="KEY=VALUE (repeatable)")
    ] = None,
    since: Annotated[str | None, Query(max_length=40, pattern=ISO_PATTERN)] = None,
    until: Annotated[str | None, Query(max_length=40, pattern=ISO_PATTERN)] = None,
) -> Response:
    try:
        tags = parse_tags([t[:256] for t in tag_sensitive or []])
        window_bound(since)
        window_bound(until, end=True)
    except ValueError as e:
        raise ProblemError(422, str(e), kind="invalid-request") from None

    def query(ws: Workspace) -> bytes:
        _engine(ws)
        return contract_json(
            build_exposure(ws, sensitive_tags=tags, since=since, until=until).report
        )

    return _json(
        await _cached(request, ("exposure", tuple(sorted(tags.items())), since, until), query)
    )


# --- the graph -----------------------------------------------------------------------------


@router.get(
    "/graph",
    response_model=GraphPage,
    responses=ERRORS,
    tags=["graph"],
    summary="The inventory graph, or the neighbourhood of one node, one page at a time",
)
async def graph_route(
    request: Request,
    center: Annotated[str | None, Query(min_length=1, max_length=ARN_MAX)] = None,
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
    kind: Annotated[list[str] | None, Query(max_length=len(NODE_KINDS))] = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,9}$")] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    props: bool = False,
) -> GraphPage:
    unknown = sorted(set(kind or ()) - set(NODE_KINDS))
    if unknown:
        raise ProblemError(
            422, f"unknown node kinds: {', '.join(unknown)[:200]}", kind="invalid-request"
        )
    n = _limit(request, limit)

    def query(ws: Workspace) -> GraphPage:
        try:
            return graph_page(
                ws.store,
                center=center,
                depth=depth,
                kinds=set(kind) if kind else None,
                offset=int(cursor or 0),
                limit=n,
                with_props=props,
            )
        except UnknownNode as e:
            raise ProblemError(404, str(e), kind="not-found") from None

    return await _run(request, query)


# --- scope jobs ----------------------------------------------------------------------------


def _scope_job(req: ScopeRequest) -> Callable[[Workspace], bytes]:
    def compute(ws: Workspace) -> bytes:
        try:
            result = build_scope(
                ws,
                access_key=req.access_key_id,
                principal=req.principal_arn,
                since=req.since,
                until=req.until,
            )
        except LookupError as e:  # SubjectNotFound and friends
            raise ProblemError(404, str(e), kind="not-found") from None
        except ValueError as e:
            raise ProblemError(422, str(e), kind="invalid-request") from None
        return contract_json(result.report)

    return compute


def _iso(t: float | None) -> str | None:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if t else None


def _error_of(job: Job) -> dict[str, Any] | None:
    if job.status != "failed":
        return None
    exc = job.future.exception() if not job.future.cancelled() else None
    if isinstance(exc, ProblemError):
        return {"status": exc.status, "detail": exc.detail, "type": exc.kind or "about:blank"}
    return {
        "status": 500,
        "detail": "internal error; the server log has the details",
        "type": "internal",
    }


def _status(job: Job) -> JobStatus:
    done = job.status == "done"
    return JobStatus(
        id=job.id,
        status=job.status,  # type: ignore[arg-type]
        request=job.request,
        created=_iso(job.created) or "",
        finished=_iso(job.finished),
        result=f"/v1/scope/{job.id}" if done else None,
        report_html=f"/v1/scope/{job.id}/report.html" if done else None,
        error=_error_of(job),
    )


def _result(job: Job) -> bytes:
    """The finished job's bytes, or its failure raised again as the problem it was."""
    exc = (
        job.future.exception() if not job.future.cancelled() else ProblemError(500, "job cancelled")
    )
    if exc is not None:
        raise exc
    return job.future.result()


def _job(request: Request, job_id: str) -> Job:
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise ProblemError(
            404,
            f"no scope job {job_id} on this server (results are cached, not kept forever)",
            kind="not-found",
        )
    return job


def _accepted(job: Job) -> Response:
    return _json(_status(job).model_dump_json().encode(), 202, {"Location": f"/v1/jobs/{job.id}"})


@router.post(
    "/scope",
    response_model=ScopeReport,
    status_code=200,
    tags=["scope"],
    responses={
        **ERRORS,
        202: {"model": JobStatus, "description": "still running: poll the Location"},
    },
    summary="Scope a key or principal (same JSON as `graphscope scope --format json`)",
)
async def scope_route(
    request: Request,
    body: ScopeRequest,
    prefer: Annotated[
        str | None, Header(max_length=200, description="respond-async: always answer 202")
    ] = None,
) -> Response:
    settings, runner = _ctx(request)
    digest = body.digest()
    try:
        job = request.app.state.jobs.get_or_start(
            digest, body.model_dump(), lambda: runner.submit(_scope_job(body))
        )
    except Busy:
        raise ProblemError(
            503, "the server is busy; retry shortly", kind="busy", headers={"Retry-After": "2"}
        ) from None
    if "respond-async" not in (prefer or "").lower() and not job.future.done():
        await asyncio.wait({asyncio.wrap_future(job.future)}, timeout=settings.sync_wait_s)
    if not job.future.done():
        return _accepted(job)
    return _json(_result(job), headers={"Content-Location": f"/v1/scope/{digest}"})


@router.get(
    "/jobs/{job_id}",
    response_model=JobStatus,
    responses=ERRORS,
    tags=["scope"],
    summary="Status of a scope job",
)
async def job_route(request: Request, job_id: Annotated[str, Path(pattern=DIGEST)]) -> JobStatus:
    return _status(_job(request, job_id))


@router.get(
    "/scope/{scope_id}",
    response_model=ScopeReport,
    tags=["scope"],
    responses={**ERRORS, 202: {"model": JobStatus, "description": "still running"}},
    summary="A scope computed earlier, by its id (the input digest)",
)
async def scope_get_route(
    request: Request, scope_id: Annotated[str, Path(pattern=DIGEST)]
) -> Response:
    job = _job(request, scope_id)
    if not job.future.done():
        return _accepted(job)
    return _json(_result(job))


async def _scope_report(request: Request, scope_id: str) -> ScopeReport:
    job = _job(request, scope_id)
    if not job.future.done():
        raise ProblemError(
            409,
            "the scope is still running; poll its job",
            kind="running",
            headers={"Location": f"/v1/jobs/{job.id}"},
        )
    return ScopeReport.model_validate_json(_result(job))


def _html(page: str, embeds_view: bool = False) -> HTMLResponse:
    """HTML with a policy allowing its own scripts only (and the embedded view's, whose iframe
    srcdoc inherits this policy)."""
    sources = script_hashes(page) + (view_script_sources() if embeds_view else [])
    csp = HTML_CSP.format(scripts=" ".join(dict.fromkeys(sources)) or "'none'")
    return HTMLResponse(page, headers={"Content-Security-Policy": csp})


@router.get(
    "/scope/{scope_id}/report.html",
    response_class=HTMLResponse,
    responses=ERRORS,
    tags=["scope"],
    summary="The incident report of a finished scope, as one self-contained HTML page",
)
async def report_html_route(
    request: Request, scope_id: Annotated[str, Path(pattern=DIGEST)]
) -> HTMLResponse:
    report = await _scope_report(request, scope_id)
    return _html(await asyncio.to_thread(render_html, report), embeds_view=True)


@router.get(
    "/scope/{scope_id}/graph.html",
    response_class=HTMLResponse,
    responses=ERRORS,
    tags=["scope"],
    summary="The interactive graph of a finished scope (same page as `graphscope viz`)",
)
async def graph_html_route(
    request: Request,
    scope_id: Annotated[str, Path(pattern=DIGEST)],
    node_budget: Annotated[int, Query(ge=10, le=2000)] = 300,
) -> HTMLResponse:
    report = await _scope_report(request, scope_id)
    return _html(await asyncio.to_thread(render_scope, report, node_budget=node_budget))
