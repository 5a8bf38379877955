"""pyHanko's synchronous calls start their own asyncio loop; they fail inside a thread that
already runs one (an async handler, a test driving a browser). Run them in a plain thread then."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def off_loop(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
