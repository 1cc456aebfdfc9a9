"""A corpus made from the shared Tatoeba id-en pairs (and FLORES-200 devtest with ``--flores``), to look at
the corpus lexicon with ``bitext lexicon``: each Indonesian sentence is written as an article sentence, its
English as its translation and as an aligned reference pair (no model needed), then the lexicon is built.

    python scripts/demo_lexicon.py /tmp/tatoeba-corpus            # build the store and its lexicon
    bitext lexicon /tmp/tatoeba-corpus                            # signature and sizes
    bitext lexicon /tmp/tatoeba-corpus rumah                      # a word's translations, both ways
    bitext lexicon /tmp/tatoeba-corpus SMA                        # an abbreviation's English
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bitext.lexicon import build_lexicon  # noqa: E402
from bitext.store import Store  # noqa: E402
from bitext.testing import write_sentence_pairs  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def read_pairs(sub: str) -> list[tuple[str, str]]:
    ids = (SHARED / f"{sub}.id").read_text(encoding="utf-8").splitlines()
    ens = (SHARED / f"{sub}.en").read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys((s.strip(), t.strip()) for s, t in zip(ids, ens, strict=True) if s.strip() and t.strip()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path, help="a new corpus folder")
    ap.add_argument("--flores", action="store_true", help="add the FLORES-200 devtest pairs too")
    args = ap.parse_args(argv)
    if (args.corpus / "bitext.sqlite").exists():
        print(f"{args.corpus}: already holds a corpus; give a new folder", file=sys.stderr)
        return 2
    pairs = read_pairs("tatoeba-id-en/test")
    if args.flores:
        pairs += read_pairs("flores200-devtest/devtest")
    seen: set[str] = set()
    pairs = [p for p in pairs if not (p[0] in seen or seen.add(p[0]))]  # one translation per source text
    with Store.open(args.corpus) as store:
        write_sentence_pairs(store, pairs, per_article=20, references=True)
        report = build_lexicon(store, quiet=True)
    print(f"{args.corpus}: {len(pairs)} pairs as translations and references; lexicon {report.status} in "
          f"{report.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
