"""The recorded post-editing session (scripts/postedit_session.py) as a browser test: a TM match used with
its number carried over, a glossary warning on save, a consistency fix and a concordance lookup, by keyboard
through the real CLI and server."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bitext import review
from bitext.store import Store
from tests.web import test_browser as tb

pytestmark = tb.pytestmark
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postedit_session.py"


def test_a_post_editing_session(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("postedit_session", SCRIPT)
    session = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(session)
    corpus = session.build_corpus(tmp_path / "corpus")
    log = session.run_session(corpus)
    assert "glossary.csv: 5 term rendering(s) read, 5 added, 0 already there; the glossary has 4 term(s)" in log
    assert ("Alt+1 inserts: Rice prices at the Cipinang Main Market rose 12 percent this week.  (numbers carried "
            "over: 10 → 12)") in log
    assert "QA on save:  warning glossary: 1 of 2 glossary term(s) without their English: gudang → warehouse" in log
    assert "opens the odd one: beras-april:0.2" in log
    assert "consistency after the fix: Every Indonesian sentence decided more than once has one English." in log
    assert "Alt+K on “Pasar Induk”: 3 decided pairs: beras-april:0.0, beras-maret:0.0, beras-mei:0.1" in log
    with Store.open(corpus, create=False) as s:
        got = {pid: (review.get_item(s, pid).status, review.get_item(s, pid).target)
               for pid in ("beras-april:0.0", "beras-april:0.1", "beras-april:0.2")}
    assert got == {
        "beras-april:0.0": ("edited", "Rice prices at the Cipinang Main Market rose 12 percent this week."),
        "beras-april:0.1": ("edited", "The government will increase rice supplies from regional warehouses."),
        "beras-april:0.2": ("edited", "This was conveyed by the Ministry of Agriculture spokesperson in Jakarta.")}
