"""The FastAPI scoping service: `create_app(workspace, settings)`.

Read-only by construction: the routes only query the workspace loaded at start-up. Answers are
the CLI's JSON bytes; errors are problem+json; every /v1 route needs the bearer token.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphscope.api import problems, routes
from graphscope.api.docs import CSP as DOCS_CSP
from graphscope.api.docs import PAGE as DOCS_PAGE
from graphscope.api.models import Health
from graphscope.api.problems import PROBLEM_JSON, ProblemError
from graphscope.api.runner import JobStore, QueryCache, QueryRunner
from graphscope.api.settings import ApiSettings
from graphscope.workspace import Sources, Workspace

API_VERSION = "1"
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
BEARER = HTTPBearer(auto_error=False, description="the server's API token")


class BodyLimit:
    """Refuse request bodies above the limit before any route reads them (413 problem+json)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send)
            return
        chunks, size, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunks.append(msg.get("body", b""))
            size += len(chunks[-1])
            more = msg.get("more_body", False)
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = (
            '{"type":"about:blank","title":"Content Too Large","status":413,'
            f'"detail":"request bodies are limited to {self.max_bytes} bytes"}}'
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """nosniff, no referrer, no caching, and a deny-all CSP unless the route set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"content-security-policy", JSON_CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                headers += [(k, v) for k, v in extra if k not in names]
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, send_with_headers)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _bearer_check(settings: ApiSettings) -> Callable[..., Awaitable[None]]:
    async def check(cred: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> None:
        if settings.insecure_local:
            return
        assert settings.token is not None
        given = cred.credentials if cred and cred.scheme.lower() == "bearer" else ""
        # digests first: the comparison then leaks neither the content nor the length
        if not hmac.compare_digest(_digest(given), _digest(settings.token.get_secret_value())):
            raise ProblemError(
                401,
                "a valid bearer token is required",
                kind="unauthorized",
                headers={"WWW-Authenticate": 'Bearer realm="graphscope"'},
            )

    return check


def _closing(runner: QueryRunner) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        runner.close()  # the workspace (and its SQLite store) closes on its own thread

    return lifespan


def create_app(workspace: Sources | Callable[[], Workspace], settings: ApiSettings) -> FastAPI:
    """The app over one investigation. `workspace` is the Sources to load (or a loader): it is
    loaded on the app's query thread, the only thread that may use its SQLite event store."""
    settings.check()
    loader = (lambda: Workspace.load(workspace)) if isinstance(workspace, Sources) else workspace
    runner = QueryRunner(loader, settings.max_pending)
    app = FastAPI(
        title="graphscope",
        version=API_VERSION,
        description=(
            "Scope a leaked AWS key: potential blast radius, observed activity and log coverage. "
            "Answers are the JSON contract of the graphscope CLI, byte for byte."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=_closing(runner),
    )
    app.state.settings = settings
    app.state.runner = runner
    app.state.jobs = JobStore(settings.max_jobs)
    app.state.query_cache = QueryCache(settings.query_cache_entries)
    problems.install(app)

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # added last = outermost: the 413 gets the headers too

    # read once: the workspace never changes while the server runs
    events = runner.submit(lambda ws: ws.events.event_count()).result()
    has_inventory = runner.workspace.inventory is not None

    @app.get("/healthz", tags=["service"], summary="Liveness and what the server has loaded")
    async def healthz() -> Health:
        return Health(status="ok", inventory=has_inventory, events=events, jobs=len(app.state.jobs))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE, headers={"Content-Security-Policy": DOCS_CSP})

    app.include_router(routes.router, prefix="/v1", dependencies=[Depends(_bearer_check(settings))])
    return app


__all__ = ["create_app"]
