"""The ``glossary`` check: a glossary term of the Indonesian without its English in the English; counted by
``bitext flag`` (and its report), re-measured when the glossary changes, and run by QA on save."""

from __future__ import annotations

from pathlib import Path

from bitext import flags as F
from bitext.flags.checks.glossary import GlossaryTerms
from bitext.flags.context import use_glossary
from bitext.flags.report import check_stats
from bitext.lang.glossary import Glossary, Term
from bitext.review import glossary, qa
from tests.factories import CorpusBuilder, flags_count, flags_query
from tests.flags.helpers import pv


def test_measure_and_reason() -> None:
    check = GlossaryTerms()
    use_glossary(None)
    assert check.measure(pv("Jembatan itu baru.", "The bridge is new.")) is None  # no glossary: no row
    use_glossary(Glossary([Term("jembatan", ("bridge",)), Term("pasar", ("market", "marketplace"))]))
    try:
        assert check.measure(pv("Warga datang.", "Residents came.")) is None  # no term in the Indonesian
        ok = check.measure(pv("Jembatan dekat pasar itu baru.", "The bridge near the marketplace is new."))
        assert (ok.score, check.fires(ok), check.reason(ok)) == (0.0, False, "all 2 glossary term(s) rendered")
        bad = check.measure(pv("Jembatan dekat pasar itu baru.", "The overpass near the market is new."))
        assert (bad.score, check.fires(bad)) == (1.0, True)
        assert check.reason(bad) == "1 of 2 glossary term(s) without their English: jembatan \u2192 bridge"
        assert bad.evidence == {"terms": ["jembatan", "pasar"], "missing": [["jembatan", "bridge"]]}
    finally:
        use_glossary(None)


def _corpus(tmp_path: Path):
    b = CorpusBuilder(tmp_path / "corpus", signature="sig")
    b.article("a1")
    b.pair("a1:0", "Jembatan baru dibuka.", "The new bridge opened.", mt="The new bridge opened.")
    b.pair("a1:1", "Jembatan lama ditutup.", "The old overpass closed.", mt="The old overpass closed.")
    b.pair("a1:2", "Harga naik.", "Prices rose.", mt="Prices rose.")
    return b.store


def test_the_flag_stage_counts_it_and_a_changed_glossary_measures_it_again(tmp_path: Path) -> None:
    store = _corpus(tmp_path)
    F.flag_corpus(store, quiet=True, workers=0)
    assert flags_count(store, "check_name = 'glossary'") == 0
    glossary.add_term(store, "jembatan", "bridge")
    F.flag_corpus(store, quiet=True, workers=0)
    rows = flags_query(store, "SELECT pair_id, score, fired, severity, reason FROM pair_flags WHERE check_name ="
                              " 'glossary' ORDER BY pair_id")
    assert rows == [
        ("a1:0", 0.0, 0, "warning", None),  # a check that did not fire keeps no reason (packed flags)
        ("a1:1", 1.0, 1, "warning", "1 of 1 glossary term(s) without their English: jembatan \u2192 bridge")]
    stats = {s.name: s for s in check_stats(store)}
    assert (stats["glossary"].measured, stats["glossary"].fired) == (2, {"warning": 1})
    glossary.add_term(store, "jembatan", "overpass")  # another rendering: a1:1 is fine now
    F.flag_corpus(store, quiet=True, workers=0)
    assert flags_query(store, "SELECT SUM(fired) FROM pair_flags WHERE check_name = 'glossary'")[0][0] == 0
    store.close()


def test_qa_on_save_warns_with_the_current_glossary(tmp_path: Path) -> None:
    store = _corpus(tmp_path)
    assert [q.name for q in qa.qa_findings(store, "a1:2", "Prices went up.")] == []
    glossary.add_term(store, "jembatan", "bridge")
    [q] = qa.qa_findings(store, "a1:0", "The new overpass opened.")
    assert (q.name, q.severity, q.blocking) == ("glossary", "warning", True)
    assert q.reason == "1 of 1 glossary term(s) without their English: jembatan \u2192 bridge"
    assert qa.qa_findings(store, "a1:0", "The new bridges opened.") == []
    store.close()
