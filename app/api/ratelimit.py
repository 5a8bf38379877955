"""A per-token rate limit (per process): a sliding window of recent calls."""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> int:
        """0 when the call may go ahead, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                return max(1, int(calls[0] + self.window - now) + 1)
            calls.append(now)
            if len(self._calls) > 10_000:  # forget idle keys
                for stale in [k for k, v in self._calls.items() if not v]:
                    del self._calls[stale]
            return 0
