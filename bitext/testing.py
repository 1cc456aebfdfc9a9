"""Random-weight Marian models for tests, demos and benchmarks (no download needed).

:func:`make_tiny_model` writes a folder that loads like any Hugging Face Marian model:
``config.json``, ``generation_config.json``, ``model.safetensors`` and the ``MarianTokenizer``
files (``source.spm``, ``target.spm``, ``vocab.json``, ``tokenizer_config.json``).

* Tiny (default): sentencepiece models trained on the few Indonesian/English lines below,
  a 1-layer d_model=32 transformer, ``max_position_embeddings=64`` so that the "longer than
  the model's maximum input" path is cheap to test. Built in about a second.
* ``like=DIR`` (e.g. ``../shared/models/opus-mt-id-en``): the real architecture and tokenizer
  with random weights: the speed and memory of the real model, its text is noise.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: this module loads without the store
    from bitext.store import Store

# Training text for the tiny tokenizers; inline so the tiny model is the same everywhere.
_ID_TEXT = """\
Mamuju (ANTARA) - Pemerintah Provinsi Sulawesi Barat mendorong Aparatur Sipil Negara di daerah itu.
Penerapan nilai-nilai hak asasi manusia harus menjadi fondasi bagi setiap pegawai dalam memberikan pelayanan.
Kepala Badan Kepegawaian Daerah menyampaikan apresiasi atas terselenggaranya dialog tersebut.
Presiden Joko Widodo meresmikan jalan tol baru di Jawa Tengah pada hari Senin.
Harga beras di pasar tradisional naik sepuluh persen dalam satu bulan terakhir.
Gempa bumi berkekuatan lima koma dua mengguncang wilayah Maluku pada Selasa pagi.
Tidak ada laporan korban jiwa maupun kerusakan bangunan akibat gempa tersebut.
Menteri Keuangan mengatakan pertumbuhan ekonomi Indonesia tetap kuat tahun ini.
Bank Indonesia mempertahankan suku bunga acuan sebesar enam persen.
Para siswa mengikuti ujian nasional dengan tertib di sekolah masing-masing.
Polisi menangkap tiga orang tersangka pencurian sepeda motor di Jakarta Selatan.
Pemerintah daerah akan membangun rumah sakit baru untuk melayani masyarakat desa.
Banjir merendam ratusan rumah warga setelah hujan deras turun sejak Rabu malam.
Wakil Gubernur mengajak seluruh warga untuk menjaga kebersihan lingkungan.
Festival budaya itu dihadiri ribuan pengunjung dari dalam dan luar negeri.
Tim nasional sepak bola Indonesia menang dua kosong melawan Vietnam, kata pelatih.
Ia menambahkan bahwa program tersebut akan dilanjutkan pada tahun depan.
Menurut data statistik, jumlah penduduk miskin turun menjadi sembilan persen.
Kami berharap kerja sama ini dapat meningkatkan kesejahteraan petani dan nelayan.
Sementara itu, harga cabai merah dan bawang putih masih stabil; pasokan cukup.
"""

_EN_TEXT = """\
Mamuju (ANTARA) - The West Sulawesi provincial government encouraged civil servants in the region.
Applying human rights values must be the foundation for every employee in providing services.
The head of the regional personnel agency expressed appreciation for holding the dialogue.
President Joko Widodo inaugurated a new toll road in Central Java on Monday.
The price of rice in traditional markets rose ten percent in the last month.
An earthquake of magnitude five point two shook the Maluku region on Tuesday morning.
There were no reports of casualties or damage to buildings due to the earthquake.
The finance minister said Indonesia's economic growth remains strong this year.
Bank Indonesia kept its benchmark interest rate at six percent.
The students took the national exam in an orderly manner at their schools.
Police arrested three suspects in the theft of motorcycles in South Jakarta.
The local government will build a new hospital to serve the village community.
Floods submerged hundreds of houses after heavy rain fell since Wednesday night.
The deputy governor invited all residents to keep the environment clean.
The cultural festival was attended by thousands of visitors from home and abroad.
The Indonesian national football team won two nil against Vietnam, the coach said.
He added that the program would be continued next year.
According to statistical data, the number of poor people fell to nine percent.
We hope this cooperation can improve the welfare of farmers and fishermen.
Meanwhile, the price of red chili and garlic is still stable; supply is sufficient.
"""


TINY_SOURCES = _ID_TEXT.splitlines()
"""The Indonesian sentences the tiny model memorises (it translates them as in ``_EN_TEXT``)."""


def _train_spm(text: str, vocab_size: int, model_type: str = "unigram") -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text.splitlines()),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return buf.getvalue()


def _spm_pieces(model: bytes) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=model)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _memorise(model: object, tokenizer: object, steps: int, texts: tuple[str, str] = (_ID_TEXT, _EN_TEXT)) -> None:
    """Overfit ``model`` on the pairs of ``texts`` (one thread, so the result does not depend on the machine)."""
    import torch

    src, tgt = texts[0].splitlines(), texts[1].splitlines()
    enc = tokenizer(src, text_target=tgt, return_tensors="pt", padding=True)
    labels = enc["labels"].masked_fill(enc["labels"] == tokenizer.pad_token_id, -100)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(steps):
            loss = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], labels=labels).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            # The <pad> row is the decoder's start embedding: it must stay zero as in real
            # Marian models (CTranslate2 starts from a zero embedding); the tied output
            # projection would otherwise train it.
            with torch.no_grad():
                model.get_input_embeddings().weight[tokenizer.pad_token_id].zero_()
    finally:
        torch.set_num_threads(threads)
        model.eval()


def make_tiny_model(
    out_dir: str | Path,
    *,
    like: str | Path | None = None,
    seed: int = 0,
    d_model: int = 32,
    layers: int = 1,
    max_positions: int = 64,
    num_beams: int = 4,
    train_steps: int = 150,
    never_end: bool = False,
    texts: tuple[str, str] | None = None,
) -> Path:
    """Write a random-weight MarianMT model folder to ``out_dir`` and return its path.

    Without ``like``: a tiny model (``d_model``, ``layers``, ``max_positions``) with tokenizers
    trained on built-in text. With ``like=DIR``: ``MarianConfig.from_pretrained(DIR)`` and the
    tokenizer files of DIR (full size: slow to initialise, ~300 MB on disk).
    Weights come from ``torch.manual_seed(seed)``. The tiny model is then trained for
    ``train_steps`` full-batch steps (about 2 s) to memorise the built-in sentence pairs: a purely
    random model never or always emits ``</s>``, a memorising one ends known sentences after a
    sentence-like length and runs on to the length limit on some unknown ones, like a real model.
    Which unknown ones depends on floating-point details of the machine and library versions, so
    tests that need an output to run away use ``never_end=True``: ``</s>`` gets a logit bias of
    -10,000 (``final_logits_bias``, which CTranslate2's converter carries over), so every output runs
    to its length limit on every machine and backend.

    ``texts=(SOURCE, TARGET)`` (lines in step) replaces the built-in text: whole-word tokenizers are
    trained on it (every word one piece, so a synthetic language of a few words is covered exactly) and
    the ``train_steps`` memorise its pairs (0: the weights stay random), e.g. for the adaptation tests.
    """
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel
    from transformers.utils import logging as hf_logging

    from bitext.translate.models import load_tokenizer

    hf_logging.disable_progress_bar()

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if like is not None:
        like = Path(like)
        config = MarianConfig.from_pretrained(like)
        for name in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json", "special_tokens_map.json"):
            if (like / name).exists():
                shutil.copyfile(like / name, out / name)
        gen = GenerationConfig.from_pretrained(like) if (like / "generation_config.json").exists() else None
    else:
        if texts is None:
            src_spm, tgt_spm = _train_spm(_ID_TEXT, 300), _train_spm(_EN_TEXT, 300)
        else:
            src_spm, tgt_spm = (_train_spm(t, len(set(t.split())) + 3, "word") for t in texts)
        (out / "source.spm").write_bytes(src_spm)
        (out / "target.spm").write_bytes(tgt_spm)
        # Joint vocabulary laid out like OPUS-MT's: </s>=0, <unk>=1, pieces, <pad> last.
        vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
        for piece in _spm_pieces(src_spm) + _spm_pieces(tgt_spm):
            if piece not in vocab and piece not in ("<s>", "<pad>"):
                vocab[piece] = len(vocab)
        pad_id = len(vocab)
        vocab["<pad>"] = pad_id
        (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0), encoding="utf-8")
        (out / "tokenizer_config.json").write_text(
            json.dumps(
                {
                    "tokenizer_class": "MarianTokenizer",
                    "source_lang": "id",
                    "target_lang": "en",
                    "eos_token": "</s>",
                    "unk_token": "<unk>",
                    "pad_token": "<pad>",
                    "model_max_length": max_positions,
                    "separate_vocabs": False,
                    "sp_model_kwargs": {},
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        vocab_size = len(vocab)
        config = MarianConfig(
            vocab_size=vocab_size,
            decoder_vocab_size=vocab_size,
            d_model=d_model,
            encoder_layers=layers,
            decoder_layers=layers,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=2 * d_model,
            decoder_ffn_dim=2 * d_model,
            max_position_embeddings=max_positions,
            activation_function="swish",
            pad_token_id=pad_id,
            eos_token_id=0,
            bos_token_id=0,
            decoder_start_token_id=pad_id,
            forced_eos_token_id=0,
            scale_embedding=True,
            share_encoder_decoder_embeddings=True,
            static_position_embeddings=True,
            normalize_before=False,
            normalize_embedding=False,
            dropout=0.0,
        )
        gen = None
    if gen is None:
        gen = GenerationConfig(
            bad_words_ids=[[config.pad_token_id]],
            bos_token_id=0,
            decoder_start_token_id=config.pad_token_id,
            eos_token_id=0,
            forced_eos_token_id=0,
            pad_token_id=config.pad_token_id,
            max_length=max_positions,
            num_beams=num_beams,
            renormalize_logits=True,
        )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    if like is None and train_steps:
        _memorise(model, load_tokenizer(out), train_steps, texts or (_ID_TEXT, _EN_TEXT))
    if never_end:
        with torch.no_grad():
            model.final_logits_bias[0, config.eos_token_id] = -1e4
    model.eval()
    model.save_pretrained(out)
    gen.save_pretrained(out)
    load_tokenizer(out)  # check it loads the way bitext loads it
    return out


def edit_csv(path: Path, edit: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    """Rewrite the CSV file ``path`` (a review sheet) through ``edit``, which gets its rows as dicts and
    returns the rows to write (the header is the first row's keys), as a spreadsheet user would."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        rows = edit(list(csv.DictReader(fh)))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_sentence_pairs(store: Store, pairs: list[tuple[str, str]], *, per_article: int = 50,
                         signature: str = "model:synthetic@test|backend:none|beams:1", references: bool = False,
                         prefix: str = "a") -> None:
    """Write ``pairs`` (Indonesian, English) into ``store`` as a translated corpus without a model: articles
    of ``per_article`` sentences, one ``translations`` row per distinct sentence under ``signature`` (made
    current), and with ``references`` the English also as aligned 1-1 reference pairs. For tests and
    benchmarks of the stages after translation (e.g. the corpus lexicon on Tatoeba or FLORES pairs)."""
    from bitext.model import MetaKey
    from bitext.store import PAIR_COLUMNS, translation_key, utcnow

    now = utcnow()
    with store.tx():
        for a, start in enumerate(range(0, len(pairs), per_article)):
            aid = f"{prefix}{a}"
            chunk = pairs[start: start + per_article]
            sents = [(f"{aid}:0:{i}", aid, 0, i, src, 0, len(src)) for i, (src, _) in enumerate(chunk)]
            store.write_article((aid, f"{aid}.txt", None, None, None, None, "id", None,
                                 "\n".join(s for s, _ in chunk), f"h-{aid}", "test", now), sents)
            store.add_translations((translation_key(signature, src), signature, src, tgt, -0.4, len(tgt.split()),
                                    0, 0, 0, now) for src, tgt in chunk)
            if references:
                rows = [dict(id=f"{aid}:r{i}", article_id=aid, kind="reference", bead_idx=i,
                             src_ids=json.dumps([f"{aid}:0:{i}"]), tgt_idx=json.dumps([i]), source=src, target=tgt,
                             mt=None, bead_type="1-1", align_score=1.0, signature=signature, created_at=now)
                        for i, (src, tgt) in enumerate(chunk)]
                store.add_pairs(tuple(r[c] for c in PAIR_COLUMNS) for r in rows)
        store.set_meta(MetaKey.TRANSLATE_SIGNATURE, signature)
