"""One `Conversation` per Slack thread, in memory, bounded (least recently used threads are dropped).

A dropped or unknown thread (after a restart, or on another process behind the load balancer) is rebuilt
from its earlier questions, which the caller supplies (from the audit log); the pseudonym vault then
starts afresh, so names hidden earlier may get new placeholders.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from assistant.conversation import Conversation


class ThreadStore:
    def __init__(self, max_threads: int = 1000) -> None:
        self.max_threads = max_threads
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, *, earlier: Callable[[], list[str]] | None = None) -> Conversation:
        with self._lock:
            conversation = self._items.get(key)
            if conversation is not None:
                self._items.move_to_end(key)
                return conversation
        questions = list(earlier()) if earlier else []
        with self._lock:
            conversation = self._items.setdefault(key, Conversation(questions=questions))
            self._items.move_to_end(key)
            while len(self._items) > self.max_threads:
                self._items.popitem(last=False)
            return conversation

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


def thread_key(team: str | None, channel: str, thread_ts: str) -> str:
    return f"{team or '-'}:{channel}:{thread_ts}"
