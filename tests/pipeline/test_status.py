"""``bitext status`` scores the MT against human English when the corpus has some."""

from __future__ import annotations

import json
from pathlib import Path

from bitext.cli import main
from tests.factories import CorpusBuilder


def test_status_prints_mt_quality_only_with_human_english(tmp_path: Path, capsys) -> None:
    b = CorpusBuilder(tmp_path)
    b.article("a1", ["Pemerintah membangun jembatan baru."])
    b.pair("a1:0.0", "Pemerintah membangun jembatan baru.", "The government builds a new bridge.",
           mt="The government builds a new bridge.")
    assert main(["status", str(tmp_path)]) == 0
    assert "\nquality " not in capsys.readouterr().out
    b.pair("a1:ref-0.0", "Pemerintah membangun jembatan baru.", "The government is building a new bridge.",
           kind="reference", mt="The government builds a new bridge.")
    assert main(["status", str(tmp_path)]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("quality")]
    assert len(lines) == 1 and lines[0].startswith("quality     mt-vs-reference: chrF ")
    assert lines[0].endswith("over 1 segment(s) in 1 article(s)")
    assert main(["status", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mt_quality"] == [lines[0].removeprefix("quality     ")]
