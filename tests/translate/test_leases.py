"""Two translate processes on one corpus split the work; a dead or expired lease blocks nothing."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bitext.translate import translate_corpus
from bitext.translate.leases import Leases
from tests.factories import dead_pid

from .corpora import ROOT, cli, cli_env, make_store, parse_counts, synthetic_sentences


def _lease(store, sig: str, first: int, last: int, pid: int, host: str, expires: float) -> None:
    with store.tx() as c:
        c.execute("INSERT INTO translate_leases VALUES (?,?,?,?,?,?)", (sig, first, last, pid, host, expires))


def test_claims_respect_live_leases_only(tmp_path: Path) -> None:
    store = make_store(tmp_path / "c", ["Satu."], articles=1)
    mine = Leases(store, "sig")
    later = time.time() + 600
    _lease(store, "sig", 1, 10, os.getppid(), mine.host, later)  # a live process here
    _lease(store, "sig", 20, 30, dead_pid(), mine.host, later)  # killed: free at once
    _lease(store, "sig", 40, 50, 1, "other-host", time.time() - 1)  # expired elsewhere: free
    _lease(store, "sig", 60, 70, 1, "other-host", later)  # live elsewhere (its pid is not ours to judge)
    _lease(store, "other-sig", 80, 90, os.getppid(), mine.host, later)  # other work
    assert mine.held_elsewhere() == [(1, 10), (60, 70)]
    assert not mine.claim(5, 15) and not mine.claim(65, 65)
    assert mine.claim(11, 59)  # takes over the dead and the expired leases
    rows = store.conn.execute("SELECT first_rowid, last_rowid, pid FROM translate_leases WHERE signature='sig'"
                              " ORDER BY first_rowid").fetchall()
    assert [tuple(r) for r in rows] == [(1, 10, os.getppid()), (11, 59, os.getpid()), (60, 70, 1)]
    mine.release()
    assert [r[0] for r in store.conn.execute("SELECT first_rowid FROM translate_leases ORDER BY 1")] == [1, 60, 80]


def test_rows_leased_by_a_live_process_are_left_to_it(tmp_path: Path, engine) -> None:
    texts = synthetic_sentences(60)
    store = make_store(tmp_path / "c", texts, articles=2)
    sig = str(engine.signature)
    Leases(store, sig)  # creates the table
    _lease(store, sig, 1, 30, os.getppid(), Leases(store, sig).host, time.time() + 600)
    first = translate_corpus(store, engine=engine, quiet=True)
    assert (first.translated, first.left_elsewhere) == (30, 30)
    leased = {r[0] for r in store.conn.execute("SELECT text FROM sentences WHERE rowid <= 30")}
    assert not leased & {r[0] for r in store.conn.execute("SELECT source FROM translations")}
    assert store.count("translate_leases") == 1  # only the other process's lease is left
    with store.tx() as c:  # that process ends (its lease expires)
        c.execute("UPDATE translate_leases SET expires = 0")
    second = translate_corpus(store, engine=engine, quiet=True)
    assert (second.translated, second.cached, second.left_elsewhere) == (30, 30, 0)
    assert store.count("translations") == 60 and store.count("translate_leases") == 0


def test_two_processes_at_once_never_translate_twice(tmp_path: Path, tiny_model_dir: Path) -> None:
    make_store(tmp_path / "c", synthetic_sentences(300), articles=3).close()
    args = ["translate", str(tmp_path / "c"), "--model", str(tiny_model_dir), "--backend", "transformers",
            "--beams", "1", "--threads", "1", "--compute-type", "float32", "--quiet"]
    procs = [subprocess.Popen(cli(*args), env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    counts = [parse_counts(o[0]) for o in outs]
    assert sum(c["translated"] for c in counts) == 300  # split (or one did all), never doubled
    again = subprocess.run(cli(*args), env=cli_env(), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert parse_counts(again.stdout)["translated"] == 0
