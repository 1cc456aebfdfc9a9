"""TMX 1.4b: one ``tu`` per pair (tuid = pair id), the pair's metadata as ``x-`` props.

``x-needs-review`` is the state after review (:func:`bitext.formats.rows.needs_review_after`, as the
``needs_review`` of TSV, JSONL and the dataset); ``x-needs-review-before-review`` the flags' verdict alone.
The file validates against the TMX 1.4 DTD (``tests/formats/data/tmx14.dtd``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from bitext.formats.base import TextExporter, clean_xml, tool_version
from bitext.formats.rows import needs_review_after
from bitext.records import PairRecord

_LANG_ATTR = "{http://www.w3.org/XML/1998/namespace}lang"


def _xml_text(text: str) -> str:
    # CR must be a character reference: parsers normalise a literal CR to LF.
    return escape(clean_xml(text), {"\r": "&#13;"})


def _xml_attr(text: str) -> str:
    return quoteattr(clean_xml(text))  # also turns TAB/LF/CR into references


class TmxExporter(TextExporter):
    """TMX 1.4b for translation-memory tools; flags, scores and review state as ``x-`` props."""

    name = "tmx"
    suffix = ".tmx"
    description = "TMX 1.4b translation memory"
    training = True
    findings = False  # flags, scores and needs_review only

    def write_text(self, records: Iterable[PairRecord], fh: IO[str]) -> None:
        header = {
            "creationtool": "bitext",
            "creationtoolversion": tool_version(),
            "datatype": "plaintext",
            "segtype": "sentence",
            "adminlang": "en",
            "srclang": "id",
            "o-tmf": "bitext",
        }
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n')
        fh.write("  <header " + " ".join(f"{k}={_xml_attr(v)}" for k, v in header.items()) + "/>\n  <body>\n")
        for rec in records:
            fh.write(_tu(rec))
        fh.write("  </body>\n</tmx>\n")


def _tu(rec: PairRecord) -> str:
    props: list[tuple[str, str]] = [("x-doc-id", rec.doc_id), ("x-kind", rec.kind), ("x-bead-type", rec.bead_type)]
    if rec.align_score is not None:
        props.append(("x-align-score", repr(rec.align_score)))
    if rec.flags:
        props.append(("x-flags", ",".join(rec.flags)))
    props += [(f"x-score-{name}", repr(v)) for name, v in rec.scores.items() if v is not None]
    # The one meaning of needs_review in every format: after review (as TSV, JSONL and the dataset).
    props.append(("x-needs-review", "true" if needs_review_after(rec) else "false"))
    props.append(("x-needs-review-before-review", "true" if rec.needs_review else "false"))
    props.append(("x-review-status", rec.review_status))
    parts = [f"    <tu tuid={_xml_attr(rec.id)}>\n"]
    parts += [f"      <prop type={_xml_attr(t)}>{_xml_text(v)}</prop>\n" for t, v in props]
    parts += [
        f'      <tuv xml:lang="{lang}"><seg>{_xml_text(text)}</seg></tuv>\n'
        for lang, text in (("id", rec.source), ("en", rec.target))
    ]
    parts.append("    </tu>\n")
    return "".join(parts)


def read_tmx(path: str | Path) -> list[dict[str, object]]:
    """Parse a TMX file back into ``{'tuid', 'props', 'id', 'en'}`` dicts (for tests and checks)."""
    out = []
    for tu in ET.parse(path).getroot().iter("tu"):
        item: dict[str, object] = {
            "tuid": tu.get("tuid"),
            "props": {p.get("type"): p.text or "" for p in tu.findall("prop")},
        }
        for tuv in tu.findall("tuv"):
            seg = tuv.find("seg")
            item[tuv.get(_LANG_ATTR) or ""] = "" if seg is None else "".join(seg.itertext())
        out.append(item)
    return out
