"""One query thread that owns the workspace, and the scope jobs that run on it.

The SQLite event store may only be used from the thread that opened it, and the reach engine's
caches are not built for concurrent writers; so the workspace is loaded on, and only ever read
from, a single worker thread. The event loop stays free to answer health checks, job polls and
cached results while a long scope runs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphscope.workspace import Workspace

T = TypeVar("T")


class Busy(RuntimeError):
    """Too many queries are already waiting."""


class TimeBudgetExceeded(RuntimeError):
    """The query did not answer within the per-request time budget."""


class QueryRunner:
    def __init__(self, loader: Callable[[], Workspace], max_pending: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphscope-query")
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()
        self.workspace: Workspace = self._pool.submit(loader).result()

    def submit(self, fn: Callable[[Workspace], T]) -> Future[T]:
        with self._lock:
            if self._pending >= self._max_pending:
                raise Busy(f"{self._pending} queries are waiting")
            self._pending += 1
        fut = self._pool.submit(fn, self.workspace)
        fut.add_done_callback(self._done)
        return fut

    def _done(self, _: Future[Any]) -> None:
        with self._lock:
            self._pending -= 1

    async def run(self, fn: Callable[[Workspace], T], budget_s: float) -> T:
        """Run on the query thread; give up waiting after budget_s (a queued query is dropped)."""
        fut = self.submit(fn)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), timeout=budget_s)
        except TimeoutError:
            fut.cancel()
            raise TimeBudgetExceeded(f"no answer within {budget_s:g} s") from None

    def close(self) -> None:
        self._pool.submit(lambda: self.workspace.close()).result()
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class Job:
    """A scope computed once per input digest; `body` is the exact JSON the CLI prints."""

    id: str
    request: dict[str, Any]
    future: Future[bytes]
    created: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def status(self) -> str:
        if not self.future.done():
            return "running"
        return "failed" if self.future.cancelled() or self.future.exception() else "done"


class JobStore:
    """Jobs by digest, least recently used dropped beyond `capacity` (running jobs are kept)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._jobs)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs.move_to_end(job_id)
            return job

    def get_or_start(
        self, job_id: str, request: dict[str, Any], start: Callable[[], Future[bytes]]
    ) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.status != "failed":
                self._jobs.move_to_end(job_id)
                return job
            job = Job(job_id, request, start())
            job.future.add_done_callback(lambda _f, j=job: setattr(j, "finished", time.time()))
            self._jobs[job_id] = job
            self._evict()
            return job

    def _evict(self) -> None:
        for key in list(self._jobs):
            if len(self._jobs) <= self.capacity:
                break
            if self._jobs[key].status != "running":
                del self._jobs[key]


class QueryCache:
    """Answers of potential-access queries by their parameters. The workspace never changes
    while the server runs, so an answer stays right; 0 entries turns caching off."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
