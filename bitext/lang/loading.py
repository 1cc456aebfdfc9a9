"""Loaders of large resources (language-ID models, lexicons), made once per process even when many
threads ask at once (the review server's first saves after a restart: 20 threads each loaded their
own models, 1.1 GB and 23 s, because ``functools.lru_cache`` does not hold other callers back while a
value is computed)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar

T = TypeVar("T")


def load_once(fn: Callable[..., T]) -> Callable[..., T]:
    """Cache ``fn``'s result per (hashable) arguments; concurrent first calls wait for one load.

    A read of a loaded value takes no lock. ``cache_clear()`` forgets every value (tests).
    """
    values: dict[tuple[Hashable, ...], Any] = {}
    lock = threading.Lock()

    @wraps(fn)
    def wrapper(*args: Hashable) -> T:
        try:
            return values[args]
        except KeyError:
            pass
        with lock:
            if args not in values:
                values[args] = fn(*args)
            return values[args]

    wrapper.cache_clear = values.clear  # type: ignore[attr-defined]
    return wrapper
