"""Moses: two line-aligned plain-text files, ``PREFIX.id`` and ``PREFIX.en`` (MT training tools)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from bitext.fileio import atomic_writer
from bitext.formats.base import Exporter
from bitext.records import PairRecord

# Everything str.splitlines() treats as a line break, so a Moses line is one segment for
# any reader (CR, LS, PS and NEL included), plus FF/VT which some tools also split on.
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """Replace every line break in a segment by a space (Moses files are line-aligned)."""
    return _LINE_BREAKS.sub(" ", text)


class MosesExporter(Exporter):
    """``OUT.id`` and ``OUT.en``, one segment per line; line breaks inside segments become spaces."""

    name = "moses"
    suffix = ""
    description = "Moses plain text: OUT.id and OUT.en, line-aligned (OUT.gz: OUT.id.gz and OUT.en.gz)"
    training = True
    findings = False  # flags, scores and needs_review only

    def paths(self, out: Path) -> list[Path]:
        gz = out.name.lower().endswith(".gz")
        base = out.name[:-3] if gz else out.name
        return [out.with_name(f"{base}.{lang}" + (".gz" if gz else "")) for lang in ("id", "en")]

    def write(self, records: Iterable[PairRecord], out: Path) -> list[Path]:
        paths = self.paths(out)
        opts = {"force": self.force, "parents": self.parents}
        with atomic_writer(paths[1], **opts) as en, atomic_writer(paths[0], **opts) as src:
            for rec in records:
                src.write(one_line(rec.source) + "\n")
                en.write(one_line(rec.target) + "\n")
        return paths
