"""The translate stage: Indonesian sentences -> English machine translations, cached in the store.

Python API (the CLI in ``bitext/cli/translate.py`` is a thin layer over it)::

    translate_corpus(store, model=..., backend="auto", beams=None, ...) -> counts
    translate_texts(["Selamat pagi."], beams=1) -> [Translation(...)]
    merge_stores(target, [source, ...]) -> counts

How it works:

* The model is resolved (:func:`bitext.backends.resolve_model`) and its own GenerationConfig
  gives the defaults (opus-mt-id-en: 6 beams, max_length 512); options override them.
* Translations are cached in ``translations`` under ``translation_key(signature, source)``.
  The *signature* is a readable string naming the model weights, the backend and every setting
  that changes the output, e.g.
  ``model:Helsinki-NLP/opus-mt-id-en@<commit>|backend:ctranslate2-int8|beams:6|lp:1|min_new:0|max_new:511|split:clause-v1/512``.
  It is stored in meta ``translate.signature`` (details in ``translate.settings``).
* Work streams from the store: a few thousand distinct pending sources at a time, sorted by
  token length, cut into batches by a token budget; every batch is committed in its own
  transaction, so a killed run resumes where it stopped and a repeated sentence (boilerplate)
  is translated once.
* A source longer than the model's maximum input is split at clause boundaries (``; :``, then
  ``,``, then before conjunctions, then between words, then by tokens), the pieces translated
  and joined with a space (``source_split=1``). An output stopped by the length limit, not by
  ``</s>``, gets ``hit_max_length=1``.
* ``logprob`` is the mean natural-log probability per generated token, ``</s>`` included when
  emitted (see :mod:`bitext.backends`); for a split source, the token-weighted mean over pieces.
  ``n_tokens`` counts output tokens without ``</s>``; ``n_unk`` counts ``<unk>`` in the tokenised source.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bitext.backends import (
    CT2Backend,
    GenOptions,
    ModelRef,
    Output,
    TransformersBackend,
    ct2_available,
    cuda_available,
    load_tokenizer,
    resolve_model,
)
from bitext.errors import BitextError, EnvironmentProblem
from bitext.store import Store, translation_key, utcnow

log = logging.getLogger("bitext.translate")

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-id-en"
BACKENDS = ("auto", "transformers", "ctranslate2")
SPLIT_POLICY = "clause-v1"  # bump when split_for_model changes what it produces
CHUNK_SOURCES = 4000  # distinct pending sources held in memory at a time
_PAGE = 2000  # sentence rows read per query


@dataclass(frozen=True)
class Translation:
    """One machine translation, as stored in the ``translations`` table."""

    source: str
    text: str
    logprob: float
    n_tokens: int
    n_unk: int
    hit_max_length: bool
    source_split: bool


# -- sharding ------------------------------------------------------------------------


def parse_shard(spec: str) -> tuple[int, int]:
    """Parse ``I/N`` (0 <= I < N) as given to ``--shard``."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", spec)
    if not m or not 0 <= int(m.group(1)) < int(m.group(2)):
        raise BitextError(f"--shard {spec!r}: expected I/N with 0 <= I < N, e.g. 0/4", 2)
    return int(m.group(1)), int(m.group(2))


def shard_of(text: str, n: int) -> int:
    """The shard (0..n-1) a source text belongs to: a hash of the text, the same on every machine."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % n


# -- splitting long sources ----------------------------------------------------------

_CONJUNCTIONS = (
    "dan|atau|tetapi|tapi|namun|sedangkan|serta|sehingga|karena|sebab|bahwa|yang|ketika|saat|"
    "meskipun|walaupun|agar|supaya|lalu|kemudian|hingga|sementara|jika|apabila|bila|maka"
)
_SPLIT_LEVELS = (
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(rf"\s+(?=(?:{_CONJUNCTIONS})\b)", re.IGNORECASE),
    re.compile(r"\s+"),
)


def split_for_model(
    text: str, fits: Callable[[str], bool], hard_split: Callable[[str], list[str]], level: int = 0
) -> list[str]:
    """Split ``text`` into consecutive pieces that each ``fits`` the model's input.

    Tries clause boundaries first (after ``;``/``:``, after ``,``, before a conjunction), then
    word boundaries, then ``hard_split`` (by tokens); consecutive units are packed greedily.
    The pieces joined with single spaces give ``text`` up to whitespace.
    """
    if fits(text):
        return [text]
    for lvl in range(level, len(_SPLIT_LEVELS)):
        units = [u for u in _SPLIT_LEVELS[lvl].split(text.strip()) if u]
        if len(units) < 2:
            continue
        pieces: list[str] = []
        cur = ""
        for unit in units:
            cand = f"{cur} {unit}" if cur else unit
            if fits(cand):
                cur = cand
                continue
            if cur:
                pieces.append(cur)
            if fits(unit):
                cur = unit
            else:
                pieces.extend(split_for_model(unit, fits, hard_split, lvl + 1))
                cur = ""
        if cur:
            pieces.append(cur)
        return pieces
    return hard_split(text)


# -- the engine ----------------------------------------------------------------------


@dataclass
class _Job:
    source: str
    n_unk: int
    segments: list[list[int]]
    outputs: list[Output | None] = field(default_factory=list)
    remaining: int = 0


class Engine:
    """A loaded model + backend + generation settings; translates lists of texts in batches.

    Build with :func:`load_engine`. ``signature`` and ``settings`` describe exactly how its
    translations are made.
    """

    def __init__(
        self,
        ref: ModelRef,
        tokenizer: Any,
        backend: TransformersBackend | CT2Backend,
        opts: GenOptions,
        batch_tokens: int,
        max_input_tokens: int,
    ) -> None:
        self.ref = ref
        self.tokenizer = tokenizer
        self.backend = backend
        self.opts = opts
        self.batch_tokens = batch_tokens
        self.max_input_tokens = max_input_tokens
        self.unk_id = tokenizer.unk_token_id
        self.batches_run = 0  # generate() calls: lets tests see that cached work is not redone
        self.signature = (
            f"model:{ref.fingerprint}|backend:{backend.name}-{backend.compute_type}|beams:{opts.beams}"
            f"|lp:{opts.length_penalty:g}|min_new:{opts.min_new_tokens}|max_new:{opts.max_new_tokens}"
            f"|split:{SPLIT_POLICY}/{max_input_tokens}"
        )
        self.settings: dict[str, Any] = {
            # A local folder is named by its last component only: its full path (a home
            # directory, a user name) would otherwise travel into published dataset cards.
            "model": ref.name if ref.revision else Path(ref.name).name,
            "fingerprint": ref.fingerprint,
            "revision": ref.revision,
            "backend": backend.name,
            "compute_type": backend.compute_type,
            "device": backend.device,
            **asdict(opts),
            "max_input_tokens": max_input_tokens,
            "split_policy": SPLIT_POLICY,
            "batch_tokens": batch_tokens,
            # MarianTokenizer normalises punctuation only when sacremoses is installed.
            "punct_normalizer": "sacremoses" if importlib.util.find_spec("sacremoses") else "none",
            "logprob": "mean log p per generated token, </s> included when emitted, <pad> excluded",
        }

    # -- preparing sources --

    def _fits(self, text: str) -> bool:
        return len(self.tokenizer(text)["input_ids"]) <= self.max_input_tokens

    def _hard_split(self, text: str) -> list[str]:
        pieces = self.tokenizer.tokenize(text)
        step = max(1, (self.max_input_tokens - 1) // 2)  # slack: re-tokenising may merge differently
        out = []
        for i in range(0, len(pieces), step):
            chunk = "".join(pieces[i : i + step]).replace("\u2581", " ").strip()
            if chunk:
                out.append(chunk)
        return out

    def _prepare(self, texts: Sequence[str]) -> list[_Job]:
        jobs = []
        for text, ids in zip(texts, self.tokenizer(list(texts))["input_ids"], strict=True):
            n_unk = sum(1 for i in ids if i == self.unk_id)
            if len(ids) <= self.max_input_tokens:
                segments = [ids]
            else:
                pieces = split_for_model(text, self._fits, self._hard_split)
                segments = [self.tokenizer(p)["input_ids"] for p in pieces]
                # Last resort for pathological input: never let the model truncate silently.
                segments = [s[: self.max_input_tokens - 1] + s[-1:] if len(s) > self.max_input_tokens else s
                            for s in segments]
            jobs.append(_Job(text, n_unk, segments, [None] * len(segments), len(segments)))
        return jobs

    def _batches(self, jobs: list[_Job]) -> Iterator[list[tuple[int, int]]]:
        """(job, segment) index pairs, longest first, cut so that rows x longest <= batch_tokens."""
        order = sorted(
            ((j, s) for j, job in enumerate(jobs) for s in range(len(job.segments))),
            key=lambda js: -len(jobs[js[0]].segments[js[1]]),
        )
        batch: list[tuple[int, int]] = []
        width = 0
        for j, s in order:
            n = len(jobs[j].segments[s])
            width_after = max(width, n)
            if batch and width_after * (len(batch) + 1) > self.batch_tokens:
                yield batch
                batch, width_after = [], n
            batch.append((j, s))
            width = width_after
        if batch:
            yield batch

    # -- translating --

    def iter_translate(self, texts: Sequence[str]) -> Iterator[list[Translation]]:
        """Translate distinct ``texts``; after each batch, yield the translations it completed.

        Batches are sorted by length, so the order of completion is not the input order.
        """
        jobs = self._prepare(texts)
        for batch in self._batches(jobs):
            outputs = self.backend.generate([jobs[j].segments[s] for j, s in batch], self.opts)
            self.batches_run += 1
            done = []
            for (j, s), out in zip(batch, outputs, strict=True):
                job = jobs[j]
                job.outputs[s] = out
                job.remaining -= 1
                if job.remaining == 0:
                    done.append(self._finish(job))
                    job.segments = []  # free memory early
            yield done

    def _finish(self, job: _Job) -> Translation:
        outs = [o for o in job.outputs if o is not None]
        texts = self.tokenizer.batch_decode([o.ids for o in outs], skip_special_tokens=True)
        # Each output's mean is over its scored tokens (+1 for </s> when emitted).
        scored = [len(o.ids) + (0 if o.hit_max_length else 1) for o in outs]
        logprob = sum(o.logprob * n for o, n in zip(outs, scored, strict=True)) / max(1, sum(scored))
        return Translation(
            source=job.source,
            text=" ".join(t.strip() for t in texts if t.strip()),
            logprob=logprob,
            n_tokens=sum(len(o.ids) for o in outs),
            n_unk=job.n_unk,
            hit_max_length=any(o.hit_max_length for o in outs),
            source_split=len(outs) > 1,
        )

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        """Translate ``texts`` (duplicates translated once) and return results in input order."""
        distinct = list(dict.fromkeys(texts))
        by_source: dict[str, Translation] = {}
        for done in self.iter_translate(distinct):
            for t in done:
                by_source[t.source] = t
        return [by_source[t] for t in texts]


def _default_batch_tokens(device: str, beams: int, backend: str = "transformers") -> int:
    if device == "cuda":
        import torch

        gib = torch.cuda.get_device_properties(0).total_memory / 2**30
        # ~400 source tokens per GiB at one beam leaves room for the decoder states.
        return int(min(65536, max(4096, gib * 400)) // max(1, beams))
    # CPU: big enough for efficient matrix products, small enough to commit often. CTranslate2
    # keeps its memory flat and gains from bigger batches (beam 4, 64 FLORES sentences: 10.5
    # sent/s at 2048 tokens, 12.0 at 8192); the transformers backend peaks near 2048.
    base = 8192 if backend == "ctranslate2" else 4096
    return max(512, base // max(1, beams // 2))


def load_engine(
    model: str = DEFAULT_MODEL,
    *,
    revision: str | None = None,
    backend: str = "auto",
    beams: int | None = None,
    max_new_tokens: int | None = None,
    min_new_tokens: int | None = None,
    length_penalty: float | None = None,
    batch_tokens: int | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    threads: int | None = None,
) -> Engine:
    """Load ``model`` with ``backend`` ('auto' = CTranslate2 if it is importable and the model
    converts, else Transformers) and resolve the generation settings (model defaults + overrides)."""
    if backend not in BACKENDS:
        raise BitextError(f"--backend {backend}: expected one of {', '.join(BACKENDS)}", 2)
    for name, value in (("--beams", beams), ("--max-new-tokens", max_new_tokens), ("--batch-tokens", batch_tokens)):
        if value is not None and value < 1:
            raise BitextError(f"{name} {value}: must be at least 1", 2)
    if device is None:
        device = "cuda" if cuda_available() else "cpu"
    elif device not in ("cpu", "cuda"):
        raise BitextError(f"--device {device}: expected cpu or cuda", 2)
    elif device == "cuda" and not cuda_available():
        raise EnvironmentProblem("--device cuda: no CUDA device is available (torch.cuda.is_available() is False)")

    ref = resolve_model(model, revision)
    from transformers import AutoConfig, GenerationConfig

    config = AutoConfig.from_pretrained(ref.path)
    if (ref.path / "generation_config.json").is_file():
        gen = GenerationConfig.from_pretrained(ref.path)
    else:
        gen = GenerationConfig.from_model_config(config)
    tokenizer = load_tokenizer(ref.path)

    max_pos = getattr(config, "max_position_embeddings", None) or 512
    max_in = max_pos
    if isinstance(tokenizer.model_max_length, int) and tokenizer.model_max_length < 10**6:
        max_in = min(max_in, tokenizer.model_max_length)
    if max_new_tokens is None:
        # max_length counts the decoder start token.
        max_new_tokens = gen.max_new_tokens or ((gen.max_length - 1) if gen.max_length else max_pos - 1)
    max_new_tokens = min(max_new_tokens, max_pos - 1)  # the decoder has no positions beyond
    opts = GenOptions(
        beams=beams or gen.num_beams or 1,
        max_new_tokens=max_new_tokens,
        min_new_tokens=min(min_new_tokens or 0, max_new_tokens),
        length_penalty=float(length_penalty if length_penalty is not None else (gen.length_penalty or 1.0)),
    )

    chosen: TransformersBackend | CT2Backend | None = None
    if backend in ("auto", "ctranslate2"):
        if not ct2_available():
            if backend == "ctranslate2":
                raise EnvironmentProblem("--backend ctranslate2: the ctranslate2 package is not installed")
        else:
            try:
                chosen = CT2Backend(ref, tokenizer, device, compute_type, threads)
            except BitextError as e:
                if backend == "ctranslate2":
                    raise
                log.warning("bitext: %s; using transformers", e)
            except Exception as e:  # conversion of an unsupported architecture, ...
                if backend == "ctranslate2":
                    raise EnvironmentProblem(f"{model}: cannot convert to CTranslate2: {e}") from None
                log.warning("bitext: %s: CTranslate2 conversion failed (%s); using transformers", model, e)
    if chosen is None:
        chosen = TransformersBackend(ref, device, compute_type if backend == "transformers" else None, threads)
    return Engine(ref, tokenizer, chosen, opts, batch_tokens or _default_batch_tokens(device, opts.beams, chosen.name), max_in)


_ENGINE_CACHE: dict[str, Engine] = {}


def translate_texts(texts: list[str], **options: Any) -> list[Translation]:
    """Translate a list of texts without a store (for notebooks); results in input order.

    Takes the options of :func:`load_engine`; the last engine is kept, so repeated calls with
    the same options do not reload the model.
    """
    options.pop("quiet", None)
    options.pop("shard", None)
    key = json.dumps(options, sort_keys=True, default=str)
    engine = _ENGINE_CACHE.get(key)
    if engine is None:
        _ENGINE_CACHE.clear()
        engine = _ENGINE_CACHE[key] = load_engine(**options)
    return engine.translate(texts)


# -- the corpus stage ----------------------------------------------------------------

_INSERT = (
    "INSERT OR IGNORE INTO translations(key, signature, source, text, logprob, n_tokens, n_unk,"
    " hit_max_length, source_split, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
_COLUMNS = "key, signature, source, text, logprob, n_tokens, n_unk, hit_max_length, source_split, created_at"


def translate_corpus(
    store: Store,
    *,
    model: str = DEFAULT_MODEL,
    revision: str | None = None,
    backend: str = "auto",
    beams: int | None = None,
    max_new_tokens: int | None = None,
    batch_tokens: int | None = None,
    device: str | None = None,
    shard: tuple[int, int] | None = None,
    quiet: bool = False,
    engine: Engine | None = None,
    **options: Any,
) -> dict[str, int]:
    """Translate every sentence of ``store`` that has no translation under the current signature.

    Returns counts: ``sentences`` (in this shard), ``distinct`` sources, ``cached`` (already
    translated before this run), ``translated`` (now), ``source_split`` and ``hit_max_length``
    (among those translated now). ``engine`` reuses a loaded :class:`Engine` (its options win);
    extra ``options`` (min_new_tokens, length_penalty, compute_type, threads) go to :func:`load_engine`.
    """
    if shard is not None and not (0 <= shard[0] < shard[1]):
        raise BitextError(f"--shard {shard[0]}/{shard[1]}: expected I/N with 0 <= I < N", 2)
    if engine is None:
        engine = load_engine(
            model,
            revision=revision,
            backend=backend,
            beams=beams,
            max_new_tokens=max_new_tokens,
            batch_tokens=batch_tokens,
            device=device,
            **options,
        )
    sig = engine.signature
    store.set_meta("translate.signature", sig)
    store.set_meta_json("translate.settings", {**engine.settings, "shard": list(shard) if shard else None})

    conn = store.conn
    conn.create_function("bitext_tkey", 1, lambda text: translation_key(sig, text), deterministic=True)
    where = "1"
    if shard is not None:
        i, n = shard
        conn.create_function("bitext_shard", 1, lambda text: shard_of(text, n), deterministic=True)
        where = f"bitext_shard(text) = {int(i)}"
    missing = "NOT EXISTS (SELECT 1 FROM translations t WHERE t.key = bitext_tkey(s.text))"

    n_sentences = conn.execute(f"SELECT COUNT(*) FROM sentences WHERE {where}").fetchone()[0]
    n_distinct = conn.execute(f"SELECT COUNT(DISTINCT text) FROM sentences WHERE {where}").fetchone()[0]
    n_pending = conn.execute(
        f"SELECT COUNT(*) FROM (SELECT DISTINCT text FROM sentences WHERE {where}) s WHERE {missing}"
    ).fetchone()[0]
    counts = {
        "sentences": n_sentences,
        "distinct": n_distinct,
        "cached": n_distinct - n_pending,
        "translated": 0,
        "source_split": 0,
        "hit_max_length": 0,
    }
    from tqdm import tqdm

    bar = tqdm(total=n_pending, unit="sent", desc="translate", disable=quiet or n_pending == 0, file=sys.stderr,
               dynamic_ncols=True)
    try:
        for chunk in _pending_chunks(conn, where, missing):
            for done in engine.iter_translate(chunk):
                now = utcnow()
                with store.tx() as c:
                    c.executemany(
                        _INSERT,
                        [
                            (translation_key(sig, t.source), sig, t.source, t.text, t.logprob, t.n_tokens,
                             t.n_unk, int(t.hit_max_length), int(t.source_split), now)
                            for t in done
                        ],
                    )
                counts["translated"] += len(done)
                counts["source_split"] += sum(t.source_split for t in done)
                counts["hit_max_length"] += sum(t.hit_max_length for t in done)
                bar.update(len(done))
    finally:
        bar.close()
    return counts


def _pending_chunks(conn: Any, where: str, missing: str) -> Iterator[list[str]]:
    """Distinct untranslated sources, up to CHUNK_SOURCES at a time, reading the store by rowid pages.

    Each page is queried after the previous chunk is committed, so a text translated in an
    earlier chunk is not pending any more when it occurs again later.
    """
    last = 0
    exhausted = False
    while not exhausted:
        chunk: dict[str, None] = {}
        while len(chunk) < CHUNK_SOURCES:
            rows = conn.execute(
                f"SELECT s.rowid, s.text FROM sentences s WHERE s.rowid > ? AND {where} AND {missing}"
                " ORDER BY s.rowid LIMIT ?",
                (last, _PAGE),
            ).fetchall()
            for rowid, text in rows:
                chunk.setdefault(text)
                last = rowid
            if len(rows) < _PAGE:
                exhausted = True
                break
        if chunk:
            yield list(chunk)


# -- merging shards ------------------------------------------------------------------


def _articles_digest(store: Store) -> tuple[int, str, dict[str, str]]:
    rows = store.conn.execute("SELECT id, content_hash FROM articles ORDER BY id").fetchall()
    h = hashlib.sha256()
    for r in rows:
        h.update(f"{r[0]}\0{r[1]}\n".encode())
    return len(rows), h.hexdigest(), {r[0]: r[1] for r in rows} if len(rows) <= 200_000 else {}


def merge_stores(target: Store | str | Path, sources: Iterable[Store | str | Path]) -> dict[str, int]:
    """Copy the translations of ``sources`` (e.g. the stores of ``--shard I/N`` runs) into ``target``.

    Every store must hold the same articles (ids and content hashes) and the same
    ``translate.signature`` (a target without one adopts the sources'). Rows of the current
    signature are copied with INSERT OR IGNORE, so merging twice changes nothing.
    Returns counts: ``sources``, ``copied`` (new rows), ``skipped`` (rows already in target).
    """
    opened: list[Store] = []  # stores opened here from paths, closed at the end

    def as_store(s: Store | str | Path) -> Store:
        if isinstance(s, Store):
            return s
        opened.append(Store.open(s, create=False))
        return opened[-1]

    try:
        tgt = as_store(target)
        srcs = [as_store(s) for s in sources]
        if not srcs:
            raise BitextError("merge: no source corpus given", 2)
        return _merge(tgt, srcs)
    finally:
        for st in opened:
            st.close()


def _merge(tgt: Store, srcs: list[Store]) -> dict[str, int]:
    t_n, t_digest, t_map = _articles_digest(tgt)
    sig = tgt.get_meta("translate.signature")
    # Check every source before copying anything: a refused merge changes nothing.
    for src in srcs:
        if src.path.resolve() == tgt.path.resolve():
            raise BitextError(f"merge: {src.path} is the target itself", 2)
        s_n, s_digest, s_map = _articles_digest(src)
        if s_digest != t_digest:
            only_t = sorted(set(t_map) - set(s_map))
            only_s = sorted(set(s_map) - set(t_map))
            changed = sorted(k for k in set(t_map) & set(s_map) if t_map[k] != s_map[k])
            example = (only_t or only_s or changed or ["?"])[0]
            raise BitextError(
                f"merge: {src.path} does not hold the same articles as {tgt.path} ({s_n} vs {t_n} articles;"
                f" {len(only_t)} only in target, {len(only_s)} only in source, {len(changed)} with other"
                f" content, e.g. {example!r}): shards must be made from copies of one segmented corpus"
            )
        s_sig = src.get_meta("translate.signature")
        if s_sig is None:
            raise BitextError(f"merge: {src.path} has no translations (no translate.signature)")
        if sig is None:
            sig = s_sig  # an untranslated target adopts the sources' signature
        elif s_sig != sig:
            raise BitextError(
                f"merge: {src.path} was translated with another model or settings than"
                f" {'the other sources' if tgt.get_meta('translate.signature') is None else tgt.path}:"
                f" {s_sig!r} != {sig!r}; re-run 'bitext translate' on it with the same options"
            )
    if tgt.get_meta("translate.signature") is None:
        tgt.set_meta("translate.signature", sig)
        settings = srcs[0].get_meta("translate.settings")
        if settings is not None:
            tgt.set_meta("translate.settings", settings)
    counts = {"sources": len(srcs), "copied": 0, "skipped": 0}
    for src in srcs:
        before = tgt.count("translations")
        rows = src.conn.execute(f"SELECT {_COLUMNS} FROM translations WHERE signature=?", (sig,))
        n_rows = 0
        with tgt.tx() as c:
            while block := rows.fetchmany(5000):
                n_rows += len(block)
                c.executemany(
                    f"INSERT OR IGNORE INTO translations({_COLUMNS}) VALUES ({','.join('?' * 10)})",
                    [tuple(r) for r in block],
                )
        copied = tgt.count("translations") - before
        counts["copied"] += copied
        counts["skipped"] += n_rows - copied
    return counts
