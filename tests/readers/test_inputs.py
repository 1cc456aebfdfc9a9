"""Inputs named on the command line: FIFOs, devices and symlink loops are refused before any read;
an input that yields no articles is said, and nothing read at all is a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bitext.errors import InputError
from bitext.readers import expand_inputs


def _segment(*args: str) -> subprocess.CompletedProcess[str]:
    # A timeout: before the fix a FIFO named here blocked forever.
    return subprocess.run([sys.executable, "-m", "bitext", "segment", *args], capture_output=True, text=True,
                          timeout=60)


def test_a_fifo_on_the_command_line_is_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe.txt: is a FIFO \(named pipe\), not an article file; refusing"):
        expand_inputs([fifo])
    r = _segment(str(fifo), "--out", str(tmp_path / "c"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"bitext: error: {fifo}: is a FIFO (named pipe), not an article file; refusing to read it"
    assert not (tmp_path / "c").exists()  # refused before a store was made


def test_a_device_and_a_symlink_loop_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"/dev/null: is a device, not an article file"):
        expand_inputs(["/dev/null"])
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match=r"loop.txt: symlink loop"):
        expand_inputs([loop])
    with pytest.raises(InputError, match=r"missing.txt: no such file or folder"):
        expand_inputs([tmp_path / "missing.txt"])


def test_a_fifo_inside_a_folder_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    os.mkfifo(tmp_path / "in" / "pipe.txt")
    (tmp_path / "in" / "a.txt").write_text("Jakarta (ANTARA) - Satu kalimat.\n")
    assert expand_inputs([tmp_path / "in"]) == [tmp_path / "in" / "a.txt"]
    r = _segment(str(tmp_path / "in"), "--out", str(tmp_path / "c"))
    assert r.returncode == 0, r.stderr


def test_an_empty_folder_is_a_warning_and_nothing_read_fails(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.txt").write_text("Jakarta (ANTARA) - Satu kalimat.\n")
    r = _segment(str(tmp_path / "empty"), "--out", str(tmp_path / "c"))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"bitext: warning: {tmp_path / 'empty'}: no article files (.csv, .html, .htm, .jsonl, .ndjson, .txt, .text, .md) in this folder",
        f"bitext: error: no articles read from {tmp_path / 'empty'}",
    ]
    r = _segment(str(tmp_path / "empty"), str(tmp_path / "full"), "--out", str(tmp_path / "c"))
    assert r.returncode == 0 and "no article files" in r.stderr  # warned, but something was read
    r = _segment(str(tmp_path / "full"), "--out", str(tmp_path / "c"), "-q")  # unchanged on re-run: fine
    assert r.returncode == 0 and r.stderr == ""
