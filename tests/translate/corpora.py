"""Helpers of the translate tests: synthetic sentences, stores of them, the CLI in a subprocess."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from bitext.store import Store
from tests.factories import CorpusBuilder

ROOT = Path(__file__).resolve().parents[2]


def synthetic_sentences(n: int) -> list[str]:
    """n distinct Indonesian-looking sentences of varying length (deterministic)."""
    subj = ["Pemerintah daerah", "Polisi", "Para siswa", "Bank Indonesia", "Menteri Keuangan", "Warga desa",
            "Tim nasional", "Wakil Gubernur"]
    verb = ["membangun", "menangkap", "mengikuti", "mempertahankan", "mengatakan", "mengajak", "meresmikan"]
    obj = ["rumah sakit baru", "tiga orang tersangka", "ujian nasional", "suku bunga acuan", "jalan tol",
           "festival budaya", "harga beras"]
    place = ["di Jakarta", "di Maluku", "di Jawa Tengah pada hari Senin", "di sekolah", "di pasar tradisional"]
    out = []
    i = 0
    while len(out) < n:
        s, v, o, p = subj[i % 8], verb[(i // 8) % 7], obj[(i // 56) % 7], place[(i // 392 + i) % 5]
        out.append(f"{s} {v} {o} {p}" + (", kata dia." if i % 3 else "."))
        i += 1
    return out


def make_store(folder: Path, sentences: list[str], articles: int = 3) -> Store:
    """A store with the given sentences spread over a few articles (what the segment stage writes)."""
    corpus = CorpusBuilder(folder)
    per = -(-len(sentences) // articles)
    for a in range(articles):
        corpus.article(f"art{a}", sentences[a * per : (a + 1) * per])
    return corpus.store


def cli(*args: str) -> list[str]:
    """Command line of the bitext CLI in a subprocess."""
    return [sys.executable, "-m", "bitext", *args]


def cli_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **extra}


def parse_counts(line: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
