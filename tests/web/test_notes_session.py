"""The recorded post-editing session (scripts/postedit_mqm_session.py) as a browser test: MT vs reference, MQM
errors, an unedited confirm with its reason, a discussion a lead resolves, the guidelines and the stats."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bitext.review import discussion, typology
from bitext.store import Store
from tests.web import test_browser as tb

pytestmark = tb.pytestmark
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postedit_mqm_session.py"


def test_the_postedit_session(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("postedit_mqm_session", SCRIPT)
    session = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(session)
    corpus = session.build_corpus(tmp_path / "corpus")
    log = session.run_session(corpus)
    assert log[1:4] == ["budi sees berita-c:ref-0.0 (reference)", "budi accepted berita-c:ref-0.0",
                        "budi pressed k: the queue shows mt pairs, first berita-c:0.0 (mt)"]
    assert "budi marked berita-c:0.1: accuracy/omission: major and pressed a: the app asks why" in log
    assert "budi asked for a discussion on berita-c:0.2: needs discussion" in log
    assert "ana decided berita-c:0.1 again: accuracy/omission: minor · style: minor" in log  # her own, not budi's
    assert "stats typology: all | 2 | 0 | 1 | 3" in log
    assert "stats typology-agreement: style | 2 | 1 | 50% | 0.00" in log
    with Store.open(corpus, create=False) as s:
        assert [(c.author, c.event) for c in discussion.thread(s.conn, "berita-c:0.2")] == [
            ("budi", "open"), ("ana", "resolve")]
        rows = s.conn.execute("SELECT id, reviewer FROM reviews WHERE pair_id = 'berita-c:0.1' ORDER BY id").fetchall()
        notes = typology.notes_for(s.conn, [r[0] for r in rows])
        assert [(r[1], notes[r[0]]) for r in rows] == [
            ("budi", typology.Notes((("accuracy/omission", "major"),),
                                    "The desk shortens it; the omission is noted as an error")),
            ("ana", typology.Notes((("accuracy/omission", "minor"), ("style", "minor")), typology.REASONS[0]))]
