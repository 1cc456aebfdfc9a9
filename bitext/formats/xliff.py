"""XLIFF 2.1 export and import of pairs for review in a CAT tool (OmegaT, memoQ, Trados, Okapi...).

Layout of an exported file::

    <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.1" srcLang="id" trgLang="en">
      <file id="f1" original="ARTICLE_ID">                     one <file> per article
        <mda:metadata><mda:metaGroup category="bitext">
          <mda:meta type="corpus_id">...</mda:meta>            the corpus exported (Store.corpus_id), if known
        <unit id="PAIR_ID" name="PAIR_ID">                     the pair id survives the round trip
          <mda:metadata>                                       XLIFF 2 Metadata module
            <mda:metaGroup category="bitext">
              <mda:meta type="review_id">12</mda:meta>          state marker: newest review id (0: none)
              <mda:meta type="target_sha256">...</mda:meta>     state marker: hash of the English exported
              <mda:meta type="status">edited</mda:meta>  (+ bead_type, align_score, kind)
          <notes>
            <note category="flag" priority="1">check (severity, score): reason</note>   fired flags
            <note category="comment">...</note>                reviewer comment, if any
            <note category="mqm" priority="3">accuracy/omission: major</note>   MQM errors of the decision
            <note category="reason">...</note>                 why a flagged pair was accepted unedited
          <segment id="s1" state="initial|translated|reviewed" subState="bitext:STATUS">
            <source>Indonesian</source> <target>English</target>

On import the segment's ``state`` is read back as a decision (:func:`_decision`): ``reviewed``/``final``
approve the target (accepted, or edited when it changed), ``subState="bitext:rejected"`` with state
``initial``/``translated`` rejects, ``initial``/``translated`` otherwise is pending; it is applied only
where it differs from the status at export (see :func:`bitext.review.importing.import_review`).

Unit ids must be XML NMTOKENs; a pair id that is not one (aligner ids such as ``art:0.1+0.2`` contain
``+``) gets the id ``x`` + hex of its UTF-8 bytes. ``name`` always holds the pair id as is, and import
reads ``name`` first.

The state markers live in the Metadata module, which XLIFF 2 modifiers must preserve. A unit whose markers
a tool dropped is treated like a file without markers: its edit is applied only if the pair is still
pending, otherwise reported as a conflict (never guessed). Text is exported as plain text
(no inline codes); on import a target with inline elements is reported, not flattened. On import the
``<source>`` must still be the pair's Indonesian and ``corpus_id`` this corpus's (see
:func:`bitext.review.importing.import_review`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from bitext.errors import BitextError
from bitext.formats.base import Importer, TextExporter, clean_xml, export_file
from bitext.model import ACCEPTED, EDITED, ERROR, INFO, PENDING, REJECTED, SEVERITY_RANK, WARNING
from bitext.records import ImportRecord, PairRecord
from bitext.review.state import text_hash
from bitext.review.workflow import FINAL, INITIAL, REVIEWED, TRANSLATED, xliff_state
from bitext.store import Store

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
MDA_NS = "urn:oasis:names:tc:xliff:metadata:2.0"
XLIFF_VERSION = "2.1"
_X = f"{{{XLIFF_NS}}}"
_M = f"{{{MDA_NS}}}"
_PRIORITY = {ERROR: "1", WARNING: "3", INFO: "5"}  # XLIFF note priority: 1 is the highest
_MQM_PRIORITY = {"critical": "1", "major": "3", "minor": "5"}
# XML NameChar, close enough: letters, digits, '_', '.', ':', '-', middle dot, combining marks.
_NMTOKEN = re.compile(r"[\w.:\-\u00b7\u0300-\u036f\u203f\u2040]+")
_HEX_ID = re.compile(r"x((?:[0-9a-f]{2})+)")

ET.register_namespace("", XLIFF_NS)
ET.register_namespace("mda", MDA_NS)


def unit_id(pair_id: str) -> str:
    """The XLIFF unit id of a pair: the pair id if it is an NMTOKEN, else ``x`` + hex of its UTF-8."""
    if _NMTOKEN.fullmatch(pair_id) and not _HEX_ID.fullmatch(pair_id):
        return pair_id
    return "x" + pair_id.encode("utf-8").hex()


def pair_id_of(unit: ET.Element) -> str:
    """The pair id of a unit: its ``name``, else its id (decoded if :func:`unit_id` encoded it)."""
    name = unit.get("name")
    if name:
        return name
    uid = unit.get("id", "")
    m = _HEX_ID.fullmatch(uid)
    if m:
        try:
            return bytes.fromhex(m.group(1)).decode("utf-8")
        except UnicodeDecodeError:
            pass
    return uid


class XliffExporter(TextExporter):
    """XLIFF 2.1 for CAT tools: one ``<file>`` per article, fired flags as notes, state markers as metadata."""

    name = "xliff"
    suffix = ".xlf"
    description = "XLIFF 2.1 for CAT tools (comes back with 'bitext import-review')"
    reasons = True  # the flag notes show each finding's reason

    def write_text(self, records: Iterable[PairRecord], fh: IO[str]) -> None:
        root = ET.Element(f"{_X}xliff", {"version": XLIFF_VERSION, "srcLang": "id", "trgLang": "en"})
        files: dict[str, ET.Element] = {}
        for rec in records:
            file_el = files.get(rec.doc_id)
            if file_el is None:
                file_el = ET.SubElement(root, f"{_X}file", {"id": f"f{len(files) + 1}", "original": rec.doc_id})
                files[rec.doc_id] = file_el
                if self.corpus_id:  # module elements come before the units
                    group = ET.SubElement(ET.SubElement(file_el, f"{_M}metadata"), f"{_M}metaGroup",
                                          {"category": "bitext"})
                    ET.SubElement(group, f"{_M}meta", {"type": "corpus_id"}).text = self.corpus_id
            _unit(file_el, rec)
        if not files:  # no pairs: XLIFF 2 wants a <file> holding a unit or a group, so an empty group
            file_el = ET.SubElement(root, f"{_X}file", {"id": "f1"})
            if self.corpus_id:
                group = ET.SubElement(ET.SubElement(file_el, f"{_M}metadata"), f"{_M}metaGroup", {"category": "bitext"})
                ET.SubElement(group, f"{_M}meta", {"type": "corpus_id"}).text = self.corpus_id
            ET.SubElement(file_el, f"{_X}group", {"id": "g1"})
        ET.indent(root, space="  ")
        fh.write("<?xml version='1.0' encoding='utf-8'?>\n")
        ET.ElementTree(root).write(fh, encoding="unicode")


def _unit(file_el: ET.Element, rec: PairRecord) -> None:
    unit = ET.SubElement(file_el, f"{_X}unit", {"id": unit_id(rec.id), "name": rec.id})
    meta = ET.SubElement(ET.SubElement(unit, f"{_M}metadata"), f"{_M}metaGroup", {"category": "bitext"})
    english = clean_xml(rec.target)
    for key, value in (
        ("review_id", str(rec.review_id or 0)),
        ("target_sha256", text_hash(english)),
        ("status", rec.review_status),
        ("kind", rec.kind),
        ("bead_type", rec.bead_type),
        ("align_score", "" if rec.align_score is None else f"{rec.align_score:.4f}"),
    ):
        ET.SubElement(meta, f"{_M}meta", {"type": key}).text = value
    # Worst first, then by name (the review queue's order).
    fired = sorted((f for f in rec.findings if f.fired),
                   key=lambda f: (SEVERITY_RANK.get(f.severity, SEVERITY_RANK[INFO]), f.name))
    if fired or rec.review_comment or rec.errors or rec.review_reason:
        notes = ET.SubElement(unit, f"{_X}notes")
        for f in fired:
            score = "" if f.score is None else f", score {f.score:.3g}"
            note = ET.SubElement(notes, f"{_X}note", {"category": "flag", "priority": _PRIORITY.get(f.severity, "5")})
            note.text = clean_xml(f"{f.name} ({f.severity}{score}): {f.reason or ''}".rstrip(": "))
        if rec.review_comment:
            ET.SubElement(notes, f"{_X}note", {"category": "comment"}).text = clean_xml(rec.review_comment)
        # The decision's MQM errors, one note each, and why a flagged pair was accepted unedited (read-only
        # notes: the importer reads targets and states, never notes).
        for category, severity in rec.errors:
            ET.SubElement(notes, f"{_X}note", {"category": "mqm", "priority": _MQM_PRIORITY.get(severity, "5")}
                          ).text = f"{category}: {severity}"
        if rec.review_reason:
            ET.SubElement(notes, f"{_X}note", {"category": "reason"}).text = clean_xml(rec.review_reason)
    state, sub_state = xliff_state(rec.review_status, english, rec.signed_off)  # the one rule (review.workflow)
    seg = ET.SubElement(
        unit,
        f"{_X}segment",
        {
            "id": "s1",
            "canResegment": "no",
            "state": state,
            "subState": sub_state,
        },
    )
    ET.SubElement(seg, f"{_X}source").text = clean_xml(rec.source)
    ET.SubElement(seg, f"{_X}target").text = english


def export_xliff(
    store: Store,
    path: str | Path,
    only_clean: bool = False,
    min_score: float | None = None,
    exclude_flags: Iterable[str] = (),
) -> int:
    """Write pairs (corpus order) to an XLIFF 2.1 file at ``path``; returns the number of units.

    The records are the read model's (:func:`bitext.records.iter_pairs`), so XLIFF carries the same
    English as TMX/TSV/JSONL; the filters are those of :class:`bitext.records.PairFilter`. The file is
    written atomically; an unwritable ``path`` raises :class:`BitextError` (exit code 2).
    """
    return export_file(store, XliffExporter(), path, only_clean=only_clean, min_score=min_score,
                       exclude_flags=exclude_flags)


class XliffImporter(Importer):
    """Reads the target of every unit back, with the state markers the export wrote."""

    name = "xliff"
    suffixes = (".xlf", ".xliff", ".xml")

    def read(self, path: Path) -> list[ImportRecord]:
        return read_xliff(path)


def _primary(tag: str | None) -> str:
    return (tag or "").replace("_", "-").split("-")[0].lower()


def read_xliff(path: str | Path) -> list[ImportRecord]:
    """Read the units of an XLIFF 2.x file as :class:`~bitext.records.ImportRecord` (one per unit)."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        line, col = e.position
        raise BitextError(f"{path}:{line}:{col}: not well-formed XML ({e})") from e
    except OSError as e:
        raise BitextError(f"{path}: cannot read: {e.strerror}", exit_code=2) from e
    if root.tag != f"{_X}xliff":
        raise BitextError(f"{path}: not an XLIFF 2 file (root element {root.tag!r}; expected <xliff> in {XLIFF_NS})")
    # A tool may write regional tags (id-ID, en-US): compare the primary language only.
    if _primary(root.get("srcLang")) != "id" or _primary(root.get("trgLang")) != "en":
        raise BitextError(f"{path}: languages are {root.get('srcLang')}->{root.get('trgLang')}; expected id->en")

    records: list[ImportRecord] = []
    for file_el in root.iter(f"{_X}file"):
        corpus = next((m.text.strip() for m in file_el.findall(f"{_M}metadata/{_M}metaGroup/{_M}meta")
                       if m.get("type") == "corpus_id" and m.text and m.text.strip()), None)
        for unit in file_el.iter(f"{_X}unit"):
            records.append(_read_unit(unit, path, corpus))
    return records


def _read_unit(unit: ET.Element, path: Path, corpus: str | None) -> ImportRecord:
    """One unit as an :class:`ImportRecord`, ``problem`` set when it cannot be imported."""
    pair_id = pair_id_of(unit)
    rec = ImportRecord(where=f"{path}: unit {unit.get('id', '')!r}", pair_id=pair_id, new_target=None,
                       corpus_id=corpus)
    if not pair_id:
        rec.problem = "unit without id"
        return rec
    for meta in unit.iter(f"{_M}meta"):
        value = (meta.text or "").strip()
        if meta.get("type") == "review_id":
            if not value.isdigit():
                rec.problem = f"review_id marker {value!r} is not a number"
                return rec
            rec.base_review_id = int(value)
        elif meta.get("type") == "target_sha256":
            rec.base_hash = value
    parts: list[str] = []
    sources: list[str] = []
    segments = unit.findall(f"{_X}segment")
    if segments:
        rec.status, rec.problem = _decision(segments[0].get("state"), segments[0].get("subState"))
        if rec.problem:
            return rec
    for seg in segments:
        source = seg.find(f"{_X}source")
        if source is not None:
            sources.append("".join(source.itertext()))
        target = seg.find(f"{_X}target")
        if target is None:
            continue
        if len(target):
            rec.problem = "target has inline markup (<{}>); only plain text can be imported".format(
                target[0].tag.rsplit("}", 1)[-1]
            )
            return rec
        parts.append(target.text or "")
    if sources:
        rec.source = " ".join(sources)
    if parts:
        rec.new_target = " ".join(parts)
    return rec


def _decision(state: str | None, sub_state: str | None) -> tuple[str | None, str | None]:
    """(decision, problem) a segment's ``state``/``subState`` state, the inverse of :func:`xliff_state`.

    ``state`` is what every CAT tool sets, so it decides: ``reviewed``/``final`` is an approval
    (accepted, or edited when the target changed), whatever a tool that did not update ``subState`` left
    there; ``initial``/``translated`` with ``subState="bitext:rejected"`` is a rejection, with no subState
    or ``bitext:pending`` it is pending. ``initial``/``translated`` still marked ``bitext:accepted`` or
    ``bitext:edited`` contradict each other and are reported, not guessed; another namespace's subState
    (a tool's own) is ignored. No ``state``: the file says nothing.
    """
    if state is None:
        return None, None
    if state in (REVIEWED, FINAL):
        return ACCEPTED, None
    if state not in (INITIAL, TRANSLATED):
        return None, f"state {state!r} is not an XLIFF 2 state ({', '.join((INITIAL, TRANSLATED, REVIEWED, FINAL))})"
    sub = (sub_state or "").strip()
    if sub == f"bitext:{REJECTED}":
        return REJECTED, None
    if sub in (f"bitext:{ACCEPTED}", f"bitext:{EDITED}"):
        return None, (f"state {state!r} contradicts subState {sub!r}; set subState to 'bitext:pending' (or remove "
                      "it) to reopen the pair, or state to 'reviewed' to approve it")
    return PENDING, None
