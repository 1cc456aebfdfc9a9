"""``bitext doctor``: finds damage, future schemas and leftovers of killed runs; --fix removes leftovers."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bitext.cli import main
from bitext.doctor import doctor
from bitext.procs import leftovers
from bitext.store import DB_NAME, Store
from tests.factories import CorpusBuilder, dead_pid


def test_a_healthy_corpus(tmp_path: Path, capsys) -> None:
    b = CorpusBuilder(tmp_path)
    b.article("a1", ["Satu.", "Dua."])
    b.store.close()
    assert main(["doctor", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"store   {tmp_path / DB_NAME}"
    assert "ok      integrity check passed" in out
    assert "ok      schema: core v3" in out
    assert "        next run: translate 2 sentences, align 1 articles" in out
    assert out[-1] == "healthy"


def test_leftovers_of_killed_runs_are_found_and_fixed(tmp_path: Path, capsys) -> None:
    CorpusBuilder(tmp_path).article("a1", ["Satu."])
    dead = tmp_path / f".dataset.tmp-{dead_pid()}-0a1b2c3d"
    alive = tmp_path / f".dataset.tmp-{os.getpid()}-0a1b2c3d"  # a publish still running
    cache = tmp_path / "cache"
    convert = cache / ".convert-x1y2"  # an older bitext's, without a pid
    converting = cache / f".convert-{os.getpid()}-a1b2"  # a conversion still running
    for d in (dead, alive, convert, converting, tmp_path / "dataset" / "data"):
        d.mkdir(parents=True)
    assert leftovers([tmp_path, cache]) == [dead, convert]
    report = doctor(tmp_path, cache_root=cache)
    assert not report.ok
    assert main(["doctor", str(tmp_path)]) == 1
    assert f"PROBLEM leftover of a killed run: {dead} (remove with --fix)" in capsys.readouterr().out
    fixed = doctor(tmp_path, fix=True, cache_root=cache)
    assert fixed.ok and not dead.exists() and not convert.exists() and alive.exists() and converting.exists()
    assert [c.level for c in fixed.checks if "leftover" in c.what] == ["fixed", "fixed"]


def test_translate_leases_are_reported(tmp_path: Path, capsys) -> None:
    from bitext.translate.leases import Leases

    b = CorpusBuilder(tmp_path)
    b.article("a1", ["Satu."])
    leases = Leases(b.store, "sig")
    with b.store.tx() as c:
        c.execute("INSERT INTO translate_leases VALUES ('sig', 1, 5, ?, ?, 9e12)", (os.getppid(), leases.host))
        c.execute("INSERT INTO translate_leases VALUES ('sig', 6, 9, ?, ?, 9e12)", (dead_pid(), leases.host))
    assert main(["doctor", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 translate lease(s) held by running processes" in out
    assert "1 stale translate lease(s) of killed runs: harmless" in out


def test_damage_and_future_schema_are_problems_not_tracebacks(tmp_path: Path, capsys) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / DB_NAME).write_text("notes, not a database\n" * 100)
    assert main(["doctor", str(tmp_path / "a")]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM" in out and "the store is damaged" in out
    Store.open(tmp_path / "b").close()
    with sqlite3.connect(tmp_path / "b" / DB_NAME) as c:
        c.execute("INSERT INTO schema_migrations VALUES ('core', 99, 'later')")
    assert main(["doctor", str(tmp_path / "b")]) == 1
    assert "written by a newer bitext (core v99" in capsys.readouterr().out
    assert main(["doctor", str(tmp_path / "nothing")]) == 1
    assert "PROBLEM no corpus store here" in capsys.readouterr().out
