"""Tests of sentence alignment: bead types, bridge, edge cases, English splitting, store wiring, CLI."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bitext import align as A
from bitext.align import Bead, align, split_english
from bitext.errors import BitextError, InputError
from bitext.store import Store, translation_key, utcnow


def beads(result: list[Bead]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.src, b.tgt) for b in result]


# -- align(): bead types -------------------------------------------------------------------------

SRC = [
    "Presiden Joko Widodo meresmikan jalan tol baru di Jawa Tengah pada hari Senin.",
    "Harga beras naik 10 persen.",
    "Kenaikan itu terjadi dalam sebulan terakhir.",
    "Gempa berkekuatan 5,2 mengguncang Maluku pada Selasa pagi, dan tidak ada laporan korban jiwa maupun "
    "kerusakan bangunan.",
    "Ia menambahkan bahwa program tersebut akan dilanjutkan pada tahun depan oleh pemerintah daerah.",
    "Bank Indonesia mempertahankan suku bunga acuan sebesar 6 persen.",
]
TGT = [
    "President Joko Widodo inaugurated a new toll road in Central Java on Monday.",
    "Rice prices rose 10 percent in the past month.",
    "A magnitude 5.2 earthquake shook Maluku on Tuesday morning.",
    "There were no reports of casualties or damage to buildings.",
    "Bank Indonesia kept its benchmark interest rate at 6 percent.",
    "Reporting by Ahmad; editing by Siti.",
]


def test_length_and_anchors_find_1_1_2_1_1_2_1_0_0_1():
    result = align(SRC, TGT)
    assert beads(result) == [
        ((0,), (0,)),
        ((1, 2), (1,)),
        ((3,), (2, 3)),
        ((4,), ()),
        ((5,), (4,)),
        ((), (5,)),
    ]
    assert [b.type for b in result] == ["1-1", "2-1", "1-2", "1-0", "1-1", "0-1"]
    assert all(0.0 <= b.score <= 1.0 for b in result)


def test_bridge_finds_a_2_2_bead():
    src = [
        "Menteri Keuangan mengatakan pertumbuhan ekonomi tetap kuat tahun ini.",
        "Polisi menangkap tiga tersangka pencurian sepeda motor di Jakarta Selatan pada Rabu malam, kata juru "
        "bicara.",
        "Mereka kini ditahan di kantor polisi.",
        "Banjir merendam ratusan rumah warga setelah hujan deras.",
    ]
    bridge = [
        "The finance minister said economic growth remains strong this year.",
        "Police arrested three suspects of motorcycle theft in South Jakarta on Wednesday night, the spokesman said.",
        "They are now detained at the police station.",
        "Floods submerged hundreds of houses after heavy rain.",
    ]
    tgt = [
        "The finance minister said economic growth remained strong this year.",
        "Police arrested three suspects, the spokesman said.",
        "The suspected motorcycle thieves, caught in South Jakarta on Wednesday night, are now detained at the "
        "police station.",
        "Floods submerged hundreds of homes after heavy rain.",
    ]
    result = align(src, tgt, bridge)
    assert beads(result) == [((0,), (0,)), ((1, 2), (1, 2)), ((3,), (3,))]
    assert result[1].type == "2-2"


def test_bridge_turns_a_wrong_length_decision_into_the_right_one():
    # The second Indonesian sentence has no translation; by length it looks like the English "He added ...".
    src = [
        "Para siswa mengikuti ujian dengan tertib di sekolah masing-masing.",
        "Hujan turun sepanjang hari sehingga jalan licin.",
        "Ia menambahkan bahwa kegiatan itu akan dilanjutkan tahun depan setelah dievaluasi oleh panitia.",
    ]
    tgt = ["The students took the exam in an orderly manner at their schools.", "He added that it will go on next year."]
    bridge = [
        "The students took the exam in an orderly manner at their respective schools.",
        "It rained all day so the roads were slippery.",
        "He added that the activity will go on next year after being evaluated by the committee.",
    ]
    assert beads(align(src, tgt)) == [((0,), (0,)), ((1,), (1,)), ((2,), ())]
    with_bridge = align(src, tgt, bridge)
    assert beads(with_bridge) == [((0,), (0,)), ((1,), ()), ((2,), (1,))]
    # The deleted sentence resembles nothing next to it: a confident 1-0.
    assert with_bridge[1].score == 1.0


def test_numbers_in_indonesian_and_english_formats_are_anchors():
    assert A.normalize_number("1.500,5", "id") == {"1500.5"}
    assert A.normalize_number("1,500.5", "en") == {"1500.5"}
    assert A.normalize_number("2,5", "id") == {"2.5"}
    assert A.normalize_number("1.500", "id") == {"1500", "1.5"}  # ambiguous: both readings
    assert A.normalize_number("2020", "en") == {"2020"}
    strong_id, weak_id = A.anchors('Harga naik 1.500,5 persen pada Senin, kata Herdin Ismail: "Benar?"', "id")
    strong_en, weak_en = A.anchors('Prices rose 1,500.5 percent on Monday, Herdin Ismail said: "Right?"', "en")
    assert strong_id == strong_en == {"n:1500.5", "d:monday", '"', "?"}
    assert weak_id == {"herdin", "ismail", "benar"}  # the first word ('Harga') is capitalised anyway
    assert weak_en == {"herdin", "ismail", "right"}


def test_numbers_decide_between_equal_lengths():
    src = ["Harganya naik 25 persen.", "Harganya turun 40 persen."]
    tgt = ["Its price fell 40 percent."]
    assert beads(align(src, tgt)) == [((0,), ()), ((1,), (0,))]
    tgt = ["Its price rose 25 percent."]
    assert beads(align(src, tgt)) == [((0,), (0,)), ((1,), ())]


def test_empty_inputs():
    assert align([], []) == []
    assert align(["Satu.", "Dua."], []) == [Bead((0,), (), 1.0), Bead((1,), (), 1.0)]
    assert align([], ["One."]) == [Bead((), (0,), 1.0)]
    assert align(["Satu."], [], bridge=["One."]) == [Bead((0,), (), 1.0)]


def test_bridge_must_match_source_length():
    with pytest.raises(ValueError, match="bridge has 1 sentences, src has 2"):
        align(["Satu.", "Dua."], ["One. Two."], bridge=["One."])


def test_bead_type_property():
    assert Bead((0, 1), (0,), 0.5).type == "2-1"
    assert Bead((), (3,), 1.0).type == "0-1"


def test_every_sentence_in_one_bead_in_order_on_a_long_document():
    # 600 random sentence pairs of which 60 in a row lost their translation: the band must widen to
    # follow a path far from the diagonal, and the beads must partition both sides in order.
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnoprstuw") for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    src, tgt, bridge = [], [], []
    for k in range(600):
        sent = " ".join(rng.choice(words) for _ in range(rng.randint(3, 25))) + f" {k}."
        src.append(sent)
        bridge.append(sent)
        if not (200 <= k < 260):  # 60 source sentences in a row without a translation
            tgt.append(sent)
    result = align(src, tgt, bridge)
    assert [i for b in result for i in b.src] == list(range(len(src)))
    assert [j for b in result for j in b.tgt] == list(range(len(tgt)))
    assert sum(b.type == "1-0" for b in result) == 60
    assert all(b.type == "1-1" for b in result if b.src and b.src[0] not in range(200, 260))


@pytest.mark.parametrize("n, m", [(2, 100), (100, 2), (1, 1), (3, 40)])
def test_very_unequal_sides_still_partition(n: int, m: int):
    src = [f"Kalimat nomor {k} di sini." for k in range(n)]
    tgt = [f"Sentence number {k} here." for k in range(m)]
    result = align(src, tgt)
    assert [i for b in result for i in b.src] == list(range(n))
    assert [j for b in result for j in b.tgt] == list(range(m))
    assert ((0,), (0,)) in beads(result)  # the shared number 0 anchors the first pair


def test_alignment_is_deterministic():
    assert align(SRC, TGT) == align(SRC, TGT)


# -- split_english ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("The U.S. economy grew 1,500.5 million. Prices rose 2.5 percent.",
         ["The U.S. economy grew 1,500.5 million.", "Prices rose 2.5 percent."]),
        ('"We will win," he said. "No doubt about it."', ['"We will win," he said.', '"No doubt about it."']),
        ('"Is it true?" she asked. Nobody answered!', ['"Is it true?" she asked.', "Nobody answered!"]),
        ("See No. 5 for details. The St. Louis team won.", ["See No. 5 for details.", "The St. Louis team won."]),
        ("It was 3 a.m. The police arrived at 4 p.m. on Monday.",
         ["It was 3 a.m.", "The police arrived at 4 p.m. on Monday."]),
        ("J. K. Rowling lives in the U.S. The U.S. Army came.",
         ["J. K. Rowling lives in the U.S.", "The U.S. Army came."]),
        ("He said it was over... and left. Then what?", ["He said it was over... and left.", "Then what?"]),
        ("Visit www.example.com today. E-mail info@x.co.id now.",
         ["Visit www.example.com today.", "E-mail info@x.co.id now."]),
        ("The firm (Acme Inc.) grew. Its rival, Foo Ltd. reported 3.5% less.",
         ["The firm (Acme Inc.) grew.", "Its rival, Foo Ltd. reported 3.5% less."]),
        ("First line\nSecond line.", ["First line", "Second line."]),
        ("  Trailing spaces.   ", ["Trailing spaces."]),
        ("", []),
    ],
)
def test_split_english(text: str, expected: list[str]):
    spans = split_english(text)
    assert [text[a:b] for a, b in spans] == expected


# -- align_corpus on a tiny store ------------------------------------------------------------------

SIG = "opus-mt-id-en@test"


def add_article(store: Store, article_id: str, paragraphs: list[list[str]], source_path: str | None = None) -> None:
    raw = "\n".join(" ".join(p) for p in paragraphs)
    with store.tx() as conn:
        conn.execute(
            "INSERT INTO articles(id, source_path, raw_text, content_hash, segmenter, ingested_at)"
            " VALUES (?,?,?,?,?,?)",
            (article_id, source_path or f"in/{article_id}.txt", raw, "h", "seg", utcnow()),
        )
        for p, sents in enumerate(paragraphs):
            for s, text in enumerate(sents):
                conn.execute(
                    "INSERT INTO sentences(id, article_id, para_idx, sent_idx, text, start, end) VALUES (?,?,?,?,?,?,?)",
                    (f"{article_id}:{p}:{s}", article_id, p, s, text, 0, len(text)),
                )


def add_translations(store: Store, signature: str, mt: dict[str, str]) -> None:
    with store.tx() as conn:
        for source, text in mt.items():
            conn.execute(
                "INSERT OR REPLACE INTO translations(key, signature, source, text, created_at) VALUES (?,?,?,?,?)",
                (translation_key(signature, source), signature, source, text, utcnow()),
            )
    store.set_meta("translate.signature", signature)


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
    add_article(s, "a1", PARAS, source_path="in/berita-satu.txt")
    add_article(s, "a2", [["Polisi menangkap tiga orang.", "Mereka ditahan."]])
    add_article(s, "a3", [])
    add_translations(s, SIG, {**MT, "Polisi menangkap tiga orang.": "Police arrested three people."})
    yield s
    s.close()


def pairs(store: Store, kind: str = "mt") -> list[dict]:
    rows = store.conn.execute(
        "SELECT * FROM pairs WHERE kind=? ORDER BY article_id, bead_idx", (kind,)
    ).fetchall()
    return [dict(r) for r in rows]


def test_align_corpus_writes_exact_pairs(store: Store):
    counts = align_counts = A.align_corpus(store, quiet=True)
    assert counts["articles"] == 3 and counts["aligned"] == 1 and counts["pending"] == 1 and counts["empty"] == 1
    assert align_counts["pairs"] == 4 and align_counts["1-1"] == 2 and align_counts["1-0"] == 1
    assert align_counts["1-2"] == 1
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
    assert store.get_meta("align.version") == A.ALIGNER_VERSION


def test_doubled_translation_is_1_2_and_extra_sentence_is_0_1(tmp_path: Path):
    with Store.open(tmp_path / "c") as s:
        add_article(s, "d", [["Tidak ada korban jiwa dalam kejadian itu."]])
        add_translations(s, SIG, {"Tidak ada korban jiwa dalam kejadian itu.":
                                  "There were no fatalities in the incident. There were no fatalities in the incident."})
        A.align_corpus(s, quiet=True)
        assert [(p["id"], p["bead_type"]) for p in pairs(s)] == [("d:0.0", "1-2")]


def test_rerun_skips_and_keeps_ids(store: Store):
    A.align_corpus(store, quiet=True)
    before = pairs(store)
    counts = A.align_corpus(store, quiet=True)
    assert counts["aligned"] == 0 and counts["skipped"] == 1 and counts["pending"] == 1 and counts["pairs"] == 0
    assert pairs(store) == before  # same rows, same created_at: nothing rewritten


def test_pending_article_is_aligned_once_translated(store: Store):
    A.align_corpus(store, quiet=True)
    add_translations(store, SIG, {"Mereka ditahan.": "They are detained."})
    counts = A.align_corpus(store, quiet=True)
    assert counts["aligned"] == 1 and counts["skipped"] == 1 and counts["pending"] == 0
    assert [p["id"] for p in pairs(store) if p["article_id"] == "a2"] == ["a2:0.0", "a2:0.1"]


def test_new_signature_replaces_pairs_flags_cascade_reviews_untouched(store: Store):
    A.align_corpus(store, quiet=True)
    with store.tx() as conn:
        conn.execute(
            "INSERT INTO pair_flags(pair_id, check_name, score, fired, severity) VALUES ('a1:0.0','x',1,1,'warning')"
        )
        conn.execute(
            "INSERT INTO reviews(pair_id, reviewer, at, status, before, after) "
            "VALUES ('a1:0.1','rina',?,'edited','','The rise happened over the last month.')",
            (utcnow(),),
        )
    reviews_before = [tuple(r) for r in store.conn.execute("SELECT * FROM reviews")]
    sig2 = "opus-mt-id-en@v2"
    add_translations(store, sig2, {**MT, "Kenaikan itu terjadi dalam sebulan terakhir.": "It rose in a month."})
    counts = A.align_corpus(store, quiet=True)
    assert counts["aligned"] == 1 and counts["pending"] == 1
    got = pairs(store)
    assert [(p["id"], p["bead_type"], p["signature"]) for p in got] == [
        ("a1:0.0", "1-1", sig2), ("a1:0.1", "1-1", sig2), ("a1:1.0", "1-2", sig2), ("a1:1.1", "1-1", sig2)
    ]
    assert store.count("pair_flags") == 0
    assert [tuple(r) for r in store.conn.execute("SELECT * FROM reviews")] == reviews_before


def test_changed_sentence_realigns_that_article(store: Store):
    A.align_corpus(store, quiet=True)
    with store.tx() as conn:
        conn.execute("UPDATE sentences SET text='Tidak ada korban.' WHERE id='a1:1:1'")
    add_translations(store, SIG, {"Tidak ada korban.": "No victims."})
    counts = A.align_corpus(store, quiet=True)
    assert counts["aligned"] == 1
    assert [p["target"] for p in pairs(store)][-1] == "No victims."


def test_align_corpus_without_translations_is_an_environment_error(tmp_path: Path):
    with Store.open(tmp_path / "c") as s:
        add_article(s, "x", [["Satu."]])
        with pytest.raises(BitextError, match="run 'bitext translate' first") as e:
            A.align_corpus(s, quiet=True)
        assert e.value.exit_code == 2


REF_A1 = "Rice prices rose 10 percent. The rise came in the last month.\nA quake shook Maluku on Tuesday morning."


def test_reference_alignment_from_a_folder(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture):
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "berita-satu.txt").write_text(REF_A1, encoding="utf-8")  # matched by source file stem
    (refs / "zz-unknown.txt").write_text("Nothing.", encoding="utf-8")
    counts = A.align_corpus(store, reference=refs)
    assert counts["aligned"] == 1 and counts["no_reference"] == 2 and counts["unmatched_reference"] == 1
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
    assert A.align_corpus(store, reference=refs, quiet=True)["skipped"] == 1


def test_reference_jsonl_and_csv(store: Store, tmp_path: Path):
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a.jsonl").write_text(json.dumps({"id": "a1", "text": REF_A1}) + "\n", encoding="utf-8")
    (refs / "b.csv").write_text('id,text\na2,"Police arrested three people. They are in custody."\n', encoding="utf-8")
    counts = A.align_corpus(store, reference=refs, quiet=True)
    assert counts["aligned"] == 2 and counts["unmatched_reference"] == 0
    a2 = [(p["id"], p["target"], p["mt"]) for p in pairs(store, "reference") if p["article_id"] == "a2"]
    assert a2 == [
        ("a2:ref-0.0", "Police arrested three people.", "Police arrested three people."),
        ("a2:ref-0.1", "They are in custody.", None),
    ]


def test_bad_reference_records_name_file_and_line(tmp_path: Path):
    (tmp_path / "r.jsonl").write_text('{"id": "a1", "text": "ok"}\n{"id": "a2"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.jsonl:2: a reference record needs an 'id' and a 'text'"):
        A.load_references(tmp_path / "r.jsonl")
    (tmp_path / "r.jsonl").write_text("{oops\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.jsonl:1: not valid JSON"):
        A.load_references(tmp_path / "r.jsonl")
    with pytest.raises(BitextError, match="no such reference folder"):
        A.load_references(tmp_path / "missing")


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


def test_cli_module_imports_no_heavy_dependencies():
    import subprocess
    import sys

    code = "import sys, bitext.cli.align; print(any(m in sys.modules for m in ('torch', 'numpy', 'datasets')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
