"""Real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) with every network
request refused, and hand-built scope reports whose drawing can be counted by hand."""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from graphscope.queries.contract import (
    ConditionOut,
    Coverage,
    ElementItem,
    Gap,
    HopOut,
    InvocationSummary,
    Observed,
    ObservedSession,
    Potential,
    PotentialResource,
    ScopeReport,
    Subject,
    Window,
)
from graphscope.schema import ELEMENTS

T = TypeVar("T")
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
ALICE = "arn:aws:iam::111122223333:user/dev-alice"
ROLE = "arn:aws:iam::111122223333:role/ml-pipeline"
BUCKET = "arn:aws:s3:::training-data"
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
OBJECT = "arn:aws:s3:::training-data/customers.csv"
DENIED_OBJECT = "arn:aws:s3:::payroll/salaries.csv"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
KEY, SESSION = "AKIAZZATTACKER000001", "ASIAZZATTACKSESS0001"


class BrowserThread:
    """Chromium driven from a thread of its own. Playwright's sync API refuses to start while
    another sync session is open in the same thread (other test folders keep one for the whole
    session), so every call is shipped to this thread and its result shipped back."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._main, args=(ready,), daemon=True)
        self._thread.start()
        ready.result(timeout=120)

    def _main(self, ready: Future[None]) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                self.browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                ready.set_result(None)
                while (job := self._jobs.get()) is not None:
                    fn, fut = job
                    try:
                        fut.set_result(fn())
                    except BaseException as e:  # handed to the caller's thread
                        fut.set_exception(e)
                self.browser.close()
        except BaseException as e:
            if not ready.done():
                ready.set_exception(e)

    def call(self, fn: Callable[[], T]) -> T:
        fut: Future[T] = Future()
        self._jobs.put((fn, fut))
        return fut.result(timeout=180)

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=60)


class Remote:
    """A Playwright object living on the browser thread, used as if it were local."""

    def __init__(self, bt: BrowserThread, obj: object) -> None:
        self._bt, self._obj = bt, obj

    def _wrap(self, value: object) -> object:
        return Remote(self._bt, value) if type(value).__module__.startswith("playwright") else value

    def __getattr__(self, name: str) -> object:
        value = self._bt.call(lambda: getattr(self._obj, name))
        if callable(value):
            return lambda *a, **k: self._wrap(self._bt.call(lambda: value(*a, **k)))
        return self._wrap(value)


@pytest.fixture(scope="session")
def browser() -> Iterator[BrowserThread]:
    if not Path(CHROMIUM).is_file() and not shutil.which(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install -y chromium (or set GRAPHSCOPE_CHROMIUM)"
        )
    bt = BrowserThread()
    yield bt
    bt.stop()


@dataclass
class Watched:
    """A page plus everything it tried to do that a self-contained, inert page must not."""

    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture()
def open_view(browser: BrowserThread) -> Iterator[Callable[..., Watched]]:
    """Load HTML with every request refused; wait until the layout has settled."""
    contexts = []

    def setup(html: str, via_file: Path | None, wait: bool) -> Watched:
        ctx = browser.browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(ctx)
        page = ctx.new_page()
        w = Watched(page)
        allowed = via_file.as_uri() if via_file else None

        def route(r: object) -> None:
            url = r.request.url  # type: ignore[attr-defined]
            if url == allowed:
                r.continue_()  # type: ignore[attr-defined]
                return
            w.requests.append(url)
            r.abort()  # type: ignore[attr-defined]

        page.route("**/*", route)
        page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: w.errors.append(str(e)))

        def dialog(d: object) -> None:
            w.dialogs.append(d.message)  # type: ignore[attr-defined]
            d.dismiss()  # type: ignore[attr-defined]

        page.on("dialog", dialog)
        if via_file:
            via_file.write_text(html, encoding="utf-8")
            page.goto(allowed)
        else:
            page.set_content(html)
        if wait:
            page.wait_for_function(
                "() => window.graphscope && window.graphscope.ready", timeout=30000
            )
        return w

    def open_(html: str, *, via_file: Path | None = None, wait: bool = True) -> Watched:
        w = browser.call(lambda: setup(html, via_file, wait))
        w.page = Remote(browser, w.page)
        return w

    yield open_
    for ctx in contexts:
        browser.call(ctx.close)


def _elements(**items: list[ElementItem]) -> dict[str, list[ElementItem]]:
    out: dict[str, list[ElementItem]] = {e: [] for e in ELEMENTS}
    for key, value in items.items():
        out[key.replace("_", " ")] = value
    return out


def item(source: str, name: str, count: int, errors: int, resources: list[str]) -> ElementItem:
    return ElementItem(
        event_source=source,
        event_name=name,
        count=count,
        error_count=errors,
        resources=resources,
        first_seen="2026-03-01T10:00:00Z",
        last_seen="2026-03-01T10:05:00Z",
    )


def hop(src: str, dst: str, edge: str, by: str) -> HopOut:
    return HopOut(**{"from": src}, to=dst, edge=edge, granted_by=by)


def small_scope(
    *,
    user_agent: str = "Boto3/1.34.0",
    session_name: str = "alice-x",
    bucket: str = BUCKET,
    statement: str = "AllowAssume (arn:aws:iam::111122223333:user/dev-alice inline)",
    condition: str = "aws:ResourceTag/team = ml",
    event_name: str = "RunInstances",
    gap: str = "Bedrock model-invocation logging deleted",
) -> ScopeReport:
    """10 nodes, 10 edges (counted by hand):
    nodes: alice (subject), ROLE, bucket, SECRET, KEY, SESSION, OBJECT, DENIED_OBJECT,
           the RunInstances action node (no resource named), the Haiku model;
    edges: potential alice->ROLE, ROLE->bucket, alice->SECRET; observed alice->KEY, KEY->SESSION,
           alice->ROLE (AssumeRole), alice->OBJECT, alice->action, alice->Haiku; denied alice->DENIED_OBJECT.
    """
    obj = OBJECT if bucket == BUCKET else f"{bucket}/customers.csv"
    return ScopeReport(
        subject=Subject(input=KEY, access_key_id=KEY, principal_arn=ALICE),
        window=Window(since=None, until=None),
        potential=Potential(
            resources=[
                PotentialResource(
                    arn=ROLE,
                    type="role",
                    component="Users",
                    actions=["sts:AssumeRole"],
                    access_levels=["Write"],
                    conditional=False,
                    conditions=[],
                    paths=[[hop(ALICE, ROLE, "can_assume", statement)]],
                ),
                PotentialResource(
                    arn=bucket,
                    type="s3_bucket",
                    component="Private data",
                    actions=["s3:GetObject", "s3:ListBucket"],
                    access_levels=["List", "Read"],
                    conditional=True,
                    conditions=[
                        ConditionOut(
                            statement=statement,
                            polarity="must hold",
                            condition=condition,
                            actions=["s3:GetObject"],
                        )
                    ],
                    paths=[
                        [
                            hop(ALICE, ROLE, "can_assume", statement),
                            hop(ROLE, bucket, "can_access", statement),
                        ]
                    ],
                ),
                PotentialResource(
                    arn=SECRET,
                    type="secret",
                    component="Private data",
                    actions=["secretsmanager:GetSecretValue"],
                    access_levels=["Read"],
                    conditional=False,
                    conditions=[],
                    paths=[[hop(ALICE, SECRET, "can_access", statement)]],
                ),
            ]
        ),
        observed=Observed(
            sessions=[
                ObservedSession(
                    access_key_id=KEY,
                    principal_arn=ALICE,
                    issued_by=None,
                    first_seen="2026-03-01T10:00:00Z",
                    last_seen="2026-03-01T10:05:00Z",
                    source_ips=["203.0.113.66"],
                    user_agents=[user_agent],
                ),
                ObservedSession(
                    access_key_id=SESSION,
                    principal_arn=f"arn:aws:sts::111122223333:assumed-role/ml-pipeline/{session_name}",
                    issued_by=KEY,
                    first_seen="2026-03-01T10:01:00Z",
                    last_seen="2026-03-01T10:04:00Z",
                    source_ips=["203.0.113.66"],
                    user_agents=[user_agent],
                ),
            ],
            elements=_elements(
                Access=[
                    item("sts.amazonaws.com", "AssumeRole", 1, 0, [ROLE]),
                    item("s3.amazonaws.com", "GetObject", 2, 2, [DENIED_OBJECT]),
                ],
                Computing_changes=[item("ec2.amazonaws.com", event_name, 2, 0, [])],
                Private_data=[item("s3.amazonaws.com", "GetObject", 3, 0, [obj])],
            ),
            resources=[ROLE, obj],
            created_resources=[],
            invocations=[
                InvocationSummary(
                    model_id=HAIKU,
                    source="invocation-log",
                    count=2,
                    input_tokens=1300,
                    output_tokens=350,
                    estimated_cost_usd=None,
                )
            ],
            source_ips=["203.0.113.66"],
            user_agents=[user_agent],
        ),
        coverage=Coverage(gaps=[Gap(source="bedrock-invocation-logs", detail=gap, since=None)]),
        containment=[],
    )


SERVICES = {
    "s3_bucket": ("Private data", "arn:aws:s3:::bucket-{a}-{i}"),
    "secret": ("Private data", "arn:aws:secretsmanager:us-east-1:{a}:secret:s{i}"),
    "lambda_function": ("Computing infrastructure", "arn:aws:lambda:us-east-1:{a}:function:f{i}"),
    "custom_model": ("AI/ML application", "arn:aws:bedrock:us-east-1:{a}:custom-model/m{i}"),
}


def big_scope(accounts: int = 3, per_service: int = 80, roles: int = 10) -> ScopeReport:
    """An organisation-sized scope: accounts x services x per_service leaves reached through
    `roles` roles per account, plus a few observed reads."""
    resources: list[PotentialResource] = []
    observed: list[str] = []
    for a in (f"{n:012d}" for n in range(100000000001, 100000000001 + accounts)):
        role_arns = [f"arn:aws:iam::{a}:role/r{i}" for i in range(roles)]
        for r in role_arns:
            resources.append(
                PotentialResource(
                    arn=r,
                    type="role",
                    component="Users",
                    actions=["sts:AssumeRole"],
                    access_levels=["Write"],
                    conditional=False,
                    conditions=[],
                    paths=[[hop(ALICE, r, "can_assume", "s")]],
                )
            )
        for kind, (component, pattern) in SERVICES.items():
            for i in range(per_service):
                arn = pattern.format(a=a, i=i)
                via = role_arns[i % roles]
                resources.append(
                    PotentialResource(
                        arn=arn,
                        type=kind,
                        component=component,
                        actions=["x:Read"],
                        access_levels=["Read"],
                        conditional=False,
                        conditions=[],
                        paths=[
                            [hop(ALICE, via, "can_assume", "s"), hop(via, arn, "can_access", "s")]
                        ],
                    )
                )
                if i < 3 and kind == "secret":
                    observed.append(arn)
    report = small_scope()
    report.potential = Potential(resources=resources)
    report.observed.elements["Private data"].append(
        item("secretsmanager.amazonaws.com", "GetSecretValue", 9, 0, observed)
    )
    report.observed.resources = sorted({*report.observed.resources, *observed})
    return report


@pytest.fixture(scope="session")
def large_scope() -> ScopeReport:
    return big_scope()
