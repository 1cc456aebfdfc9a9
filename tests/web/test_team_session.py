"""The recorded team session (scripts/team_session.py) as a browser test: a lead and two reviewers doing
assignment, decisions, sign-off and a double review in Chromium, through the real server and CLI."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bitext import review
from bitext.review import workflow
from bitext.store import Store
from tests.web import test_browser as tb

pytestmark = tb.pytestmark
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "team_session.py"


def test_a_lead_and_two_reviewers(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("team_session", SCRIPT)
    session = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(session)
    corpus = session.build_corpus(tmp_path / "corpus")
    log = session.run_session(corpus)
    assert "ana assigned berita-a to budi" in log and "ana assigned berita-b to citra" in log
    assert [line.split()[-1] for line in log if line.startswith("budi ") and "berita-a:" in line] == [
        "berita-a:0.2", "berita-a:0.0", "berita-a:0.1", "berita-a:0.3"]  # only his article
    assert all("berita-b:" in line for line in log if line.startswith("citra accepted") and "double" not in line)
    assert "budi (reviewer) is offered no sign-off on citra's decision" in log
    assert "stats: 3 of 4 pairs decided by two or more reviewers got the same decision from each (75%)." in log
    with Store.open(corpus, create=False) as s:
        names = {h["reviewer"] for pid in ("berita-a:0.0", "berita-b:0.0") for h in review.history(s, pid)}
        assert names == {"budi", "citra"}  # names from the tokens
        assert workflow.signed_off(s, "berita-a:0.0") is None  # citra decided again in the double review
        rows = s.conn.execute("SELECT reviewer FROM review_signoff ORDER BY review_id").fetchall()
        assert [r[0] for r in rows] == ["citra"] * 3
        assert "token" not in (corpus / "team.toml").read_text()  # tokens are never written back to the file
