"""Head bias on the name words (issue 20 item 3, round 7): the scene encoder's own item classifier, read where the
decoder attends, proposes the name.

The captioning analogue of the translators' lexical bias (Arthur et al. 2016; ``seq2seq._with_lexicon``). At each
decoding step, with the step's own attention α_t ``[R]`` over the 49 regions and the encoder's pretraining head
giving every region a distribution over the item classes ``p_head(name | region i)`` (softmax over the classes and
background, background column left out), the logit of every NAME word gets

    λ · log(Σ_i α_ti · p_head(name | region i) + ε)

and each article ("a" / "an") the same term over the summed probability of the names it goes with, so that the
article and the name stay one choice. Nothing else is touched. Without ``keep_mass`` the bias lies between
λ · log ε and λ · log(1 + ε) (−18.4 and +0.76 at the shipped λ 8, ε 0.1), so at high λ it pushes every name below the
structural words; with ``keep_mass`` the names' (and the articles') total probability is kept as the decoder gave it,
so the bias only re-ranks them among themselves. Attention stays central:
it decides whose head prediction is proposed; the hard captioner may use its chosen region instead (``over="choice"``).

Declared per captioner in its ``config.json`` under ``head_bias`` (``weight`` λ, ``eps`` ε, ``over``, ``keep_mass``, and ``read``:
the encoder read whose head gives ``p_head``, as ``encoder_read``; absent = the captioner's own read; round 8:
``head``, a folder of the caption family holding a :class:`BiasHead` that replaces the encoder's pretraining head
for the bias only — the grounded rule and the read's confident pick still use the encoder's; round 9:
``encoder``, a folder of the caption family holding a scene encoder fine-tuned for the bias
(``training.scene_encoder_bias``) read instead of ``caption/encoder`` for p_head only — at the bias's ``read``, whose
confident pick then uses that encoder's own head; the decoder's features and the grounded rule's occupancy still come
from ``caption/encoder`` at the captioner's own read; round 11: ``encoder`` may be a list of such folders, an
ensemble whose p_head is the mean of their head probabilities, :func:`mean_head_probabilities`, each read at the bias's
``read`` with its own confident or mean pick; round 12: ``glimpse``, a folder of the caption family holding a
:class:`~attention_core.models.glimpse.GlimpseReader` whose per-region logits join the ensemble — with ``encoder``
an empty list, p_head is the glimpse reader's alone); stop 41: ``combine`` — how the reader joins: ``mean`` (as before)
or ``gate``, :func:`gated_head_probabilities`: the reader speaks for the item mass it sees, the encoders for the rest).
A config without ``head_bias`` decodes exactly as before, and
one without ``encoder`` as round 7/8 did; a single folder (a string, or a list of one) as round 9/10 did. The page (``Captioner``), the CLI and the scorers
(``training.caption_robustness``) apply the same :meth:`HeadBias.apply`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..data.scenes import article

OVERS = ("alpha", "choice")      # what weighs the regions' head predictions: α_t, or the hard choice (one-hot)
COMBINES = ("mean", "gate")      # how a glimpse reader joins the encoder heads in p_head


@dataclass(frozen=True)
class HeadBias:
    """The rule over one vocabulary: which word ids are names (in head-class order) and articles."""

    name_ids: tuple[int, ...]                 # vocabulary id of head class k's name (k = 0 … classes − 1)
    article_ids: dict[int, tuple[int, ...]]   # article word id → the head classes whose name takes it
    weight: float = 1.0                       # λ
    eps: float = 0.01                         # ε
    over: str = "alpha"
    read: dict[str, Any] | None = None        # the encoder read of p_head (None: the captioner's own)
    keep_mass: bool = False                   # re-rank within the names (and within the articles) only
    head: str | None = None                   # a BiasHead folder (in the caption family) read instead of the encoder's
    encoder: str | tuple[str, ...] | None = None   # a scene-encoder folder (caption family) read for p_head
    #                                                instead, or (round 11) a tuple of them, whose p_head is averaged;
    #                                                () (declared []): no encoder, the glimpse reader alone
    glimpse: str | None = None                # (round 12) a GlimpseReader folder (caption family) in the ensemble
    combine: str = "mean"                     # (stop 41) "mean" of every head, or "gate" (see gated_head_probabilities)

    @property
    def encoders(self) -> tuple[str, ...]:
        """The bias's own encoder folders (``encoder`` as a tuple; empty: ``caption/encoder``, or none when declared
        ``[]``, :attr:`head_encoders`)."""
        return encoder_folders(self.encoder)

    @property
    def head_encoders(self) -> tuple[str, ...]:
        """Every encoder folder p_head reads: ``("encoder",)`` when ``encoder`` is absent, else :attr:`encoders`
        (empty for ``[]``: the glimpse reader alone)."""
        return ("encoder",) if self.encoder is None else self.encoders

    @classmethod
    def from_config(cls, config: dict[str, Any] | None, words: list[str] | tuple[str, ...],
                    names: list[str] | tuple[str, ...]) -> "HeadBias | None":
        """A captioner's ``head_bias`` config (None: no bias) over its vocabulary ``words`` and the encoder head's
        class ``names`` (every name must be a word)."""
        if config is None:
            return None
        over = config.get("over", "alpha")
        if over not in OVERS:
            raise ValueError(f"head_bias over must be one of {OVERS}, not {over!r}")
        missing = [n for n in names if n not in words]
        if missing:
            raise ValueError(f"head_bias: the encoder's classes {missing} are not words of the captioner")
        ids = tuple(list(words).index(n) for n in names)
        arts: dict[int, list[int]] = {}
        for k, n in enumerate(names):
            if article(n) in words:
                arts.setdefault(list(words).index(article(n)), []).append(k)
        encoder, glimpse = _encoder_key(config.get("encoder")), config.get("glimpse")
        if encoder == () and not glimpse:
            raise ValueError("head_bias encoder [] (no encoder) needs a glimpse reader to read p_head from")
        combine = config.get("combine", "mean")
        if combine not in COMBINES:
            raise ValueError(f"head_bias combine must be one of {COMBINES}, not {combine!r}")
        if combine == "gate" and (not glimpse or encoder == ()):
            raise ValueError("head_bias combine 'gate' needs a glimpse reader and at least one encoder head")
        if glimpse is not None and config.get("head") is not None:
            raise ValueError("head_bias: a bias head reads encoder features, not glimpses; declare one or the other")
        return cls(ids, {a: tuple(ks) for a, ks in arts.items()}, float(config.get("weight", 1.0)),
                   float(config.get("eps", 0.01)), over, config.get("read"), bool(config.get("keep_mass", False)),
                   config.get("head"), encoder, glimpse, combine)

    def probabilities(self, logits: list[torch.Tensor] | tuple[torch.Tensor, ...]) -> torch.Tensor:
        """p_head ``[B, R, classes]`` from every head's logits ``[B, R, classes + 1]``, the encoder heads' first and the
        glimpse reader's last (as the captioner and the scorers list them), combined as :attr:`combine` declares."""
        expected = len(self.head_encoders) + (self.glimpse is not None)
        if len(logits) != expected:     # e.g. a scorer that left the reader out would score another captioner
            raise ValueError(f"this head bias reads {expected} heads (encoders {list(self.head_encoders)}"
                             f"{', glimpse ' + repr(self.glimpse) if self.glimpse else ''}), not {len(logits)}")
        if self.combine == "gate":
            return gated_head_probabilities(list(logits[:-1]), logits[-1])
        return mean_head_probabilities(list(logits))

    def apply(self, logits: torch.Tensor, alpha: torch.Tensor, probs: torch.Tensor,
              choice: torch.Tensor | None = None) -> torch.Tensor:
        """Step logits ``[B, V]`` plus the bias, from the step's α ``[B, R]`` (or, ``over="choice"``, the hard
        choice ``[B]``) and the head's class probabilities per region ``probs [B, R, classes]``
        (:func:`head_probabilities`)."""
        if self.over == "choice":
            if choice is None:
                raise ValueError("head_bias over='choice' needs the hard captioner's chosen region")
            weights = torch.nn.functional.one_hot(choice.long(), probs.shape[1]).to(probs.dtype)
        else:
            weights = alpha.to(probs.dtype)
        mix = torch.bmm(weights[:, None], probs)[:, 0]                      # [B, classes]
        articles = list(self.article_ids)
        groups = [(list(self.name_ids), mix),
                  (articles, torch.stack([mix[:, list(self.article_ids[a])].sum(-1) for a in articles], -1))]
        logits = logits.clone()
        for ids, mass in groups:
            old = logits[:, ids]
            new = old + self.weight * torch.log(mass + self.eps).to(logits.dtype)
            if self.keep_mass:     # the group's total probability as the decoder gave it
                new = new - new.logsumexp(-1, keepdim=True) + old.logsumexp(-1, keepdim=True)
            logits[:, ids] = new
        return logits

    def agree(self, ids: list[int]) -> list[int]:
        """``ids`` with each article made to agree with the name written after it ("an coat" → "a coat").

        The article is written one step before its name, on that step's α, and the bias may lift "an" for an 8 the
        decoder is about to look at while the next step names the coat it looks at then: the hard captioner wrote
        4 such phrases in 569 on 40 held-out scenes per kind (none before the bias). The name is the better-founded
        choice (its own step's α and the head), so the article follows it; ids and α rows keep their places."""
        article_of = {self.name_ids[k]: art for art, takes in self.article_ids.items() for k in takes}
        out = list(ids)
        for k in range(len(out) - 1):
            if out[k] in self.article_ids and out[k + 1] in article_of:
                out[k] = article_of[out[k + 1]]
        return out


def head_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """The encoder head's logits ``[B, R, classes + 1]`` (background last) → item-class probabilities
    ``[B, R, classes]`` (softmax over all, background column dropped: a background region proposes little)."""
    return logits.float().softmax(-1)[..., :-1]


def mean_head_probabilities(logits: torch.Tensor | list[torch.Tensor] | tuple[torch.Tensor, ...]) -> torch.Tensor:
    """:func:`head_probabilities` of one head's logits, or (round 11, an ensemble of bias encoders) the mean of those
    of several heads' logits ``[B, R, classes + 1]`` each; a list of one is that head's exactly."""
    if isinstance(logits, torch.Tensor):
        return head_probabilities(logits)
    if not logits:
        raise ValueError("mean_head_probabilities needs at least one head's logits")
    if len(logits) == 1:
        return head_probabilities(logits[0])
    return torch.stack([head_probabilities(x) for x in logits]).mean(0)


def gated_head_probabilities(encoders: list[torch.Tensor], reader: torch.Tensor) -> torch.Tensor:
    """p_head when the glimpse reader speaks for what it sees (stop 41): the reader's item probabilities plus the
    encoder heads' mean item probabilities scaled by the item mass the reader leaves unclaimed — on a whole small item
    (reader sure of an item) the reader alone, on a big item's part or an empty region (the reader says background)
    the encoders. The reader is the small-item specialist (items wider than its window are background to it) and
    names small items better than the encoder does on items no model has seen (gold box, held-out clothing: 0.921 vs
    0.869). Logits ``[B, R, classes + 1]`` each → ``[B, R, classes]``."""
    return gate_probabilities(mean_head_probabilities(encoders), head_probabilities(reader))


def gate_probabilities(encoder: torch.Tensor, reader: torch.Tensor) -> torch.Tensor:
    """The gate on item probabilities ``[..., classes]`` (background dropped): the reader's, plus the encoder's scaled
    by the item mass the reader leaves unclaimed (:func:`gated_head_probabilities`)."""
    return reader + (1 - reader.sum(-1, keepdim=True)) * encoder


def encoder_folders(value: Any) -> tuple[str, ...]:
    """``head_bias.encoder`` as declared (absent, one folder, or a list of folders) → its folders as a tuple (empty
    when absent or ``[]``); the one reading of the key for the captioner and the scorers."""
    key = _encoder_key(value)
    return () if key is None else (key,) if isinstance(key, str) else key


def head_encoder_folders(config: dict[str, Any] | None) -> tuple[str, ...]:
    """Every encoder folder a ``head_bias`` config's p_head reads (:attr:`HeadBias.head_encoders`): ``("encoder",)``
    when ``encoder`` is absent, none when it is ``[]`` (the glimpse reader alone)."""
    value = (config or {}).get("encoder")
    return ("encoder",) if value is None else encoder_folders(value)


def _encoder_key(value: Any) -> str | tuple[str, ...] | None:
    """``head_bias.encoder`` as declared: absent, one folder (a string), or a list of folders (a tuple; a list of one
    is that folder; an empty list ``()``: no encoder, allowed only beside a glimpse reader)."""
    if value is None or isinstance(value, str):
        return value
    folders = tuple(value)
    if not all(isinstance(f, str) for f in folders):
        raise ValueError(f"head_bias encoder must be a folder or a list of folders, not {value!r}")
    return folders[0] if len(folders) == 1 else folders


class BiasHead(nn.Module):
    """A per-region item classifier used by the head bias only (round 8): region features ``[B, R, D]`` of the
    bias's read → logits ``[B, R, classes + 1]`` (background last), as the encoder head's."""

    def __init__(self, dim: int, classes: int = 20) -> None:
        super().__init__()
        self.linear = nn.Linear(dim, classes + 1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``[B, R, D]`` → ``[B, R, classes + 1]``."""
        return self.linear(features.to(self.linear.weight.dtype))


def load_bias_head(folder: str | Path) -> BiasHead:
    """The :class:`BiasHead` saved in ``folder`` (``model.safetensors`` + ``config.json`` with ``dim``, ``classes``),
    float32, eval mode."""
    from ..checkpoint import load_checkpoint
    state, config = load_checkpoint(folder)
    head = BiasHead(int(config["dim"]), int(config.get("classes", 20)))
    head.load_state_dict({k: v.float() for k, v in state.items()})
    return head.eval()
