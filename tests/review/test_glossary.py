"""The corpus glossary: the matcher (whole words, longest first, English with a plural), the store's terms
(add / remove / signature), TBX and CSV import, and a bad file as one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext.cli import main
from bitext.errors import InputError
from bitext.lang.glossary import Glossary, Term, renders, segments
from bitext.review import glossary
from bitext.store import Store
from tests.factories import CorpusBuilder

TBX2 = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="en"><text><body>
  <termEntry id="t1">
    <langSet xml:lang="id"><tig><term>Aparatur Sipil Negara</term></tig></langSet>
    <langSet xml:lang="en"><tig><term>civil servant</term></tig><tig><term>civil service</term></tig></langSet>
  </termEntry>
  <termEntry id="t2">
    <langSet xml:lang="id"><ntig><termGrp><term>hak asasi manusia</term></termGrp></ntig></langSet>
    <langSet xml:lang="fr"><tig><term>droits de l'homme</term></tig></langSet>
    <langSet xml:lang="en-GB"><tig><term>human rights</term></tig></langSet>
  </termEntry>
</body></text></martif>
"""
TBX3 = """<?xml version="1.0"?>
<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" style="dca" xml:lang="en"><text><body>
  <conceptEntry id="c1">
    <langSec xml:lang="id"><termSec><term>jembatan</term></termSec></langSec>
    <langSec xml:lang="en"><termSec><term>bridge</term></termSec></langSec>
  </conceptEntry>
</body></text></tbx>
"""


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1")
    return b.store


def test_the_matcher_finds_whole_words_longest_first_in_any_case() -> None:
    g = Glossary([Term("hak asasi", ("rights",)), Term("Hak Asasi Manusia", ("human rights",)),
                  Term("ASN", ("civil servant", "civil service"))])
    text = "Perspektif hak asasi manusia bagi asn, bukan ASNI."
    hits = g.find(text)
    assert [(text[h.start:h.end], h.term.source) for h in hits] == [("hak asasi manusia", "Hak Asasi Manusia"),
                                                                     ("asn", "ASN")]
    found, missing = g.missing(text, "Civil servants respect HUMAN rights.")
    assert ([t.source for t in found], missing) == (["Hak Asasi Manusia", "ASN"], [])
    assert [t.source for t in g.missing(text, "The civilian service respects rights.")[1]] == ["Hak Asasi Manusia",
                                                                                                  "ASN"]
    assert renders("two bridges", "bridge") and renders("the Bridge.", "bridge") and not renders("bridgehead", "bridge")
    assert segments("a ASN b", g.find("a ASN b")) == [("a ", None), ("ASN", g.terms[2]), (" b", None)]


def test_add_list_remove_and_the_signature(store: Store) -> None:
    assert glossary.signature(store) == "" and glossary.terms(store) == []
    assert glossary.add_term(store, "jembatan", "bridge")
    assert not glossary.add_term(store, "Jembatan ", "bridge")  # the same term (by its words), kept once
    assert glossary.add_term(store, "jembatan", "overpass")
    sig = glossary.signature(store)
    assert glossary.terms(store) == [Term("jembatan", ("bridge", "overpass"))] and len(sig) == 16
    assert glossary.load(store).signature == sig and len(glossary.load(store)) == 1
    assert glossary.remove_term(store, "JEMBATAN", "Overpass") == 1
    assert glossary.signature(store) not in ("", sig)
    assert glossary.remove_term(store, "jembatan") == 1 and glossary.term_count(store) == 0
    with pytest.raises(InputError, match="the English is empty"):
        glossary.add_term(store, "jembatan", "  ")


def test_tbx_v2_and_v3_and_csv_import(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.tbx").write_text(TBX2, encoding="utf-8")
    (tmp_path / "b.tbx").write_text(TBX3, encoding="utf-8")
    (tmp_path / "c.csv").write_text("note,id,en\nx,pasar,market|marketplace\n,,\ny,jembatan,bridge\n", encoding="utf-8")
    r = glossary.import_file(store, tmp_path / "a.tbx")
    assert (r.read, r.added, r.existing) == (3, 3, 0)
    assert glossary.import_file(store, tmp_path / "b.tbx").added == 1
    r = glossary.import_file(store, tmp_path / "c.csv")
    assert (r.read, r.added, r.existing) == (3, 2, 1)
    assert glossary.terms(store) == [Term("Aparatur Sipil Negara", ("civil servant", "civil service")),
                                     Term("hak asasi manusia", ("human rights",)), Term("jembatan", ("bridge",)),
                                     Term("pasar", ("market", "marketplace"))]


@pytest.mark.parametrize(("name", "content", "says"), [
    ("bad.tbx", "<martif><text><body><termEntry>", "bad.tbx: not a readable TBX file"),
    ("dtd.tbx", '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "y">]><martif>&x;</martif>', "dtd.tbx: refused"),
    ("empty.tbx", "<martif/>", "empty.tbx: no Indonesian-English term found"),
    ("cols.csv", "source,target\njembatan,bridge\n", "cols.csv:1: the CSV needs a header with 'id' and 'en' columns"),
    ("short.csv", "id,note,en\njembatan\n", "short.csv:2: 1 column(s); the header has 3"),
    ("terms.txt", "jembatan\tbridge\n", "terms.txt: unknown glossary format .txt"),
])
def test_a_bad_file_is_one_line_and_writes_nothing(store: Store, tmp_path: Path, name: str, content: str,
                                                   says: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        glossary.import_file(store, tmp_path / name)
    assert says in str(e.value) and "\n" not in str(e.value)
    assert glossary.terms(store) == []
    store.close()
    assert main(["glossary", "import", str(tmp_path / name), "--corpus", str(tmp_path / "corpus")]) == 1
    err = capsys.readouterr().err.strip()
    assert says in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_the_cli(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store.close()
    corpus = str(tmp_path / "corpus")
    (tmp_path / "g.csv").write_text("id,en\npasar,market\n", encoding="utf-8")
    assert main(["glossary", "import", str(tmp_path / "g.csv"), "--corpus", corpus]) == 0
    assert main(["glossary", "add", "jembatan", "bridge", "--corpus", corpus]) == 0
    assert main(["glossary", "list", "--corpus", corpus]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-2:] == ["jembatan\tbridge", "pasar\tmarket"]
    assert "1 term rendering(s) read, 1 added, 0 already there; the glossary has 1 term(s)" in out
    assert main(["glossary", "remove", "pasar", "--corpus", corpus]) == 0
    assert main(["glossary", "remove", "pasar", "--corpus", corpus]) == 1
    assert "pasar: not in the glossary" in capsys.readouterr().err
