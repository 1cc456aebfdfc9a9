"""Tests of the alignment stage (bitext.align.stage) on tiny stores, references and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bitext.align import AlignReport, align_corpus, dp
from bitext.align.dp import ALIGNER_VERSION
from bitext.align.references import load_references
from bitext.errors import BitextError, InputError
from bitext.model import MetaKey
from bitext.store import Store
from tests.factories import CorpusBuilder, flags_count

# -- align_corpus on a tiny store ------------------------------------------------------------------

SIG = "opus-mt-id-en@test"


def add_translations(store: Store, signature: str, mt: dict[str, str]) -> None:
    corpus = CorpusBuilder(store, signature)
    for source, text in mt.items():
        corpus.translation(source, text)
    store.set_meta(MetaKey.TRANSLATE_SIGNATURE, signature)


PARAS = [
    ["Harga beras naik 10 persen.", "Kenaikan itu terjadi dalam sebulan terakhir."],
    ["Gempa mengguncang Maluku pada Selasa pagi.", "Tidak ada korban jiwa."],
]
MT = {
    "Harga beras naik 10 persen.": "Rice prices rose 10 percent.",
    "Kenaikan itu terjadi dalam sebulan terakhir.": "",  # the model dropped it
    "Gempa mengguncang Maluku pada Selasa pagi.": "The quake shook Maluku. It was Tuesday morning.",
    "Tidak ada korban jiwa.": "There were no fatalities.",
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "corpus")
    corpus = CorpusBuilder(s)
    corpus.article("a1", PARAS, source_path="in/berita-satu.txt")
    corpus.article("a2", [["Polisi menangkap tiga orang.", "Mereka ditahan."]])
    corpus.article("a3", [])
    add_translations(s, SIG, {**MT, "Polisi menangkap tiga orang.": "Police arrested three people."})
    yield s
    s.close()


def pairs(store: Store, kind: str = "mt") -> list[dict]:
    rows = store.conn.execute(
        "SELECT * FROM pairs WHERE kind=? ORDER BY article_id, bead_idx", (kind,)
    ).fetchall()
    return [dict(r) for r in rows]


def test_align_corpus_writes_exact_pairs(store: Store):
    report = align_corpus(store, quiet=True)
    assert report.articles == 3 and report.aligned == 1 and report.pending == 1 and report.empty == 1
    assert report.pairs == 4 and report.beads["1-1"] == 2 and report.beads["1-0"] == 1
    assert report.beads["1-2"] == 1
    got = [
        (p["id"], p["bead_idx"], json.loads(p["src_ids"]), json.loads(p["tgt_idx"]), p["source"], p["target"],
         p["mt"], p["bead_type"], p["signature"])
        for p in pairs(store)
    ]  # fmt: skip
    assert got == [
        ("a1:0.0", 0, ["a1:0:0"], [0], "Harga beras naik 10 persen.", "Rice prices rose 10 percent.",
         "Rice prices rose 10 percent.", "1-1", SIG),
        ("a1:0.1", 1, ["a1:0:1"], [], "Kenaikan itu terjadi dalam sebulan terakhir.", "", "", "1-0", SIG),
        ("a1:1.0", 2, ["a1:1:0"], [1, 2], "Gempa mengguncang Maluku pada Selasa pagi.",
         "The quake shook Maluku. It was Tuesday morning.", "The quake shook Maluku. It was Tuesday morning.",
         "1-2", SIG),
        ("a1:1.1", 3, ["a1:1:1"], [3], "Tidak ada korban jiwa.", "There were no fatalities.",
         "There were no fatalities.", "1-1", SIG),
    ]  # fmt: skip
    assert all(0.0 <= p["align_score"] <= 1.0 for p in pairs(store))
    assert store.get_meta(MetaKey.ALIGN_VERSION) == ALIGNER_VERSION


def test_doubled_translation_is_1_2_and_extra_sentence_is_0_1(tmp_path: Path):
    with Store.open(tmp_path / "c") as s:
        CorpusBuilder(s).article("d", [["Tidak ada korban jiwa dalam kejadian itu."]])
        add_translations(s, SIG, {"Tidak ada korban jiwa dalam kejadian itu.":
                                  "There were no fatalities in the incident. There were no fatalities in the incident."})
        align_corpus(s, quiet=True)
        assert [(p["id"], p["bead_type"]) for p in pairs(s)] == [("d:0.0", "1-2")]


def test_rerun_skips_and_keeps_ids(store: Store):
    align_corpus(store, quiet=True)
    before = pairs(store)
    report = align_corpus(store, quiet=True)
    assert report.aligned == 0 and report.skipped == 1 and report.pending == 1 and report.pairs == 0
    assert pairs(store) == before  # same rows, same created_at: nothing rewritten


def test_pending_article_is_aligned_once_translated(store: Store):
    align_corpus(store, quiet=True)
    add_translations(store, SIG, {"Mereka ditahan.": "They are detained."})
    report = align_corpus(store, quiet=True)
    assert report.aligned == 1 and report.skipped == 1 and report.pending == 0
    assert [p["id"] for p in pairs(store) if p["article_id"] == "a2"] == ["a2:0.0", "a2:0.1"]


def test_new_signature_replaces_pairs_flags_cascade_reviews_untouched(store: Store):
    align_corpus(store, quiet=True)
    corpus = CorpusBuilder(store)
    corpus.flag("a1:0.0", "x", severity="warning", score=1.0)
    corpus.review("a1:0.1", "edited", reviewer="rina", before="", after="The rise happened over the last month.")
    reviews_before = [tuple(r) for r in store.conn.execute("SELECT * FROM reviews")]
    sig2 = "opus-mt-id-en@v2"
    add_translations(store, sig2, {**MT, "Kenaikan itu terjadi dalam sebulan terakhir.": "It rose in a month."})
    report = align_corpus(store, quiet=True)
    assert report.aligned == 1 and report.pending == 1
    got = pairs(store)
    assert [(p["id"], p["bead_type"], p["signature"]) for p in got] == [
        ("a1:0.0", "1-1", sig2), ("a1:0.1", "1-1", sig2), ("a1:1.0", "1-2", sig2), ("a1:1.1", "1-1", sig2)
    ]
    assert flags_count(store) == 0
    assert [tuple(r) for r in store.conn.execute("SELECT * FROM reviews")] == reviews_before


def test_changed_sentence_realigns_that_article(store: Store):
    align_corpus(store, quiet=True)
    changed = [PARAS[0], [PARAS[1][0], "Tidak ada korban."]]
    CorpusBuilder(store).article("a1", changed, source_path="in/berita-satu.txt")  # re-ingested, one sentence new
    add_translations(store, SIG, {"Tidak ada korban.": "No victims."})
    report = align_corpus(store, quiet=True)
    assert report.aligned == 1 and report.skipped == 0
    assert [p["target"] for p in pairs(store)][-1] == "No victims."


def test_align_corpus_without_translations_is_an_environment_error(tmp_path: Path):
    with Store.open(tmp_path / "c") as s:
        CorpusBuilder(s).article("x", [["Satu."]])
        with pytest.raises(BitextError, match="run 'bitext translate' first") as e:
            align_corpus(s, quiet=True)
        assert e.value.exit_code == 2


REF_A1 = "Rice prices rose 10 percent. The rise came in the last month.\nA quake shook Maluku on Tuesday morning."


def test_reference_alignment_from_a_folder(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture):
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "berita-satu.txt").write_text(REF_A1, encoding="utf-8")  # matched by source file stem
    (refs / "zz-unknown.txt").write_text("Nothing.", encoding="utf-8")
    report = align_corpus(store, reference=refs)
    assert report.aligned == 1 and report.no_reference == 2 and report.unmatched_reference == 1
    # The length model is fitted on the references' first pass: its confident beads are the two 1-1 beads
    # not next to the 1-0 bead (so it stays near the prior).
    assert report.length_model == dp.estimate_length_model(
        [(len(PARAS[0][0]), len("Rice prices rose 10 percent.")), (len(PARAS[0][1]), len("The rise came in the last month."))])
    assert "zz-unknown" in capsys.readouterr().err
    got = [(p["id"], p["bead_type"], json.loads(p["tgt_idx"]), p["target"], p["mt"]) for p in pairs(store, "reference")]
    assert got == [
        ("a1:ref-0.0", "1-1", [0], "Rice prices rose 10 percent.", "Rice prices rose 10 percent."),
        ("a1:ref-0.1", "1-1", [1], "The rise came in the last month.", ""),
        ("a1:ref-1.0", "1-1", [2], "A quake shook Maluku on Tuesday morning.",
         "The quake shook Maluku. It was Tuesday morning."),
        ("a1:ref-1.1", "1-0", [], "", "There were no fatalities."),
    ]  # fmt: skip
    assert pairs(store, "mt") == []  # reference alignment does not need or write MT pairs
    assert align_corpus(store, reference=refs, quiet=True).skipped == 1


def test_reference_jsonl_and_csv(store: Store, tmp_path: Path):
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a.jsonl").write_text(json.dumps({"id": "a1", "text": REF_A1}) + "\n", encoding="utf-8")
    (refs / "b.csv").write_text('id,text\na2,"Police arrested three people. They are in custody."\n', encoding="utf-8")
    report = align_corpus(store, reference=refs, quiet=True)
    assert report.aligned == 2 and report.unmatched_reference == 0
    a2 = [(p["id"], p["target"], p["mt"]) for p in pairs(store, "reference") if p["article_id"] == "a2"]
    assert a2 == [
        ("a2:ref-0.0", "Police arrested three people.", "Police arrested three people."),
        ("a2:ref-0.1", "They are in custody.", None),
    ]


@pytest.mark.parametrize(
    "name, data, error, pattern",
    [
        ("r.jsonl", b'{"id": "a1", "text": "ok"}\n{"id": "a2"}\n', InputError,
         r"r\.jsonl:2: a reference record needs an 'id' and a 'text'"),
        ("r.jsonl", b"{oops\n", InputError, r"r\.jsonl:1: not valid JSON"),
        ("l.jsonl", b'["a list"]\n', InputError, r"l\.jsonl:1: a reference record needs an 'id' and a 'text'"),
        ("r.txt", "Caf\u00e9.".encode("latin-1"), InputError, r"r\.txt:1: not UTF-8 \(byte 0xe9\)"),
        ("d.csv", b"id,text\na1,One.\na1,Again.\n", InputError,
         r"d\.csv:3: reference id 'a1' already given in .*d\.csv:2$"),
        ("h.csv", b"key,english\na1,One.\n", InputError, r"h\.csv:1: CSV header must name the columns 'id' and 'text'"),
        ("r.docx", b"x", BitextError, r"r\.docx: a reference file must be .*\.txt.* or "),
    ],
)  # fmt: skip
def test_bad_reference_records_name_file_and_line(
    tmp_path: Path, name: str, data: bytes, error: type[Exception], pattern: str
):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(error, match=pattern) as e:
        load_references(tmp_path / name)
    assert e.value.exit_code == (2 if error is BitextError else 1)


def test_missing_reference_path_and_encoding(tmp_path: Path):
    with pytest.raises(BitextError, match="no such reference folder") as e:
        load_references(tmp_path / "missing")
    assert e.value.exit_code == 2
    (tmp_path / "r.txt").write_bytes("Caf\u00e9.".encode("latin-1"))
    assert load_references(tmp_path / "r.txt", encoding="latin-1") == {"r": "Caf\u00e9."}


def test_report_as_dict_is_the_flat_count_dict(store: Store, tmp_path: Path):
    report = align_corpus(store, quiet=True)
    assert isinstance(report, AlignReport)
    assert report.as_dict() == {
        "articles": 3, "aligned": 1, "skipped": 0, "pending": 1, "empty": 1, "pairs": 4,
        "1-1": 2, "2-1": 0, "1-2": 1, "2-2": 0, "1-0": 1, "0-1": 0, "3-1": 0, "1-3": 0,
    }  # fmt: skip
    assert list(report.as_dict()) == ["articles", "aligned", "skipped", "pending", "empty", "pairs",
                                      "1-1", "2-1", "1-2", "2-2", "1-0", "0-1", "3-1", "1-3"]  # fmt: skip
    with pytest.raises(AttributeError):
        report.pairs = 0  # type: ignore[misc]  # frozen
    refs = tmp_path / "r.jsonl"
    refs.write_text(json.dumps({"id": "a2", "text": "Police arrested three people."}) + "\n", encoding="utf-8")
    got = align_corpus(store, reference=refs, quiet=True).as_dict()
    assert (got["aligned"], got["no_reference"], got["unmatched_reference"], got["empty"]) == (1, 2, 0, 0)
    assert list(got)[-2:] == ["no_reference", "unmatched_reference"]


def test_reference_folder_reads_every_reader_suffix_but_not_hidden_files_or_subfolders(tmp_path: Path):
    refs = tmp_path / "refs"
    (refs / "sub").mkdir(parents=True)
    (refs / "a1.md").write_text("One.", encoding="utf-8")
    (refs / "b.ndjson").write_text(json.dumps({"id": "a2", "text": "Two."}) + "\n", encoding="utf-8")
    (refs / ".hidden.txt").write_text("No.", encoding="utf-8")
    (refs / "notes.docx").write_text("No.", encoding="utf-8")
    (refs / "sub" / "a3.txt").write_text("No.", encoding="utf-8")
    assert load_references(refs) == {"a1": "One.", "a2": "Two."}


# -- CLI -------------------------------------------------------------------------------------------


def test_cli_align_summary_and_exit_codes(store: Store, capsys: pytest.CaptureFixture):
    from bitext.cli import main

    folder = str(store.path.parent)
    assert main(["align", folder]) == 0
    out = capsys.readouterr().out
    assert "aligned 1 article(s) with their machine translation: 4 pair(s); 0 already done, 1 waiting" in out
    assert "beads: 1-1 2, 1-2 1, 1-0 1" in out
    assert main(["align", folder, "--reference", str(Path(folder) / "nope")]) == 2
    assert "bitext: error:" in capsys.readouterr().err
    assert main(["align", str(Path(folder) / "elsewhere")]) == 2


def test_cli_align_reference_encoding(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture):
    from bitext.cli import main

    ref = tmp_path / "a2.txt"
    ref.write_bytes("Police arrested three people in Caf\u00e9.".encode("latin-1"))
    folder = str(store.path.parent)
    assert main(["align", folder, "--reference", str(ref), "--quiet"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"bitext: error: {ref}:1: not UTF-8 (byte 0xe9); convert it (e.g. iconv -f latin1 -t utf-8) "
        "or pass --encoding latin-1"
    )
    assert main(["align", folder, "--reference", str(ref), "--encoding", "latin-1"]) == 0
    out = capsys.readouterr().out
    assert "aligned 1 article(s) with their reference: 1 pair(s); 0 already done, 0 waiting" in out
    assert "2 article(s) without a reference, 0 reference(s) matching no article" in out
    assert "length model of the references: ratio 0.900, variance 1.59 (from 0 confident bead(s) of a first pass)" in out


def test_cli_module_imports_no_heavy_dependencies():
    import subprocess
    import sys

    code = "import sys, bitext.cli.align; print(any(m in sys.modules for m in ('torch', 'numpy', 'datasets')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_reference_confidence_is_stored_and_a_wrong_reference_is_flagged(tmp_path: Path):
    from bitext.flags import flag_corpus

    s = Store.open(tmp_path / "corpus")
    corpus = CorpusBuilder(s)
    src = [f"Pada tahun {1900 + k}, kota Medan{k} mencatat {k * 7 + 3} kasus baru." for k in range(10)]
    corpus.article("long", [src])
    corpus.article("short", [src[:2]])
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "long.txt").write_text(" ".join(f"A team of Oslo won {k + 4000} prizes." for k in range(10)))
    (refs / "short.txt").write_text("In 1900, the city of Medan0 recorded 3 new cases. In 1901, Medan1 had 10.")
    align_corpus(s, reference=refs, quiet=True)
    conf = dict(s.conn.execute("SELECT article_id, confidence FROM align_state").fetchall())
    assert conf["short"] is None and conf["long"] < 0.4
    flag_corpus(s, quiet=True)
    fired = s.conn.execute(
        "SELECT DISTINCT p.article_id FROM pair_flags f JOIN pairs p ON p.id = f.pair_id"
        " WHERE f.check_name = 'article_alignment' AND f.fired = 1"
    ).fetchall()
    assert [r[0] for r in fired] == ["long"]
    s.close()


# -- an MT pair's English is its own sentence's translation ------------------------------------------

LOOPING_SOURCES = [
    ["Pemerintah Provinsi Sulawesi Barat mendorong aparatur sipil negara menghormati hak asasi manusia."],
    ["Penerapan nilai-nilai itu harus menjadi fondasi pelayanan publik, kata Kepala Badan Kepegawaian Daerah.",
     "Dialog itu digelar di Mamuju pada Rabu."],
    ["Kegiatan itu menjadi wadah strategis untuk memperkuat pemahaman bersama."],
    ["Ia berharap dialog tersebut menciptakan sinergi yang kuat.", "Acara dihadiri 120 peserta."],
]


def test_looping_translations_stay_with_their_own_sentences(tmp_path: Path):
    """A model that loops (the tiny random model's kind of output: one word over and over, no full stop)
    gives English the evidence cannot tie to its sentence: each stays one pair with its own sentence,
    never a 1-0 pair plus a 0-1 pair (the reviewer would have to retype what the MT did produce)."""
    with Store.open(tmp_path / "c") as s:
        CorpusBuilder(s).article("seed", LOOPING_SOURCES)
        flat = [t for p in LOOPING_SOURCES for t in p]
        loops = {t: " ".join(["gegevens"] * (40 + 7 * k)) for k, t in enumerate(flat)}
        loops[flat[1]] = "Mr. " + " ".join(["The loop."] * 6)  # loops over short sentences of its own
        add_translations(s, SIG, loops)
        report = align_corpus(s, quiet=True)
        got = [(json.loads(p["src_ids"]), p["source"], p["target"], p["mt"], p["bead_type"]) for p in pairs(s)]
        from bitext.flags import flag_corpus

        flag_corpus(s, quiet=True)  # ... and the flags send every one of them to the reviewer
        repeated = {r[0] for r in s.conn.execute("SELECT pair_id FROM pair_flags WHERE check_name='repetition'"
                                                 " AND fired=1 AND severity IN ('warning', 'error')")}  # fmt: skip
    assert repeated == {f"seed:{pi}.{si}" for pi, p in enumerate(LOOPING_SOURCES) for si in range(len(p))}
    assert report.beads["1-0"] == 0 and report.beads["0-1"] == 0
    assert [(src, source, target) for src, source, target, _, _ in got] == [
        ([f"seed:{pi}:{si}"], text, loops[text]) for pi, p in enumerate(LOOPING_SOURCES) for si, text in enumerate(p)
    ]
    assert all(target == mt for _, _, target, mt, _ in got)
    assert [t for *_, t in got] == ["1-1", "1-6", "1-1", "1-1", "1-1", "1-1"]


class _Lexicon:
    """A dict-backed corpus lexicon (the interface of bitext.align.dp.WordTranslations)."""

    def translations(self, word: str, direction: str = "id-en", top: int = 10) -> dict[str, float]:
        return {"kucing": {"cat": 0.9}, "tidur": {"sleeps": 0.9}, "rumah": {"house": 0.9}, "anjing": {"dog": 0.9},
                "makan": {"eats": 0.9}, "taman": {"park": 0.9}}.get(word, {})  # fmt: skip


def test_reference_alignment_uses_the_corpus_lexicon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from bitext.align import stage as align_stage

    with Store.open(tmp_path / "c") as s:
        CorpusBuilder(s).article("z", [["Kucing itu tidur di rumah.", "Anjing itu makan di taman."]])
        ref = tmp_path / "z.txt"
        ref.write_text("The cat sleeps in the house.", encoding="utf-8")
        monkeypatch.setattr(align_stage, "_lexicon_for", lambda store: _Lexicon())
        align_corpus(s, reference=ref, quiet=True)
        got = [(p["bead_type"], p["target"]) for p in pairs(s, "reference")]
    assert got == [("1-1", "The cat sleeps in the house."), ("1-0", "")]



def test_the_length_fitting_pass_leaves_out_articles_past_its_sentence_budget(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from bitext.align import stage as align_stage

    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a1.txt").write_text(REF_A1, encoding="utf-8")
    monkeypatch.setattr(align_stage, "FIT_SENTENCES", 3)  # a1 has 4 sentences: aligned, but under the prior
    report = align_corpus(store, reference=refs, quiet=True)
    assert report.aligned == 1 and report.length_model == dp.PRIOR
