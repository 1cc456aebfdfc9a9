"""``bitext review`` and ``bitext import-review`` through the CLI parser."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bitext.formats.xliff import export_xliff
from bitext.review import decide
from bitext.store import Store
from tests.review.corpus import run_cli, set_target

# -- CLI ------------------------------------------------------------------------------------


def test_cli_import_review(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = str(store.path.parent)
    path = tmp_path / "e.xlf"
    export_xliff(store, path)
    set_target(path, "a1:mt:0", "Edited by the CLI.")
    assert run_cli(["import-review", str(path), "--corpus", corpus, "--reviewer", "cli"]) == 0
    out = capsys.readouterr()
    assert out.out == f"{path}: imported 1 edit(s), 0 accepted, 0 rejected, 5 unchanged, 0 conflict(s)/problem(s)\n" and out.err == ""
    set_target(path, "a1:mt:1", "Another edit.")
    decide(store, "a1:mt:1", "accepted", reviewer="ana")
    assert run_cli(["import-review", str(path), "--corpus", corpus, "--reviewer", "cli"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"bitext: error: {path}: unit 'a1:mt:1': pair 'a1:mt:1' changed")
    assert run_cli(["import-review", str(path), "--corpus", str(tmp_path / "none"), "--reviewer", "x"]) == 2
    assert run_cli(["review", str(tmp_path / "none")]) == 2
    assert "no corpus store here" in capsys.readouterr().out
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert run_cli(["review", corpus, "--port", str(busy.getsockname()[1])]) == 2
    assert "Address already in use (try another --port)" in capsys.readouterr().out


def test_cli_module_imports_fast() -> None:
    import subprocess
    import sys

    code = "import sys, bitext.cli.review; print(sorted(m for m in ('flask', 'torch', 'werkzeug') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

