"""Start a translator from another mechanism's weights: copy every shared tensor, then fit only the new
mechanism's own attention parameters so that it reads where the source model read.

    python -m training.translation --task bible --mechanism local-p --init-from local-m --out SCRATCH ...
    python -m training.translation --task bible --mechanism luong-general --init-from luong-concat --out SCRATCH ...

The Luong models (dot, general, concat, local-m, local-p, top-k) share the embeddings, encoder, decoder, ``W_c``
(``combine``), output layer and lexical table; only ``attention.*`` differs (Bahdanau's decoder and output take
other inputs, so it pairs with none of them). :func:`copy_shared` copies every tensor whose name and shape match
and leaves the target's own attention parameters as initialised. Then, with everything else frozen:

* a position predictor (``W_p``, ``v_p``: local-p, top-k) is regressed (Huber loss, in source positions) on
  teacher-forced training pairs onto a target centre per target token, keyed by name in :data:`CENTRE_TARGETS`:
  the source model's attention-weighted mean position (``"attention"``), or the diagonal t·S/T (``"diagonal"``)
  (:func:`prefit_centres`);
* a fresh score (``W_a`` of general, local-m, local-p, top-k) is fitted so the new attention rows match the source
  model's: cross-entropy −Σ_s α_source log α_new on the same teacher-forced rows, i.e. KL(α_source ‖ α_new) up to
  the source's entropy (:func:`prefit_rows`). Dot has no attention parameters: nothing to fit.

Joint training with the mechanism's own attention follows in :func:`training.translation.run`.
"""
from __future__ import annotations

import random
import time
from typing import Callable

import torch
from torch import nn

from attention_core.models.seq2seq import PAD, Seq2Seq

PREDICTOR = ("attention.W_p.weight", "attention.v_p.weight")   # the tensors local-p has and local-m lacks
OWN = "attention."   # a mechanism's own parameters live under this prefix; everything else is shared
LEXICON = ("lexicon_index", "lexicon_prob")   # a model gaining a lexicon has it filled after the copy


def copy_shared(target: Seq2Seq, source_state: dict[str, torch.Tensor]) -> list[str]:
    """Copy every tensor of ``source_state`` whose name and shape match into ``target`` → the names of the target's
    tensors left as initialised (its own attention parameters, or a lexicon it gains). A shared tensor that is
    missing or of another shape means another architecture (Bahdanau against a Luong model): refused."""
    own = target.state_dict()
    wrong = [f"{name} {tuple(t.shape)} → {tuple(own[name].shape)}" for name, t in source_state.items()
             if name in own and t.shape != own[name].shape and not name.startswith(OWN)]
    fresh = [name for name in own if name not in source_state or source_state[name].shape != own[name].shape]
    unshared = [name for name in fresh if not name.startswith(OWN) and name not in LEXICON]
    extra = [name for name in source_state if name not in own and not name.startswith(OWN)]
    if wrong or unshared or extra:
        raise SystemExit(f"cannot start {target.mechanism} from these weights: another architecture, which differs in more "
                         f"than the attention (shape differs: {wrong}; missing: {unshared}; unexpected: {extra})")
    target.load_state_dict({name: t for name, t in source_state.items()
                            if name in own and t.shape == own[name].shape}, strict=False)
    return fresh


def _attention_centre(weights: torch.Tensor, keep: torch.Tensor, source_len: torch.Tensor) -> torch.Tensor:
    """``weights [B, T, S]`` → the mean source position each row reads ``[B, T]`` (rows renormalised)."""
    pos = torch.arange(weights.shape[-1], dtype=weights.dtype)
    return (weights * pos).sum(-1) / weights.sum(-1).clamp_min(1e-9)


def _diagonal_centre(weights: torch.Tensor, keep: torch.Tensor, source_len: torch.Tensor) -> torch.Tensor:
    """The diagonal t·S/T ``[B, T]`` for source lengths ``source_len [B]`` and the target's non-PAD length."""
    tgt_len = keep.sum(-1, keepdim=True).clamp_min(1).to(weights.dtype)            # [B, 1]
    t = torch.arange(weights.shape[1], dtype=weights.dtype)[None, :]              # [1, T]
    return t * source_len[:, None].to(weights.dtype) / tgt_len


CENTRE_TARGETS: dict[str, Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "attention": _attention_centre, "diagonal": _diagonal_centre,
}


@torch.no_grad()
def _cache(model: Seq2Seq, source: Seq2Seq, batches, max_tokens: int) -> list[tuple]:
    """Teacher-forced decoder states ``H [B, T, h]`` and encoder output of ``model`` with the source model's attention
    rows ``[B, T, S]`` and the target mask, up to ``max_tokens`` target tokens (the shared tensors are frozen during a
    pre-fit, so these never change)."""
    model.eval()
    source.eval()
    cached, tokens = [], 0
    for src, lengths, tin, tout in batches:
        enc = model.encode(src, lengths)
        H, _ = model.decoder(model.embed(tin), enc.init[None])
        _, rows, _ = source(src, lengths, tin)
        keep = tout != PAD
        cached.append((H, enc, rows, keep))
        tokens += int(keep.sum())
        if tokens >= max_tokens:
            break
    return cached


def prefit_centres(model: Seq2Seq, source: Seq2Seq, batches, target: str = "attention", minutes: float = 4.0,
                   lr: float = 3e-3, max_tokens: int = 400_000, seed: int = 1, max_passes: int | None = None) -> dict:
    """Fit ``model.attention``'s ``W_p``/``v_p`` (the rest untouched) so p_t follows ``target`` on the teacher-forced
    ``batches`` (``(src [B,S], lengths [B], tgt_in [B,T], tgt_out [B,T])``) for at most ``minutes`` (and
    ``max_passes`` passes over the cached states) → a summary
    (mean absolute centre error in source positions before and after, passes, seconds)."""
    start = time.time()
    cached = [(H, enc.mask, CENTRE_TARGETS[target](rows, keep, enc.mask.sum(-1)), keep)
              for H, enc, rows, keep in _cache(model, source, batches, max_tokens)]
    att = model.attention
    params = [att.W_p.weight, att.v_p.weight]
    opt = torch.optim.Adam(params, lr=lr)
    rng = random.Random(seed)

    def error() -> float:
        with torch.no_grad():
            total = count = 0.0
            for H, mask, centre, keep in cached:
                p = att.centers(H, mask, mask.shape[1])
                total += float((p - centre).abs()[keep].sum())
                count += float(keep.sum())
            return total / count

    before, passes, fit_start = error(), 0, time.time()
    while time.time() - fit_start < minutes * 60 and (max_passes is None or passes < max_passes):
        order = list(range(len(cached)))
        rng.shuffle(order)
        for i in order:
            H, mask, centre, keep = cached[i]
            p = att.centers(H, mask, mask.shape[1])
            loss = nn.functional.smooth_l1_loss(p[keep], centre[keep])
            opt.zero_grad()
            loss.backward()
            opt.step()
        passes += 1
    after = error()
    summary = {"target": target, "centre_mae_before": round(before, 4), "centre_mae_after": round(after, 4),
               "passes": passes, "tokens": int(sum(float(c[3].sum()) for c in cached)),
               "seconds": round(time.time() - start, 1)}
    print(f"[prefit {target}] centre MAE {before:.3f} → {after:.3f} source positions "
          f"({passes} passes, {summary['seconds']:.0f}s)", flush=True)
    return summary


def prefit_rows(model: Seq2Seq, source: Seq2Seq, batches, names: list[str], minutes: float = 3.0, lr: float = 3e-3,
                max_tokens: int = 150_000, seed: int = 1, max_passes: int | None = None) -> dict:
    """Fit only ``model``'s parameters ``names`` (its fresh score) so its attention rows match ``source``'s on the
    teacher-forced ``batches`` for at most ``minutes`` (and ``max_passes`` passes) → a summary (cross-entropy of the
    source rows under the new ones, and the share of tokens whose argmax agrees, before and after; passes; seconds)."""
    start = time.time()
    params = dict(model.named_parameters())
    fitted = [params[name] for name in names]
    cached = _cache(model, source, batches, max_tokens)
    opt = torch.optim.Adam(fitted, lr=lr)
    rng = random.Random(seed)

    def loss_of(H: torch.Tensor, enc, rows: torch.Tensor, keep: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _, new, _ = model._attend(H, enc, None)
        # rows outside a local window get no weight: clamped, they only add a constant
        ce = -(rows * torch.log(new.clamp_min(1e-6))).sum(-1)
        agree = new.argmax(-1) == rows.argmax(-1)
        return ce[keep].mean(), agree[keep].float().sum()

    def measure() -> tuple[float, float]:
        with torch.no_grad():
            total = hits = count = 0.0
            for H, enc, rows, keep in cached:
                ce, agree = loss_of(H, enc, rows, keep)
                n = float(keep.sum())
                total, hits, count = total + float(ce) * n, hits + float(agree), count + n
            return total / count, hits / count

    (ce_before, agree_before), passes, fit_start = measure(), 0, time.time()
    while time.time() - fit_start < minutes * 60 and (max_passes is None or passes < max_passes):
        order = list(range(len(cached)))
        rng.shuffle(order)
        for i in order:
            loss, _ = loss_of(*cached[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
        passes += 1
    ce_after, agree_after = measure()
    summary = {"fitted": list(names), "cross_entropy_before": round(ce_before, 4),
               "cross_entropy_after": round(ce_after, 4), "argmax_agreement_before": round(agree_before, 4),
               "argmax_agreement_after": round(agree_after, 4), "passes": passes,
               "tokens": int(sum(float(c[3].sum()) for c in cached)), "seconds": round(time.time() - start, 1)}
    print(f"[prefit rows] cross-entropy {ce_before:.3f} → {ce_after:.3f}, argmax agreement {agree_before:.3f} → "
          f"{agree_after:.3f} ({passes} passes, {summary['seconds']:.0f}s)", flush=True)
    return summary


def prefit_all(model: Seq2Seq, source: Seq2Seq, fresh: list[str], make_batches: Callable[[], object],
               minutes: float = 3.0, target: str = "attention", seed: int = 1, max_passes: int | None = None) -> dict:
    """Pre-fit whatever of ``model``'s attention is ``fresh`` (left uncopied by :func:`copy_shared`): its position
    predictor (:func:`prefit_centres`), then its score (:func:`prefit_rows`), each for ``minutes``; nothing when it
    has no fresh attention parameters (dot; ``max_passes`` caps each stage) → ``{"centres": …, "rows": …}`` for the
    stages that ran."""
    own = {name for name, _ in model.named_parameters() if name.startswith(OWN)}
    predictor = [name for name in PREDICTOR if name in fresh and name in own]
    score = sorted(name for name in fresh if name in own and name not in PREDICTOR)
    summary = {}
    if predictor:
        summary["centres"] = prefit_centres(model, source, make_batches(), target=target, minutes=minutes, seed=seed,
                                           max_passes=max_passes)
    if score:
        summary["rows"] = prefit_rows(model, source, make_batches(), score, minutes=minutes, seed=seed,
                                     max_passes=max_passes)
    return summary
