"""Every TMX export validates against the TMX 1.4 DTD and every XLIFF export against the OASIS XLIFF 2.1
schemas (core + the Metadata module), read from ``tests/formats/data`` (sources and licences in its
README.md); the validators are shown to reject a broken file, so a pass means something."""

from __future__ import annotations

from pathlib import Path

import pytest

etree = pytest.importorskip("lxml.etree")

from bitext.formats import IMPORTERS, export_pairs  # noqa: E402
from bitext.records import PairFilter  # noqa: E402
from bitext.store import Store  # noqa: E402
from tests.sample_corpus import build_store  # noqa: E402

DATA = Path(__file__).parent / "data"
# What XML makes hard: markup characters, a CDATA end, control characters XML 1.0 forbids, CR, non-BMP.
NASTY = {
    "a1-0": '<b>&amp;</b> "q" \'a\' ]]> \x01\x0b\x1f end',
    "a1-2": "CR\rLF\nTAB\t and \U0001f600 \ufffe\uffff not characters",
    "a2-1": "",
}
FILTERS = {"all": PairFilter(), "clean": PairFilter(only_clean=True), "flag": PairFilter(exclude_flags=("lang_id",))}


def tmx_dtd() -> etree.DTD:
    return etree.DTD(str(DATA / "tmx14.dtd"))


def xliff_schema() -> etree.XMLSchema:
    """The XLIFF 2.1 core schema and the Metadata module (the namespaces our files use) as one schema."""
    core, mda = (DATA / "xliff21" / "xliff_core_2.0.xsd").as_uri(), (DATA / "xliff21" / "metadata.xsd").as_uri()
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="urn:oasis:names:tc:xliff:document:2.0" schemaLocation="{core}"/>'
        f'<xs:import namespace="urn:oasis:names:tc:xliff:metadata:2.0" schemaLocation="{mda}"/>'
        "</xs:schema>"
    )
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


@pytest.fixture(params=["sample", "nasty"])
def corpus(request, tmp_path: Path) -> Store:
    return build_store(tmp_path / "c", targets=NASTY if request.param == "nasty" else None)


@pytest.mark.parametrize("selection", sorted(FILTERS))
@pytest.mark.parametrize("include_empty", [False, True])
def test_every_tmx_export_is_valid(corpus: Store, tmp_path: Path, selection: str, include_empty: bool) -> None:
    out = tmp_path / "x.tmx"
    res = export_pairs(corpus, "tmx", out, FILTERS[selection], include_empty=include_empty)
    doc = etree.parse(str(out))
    dtd = tmx_dtd()
    assert dtd.validate(doc), dtd.error_log.filter_from_errors()
    assert len(doc.findall("body/tu")) == res.pairs


@pytest.mark.parametrize("selection", sorted(FILTERS))
def test_every_xliff_export_is_valid(corpus: Store, tmp_path: Path, selection: str) -> None:
    out = tmp_path / "x.xlf"
    res = export_pairs(corpus, "xliff", out, FILTERS[selection])
    doc = etree.parse(str(out))
    schema = xliff_schema()
    assert schema.validate(doc), schema.error_log.filter_from_errors()
    assert doc.getroot().get("version") == "2.1"
    assert len(doc.findall(".//{urn:oasis:names:tc:xliff:document:2.0}unit")) == res.pairs


def test_an_empty_tmx_export_is_valid(tmp_path: Path) -> None:
    store = build_store(tmp_path / "c")
    export_pairs(store, "tmx", tmp_path / "x.tmx", PairFilter(min_score=2.0))  # no pair scores that high
    assert tmx_dtd().validate(etree.parse(str(tmp_path / "x.tmx")))


def test_an_empty_xliff_export_is_valid(tmp_path: Path) -> None:
    """XLIFF 2 needs a <file> holding a unit or a group: an export of no pairs writes one with an empty group,
    and it reads back as no rows."""
    store = build_store(tmp_path / "c")
    export_pairs(store, "xliff", tmp_path / "x.xlf", PairFilter(min_score=2.0))
    assert xliff_schema().validate(etree.parse(str(tmp_path / "x.xlf")))
    assert IMPORTERS["xliff"]().read(tmp_path / "x.xlf") == []


def test_the_validators_reject_broken_files(tmp_path: Path) -> None:
    store = build_store(tmp_path / "c")
    export_pairs(store, "tmx", tmp_path / "x.tmx")
    doc = etree.parse(str(tmp_path / "x.tmx"))
    tuv = doc.find("body/tu/tuv")
    del tuv.attrib["{http://www.w3.org/XML/1998/namespace}lang"]  # xml:lang is #REQUIRED
    assert not tmx_dtd().validate(doc)

    export_pairs(store, "xliff", tmp_path / "x.xlf")
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0", "m": "urn:oasis:names:tc:xliff:metadata:2.0"}
    doc = etree.parse(str(tmp_path / "x.xlf"))
    doc.find(".//x:segment", ns).set("state", "approved")  # not an XLIFF 2 state
    assert not xliff_schema().validate(doc)
    doc = etree.parse(str(tmp_path / "x.xlf"))
    group = doc.find(".//m:metaGroup", ns)
    etree.SubElement(group, "{urn:oasis:names:tc:xliff:metadata:2.0}note").text = "x"  # the module's own rules
    assert not xliff_schema().validate(doc)


def test_translate_toolkit_reads_the_tmx_back(corpus: Store, tmp_path: Path) -> None:
    tmx = pytest.importorskip("translate.storage.tmx")
    from bitext.formats.base import clean_xml
    from bitext.records import iter_pairs

    export_pairs(corpus, "tmx", tmp_path / "x.tmx", include_empty=True)
    units = tmx.tmxfile.parsefile(str(tmp_path / "x.tmx")).units
    expected = [(r.id, clean_xml(r.source), clean_xml(r.target)) for r in iter_pairs(corpus)]
    assert [(u.getid(), u.source, u.target) for u in units] == expected
