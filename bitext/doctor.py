"""``bitext doctor``: is a corpus healthy, and what would the next run do?

Checks, in order, each one line: the store opens and is SQLite; ``PRAGMA integrity_check``; schema
versions per component (and none newer than this bitext); whether another process holds the write
lock and translate leases; leftover temporary folders of killed runs (a publish's ``.NAME.tmp-PID-…`` beside the dataset
folder, a CTranslate2 conversion's ``.convert-…`` in the model cache) whose process is gone — removed
with ``fix=True``; and what the next ``bitext run`` would do. Nothing is written unless ``fix`` asks
to remove leftovers, and the store itself is only ever opened read-only.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bitext.errors import StoreError
from bitext.procs import leftovers
from bitext.store import CORE_MIGRATIONS, DB_NAME, Store

OK, PROBLEM, FIXED, INFO = "ok", "problem", "fixed", "info"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    level: str  # ok | problem | fixed | info
    what: str


@dataclass
class DoctorReport:
    """Everything the doctor found; ``ok`` is False while a problem is left."""

    store: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(c.level == PROBLEM for c in self.checks)

    def add(self, level: str, what: str) -> None:
        self.checks.append(Check(level, what))

    def format(self) -> str:
        marks = {OK: "ok     ", PROBLEM: "PROBLEM", FIXED: "fixed  ", INFO: "       "}
        lines = [f"store   {self.store}"] + [f"{marks[c.level]} {c.what}" for c in self.checks]
        lines.append("healthy" if self.ok else "problems found (exit code 1)")
        return "\n".join(lines)


def doctor(
    corpus: str | Path,
    *,
    fix: bool = False,
    cache_root: Path | None = None,
    next_run: Callable[[Store], list[str]] | None = None,
) -> DoctorReport:
    """Examine the corpus folder ``corpus`` (see the module docstring); never raises for a sick store.

    ``cache_root`` is the CTranslate2 model cache to look for leftovers in (None: not looked at);
    ``next_run`` describes what the next run would do, given the store opened read-only.
    """
    folder = Path(corpus)
    path = folder if folder.suffix == ".sqlite" else folder / DB_NAME
    report = DoctorReport(path)
    store = _open(report, path)
    if store is not None:
        with store:
            _integrity(report, store)
            _schema(report, store)
            _lock(report, path)
            _leases(report, store)
            if next_run is not None and report.ok:
                for line in next_run(store):
                    report.add(INFO, line)
    places = [path.parent, path.parent / "dataset"] + ([cache_root] if cache_root is not None else [])
    found = leftovers(places)
    for leftover in found:
        if fix:
            shutil.rmtree(leftover, ignore_errors=True)
            report.add(FIXED if not leftover.exists() else PROBLEM, f"removed leftover of a killed run: {leftover}")
        else:
            report.add(PROBLEM, f"leftover of a killed run: {leftover} (remove with --fix)")
    if not found:
        report.add(OK, "no leftovers of killed runs")
    return report


def _open(report: DoctorReport, path: Path) -> Store | None:
    if not path.exists():
        report.add(PROBLEM, "no corpus store here (run 'bitext segment' first)")
        return None
    try:
        store = Store.open(path, read_only=True)
        store.count("articles")
    except StoreError as e:
        report.add(PROBLEM, str(e))
        return None
    report.add(OK, "the store opens (SQLite, read-only)")
    return store


def _integrity(report: DoctorReport, store: Store) -> None:
    try:
        rows = [r[0] for r in store.conn.execute("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as e:
        rows = [str(e)]
    if rows == ["ok"]:
        report.add(OK, "integrity check passed")
    else:
        report.add(PROBLEM, f"integrity check failed: {'; '.join(rows[:3])} (restore a copy: a "
                            f"{store.path.name}.bak-* file beside it, if any)")


def _schema(report: DoctorReport, store: Store) -> None:
    versions = {
        r[0]: r[1] for r in store.conn.execute(
            "SELECT component, MAX(version) FROM schema_migrations GROUP BY component ORDER BY component"
        )
    }
    known = max(v for v, _ in CORE_MIGRATIONS)
    core = versions.get("core", 0)
    text = ", ".join(f"{c} v{v}" for c, v in versions.items()) or "none"
    if core < known:
        report.add(INFO, f"schema: {text}; the next writing command migrates core to v{known} (after a backup)")
    else:
        report.add(OK, f"schema: {text}")


def _leases(report: DoctorReport, store: Store) -> None:
    from bitext.translate.leases import lease_counts

    live, stale = lease_counts(store.conn)
    if live:
        report.add(INFO, f"{live} translate lease(s) held by running processes (they translate those sentences)")
    if stale:
        report.add(INFO, f"{stale} stale translate lease(s) of killed runs: harmless, the next translate takes them over")


def _lock(report: DoctorReport, path: Path) -> None:
    """Whether a writer holds the store's write lock right now (BEGIN IMMEDIATE, then ROLLBACK: no write)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        report.add(OK, "no process holds the write lock")
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            report.add(INFO, "another process holds the write lock now (a running bitext stage?)")
        else:
            report.add(INFO, f"cannot test the write lock: {e} (read-only folder or medium?)")
    finally:
        conn.close()


def next_run(store: Store) -> list[str]:
    """What ``bitext run`` would do next on ``store``, from :func:`bitext.pipeline.corpus_status`."""
    from bitext.pipeline import corpus_status

    st = corpus_status(store)
    todo = []
    if st["translate"]["left"]:
        todo.append(f"translate {st['translate']['left']} sentences")
    if st["align"]["left"]:
        todo.append(f"align {st['align']['left']} articles")
    if st["flag"]["left"]:
        todo.append(f"flag {st['flag']['left']} pairs")
    return ["next run: " + (", ".join(todo) if todo else "nothing left to translate, align or flag")]
