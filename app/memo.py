"""Values derived from immutable objects (parsed questionnaires, their conditions), computed
once per object and kept while the process runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ByIdentity(Generic[K, V]):
    """A bounded cache keyed by an object's identity. Each entry keeps its object alive, so the
    id is not reused by another object while the entry exists; when full, the oldest entry goes."""

    def __init__(self, limit: int) -> None:
        self._entries: dict[int, tuple[K, V]] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def get(self, obj: K, build: Callable[[K], V]) -> V:
        entry = self._entries.get(id(obj))
        if entry is not None and entry[0] is obj:
            return entry[1]
        value = build(obj)
        with self._lock:
            if len(self._entries) >= self._limit:
                self._entries.pop(next(iter(self._entries)))
            self._entries[id(obj)] = (obj, value)
        return value
