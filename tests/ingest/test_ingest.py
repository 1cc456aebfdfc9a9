import codecs
import json

import pytest

from bitext.cli import main
from bitext.errors import InputError
from bitext.ingest import ingest
from bitext.readers import decode
from bitext.segment import segment_text
from bitext.store import Store
from tests.factories import CorpusBuilder

ARTICLE = (
    "Mamuju (ANTARA) - Pemerintah Provinsi Sulawesi Barat mendorong ASN menghormati HAM. "
    "Hal itu disampaikan Dr. Herdin Ismail.\n"
    "\"Penerapan nilai-nilai HAM harus menjadi fondasi,\" kata Herdin.\n"
)


def test_segment_text_dateline_offsets_and_ids():
    r = segment_text(ARTICLE)
    assert r.dateline == "Mamuju (ANTARA) -"
    assert [(s.para_idx, s.sent_idx, s.text) for s in r.sentences] == [
        (0, 0, "Pemerintah Provinsi Sulawesi Barat mendorong ASN menghormati HAM."),
        (0, 1, "Hal itu disampaikan Dr. Herdin Ismail."),
        (1, 0, "\"Penerapan nilai-nilai HAM harus menjadi fondasi,\" kata Herdin."),
    ]
    for s in r.sentences:
        assert ARTICLE[s.start : s.end] == s.text
    kept = segment_text(ARTICLE, keep_dateline=True)
    assert kept.dateline == "Mamuju (ANTARA) -"
    assert kept.sentences[0].text.startswith("Mamuju (ANTARA) - Pemerintah")


def test_offsets_point_into_the_raw_text_through_odd_whitespace():
    raw = "\ufeffJakarta (ANTARA) -\u00a0Harga\u200b beras naik.\r\n\r\nStok  aman."
    r = segment_text(raw)
    assert [s.text for s in r.sentences] == ["Harga beras naik.", "Stok aman."]
    assert raw[r.sentences[0].start : r.sentences[0].end] == "Harga\u200b beras naik."
    assert raw[r.sentences[1].start : r.sentences[1].end] == "Stok  aman."


def test_decode_encodings(tmp_path):
    p = tmp_path / "a.txt"
    text = "Harga naik 3,5 persen – kata dia."
    assert decode(codecs.BOM_UTF8 + text.encode(), p) == text
    assert decode(text.encode("utf-16"), p) == text
    assert decode(text.encode("utf-8"), p) == text
    with pytest.raises(InputError, match=r"a\.txt:1: not UTF-8 .*--encoding latin-1"):
        decode("Café".encode("latin-1"), p)
    assert decode("Café".encode("latin-1"), p, encoding="latin-1") == "Café"
    with pytest.raises(InputError, match="binary file"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00", p)


def _write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_ingest_all_formats_and_bad_records_keep_the_good_ones(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "a.txt", ARTICLE)
    _write(src / "empty.txt", "")
    _write(src / "latin.txt", "Kota Café naik.".encode("latin-1"))
    _write(src / "bin.txt", b"\x00\x01\x02binary")
    lines = [
        json.dumps({"id": "j1", "text": "Satu kalimat. Dua kalimat.", "title": "Judul", "url": "http://x"}),
        "{not json",
        json.dumps({"id": "j2"}),
        json.dumps({"id": "j3", "text": "Ini berita dalam bahasa Inggris.", "lang": "en"}),
        json.dumps({"id": "j1", "text": "Teks lain untuk id yang sama."}),
        json.dumps({"id": "j4", "text": "Berita <b>tebal</b> &amp; penting."}),
        json.dumps(["a list"]),
    ]
    _write(src / "b.jsonl", "\n".join(lines) + "\n")
    _write(src / "c.csv", 'id,text,title\nc1,"Kalimat pertama. Kalimat kedua.",T\nc2,,\n')
    _write(src / "notes.bin", "ignored: unknown extension inside a folder")
    store = Store.open(tmp_path / "corpus")
    report = ingest(store, [src])
    assert sorted(store.article_ids()) == ["a", "c1", "j1", "j4"]
    assert report.added == 4 and report.unchanged == 0
    problems = sorted(p.replace(str(src), "SRC") for p in report.problems)
    assert problems == [
        "SRC/b.jsonl:2: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        "SRC/b.jsonl:3: no 'text' field",
        "SRC/b.jsonl:5: duplicate id 'j1' (first at SRC/b.jsonl:1) with different text; skipped",
        "SRC/b.jsonl:7: expected a JSON object, got list",
        "SRC/bin.txt: binary file (NUL bytes), not a text article; skipped",
        "SRC/latin.txt:1: not UTF-8 (byte 0xe9); convert it (e.g. iconv -f latin1 -t utf-8) or pass --encoding latin-1",
    ]
    warnings = sorted(w.replace(str(src), "SRC") for w in report.warnings)
    assert warnings == [
        "SRC/b.jsonl:4: lang 'en' is not Indonesian; skipped",
        "SRC/c.csv:3: empty article; skipped",
        "SRC/empty.txt: empty article; skipped",
    ]
    j1 = store.article("j1")
    assert (j1["title"], j1["url"], j1["source_line"]) == ("Judul", "http://x", 1)
    assert [s["text"] for s in store.sentences("c1")] == ["Kalimat pertama.", "Kalimat kedua."]
    assert [s["text"] for s in store.sentences("j4")] == ["Berita tebal & penting."]


def test_reingest_is_a_no_op_and_change_is_detected(tmp_path):
    f = _write(tmp_path / "art.txt", ARTICLE)
    store = Store.open(tmp_path / "corpus")
    assert ingest(store, [f]).added == 1
    before = [tuple(r) for r in store.conn.execute("SELECT * FROM sentences ORDER BY id")]
    r2 = ingest(store, [f])
    assert (r2.added, r2.changed, r2.unchanged) == (0, 0, 1)
    assert [tuple(r) for r in store.conn.execute("SELECT * FROM sentences ORDER BY id")] == before
    corpus = CorpusBuilder(store)  # a pair and a review that must survive differently
    corpus.pair("art:0.0", "s", "t", created_at="now")
    corpus.review("art:0.0", "accepted", reviewer="r", at="now")
    _write(f, ARTICLE.replace("Herdin.", "Herdin Ismail."))
    r3 = ingest(store, [f])
    assert r3.changed == 1
    assert store.sentences("art")[-1]["text"].endswith("kata Herdin Ismail.")
    assert store.count("pairs") == 0  # stale pairs go; later stages redo the article
    assert store.count("reviews") == 1  # history stays


def test_two_megabyte_single_line(tmp_path):
    body = "Harga beras naik 3,5 persen pada pukul 10.00 WIB kata Dr. Budi. " * 32000
    f = _write(tmp_path / "long.txt", body)
    assert len(body) > 2_000_000
    store = Store.open(tmp_path / "corpus")
    report = ingest(store, [f])
    assert report.ok and report.sentences == 32000


def test_cli_segment_and_status(tmp_path, capsys):
    f = _write(tmp_path / "art.txt", ARTICLE)
    bad = _write(tmp_path / "bad.jsonl", "{oops\n")
    out = tmp_path / "corpus"
    assert main(["segment", str(f), str(bad), "--out", str(out)]) == 1
    cap = capsys.readouterr()
    assert cap.err.strip() == f"bitext: error: {bad}:1: not valid JSON (Expecting property name enclosed in double quotes at column 2)"
    assert "segment: 1 added, 0 changed, 0 unchanged, 0 skipped, 1 errors; 3 sentences in the store" in cap.out
    assert main(["segment", str(f), "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["status", str(out)]) == 0
    text = capsys.readouterr().out
    assert "segment     1 articles, 3 sentences" in text
    assert "translate   0/3 sentences translated (3 left)  [not run yet]" in text
    assert main(["status", str(tmp_path / "nowhere")]) == 2
    assert "no corpus store here" in capsys.readouterr().err
    assert main(["segment", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "new")]) == 2
    assert capsys.readouterr().err.strip() == f"bitext: error: {tmp_path / 'missing.txt'}: no such file or folder"
    assert not (tmp_path / "new").exists()  # nothing is created for a run that cannot start


def test_segmenter_signature_is_stored_byte_identical_and_report_is_frozen(tmp_path):
    from dataclasses import FrozenInstanceError

    from bitext.segment import segmenter_signature

    assert str(segmenter_signature()) == "bitext-id-seg/2|norm/1|dateline:field"
    assert str(segmenter_signature(keep_dateline=True)) == "bitext-id-seg/2|norm/1|dateline:keep"
    assert segmenter_signature().get("dateline") == "field"
    f = _write(tmp_path / "art.txt", ARTICLE)
    store = Store.open(tmp_path / "corpus")
    report = ingest(store, [f])
    assert store.article("art")["segmenter"] == "bitext-id-seg/2|norm/1|dateline:field"
    assert report.as_dict() == {"added": 1, "changed": 0, "unchanged": 0, "skipped": 0, "sentences": 3,
                                "problems": [], "warnings": []}
    with pytest.raises(FrozenInstanceError):
        report.added = 2  # type: ignore[misc]
    kept = ingest(store, [f], keep_dateline=True)  # another segmenter: re-segmented
    assert (kept.changed, store.article("art")["segmenter"]) == (1, "bitext-id-seg/2|norm/1|dateline:keep")
