"""Tests of the review flags: each check, number normalisation, config, store wiring, explain, CLI."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bitext import flags as F
from bitext.errors import BitextError
from bitext.store import Store, translation_key, utcnow


def pv(source: str, target: str, **kw) -> F.PairView:
    base = dict(id="p1", source=source, target=target, mt=None, bead_type="1-1", align_score=None,
                logprob=None, n_tokens=None, n_unk=0, hit_max_length=False, source_split=False)
    base.update(kw)
    return F.PairView(**base)


def result(pair: F.PairView, name: str, config: dict | None = None) -> F.FlagResult | None:
    return next((r for r in F.check_pair(pair, config) if r.check == name), None)


def fired(pair: F.PairView, config: dict | None = None) -> set[str]:
    return {r.check for r in F.check_pair(pair, config) if r.fired}


GOOD = pv("Kucing punya dua telinga.", "A cat has two ears.")


def test_clean_pair_fires_nothing():
    assert fired(GOOD) == set()
    assert not F.needs_review(F.check_pair(GOOD))


# -- one firing and one quiet pair per check ----------------------------------------------------

@pytest.mark.parametrize(
    "name, bad, ok",
    [
        ("empty_target", pv("Kucing punya dua telinga.", "  "), GOOD),
        ("untranslated", pv("Kucing punya dua telinga.", "Kucing punya dua telinga."), GOOD),
        ("length_ratio", pv("Pemerintah provinsi mendorong aparatur sipil negara menerapkan nilai itu.",
                            "The province."), GOOD),
        ("length_z", pv("Saya makan nasi goreng di rumah setiap pagi bersama keluarga saya.", "I eat fried rice."),
         pv("Saya makan nasi goreng di rumah setiap pagi bersama keluarga saya.",
            "I eat fried rice at home every morning with my family.")),
        ("numbers", pv("Harganya Rp1,5 miliar.", "It costs Rp2.5 billion."),
         pv("Harganya Rp1,5 miliar.", "It costs 1.5 billion rupiah.")),
        ("repetition", pv("Kucing punya dua telinga.", "A cat has two ears ears ears ears."), GOOD),
        ("truncation", pv("Kucing punya dua telinga.", "A cat has two"), GOOD),
        ("low_confidence", replace(GOOD, logprob=-3.0), replace(GOOD, logprob=-0.2)),
        ("unk_source", replace(GOOD, n_unk=2, n_tokens=9), replace(GOOD, n_unk=0, n_tokens=9)),
        ("not_english", pv("Kucing punya dua telinga.", "Anjing itu tidur di bawah meja makan."), GOOD),
        ("bead_type", replace(GOOD, bead_type="2-1"), GOOD),
        ("low_alignment", replace(GOOD, align_score=0.05), replace(GOOD, align_score=0.9)),
        ("missing_names", pv("Kata Kepala BKD Sulbar Herdin Ismail di Mamuju.", "He said in the city."),
         pv("Kata Kepala BKD Sulbar Herdin Ismail di Mamuju.",
            "Said the head of BKD Sulbar Herdin Ismail in Mamuju.")),
        ("quotes", pv('Ia berkata, "Saya setuju."', "He said he agreed."),
         pv('Ia berkata, "Saya setuju."', 'He said, "I agree."')),
        ("question_mark", pv("Kapan Tom akan tiba?", "Tom will arrive."),
         pv("Kapan Tom akan tiba?", "When will Tom arrive?")),
        ("duplicate", replace(GOOD, id="p2", first_seen="p1"), replace(GOOD, id="p1", first_seen="p1")),
        ("bridge_mismatch", replace(GOOD, mt="The government opened a new road in the province."),
         replace(GOOD, mt="A cat has two ears.")),
    ],
)
def test_each_check_fires_and_stays_quiet(name, bad, ok):
    r_bad, r_ok = result(bad, name), result(ok, name)
    assert r_bad is not None and r_bad.fired, r_bad
    assert r_ok is not None and not r_ok.fired, r_ok
    assert r_bad.severity == F.CHECKS[name].severity


def test_length_z_scores_against_the_norm_of_its_source_length():
    import math

    src = "Saya makan nasi goreng di rumah setiap pagi bersama keluarga saya."  # 66 chars, 11 words
    tgt = "I eat fried rice."  # 17 chars, 4 words
    # Bin 60..89 of _LENGTH_NORMS: char (-0.121, 0.164), word (0.080, 0.169).
    zc = (math.log(27 / 76) + 0.121) / 0.164
    zw = (math.log(6 / 13) - 0.080) / 0.169
    assert F.length_z(src, tgt) == pytest.approx((zc, zw))
    r = result(pv(src, tgt), "length_z")
    assert r.score == pytest.approx((zc + zw) / 2) and r.fired
    assert "much shorter than usual" in r.reason and "66-char sources" in r.reason
    # The same ratio is normal for a short source and not for a long one: the norms depend on length.
    assert F.length_z("", "x") is None and result(pv("Ya.", ""), "length_z") is None
    long_src = "Pemerintah provinsi mendorong aparatur sipil negara menerapkan nilai itu setiap hari kerja."
    assert result(pv(long_src, "The province urges civil servants to apply it."), "length_z").fired
    assert not result(pv("Ayo pergi.", "Let's go."), "length_z").fired


@pytest.mark.parametrize(
    "target, fires",
    [("Mati!", True), ("Oke.", True), ("Bersiap.", True), ("Loncat.", True),
     ("Sure!", False), ("Die!", False), ("Wake up!", False), ("Tom is a very good teacher.", False)],
)
def test_not_english_asks_lingua_too_on_short_targets(target, fires):
    r = result(pv("Kucing punya dua telinga.", target), "not_english")
    assert r.fired is fires, r
    short = len(F._words(target)) <= 3
    assert ("py3langid + lingua" in r.reason) is short
    if short:  # the mean of both detectors
        p = F.english_probability(target, ["en", "id", "ms", "jv"])[0]
        assert r.score != pytest.approx(p)


def test_not_english_short_words_zero_keeps_py3langid_alone():
    cfg = F.load_config()
    cfg["not_english"]["short_words"] = 0
    r = result(pv("Kucing punya dua telinga.", "Mati!"), "not_english", cfg)
    assert r.score == pytest.approx(F.english_probability("Mati!", ["en", "id", "ms", "jv"])[0])
    assert r.reason.startswith("language ID")


def test_not_applicable_checks_are_left_out():
    names = {r.check for r in F.check_pair(GOOD)}
    # No logprob, no tokenisation, no align score, no MT bridge, no corpus context, no names.
    assert names.isdisjoint({"low_confidence", "unk_source", "low_alignment", "bridge_mismatch", "duplicate",
                             "missing_names"})
    assert {"empty_target", "length_ratio", "numbers", "not_english"} <= names


def test_exact_reasons():
    assert result(pv("Kucing.", ""), "empty_target").reason == "the target is empty: the source has no translation"
    r = result(pv("Harganya Rp1,5 miliar.", "It costs Rp2.5 billion."), "numbers")
    assert r.score == 2.0
    assert r.reason == ("numbers differ: source has 'Rp1,5 miliar'"[:0] + "numbers differ: source has '1,5 miliar' "
                        "not found in the target; target has '2.5 billion' not found in the source")
    r = result(pv("Kucing punya dua telinga.", "A cat has two"), "truncation")
    assert r.reason == "the source ends a sentence but the target stops mid-way ('...A cat has two')"
    r = result(replace(GOOD, bead_type="1-2"), "bead_type")
    assert r.reason == "bead 1-2: 1 source sentence(s) aligned to 2 target sentence(s)"
    r = result(pv("Kata Kepala BKD Sulbar Herdin Ismail di Mamuju.", "He said in the city."), "missing_names")
    assert r.score == 5.0
    assert r.reason == "5 of 5 source name(s) not in the target: BKD, Sulbar, Herdin, Ismail, Mamuju"


def test_repetition_in_source_is_not_a_loop():
    assert not result(pv("Ha ha ha ha, katanya.", "Ha ha ha ha, he said."), "repetition").fired
    r = result(pv("Saya suka.", "I like the the the the the the cat."), "repetition")
    assert r.score == 6.0 and "'the' 6 times in a row" in r.reason


def test_untranslated_near_copy_and_names_only():
    near = pv("Pemerintah daerah itu mendorong pelayanan publik yang lebih baik.",
              "The pemerintah daerah itu mendorong pelayanan publik.")
    assert result(near, "untranslated").fired
    # A name-only target has no ordinary word to judge (n/a), unless it is a verbatim copy.
    assert result(pv("Kata Herdin Ismail.", "Herdin Ismail."), "untranslated") is None
    assert result(pv("Herdin Ismail.", "Herdin Ismail."), "untranslated").score == 1.0


def test_truncation_on_hit_max_length():
    r = result(replace(GOOD, hit_max_length=True), "truncation")
    assert r.fired and r.reason == "the model stopped at its max_length"


# -- numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, lang, values",
    [
        ("1.500,5", "id", {1500.5}),
        ("1,500.5", "en", {1500.5}),
        ("Rp1,5 miliar", "id", {1.5e9}),
        ("Rp1.5 billion", "en", {1.5e9}),
        ("2 juta orang", "id", {2e6}),
        ("20 ribu", "id", {20000.0}),
        ("3,5 persen", "id", {3.5}),
        ("1.500.000", "id", {1.5e6}),
        ("5 triliun", "id", {5e12}),
    ],
)
def test_number_normalisation(text, lang, values):
    (n,) = F.extract_numbers(text, lang)
    assert set(n.values) == values


def test_time_normalisation():
    (n,) = F.extract_numbers("pukul 10.00 WIB", "id")
    assert ("time", 600) in n.values and 10.0 in n.values
    (m,) = F.extract_numbers("at 10:00 a.m.", "en")
    assert n.matches(m)
    (a,) = F.extract_numbers("pukul 14.30 WIB", "id")
    (b,) = F.extract_numbers("2:30 p.m.", "en")
    assert a.matches(b)


@pytest.mark.parametrize(
    "source, target",
    [
        ("Harganya Rp1,5 miliar.", "It costs Rp1.5 billion."),
        ("Harganya Rp1,5 miliar.", "It costs 1.5 billion rupiah."),
        ("Sebanyak 2 juta orang.", "As many as 2 million people."),
        ("Naik 3,5 persen.", "Up 3.5 percent."),
        ("Ada 1.500,5 ton.", "There are 1,500.5 tons."),
        ("Ada 20 ribu warga.", "There are 20,000 residents."),
        ("Pada 12 Maret 2020 pukul 10.00 WIB.", "On March 12, 2020 at 10:00 a.m. WIB."),
        ("Ada 3 orang.", "There were three people."),
        ("Sebanyak dua juta orang.", "As many as 2 million people."),
        ("Pada tahun 1990-an.", "In the 1990s."),
    ],
)
def test_numbers_that_match(source, target):
    assert F.compare_numbers(source, target) == ([], [])


def test_numbers_that_differ_are_reported_both_ways():
    miss_src, miss_tgt = F.compare_numbers("Pada 12 Maret 2020.", "On March 12, 2021.")
    assert [n.text for n in miss_src] == ["2020"] and [n.text for n in miss_tgt] == ["2021"]
    # Multisets: one 5 is not two.
    miss_src, miss_tgt = F.compare_numbers("Ada 5 dan 5.", "There are 5.")
    assert [n.text for n in miss_src] == ["5"] and miss_tgt == []


def test_source_names():
    text = ('"Kegiatan ini penting," kata Kepala Badan Kepegawaian Daerah (BKD) Provinsi Sulbar Herdin Ismail '
            "di Mamuju, Rabu.")
    assert F.source_names(text) == ["BKD", "Sulbar", "Herdin", "Ismail", "Mamuju"]
    # Fuzzy match and exonyms: 'Abbot'/'Abbott', 'Jepang'/'Japan'.
    assert F.missing_names("Ia bertemu Abbot di Jepang.", "He met Abbott in Japan.") == (["Abbot", "Jepang"], [])


# -- config ----------------------------------------------------------------------------------------

def test_defaults_have_every_check_with_a_threshold():
    cfg = F.load_config()
    assert set(cfg) == set(F.CHECKS)
    assert all("threshold" in t for t in cfg.values())


def test_config_override_changes_decision(tmp_path: Path):
    pair = pv("Pemerintah provinsi mendorong aparatur sipil negara.", "The government urged civil servants.")
    assert not result(pair, "length_ratio").fired
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text("[length_ratio]\nthreshold = [0.9, 1.5]\n\n[numbers]\nseverity = 'info'\n")
    cfg = F.load_config(cfg_file)
    assert cfg["length_ratio"]["threshold"] == [0.9, 1.5]
    assert cfg["length_ratio"]["smoothing"] == F.load_config()["length_ratio"]["smoothing"]  # kept default
    assert result(pair, "length_ratio", cfg).fired
    # Severity 'info' keeps a fired check out of needs_review.
    num = pv("Ada 5 orang di sini.", "There are 6 people.")
    assert F.needs_review(F.check_pair(num))
    assert not F.needs_review(F.check_pair(num, cfg)) and result(num, "numbers", cfg).fired


def test_config_can_disable_a_check(tmp_path: Path):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text("[not_english]\nenabled = false\n")
    pair = pv("Kucing punya dua telinga.", "Anjing itu tidur di bawah meja makan.")
    assert result(pair, "not_english", F.load_config(cfg_file)) is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("[length_ratio\nthreshold = 1\n", "invalid TOML"),
        ("[no_such_check]\nthreshold = 1\n", "unknown check [no_such_check]"),
        ("[numbers]\nseverity = 'fatal'\n", "severity must be one of"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, text, message):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text(text)
    with pytest.raises(BitextError) as e:
        F.load_config(cfg_file)
    assert message in str(e.value) and str(cfg_file) in str(e.value) and e.value.exit_code == 2


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(BitextError, match="cannot read flag config"):
        F.load_config(tmp_path / "nope.toml")


# -- store wiring ----------------------------------------------------------------------------------

SIG = "opus-mt-id-en|test"


def make_store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "corpus")
    now = utcnow()
    sents = [("a1:0:0", "Kucing punya dua telinga."), ("a1:0:1", "Anjing itu tidur."),
             ("a1:1:0", "Harganya Rp1,5 miliar.")]
    with store.tx() as c:
        c.execute("INSERT INTO articles(id, source_path, raw_text, content_hash, segmenter, ingested_at)"
                  " VALUES ('a1', 'a1.txt', 'x', 'h', 'seg', ?)", (now,))
        for k, (sid, text) in enumerate(sents):
            c.execute("INSERT INTO sentences VALUES (?, 'a1', ?, ?, ?, 0, 1)", (sid, k // 2, k % 2, text))
        c.executemany(
            "INSERT INTO translations(key, signature, source, text, logprob, n_tokens, n_unk, hit_max_length,"
            " source_split, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(translation_key(SIG, sents[0][1]), SIG, sents[0][1], "A cat has two ears.", -0.4, 7, 0, 0, 0, now),
             (translation_key(SIG, sents[1][1]), SIG, sents[1][1], "The dog sleeps.", -2.5, 5, 1, 0, 0, now),
             (translation_key(SIG, sents[2][1]), SIG, sents[2][1], "It costs Rp2.5 billion.", -0.3, 8, 0, 0, 0,
              now)])
        pairs = [
            ("a1:mt:0", 0, ["a1:0:0"], "Kucing punya dua telinga.", "A cat has two ears.", "1-1"),
            ("a1:mt:1", 1, ["a1:0:0", "a1:0:1"], "Kucing punya dua telinga. Anjing itu tidur.",
             "A cat has two ears. The dog sleeps.", "2-2"),
            ("a1:mt:2", 2, ["a1:1:0"], "Harganya Rp1,5 miliar.", "It costs Rp2.5 billion.", "1-1"),
            ("a1:mt:3", 3, ["a1:0:0"], "Kucing punya dua telinga.", "A cat has two ears.", "1-1"),
        ]
        for pid, idx, src_ids, s, t, bead in pairs:
            c.execute("INSERT INTO pairs(id, article_id, kind, bead_idx, src_ids, tgt_idx, source, target, mt,"
                      " bead_type, align_score, signature, created_at) VALUES (?, 'a1', 'mt', ?, ?, '[]', ?, ?, ?, ?,"
                      " 0.9, ?, ?)", (pid, idx, json.dumps(src_ids), s, t, t, bead, SIG, now))
    return store


def flag_rows(store: Store) -> dict[tuple[str, str], tuple]:
    return {(r["pair_id"], r["check_name"]): (r["score"], r["fired"], r["severity"])
            for r in store.conn.execute("SELECT * FROM pair_flags")}


def test_flag_corpus_rows_skip_and_recompute(tmp_path: Path):
    store = make_store(tmp_path)
    counts = F.flag_corpus(store, quiet=True)
    assert counts["flagged"] == 4 and counts["skipped"] == 0
    assert counts["numbers"] == 1 and counts["low_confidence"] == 1 and counts["unk_source"] == 1
    assert counts["bead_type"] == 1 and counts["duplicate"] == 1
    assert counts["needs_review"] == 2  # a1:mt:1 (confidence, unk, bead) and a1:mt:2 (numbers)
    rows = flag_rows(store)
    ids = {"a1:mt:0", "a1:mt:1", "a1:mt:2", "a1:mt:3"}
    assert {p for p, _ in rows} == ids
    assert {c for p, c in rows if p == "a1:mt:0"} == {
        "empty_target", "untranslated", "length_ratio", "length_z", "numbers", "repetition", "truncation",
        "low_confidence", "unk_source", "not_english", "bead_type", "low_alignment", "quotes",
        "question_mark", "duplicate", "bridge_mismatch"}
    # Translation fields combined over the two source sentences: min logprob, summed <unk>.
    assert rows[("a1:mt:1", "low_confidence")] == (-2.5, 1, "warning")
    assert rows[("a1:mt:1", "unk_source")] == (1.0, 1, "warning")
    assert rows[("a1:mt:0", "low_confidence")] == (-0.4, 0, "warning")
    assert rows[("a1:mt:1", "bead_type")] == (2.0, 1, "warning")
    assert rows[("a1:mt:2", "numbers")] == (2.0, 1, "warning")
    assert rows[("a1:mt:3", "duplicate")] == (1.0, 1, "info")
    assert rows[("a1:mt:0", "duplicate")] == (0.0, 0, "info")
    reason = store.conn.execute("SELECT reason FROM pair_flags WHERE pair_id='a1:mt:3' AND check_name='duplicate'"
                                ).fetchone()[0]
    assert reason == "same source and target as pair a1:mt:0, seen earlier in the corpus"
    assert store.get_meta("flags.signature") == F.config_signature(F.load_config())

    # Re-run: everything current, nothing recomputed.
    again = F.flag_corpus(store, quiet=True)
    assert again["flagged"] == 0 and again["skipped"] == 4 and again["needs_review"] == 2
    assert flag_rows(store) == rows

    # A pair re-created by the aligner loses its flags by cascade and is flagged again alone.
    with store.tx() as c:
        row = dict(c.execute("SELECT * FROM pairs WHERE id='a1:mt:2'").fetchone())
        c.execute("DELETE FROM pairs WHERE id='a1:mt:2'")
        row["target"] = "It costs Rp1.5 billion."
        c.execute(f"INSERT INTO pairs({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    assert store.count("pair_flags", "pair_id='a1:mt:2'") == 0
    third = F.flag_corpus(store, quiet=True)
    assert third["flagged"] == 1 and third["skipped"] == 3 and third["numbers"] == 0
    assert flag_rows(store)[("a1:mt:2", "numbers")] == (0.0, 0, "warning")

    # A config change recomputes every pair under the new thresholds.
    cfg = tmp_path / "flags.toml"
    cfg.write_text("[low_confidence]\nthreshold = -0.35\n")
    fourth = F.flag_corpus(store, config_path=cfg, quiet=True)
    assert fourth["flagged"] == 4 and fourth["skipped"] == 0 and fourth["low_confidence"] == 3
    assert flag_rows(store)[("a1:mt:0", "low_confidence")] == (-0.4, 1, "warning")
    assert store.get_meta("flags.signature") == F.config_signature(F.load_config(cfg))
    store.close()


def test_explain(tmp_path: Path):
    store = make_store(tmp_path)
    before = F.explain(store, "a1:mt:2")
    assert "stored flags: not flagged yet" in before
    F.flag_corpus(store, quiet=True)
    text = F.explain(store, "a1:mt:2")
    lines = text.splitlines()
    assert lines[0] == "pair a1:mt:2 (mt, bead 1-1)"
    assert "  source: Harganya Rp1,5 miliar." in lines and "  target: It costs Rp2.5 billion." in lines
    assert "stored flags: current" in lines and "NEEDS REVIEW" in lines
    assert "  [FIRED] numbers (warning): score 2, fires > 0" in lines
    assert ("          numbers differ: source has '1,5 miliar' not found in the target; "
            "target has '2.5 billion' not found in the source") in lines
    assert "  [ n/a ] missing_names: not applicable" in lines
    with pytest.raises(BitextError, match="no pair with id 'nope'"):
        F.explain(store, "nope")
    store.close()


def test_cli(tmp_path: Path, capsys):
    from bitext.cli import flag as cli_flag

    store = make_store(tmp_path)
    store.close()
    parser = argparse.ArgumentParser(prog="bitext")
    cli_flag.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["flag", str(tmp_path / "corpus")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "flagged 4 pair(s), skipped 0 already flagged; 2 pair(s) in the corpus need review" in out
    args = parser.parse_args(["flag", str(tmp_path / "corpus"), "--explain", "a1:mt:2", "--quiet"])
    assert args.func(args) == 0
    assert "[FIRED] numbers" in capsys.readouterr().out
    args = parser.parse_args(["flag", str(tmp_path / "missing")])
    with pytest.raises(BitextError) as e:
        args.func(args)
    assert e.value.exit_code == 2 and "no corpus store here" in str(e.value)


# -- config validation: every bad value is a usage error before anything is touched ----------------

@pytest.mark.parametrize(
    "text, message",
    [
        ('[length_ratio]\nthreshold = "x"\n',
         ":2: [length_ratio] threshold must be a range [low, high] of two numbers with low <= high, got 'x'"),
        ("[length_ratio]\nthreshold = [1.5, 0.5]\n", ":2: [length_ratio] threshold must be a range"),
        ("[length_ratio]\nthreshold = [0.5]\n", ":2: [length_ratio] threshold must be a range"),
        ("[length_ratio]\nthreshold = 1.2\n", ":2: [length_ratio] threshold must be a range"),
        ("# comment\n\n[numbers]\nseverity = 'info'\nthreshold = '0'\n",
         ":5: [numbers] threshold must be a number, got '0'"),
        ("[numbers]\nthreshold = true\n", ":2: [numbers] threshold must be a number, got True"),
        ("[numbers]\nthreshold = nan\n", ":2: [numbers] threshold must be a number, got nan"),
        ("[numbers]\nthreshold = [0, 1]\n", ":2: [numbers] threshold must be a number, got [0, 1]"),
        ("[numbers]\nenabled = 'no'\n", ":2: [numbers] enabled must be true or false, got 'no'"),
        ("[numbers]\nseverity = 'fatal'\n", ":2: [numbers] severity must be one of info, warning, error, got 'fatal'"),
        ("[numbers]\nthreshhold = 1\n",
         ":2: [numbers] unknown key 'threshhold'; known: threshold, severity, enabled"),
        ("[length_ratio]\nsmoothing = 'ten'\n", ":2: [length_ratio] smoothing must be a non-negative number"),
        ("[repetition]\nmax_ngram = 2.5\n", ":2: [repetition] max_ngram must be a positive integer, got 2.5"),
        ("[repetition]\nmax_ngram = 0\n", ":2: [repetition] max_ngram must be a positive integer, got 0"),
        ("[missing_names]\nfuzz = 2\n", ":2: [missing_names] fuzz must be a number in [0, 1], got 2"),
        ("[not_english]\nmin_words = -1\n", ":2: [not_english] min_words must be a non-negative integer"),
        ("[not_english]\nlanguages = ['id', 'ms']\n",
         ":2: [not_english] languages must be a list of py3langid language codes that includes 'en'"),
        ("[not_english]\nlanguages = ['en', 'xx']\n", ":2: [not_english] languages must be a list"),
        ("[numbers]\nthreshold = 0\n\n[no_such_check]\nthreshold = 1\n", ":4: unknown check [no_such_check]"),
    ],
)
def test_bad_config_values_name_file_line_table_key(tmp_path: Path, text, message):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text(text)
    with pytest.raises(BitextError) as e:
        F.load_config(cfg_file)
    assert str(e.value).startswith(str(cfg_file) + ":") and message in str(e.value), str(e.value)
    assert e.value.exit_code == 2


def test_good_config_values_are_accepted(tmp_path: Path):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text("[length_ratio]\nthreshold = [1, 1]\nsmoothing = 0\n[numbers]\nthreshold = 1\n"
                        "enabled = false\n[not_english]\nlanguages = ['en', 'id']\nmin_words = 3\n"
                        "[repetition]\nmax_ngram = 3\n[missing_names]\nfuzz = 1\n[low_confidence]\nthreshold = -inf\n")
    cfg = F.load_config(cfg_file)
    assert cfg["length_ratio"]["threshold"] == [1, 1] and cfg["numbers"]["enabled"] is False
    assert [c.name for c in F.build_checks(cfg)].count("numbers") == 0
    assert F.load_config("default") == F.load_config()


def test_bad_config_leaves_stored_flags_alone(tmp_path: Path):
    """Regression: a bad value crashed flag_corpus after it had deleted every stored flag."""
    store = make_store(tmp_path)
    F.flag_corpus(store, quiet=True)
    rows, sig = flag_rows(store), store.get_meta(F.META_KEY)
    cfg = tmp_path / "flags.toml"
    cfg.write_text('[length_ratio]\nthreshold = "x"\n')
    with pytest.raises(BitextError) as e:
        F.flag_corpus(store, config_path=cfg, quiet=True)
    assert e.value.exit_code == 2 and f"{cfg}:2: [length_ratio] threshold" in str(e.value)
    assert flag_rows(store) == rows and store.get_meta(F.META_KEY) == sig
    assert store.get_meta(F.CONFIG_META_KEY) is None
    store.close()


def test_failing_first_batch_leaves_old_config_and_flags(tmp_path: Path, monkeypatch):
    """Wiping old rows, the new signature and the first batch commit together or not at all."""
    store = make_store(tmp_path)
    F.flag_corpus(store, quiet=True)
    rows, sig = flag_rows(store), store.get_meta(F.META_KEY)
    cfg = tmp_path / "flags.toml"
    cfg.write_text("[low_confidence]\nthreshold = -0.35\n")

    def boom(self, pair):
        raise RuntimeError("check crashed")

    monkeypatch.setattr(F.Quotes, "score", boom)
    with pytest.raises(RuntimeError, match="check crashed"):
        F.flag_corpus(store, config_path=cfg, quiet=True)
    assert flag_rows(store) == rows and store.get_meta(F.META_KEY) == sig
    assert store.get_meta(F.CONFIG_META_KEY) is None
    monkeypatch.undo()
    assert F.flag_corpus(store, config_path=cfg, quiet=True)["flagged"] == 4
    store.close()


def test_interrupted_recompute_resumes(tmp_path: Path, monkeypatch):
    store = make_store(tmp_path)
    F.flag_corpus(store, quiet=True)
    cfg = tmp_path / "flags.toml"
    cfg.write_text("[low_confidence]\nthreshold = -0.35\n")
    monkeypatch.setattr(F, "BATCH", 2)
    calls = {"n": 0}
    real = F._pair_views

    def second_batch_dies(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(F, "_pair_views", second_batch_dies)
    with pytest.raises(KeyboardInterrupt):
        F.flag_corpus(store, config_path=cfg, quiet=True)
    # The first batch is stored under the new config; the rest is simply not flagged yet.
    assert {p for p, _ in flag_rows(store)} == {"a1:mt:0", "a1:mt:1"}
    assert store.get_meta(F.META_KEY) == F.config_signature(F.load_config(cfg))
    monkeypatch.setattr(F, "_pair_views", real)
    resumed = F.flag_corpus(store, quiet=True)  # no config: the stored one is reused
    assert resumed["flagged"] == 2 and resumed["skipped"] == 2
    assert flag_rows(store)[("a1:mt:0", "low_confidence")] == (-0.4, 1, "warning")
    store.close()


# -- the config is sticky ----------------------------------------------------------------------------

def test_custom_config_is_kept_by_later_runs_until_default(tmp_path: Path):
    store = make_store(tmp_path)
    cfg = tmp_path / "strict.toml"
    text = "[low_confidence]\nthreshold = -0.35\n"
    cfg.write_text(text)
    first = F.flag_corpus(store, config_path=cfg, quiet=True)
    assert first["flagged"] == 4 and first["low_confidence"] == 3
    assert store.get_meta(F.CONFIG_META_KEY) == text and store.get_meta(F.CONFIG_NAME_META_KEY) == "strict.toml"
    assert F.config_label(store) == "strict.toml (stored in the corpus)"
    rows = flag_rows(store)
    cfg.unlink()  # the stored text is what counts, not the file

    # What `bitext run` does: no config -> the stored one, nothing recomputed.
    again = F.flag_corpus(store, quiet=True)
    assert again["flagged"] == 0 and again["skipped"] == 4 and flag_rows(store) == rows
    assert store.get_meta(F.META_KEY) == F.config_signature(F.parse_config(text, "x"))
    assert "  [FIRED] low_confidence (warning): score -0.4, fires < -0.35" in F.explain(store, "a1:mt:0")
    assert "config: strict.toml (stored in the corpus)" in F.explain(store, "a1:mt:0")
    assert "stored flags: current" in F.explain(store, "a1:mt:0")
    # explain with 'default' shows the defaults without changing anything.
    text_default = F.explain(store, "a1:mt:0", "default")
    assert "  [ ok  ] low_confidence (warning): score -0.4, fires < -1.5" in text_default
    assert "stored flags: stale (run 'bitext flag')" in text_default
    assert store.get_meta(F.CONFIG_META_KEY) == text

    back = F.flag_corpus(store, config_path="default", quiet=True)
    assert back["flagged"] == 4 and back["low_confidence"] == 1
    assert store.get_meta(F.CONFIG_META_KEY) is None and store.get_meta(F.CONFIG_NAME_META_KEY) is None
    assert store.get_meta(F.META_KEY) == F.config_signature(F.load_config())
    assert F.config_label(store) == "built-in defaults"
    assert F.flag_corpus(store, quiet=True)["flagged"] == 0
    store.close()


def test_stored_config_that_became_invalid_is_a_usage_error(tmp_path: Path):
    store = make_store(tmp_path)
    store.set_meta(F.CONFIG_META_KEY, "[numbers]\nretired_option = 1\n")
    store.set_meta(F.CONFIG_NAME_META_KEY, "old.toml")
    with pytest.raises(BitextError) as e:
        F.flag_corpus(store, quiet=True)
    assert e.value.exit_code == 2
    assert "meta flags.config is not valid any more (old.toml:2: [numbers] unknown key 'retired_option'" in str(e.value)
    assert store.count("pair_flags") == 0
    assert F.flag_corpus(store, config_path="default", quiet=True)["flagged"] == 4
    store.close()


# -- duplicates are order-independent and follow new pairs -------------------------------------------

def add_pair(store: Store, pid: str, article: str, idx: int, source: str, target: str) -> None:
    with store.tx() as c:
        if c.execute("SELECT 1 FROM articles WHERE id=?", (article,)).fetchone() is None:
            c.execute("INSERT INTO articles(id, source_path, raw_text, content_hash, segmenter, ingested_at)"
                      " VALUES (?, ?, 'x', ?, 'seg', ?)", (article, f"{article}.txt", article, utcnow()))
        c.execute("INSERT INTO pairs(id, article_id, kind, bead_idx, src_ids, tgt_idx, source, target, mt, bead_type,"
                  " align_score, signature, created_at) VALUES (?, ?, 'mt', ?, '[]', '[]', ?, ?, ?, '1-1', 0.9, ?, ?)",
                  (pid, article, idx, source, target, target, SIG, utcnow()))


def dup_rows(store: Store) -> dict[str, tuple]:
    return {r["pair_id"]: (r["score"], r["reason"]) for r in
            store.conn.execute("SELECT * FROM pair_flags WHERE check_name='duplicate'")}


def test_new_pair_before_a_flagged_copy_reflags_the_copy(tmp_path: Path):
    store = make_store(tmp_path)
    F.flag_corpus(store, quiet=True)
    assert dup_rows(store)["a1:mt:0"][0] == 0.0 and dup_rows(store)["a1:mt:3"][0] == 1.0
    # Article 'a0' sorts before 'a1': its copy is now the first occurrence.
    add_pair(store, "a0:mt:0", "a0", 0, "Kucing  punya dua telinga.", "a cat has two ears.")
    counts = F.flag_corpus(store, quiet=True)
    assert counts["flagged"] == 1 and counts["refreshed"] == 2 and counts["duplicate"] == 0
    dups = dup_rows(store)
    assert dups["a0:mt:0"] == (0.0, "first occurrence of this source and target")
    assert dups["a1:mt:0"] == (1.0, "same source and target as pair a0:mt:0, seen earlier in the corpus")
    assert dups["a1:mt:3"] == (1.0, "same source and target as pair a0:mt:0, seen earlier in the corpus")
    # Same rows as flagging the final corpus from scratch.
    incremental = flag_rows(store)
    F.flag_corpus(store, config_path="default", quiet=True)  # signature unchanged: nothing redone
    with store.tx() as c:
        c.execute("DELETE FROM pair_flags")
    F.flag_corpus(store, quiet=True)
    assert flag_rows(store) == incremental

    # Removing the first occurrence hands "first" back to the next copy, without new pairs.
    with store.tx() as c:
        c.execute("DELETE FROM pairs WHERE id='a0:mt:0'")
    counts = F.flag_corpus(store, quiet=True)
    assert counts["flagged"] == 0 and counts["refreshed"] == 2
    assert dup_rows(store)["a1:mt:0"] == (0.0, "first occurrence of this source and target")
    assert dup_rows(store)["a1:mt:3"][1] == "same source and target as pair a1:mt:0, seen earlier in the corpus"
    assert F.flag_corpus(store, quiet=True)["refreshed"] == 0
    store.close()


def test_needs_review_uses_blocking_severities():
    assert F.BLOCKING_SEVERITIES == ("warning", "error")
    assert F.needs_review([F.FlagResult("x", 1.0, True, "warning", "")])
    assert not F.needs_review([F.FlagResult("x", 1.0, True, "info", ""),
                               F.FlagResult("y", 0.0, False, "error", "")])


def test_cli_config_alias_default_and_summary(tmp_path: Path, capsys):
    from bitext.cli import flag as cli_flag

    make_store(tmp_path).close()
    corpus = str(tmp_path / "corpus")
    cfg = tmp_path / "strict.toml"
    cfg.write_text("[low_confidence]\nthreshold = -0.35\n")
    parser = argparse.ArgumentParser(prog="bitext")
    cli_flag.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["flag", corpus, "--flag-config", str(cfg)])
    assert args.config == str(cfg) and args.func(args) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "flagged 4 pair(s), skipped 0 already flagged; 4 pair(s) in the corpus need review; "
        "config: strict.toml (stored in the corpus)")
    args = parser.parse_args(["flag", corpus])
    assert args.func(args) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "flagged 0 pair(s), skipped 4 already flagged; 4 pair(s) in the corpus need review; "
        "config: strict.toml (stored in the corpus)")
    args = parser.parse_args(["flag", corpus, "--config", "default"])
    assert args.func(args) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "flagged 4 pair(s), skipped 0 already flagged; 2 pair(s) in the corpus need review; "
        "config: built-in defaults")
