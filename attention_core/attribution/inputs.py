"""What attribution needs from a model, for one input: embeddings to perturb and a function of them.

Every explainer that can be attributed has a method ``attribution_inputs(text, **options)`` returning
:class:`AttributionInputs`. Methods then only ever move through *embedding space*: integrated gradients
interpolates between a baseline and the input's embeddings, leave-one-out and erasure swap one position's
embedding for the "unknown word" embedding. The models stay untouched: for the recurrent classifiers the
embedding layer's output is replaced through forward hooks (:func:`classifier_inputs`), the translator and
MiniLM take embeddings directly.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import torch
from torch import nn

from ..models.special_tokens import BOS, PAD, UNK


@dataclass
class MapSlot:
    """One attribution map to build, laid out like the attention map it sits beside.

    ``queries``/``keys`` are its row and column labels; row ``i`` explains output row ``rows[i]``;
    column ``j`` sums the input positions ``columns[j]`` (flat indices into ``ids[0]``).
    """

    queries: list[str]
    keys: list[str]
    rows: list[int]
    columns: list[list[int]]
    level: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class AttributionInputs:
    """One input, ready for attribution.

    ``embeddings``, ``baseline`` and ``blank`` are ``[1, *shape, e]`` (``shape`` = the ids' shape without the
    batch). ``baseline`` (integrated gradients' starting point) and ``blank`` (a removed token) differ from
    ``embeddings`` only at ``attributable`` positions ``[*shape]`` (real tokens; not padding or [CLS]/[SEP]).
    ``probabilities(emb [N, *shape, e]) → [N, R, C]``: for each of the R explained outputs (one class
    decision, or one generated token per row) the distribution it was chosen from; ``targets[r]`` is the
    class (token) that was chosen on the unperturbed input.
    """

    model: str
    ids: torch.Tensor
    embeddings: torch.Tensor
    baseline: torch.Tensor
    blank: torch.Tensor
    attributable: torch.Tensor
    probabilities: Callable[[torch.Tensor], torch.Tensor]
    targets: list[int]
    target_labels: list[str]
    slots: list[MapSlot]
    output_labels: list[str] = field(default_factory=list)   # class names (classifiers)
    classes: int = 0          # C (for batch sizes: a forward pass holds N × R × C probabilities)
    notices: list[str] = field(default_factory=list)
    # integrated gradients' start: "padding" (``baseline`` as given) or "neutral" (see .baselines: one vector
    # moved from ``baseline_start [e]`` until the model's output is closest to uniform)
    ig_baseline: str = "padding"
    baseline_start: torch.Tensor | None = None
    # ``deleted(positions per variant) → [N, R, C]``: the outputs with those positions taken out of the input
    # (the sequence closes up), for removal that puts no token in their place; None when the model has none
    deleted: Callable[[list[list[int]]], torch.Tensor] | None = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def rows(self) -> int:
        """R, the number of explained outputs."""
        return len(self.targets)

    @property
    def batch_cost(self) -> int:
        """Numbers one example of a batch holds (embeddings and output distributions), to size batches."""
        return int(self.embeddings[0].numel()) + self.rows * max(self.classes, 1)

    @property
    def positions(self) -> int:
        """P, the number of input positions (including padding)."""
        return int(self.attributable.numel())

    def explained(self, emb: torch.Tensor) -> torch.Tensor:
        """Probability of each explained output ``[N, R]`` for embeddings ``[N, *shape, e]``."""
        probs = self.probabilities(emb)
        index = torch.tensor(self.targets, device=probs.device)[None, :, None].expand(probs.shape[0], -1, 1)
        return probs.gather(-1, index)[..., 0]

    def erased(self, positions: list[list[int]]) -> torch.Tensor:
        """One embedding tensor per list of positions, those positions blanked: ``[len(positions), *shape, e]``."""
        flat = self.embeddings.reshape(self.positions, -1)
        blank = self.blank.reshape(self.positions, -1)
        out = flat[None].repeat(len(positions), 1, 1)
        for i, pos in enumerate(positions):
            if pos:
                out[i, pos] = blank[pos]
        return out.reshape(len(positions), *self.embeddings.shape[1:])


@contextmanager
def embedding_override(layer: nn.Module, table: torch.Tensor) -> Iterator[None]:
    """While active, ``layer`` reads *position codes* instead of token ids: code ``c > 0`` → ``table[c − 1]``,
    code 0 (padding) → the layer's own output for PAD.

    A model that reshapes or reorders its ids before embedding them (and uses them otherwise only as
    ``ids != PAD``) then runs on arbitrary embeddings without a line of it changing. The hooks act only in
    the thread that installed them: the dashboard shares one loaded model between sessions.
    """
    codes: dict[str, torch.Tensor] = {}
    owner = threading.get_ident()

    def before(module: nn.Module, args: tuple) -> tuple | None:
        if threading.get_ident() != owner:
            return None
        codes["now"] = args[0]
        return (torch.full_like(args[0], PAD),) + tuple(args[1:])   # the layer itself only sees padding

    def after(module: nn.Module, args: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if threading.get_ident() != owner:
            return None
        c = codes["now"]
        picked = table[(c - 1).clamp(min=0)]
        return torch.where((c > 0)[..., None], picked, out)

    h1 = layer.register_forward_pre_hook(before)
    h2 = layer.register_forward_hook(after)
    try:
        yield
    finally:
        h1.remove()
        h2.remove()


def position_codes(ids: torch.Tensor, n: int) -> torch.Tensor:
    """Codes for ``n`` copies of ``ids [1, *shape]``: 1 + (copy · P + position) at real tokens, 0 at padding."""
    shape = ids.shape[1:]
    count = int(ids[0].numel())
    codes = torch.arange(1, n * count + 1, device=ids.device).reshape(n, *shape)
    return torch.where(ids != PAD, codes, torch.zeros_like(codes))


def no_cudnn() -> Any:
    """cuDNN's recurrent layers refuse a backward pass in eval mode; attribution runs them without cuDNN."""
    return torch.backends.cudnn.flags(enabled=False)


def classifier_inputs(model_id: str, layer: nn.Module, ids: torch.Tensor,
                      logits_of: Callable[[torch.Tensor], torch.Tensor], labels: list[str],
                      slots: Callable[[str], list[MapSlot]], blank_id: int = UNK) -> AttributionInputs:
    """Attribution inputs for a classifier that embeds ``ids [1, *shape]`` with ``layer`` and returns logits
    ``[N, C]`` from ``logits_of(ids)``; ``slots(predicted label)`` lays out the maps.

    Integrated gradients starts from a neutral baseline (:func:`.baselines.neutral_baseline`, from the mean
    of the layer's vocabulary); a removed token is ``blank_id`` (the inputs' real unknown word) or, for
    deletion, taken out of its sentence (the model masks padding, so the rest closes up)."""
    from .baselines import vocabulary_mean
    with torch.no_grad():
        emb = layer(ids).detach()
        base = layer(torch.full_like(ids, PAD)).detach()
        unk = layer(torch.full_like(ids, blank_id)).detach()
        probs = torch.softmax(logits_of(ids), -1)[0]
    real = ids[0] != PAD
    where = real[None, ..., None]

    def probabilities(e: torch.Tensor) -> torch.Tensor:
        n = e.shape[0]
        with embedding_override(layer, e.reshape(-1, e.shape[-1])), no_cudnn():
            return torch.softmax(logits_of(position_codes(ids, n)), -1)[:, None, :]

    def deleted(positions: list[list[int]]) -> torch.Tensor:
        codes = position_codes(ids, len(positions)).reshape(len(positions), -1)
        for i, pos in enumerate(positions):
            if pos:
                codes[i, pos] = 0
        codes = closed_up(codes.reshape(len(positions), *ids.shape[1:]))
        table = emb.reshape(-1, emb.shape[-1]).repeat(len(positions), 1)
        with torch.no_grad(), embedding_override(layer, table), no_cudnn():
            return torch.softmax(logits_of(codes), -1)[:, None, :]

    target = int(probs.argmax())
    return AttributionInputs(model_id, ids, emb, torch.where(where, base, emb), torch.where(where, unk, emb), real,
                             probabilities, [target], [labels[target]], slots(labels[target]), list(labels),
                             classes=len(labels), ig_baseline="neutral", baseline_start=vocabulary_mean(layer),
                             deleted=deleted)


def closed_up(codes: torch.Tensor) -> torch.Tensor:
    """Position codes ``[N, T]`` or ``[N, S, W]`` with the zeros (padding, deleted tokens) moved to the end of
    each row, and (for documents) emptied sentences moved after the others: what the recurrent models need
    (their masks must be prefixes)."""
    def left(x: torch.Tensor) -> torch.Tensor:
        order = torch.sort((x == 0).to(torch.int8), dim=-1, stable=True).indices
        return x.gather(-1, order)
    if codes.dim() == 2:
        return left(codes)
    n, s, w = codes.shape
    words = left(codes.reshape(n * s, w)).reshape(n, s, w)
    empty = (words == 0).all(-1).to(torch.int8)                     # [N, S]
    order = torch.sort(empty, dim=-1, stable=True).indices
    return words.gather(1, order[..., None].expand(n, s, w))


def translation_inputs(model_id: str, model: nn.Module, source: list[int], generated: list[int],
                       source_labels: list[str], target_labels: list[str], label: str,
                       device: torch.device) -> AttributionInputs:
    """Attribution inputs for a :class:`~attention_core.models.seq2seq.Seq2Seq` teacher-forced on its own
    output ``generated``: row t explains p(y_t | source, y_<t) over the source tokens (including the end token)."""
    src = torch.tensor([source], device=device)
    lengths = torch.tensor([len(source)])
    tgt_in = torch.tensor([[BOS] + generated[:-1]], device=device)
    with torch.no_grad():
        emb = model.embed(src).detach()
        base = model.embed(torch.full_like(src, PAD)).detach()
        blank = model.embed(torch.full_like(src, UNK)).detach()

    def probabilities(e: torch.Tensor) -> torch.Tensor:
        n = e.shape[0]
        with no_cudnn():
            logprobs = model(src.expand(n, -1), lengths.expand(n), tgt_in.expand(n, -1), src_embedded=e)[0]
        return logprobs.exp()

    def deleted(positions: list[list[int]]) -> torch.Tensor:
        keep = [[j for j in range(len(source)) if j not in set(pos)] for pos in positions]
        width = max(1, max(len(k) for k in keep))
        ids = torch.full((len(keep), width), PAD, dtype=torch.long, device=device)
        vectors = torch.zeros(len(keep), width, emb.shape[-1], device=device)
        for i, k in enumerate(keep):
            ids[i, :len(k)] = src[0, k]
            vectors[i, :len(k)] = emb[0, k]
        lengths = torch.tensor([max(1, len(k)) for k in keep])
        with torch.no_grad(), no_cudnn():
            return model(ids, lengths, tgt_in.expand(len(keep), -1), src_embedded=vectors)[0].exp()

    slot = MapSlot(list(target_labels), list(source_labels), list(range(len(generated))),
                   [[j] for j in range(len(source))], meta={"label": label})
    return AttributionInputs(model_id, src, emb, base, blank, torch.ones(len(source), dtype=torch.bool,
                             device=device), probabilities, list(generated), list(target_labels), [slot],
                             classes=int(model.out.out_features), deleted=deleted)
