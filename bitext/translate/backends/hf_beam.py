"""bitext's own beam search for the Transformers backend: the choices of ``generate()``, at lower cost.

Kept because it is worth it: full-size opus-mt-id-en (random weights), 64 FLORES sentences, beam 4,
32 output tokens, the same batches and dtype, 2 CPU cores with AMX: 1.9x ``generate()`` + re-scoring
in bfloat16 (see ``scripts/bench_translate.py``, contender "(c'') generate() in bitext's batches").
It copies the behaviour of ``GenerationMixin._beam_search`` of transformers 5 (pyproject pins
``transformers<6``); ``tests/translate/test_hf_beam.py`` checks that it returns what ``generate()``
returns, and the backend falls back to ``generate()`` for any setting it does not implement.
"""

from __future__ import annotations

from typing import Any

from bitext.translate.backends import GenOptions, Output


def plain_beam_config(gc: Any, eos_id: int, pad_id: int | None) -> bool:
    """True when the GenerationConfig ``gc`` asks for nothing beyond what :func:`beam_search` implements.

    Its only logits processing is the ``<pad>`` ban (opus-mt's ``bad_words_ids``) and
    ``min_new_tokens``; anything else (repetition penalties, forced tokens, ...) goes through
    ``generate()``.
    """
    return (
        gc.early_stopping in (None, False, True, "never")
        and gc.bad_words_ids in (None, [[pad_id]])
        and not gc.no_repeat_ngram_size
        and not gc.encoder_no_repeat_ngram_size
        and gc.repetition_penalty in (None, 1.0)
        and gc.encoder_repetition_penalty in (None, 1.0)
        and gc.forced_bos_token_id is None
        and gc.forced_eos_token_id is None
        and not gc.suppress_tokens
        and not gc.begin_suppress_tokens
        and not gc.sequence_bias
        and gc.exponential_decay_length_penalty is None
        and gc.num_beam_groups in (None, 1)
        and gc.eos_token_id in (eos_id, [eos_id])
    )


def beam_search(
    model: Any,
    input_ids: Any,
    mask: Any,
    opts: GenOptions,
    limits: list[int],
    *,
    start_id: int,
    eos_id: int,
    pad_id: int | None,
    early_stopping: bool | str,
) -> list[Output]:
    """Beam search of ``model`` (an encoder-decoder) with the same choices as ``generate()``.

    Same candidates, finishing rule and stopping heuristic as ``GenerationMixin._beam_search``,
    but per step it makes only three passes over the (rows x vocabulary) logits instead of
    about eight: it bans ``<pad>`` (and ``</s>`` before ``min_new_tokens``) by writing one
    column, and takes each row's top 2*beams tokens plus its logsumexp. The best 2*beams
    continuations of a batch item are among its rows' top 2*beams (a row's log-softmax is
    its logits minus a constant), so the choice is the same. The scores come out of the
    search itself (no re-scoring pass), and only the self-attention cache is reordered:
    beams of one input share the same cross-attention states. Call under ``torch.inference_mode()``.

    ``limits[b]`` is input b's own length limit: at that step all of its best candidates finish (as
    ``generate()`` does at ``max_new_tokens``) and it closes, so each input gets exactly the search
    it would get alone with that limit.
    """
    import torch

    device = input_ids.device
    k, lp = opts.beams, opts.length_penalty
    n_in = input_ids.shape[0]
    hidden = model.get_encoder()(input_ids=input_ids, attention_mask=mask).last_hidden_state
    hidden = hidden.repeat_interleave(k, dim=0)
    mask = mask.repeat_interleave(k, dim=0)
    tokens = torch.full((n_in * k, 1), start_id, dtype=torch.long, device=device)
    seqs = torch.empty((n_in, k, 0), dtype=torch.long, device=device)
    # Only beam 0 is live at first (all beams start equal): as in generate().
    running = torch.full((n_in, k), -1.0e9, device=device)
    running[:, 0] = 0.0
    rows = torch.arange(n_in, device=device)[:, None]
    finished: list[list[tuple[float, list[int], bool]]] = [[] for _ in range(n_in)]
    open_items = [True] * n_in  # False once no running beam can beat the finished ones
    cache = None
    limit_t = torch.tensor(limits, device=device)
    max_steps = max(limits)
    for step in range(1, max_steps + 1):
        out = model(encoder_outputs=(hidden,), attention_mask=mask, decoder_input_ids=tokens,
                    cache=cache, use_cache=True)
        cache = out.cache
        logits = out.logits[:, -1, :]
        if pad_id is not None:
            logits[:, pad_id] = float("-inf")
        if step <= opts.min_new_tokens:
            logits[:, eos_id] = float("-inf")
        lse = torch.logsumexp(logits.float(), dim=-1)
        top_v, top_i = logits.topk(2 * k, dim=-1)
        cand = (top_v.float() - lse[:, None] + running.reshape(-1, 1)).reshape(n_in, k * 2 * k)
        cand, order = cand.topk(2 * k, dim=-1)  # best 2k continuations per input, best first
        beam = order // (2 * k)
        token = top_i.reshape(n_in, k * 2 * k).gather(1, order)
        last = step == max_steps
        at_limit = (limit_t == step)[:, None]
        ends = (token == eos_id) | at_limit
        # Finished candidates: only those among the best k (as generate() does).
        done_pos = ends[:, :k].nonzero().tolist()
        if done_pos:
            prefix = seqs.gather(1, beam[:, :k, None].expand(-1, -1, seqs.shape[2])).tolist()
            cand_l, token_l = cand[:, :k].tolist(), token[:, :k].tolist()
            for b, j in done_pos:
                if not open_items[b]:
                    continue
                hit = token_l[b][j] != eos_id
                ids = prefix[b][j] + ([token_l[b][j]] if hit else [])
                hyps = finished[b]
                hyps.append((cand_l[b][j] / step**lp, ids, hit))
                hyps.sort(key=lambda h: -h[0])
                del hyps[k:]
        for b in (limit_t == step).nonzero()[:, 0].tolist():
            open_items[b] = False  # at its limit: its best k candidates just finished
        if last:
            break
        # Running beams: the best k continuations that did not finish.
        live = cand + ends.float() * -1.0e9  # as generate(): keeps the order if all finished
        running, pick = live.topk(k, dim=-1)
        src = beam.gather(1, pick)
        seqs = torch.cat((seqs[rows, src], token.gather(1, pick)[:, :, None]), dim=2)
        tokens = seqs[:, :, -1].reshape(-1, 1)
        cache.self_attention_cache.reorder_cache((src + rows * k).reshape(-1))
        # generate()'s stopping heuristic, per input.
        best_lens = limits if (early_stopping == "never" and lp > 0) else [step] * n_in
        run0 = running[:, 0].tolist()
        for b in range(n_in):
            hyps = finished[b]
            best = run0[b] / best_lens[b] ** lp
            if open_items[b] and len(hyps) == k and (early_stopping is True or best <= hyps[-1][0]):
                open_items[b] = False
        if not any(open_items):
            break
    outputs = []
    for hyps in finished:
        score, ids, hit = hyps[0]
        n = len(ids) + (0 if hit else 1)
        outputs.append(Output(ids, score * n**lp / n, hit))
    return outputs
