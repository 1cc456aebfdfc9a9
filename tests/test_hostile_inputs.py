"""The hostile-user cases of issue 25: each one failed (traceback, wrong data, silence) before its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bitext.ingest import ingest
from bitext.readers import read_file
from bitext.readers.base import RecordError
from bitext.store import Store

ROOT = Path(__file__).resolve().parents[1]
GOOD = "Jakarta (ANTARA) - Harga beras naik 3,5 persen. Stok aman, kata dia.\n"


def bitext(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real CLI, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "bitext", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})


# --------------------------------------------------------------------------------------------------
# Readers: a bad file or record is one line naming FILE[:LINE]; the good inputs of a folder still go in


def test_a_lone_surrogate_escape_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text('{"id": "ok", "text": "Kalimat baik."}\n'
                 '{"id": "bad", "text": "Kalimat \\ud800 rusak."}\n'
                 '{"id": "t", "text": "Kalimat.", "title": "Judul \\udfff"}\n', encoding="utf-8")
    out = list(read_file(f))
    assert [r.id for r in out if not isinstance(r, RecordError)] == ["ok"]
    assert [str(e) for e in out if isinstance(e, RecordError)] == [
        f"{f}:2: field 'text' holds a lone surrogate (\\ud800 at character 8), not valid Unicode; "
        "fix the escape in the file; skipped",
        f"{f}:3: field 'title' holds a lone surrogate (\\udfff at character 6), not valid Unicode; "
        "fix the escape in the file; skipped",
    ]


def _hostile_folder(src: Path) -> None:
    src.mkdir()
    (src / "good.txt").write_text(GOOD, encoding="utf-8")
    (src / "s.jsonl").write_text(json.dumps({"id": "s1", "text": "Kalimat \ud800 rusak."}) + "\n"
                                 + json.dumps({"id": "s2", "text": "Kalimat yang baik."}) + "\n", encoding="utf-8")
    (src / "latin.csv").write_bytes('id,text\nc1,"Caf\xe9 baru."\n'.encode("latin-1"))
    (src / "late-nul.txt").write_bytes(("Kalimat. " * 2000 + "\x00 lagi.").encode())
    (src / "p.html").write_bytes(b"<html><body><article><p>Berita \xff rusak.</p></article></body></html>")
    (src / "zw.txt").write_text("\u200b\u200c\ufeff\n\u2060\n", encoding="utf-8")
    (src / "dir.txt").mkdir()  # a folder with a reader's suffix: walked into, not read as a file
    (src / "dir.txt" / "inner.txt").write_text(GOOD.replace("beras", "gula"), encoding="utf-8")


def test_a_folder_with_bad_files_ingests_the_good_ones_and_reports_each_bad_one(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _hostile_folder(src)
    store = Store.open(tmp_path / "c")
    report = ingest(store, [src])
    assert sorted(store.article_ids()) == ["good", "inner", "s2"]
    assert sorted(p.replace(str(src), "SRC") for p in report.problems) == [
        "SRC/late-nul.txt:1: NUL byte in the text (a damaged or binary file?); remove it; skipped",
        "SRC/latin.csv:2: not UTF-8 (byte 0xe9); convert it (e.g. iconv -f latin1 -t utf-8) or pass --encoding latin-1",
        "SRC/p.html:1: not UTF-8 (byte 0xff); convert it (e.g. iconv -f latin1 -t utf-8) or pass --encoding latin-1",
        "SRC/s.jsonl:1: field 'text' holds a lone surrogate (\\ud800 at character 8), not valid Unicode; "
        "fix the escape in the file; skipped",
    ]
    assert [w.replace(str(src), "SRC") for w in report.warnings] == [
        "SRC/zw.txt: no sentences (only invisible characters such as zero-width spaces, or only a dateline); "
        "skipped"]
    assert (report.added, report.skipped) == (3, 1)


def test_the_cli_on_a_hostile_folder_is_one_line_per_bad_file_and_exit_1(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _hostile_folder(src)
    r = bitext("segment", str(src), "--out", str(tmp_path / "c"))
    assert "Traceback" not in r.stderr
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 5  # four errors, one warning
    assert r.stdout.startswith("segment: 3 added, 0 changed, 0 unchanged, 1 skipped, 4 errors")


def test_an_unreadable_file_inside_a_folder_is_reported_and_skipped(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads a chmod-000 file anyway, so the permission error is made where it happens.
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    locked = src / "b.txt"
    locked.write_text(GOOD, encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    store = Store.open(tmp_path / "c")
    report = ingest(store, [src])
    assert store.article_ids() == ["a"]
    assert report.problems == (f"{locked}: cannot read (Permission denied)",)


def test_zero_width_only_text_is_not_stored_and_a_changed_article_keeps_its_old_sentences(tmp_path: Path) -> None:
    f = tmp_path / "z.txt"
    f.write_text(GOOD, encoding="utf-8")
    store = Store.open(tmp_path / "c")
    ingest(store, [f])
    before = [s["text"] for s in store.sentences("z")]
    f.write_text("\u200b \u200d\n", encoding="utf-8")
    report = ingest(store, [f])
    assert (report.added, report.changed, report.skipped) == (0, 0, 1)
    assert [s["text"] for s in store.sentences("z")] == before
    assert store.article("z")["raw_text"] == GOOD
