"""load_once: a large resource is loaded once per process, even when many threads ask at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bitext.lang import langid
from bitext.lang.loading import load_once


def test_concurrent_first_calls_load_once() -> None:
    calls = []

    @load_once
    def model(name: str) -> object:
        calls.append(name)
        time.sleep(0.2)  # every thread arrives while the first one loads
        return object()

    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(lambda _: model("en"), range(16)))
    assert calls == ["en"] and len({id(m) for m in got}) == 1
    assert model("id") is not got[0] and calls == ["en", "id"]
    model.cache_clear()
    model("en")
    assert calls == ["en", "id", "en"]


def test_a_failed_load_is_not_kept() -> None:
    tries = []

    @load_once
    def flaky() -> int:
        tries.append(1)
        if len(tries) == 1:
            raise ValueError("unknown language")
        return 7

    try:
        flaky()
    except ValueError:
        pass
    assert flaky() == 7 and len(tries) == 2


def test_the_language_id_model_is_shared_by_threads() -> None:
    langid._langid.cache_clear()
    barrier = threading.Barrier(8)

    def ask(_: int) -> object:
        barrier.wait()
        return langid._langid(("en", "id"))

    with ThreadPoolExecutor(8) as pool:
        models = list(pool.map(ask, range(8)))
    assert len({id(m) for m in models}) == 1
