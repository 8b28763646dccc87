"""Keep slow work off Slack's 3-second path: pipeline threads for drafting, a pool for the rest of a job.

The drafting pipeline is thread-bound (its catalog is a SQLite connection opened in the thread that made it),
so each pipeline thread opens its own from a factory, or uses the one object it was given. Work for one
Slack thread always goes to the same pipeline thread (stable hash of the key): follow-ups in a conversation
run in order, and its `Conversation` is never used by two threads at once.

    jobs = Jobs(lambda: Pipeline.open(settings), pipelines=1)
    jobs.background(flow)                                  # returns at once; raises Busy when full
    brief = jobs.draft("T1:C1:1700.1", lambda p: p.answer("..."))  # inside `flow`: blocks until drafted
"""

from __future__ import annotations

import logging
import queue
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Busy(RuntimeError):
    """Too many questions are waiting; the user is asked to try again shortly."""


class _PipelineThread(threading.Thread):
    def __init__(self, index: int, source: Any, warm: Callable[[Any], None] | None) -> None:
        super().__init__(name=f"detente-pipeline-{index}", daemon=True)
        self.source = source
        self.warm = warm
        self.inbox: queue.Queue[tuple[Callable[[Any], Any], Future] | None] = queue.Queue()
        self.pipeline: Any = None
        self.ready = threading.Event()

    def run(self) -> None:
        try:
            self.pipeline = self.source() if _is_factory(self.source) else self.source
            if self.warm is not None:
                self.warm(self.pipeline)
        except Exception:
            log.exception("the drafting pipeline could not be opened or warmed up")
        finally:
            self.ready.set()
        while (item := self.inbox.get()) is not None:
            fn, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if self.pipeline is None:
                    raise RuntimeError("the drafting pipeline is not available (see the start-up log)")
                future.set_result(fn(self.pipeline))
            except BaseException as exc:  # handed to the waiting job, which logs it
                future.set_exception(exc)


def _is_factory(source: Any) -> bool:
    return callable(source) and not hasattr(source, "answer")


class Jobs:
    def __init__(
        self,
        pipeline: Any,
        *,
        pipelines: int = 1,
        io_threads: int = 16,
        max_pending: int = 500,
        warm: Callable[[Any], None] | None = None,
    ) -> None:
        if pipelines > 1 and not _is_factory(pipeline):
            pipelines = 1  # one object cannot be shared safely between threads
        self._threads = [_PipelineThread(i, pipeline, warm) for i in range(max(1, pipelines))]
        for thread in self._threads:
            thread.start()
        self._pool = ThreadPoolExecutor(max_workers=io_threads, thread_name_prefix="detente-slack")
        self._pending = threading.BoundedSemaphore(max_pending)

    def wait_ready(self, timeout: float | None = None) -> bool:
        return all(t.ready.wait(timeout) for t in self._threads)

    def healthy(self) -> bool:
        """Every pipeline thread has its pipeline (after `wait_ready`)."""
        return all(t.ready.is_set() and t.pipeline is not None for t in self._threads)

    def draft(self, key: str, fn: Callable[[Any], T], *, timeout: float | None = 300) -> T:
        """Run `fn(pipeline)` on the pipeline thread for `key`; block until it returns (or raise)."""
        future: Future[T] = Future()
        self._threads[zlib.crc32(key.encode()) % len(self._threads)].inbox.put((fn, future))
        return future.result(timeout=timeout)

    def background(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run `fn(*args)` on the job pool; raise Busy at once if `max_pending` jobs are waiting."""
        if not self._pending.acquire(blocking=False):
            raise Busy("too many questions are waiting")

        def run() -> Any:
            try:
                return fn(*args)
            except Exception:
                log.exception("background job failed")
                raise
            finally:
                self._pending.release()

        return self._pool.submit(run)

    def close(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)
        for thread in self._threads:
            thread.inbox.put(None)
        if wait:
            for thread in self._threads:
                thread.join(timeout=10)
