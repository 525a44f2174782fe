"""Start a local-p model from another mechanism's weights: copy every shared tensor, then fit only the position
predictor (``W_p``, ``v_p``) so that its centres p_t land where the source model read.

    python -m training.translation --task bible --mechanism local-p --init-from local-m --out SCRATCH ...

The encoder, decoder, output layer and score of local-m and local-p have the same shapes; local-p adds the
predictor p_t = S·σ(v_pᵀ tanh(W_p h_t)). With everything else frozen, the predictor is regressed (Huber loss, in
source positions) on teacher-forced training pairs onto a target centre per target token, keyed by name in
:data:`CENTRE_TARGETS`: the source model's attention-weighted mean position (``"attention"``), or the diagonal
t·S/T (``"diagonal"``). Joint training with the Gaussian window follows in :func:`training.translation.run`.
"""
from __future__ import annotations

import random
import time
from typing import Callable

import torch
from torch import nn

from attention_core.models.seq2seq import PAD, Seq2Seq

PREDICTOR = ("attention.W_p.weight", "attention.v_p.weight")   # the tensors local-p has and local-m lacks


def copy_shared(target: Seq2Seq, source_state: dict[str, torch.Tensor]) -> list[str]:
    """Load ``source_state`` into ``target`` where names match → the target's tensors left as initialised (only the
    position predictor and, for a model gaining a lexicon, its table may be missing; anything else is refused)."""
    try:
        missing, unexpected = target.load_state_dict(source_state, strict=False)
    except RuntimeError as err:   # a tensor of another shape: another architecture
        raise SystemExit(f"cannot start {target.mechanism} from these weights: "
                         f"{str(err).splitlines()[-1].strip()}") from None
    allowed = set(PREDICTOR) | {"lexicon_index", "lexicon_prob"}
    if unexpected or set(missing) - allowed:
        raise SystemExit(f"cannot start {target.mechanism} from these weights: missing {missing}, "
                         f"unexpected {unexpected}")
    return list(missing)


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
def _cache(model: Seq2Seq, source: Seq2Seq, batches, target: str, max_tokens: int) -> list[tuple]:
    """Teacher-forced decoder states ``H [B, T, h]``, key mask, the target centres ``[B, T]`` and the target mask."""
    model.eval()
    source.eval()
    cached, tokens = [], 0
    for src, lengths, tin, tout in batches:
        enc = model.encode(src, lengths)
        H, _ = model.decoder(model.embed(tin), enc.init[None])
        _, w, _ = source(src, lengths, tin)
        keep = tout != PAD
        centre = CENTRE_TARGETS[target](w, keep, enc.mask.sum(-1))
        cached.append((H, enc.mask, centre, keep))
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
    cached = _cache(model, source, batches, target, max_tokens)
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
