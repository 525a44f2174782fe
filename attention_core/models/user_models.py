"""A user's own Hugging Face model: a folder (or, online, a hub id) opened as ``hf:<folder or id>``.

What the model is, and so what it declares, is read off its ``config.json`` — no task name is given:

=====================  ==========================================  ==============================================
architecture           loaded with (always eager attention)        maps (each equals ``output_attentions``)
=====================  ==========================================  ==============================================
encoder                ``AutoModel``                               self-attention per layer × head
encoder + classifier   ``AutoModelForSequenceClassification``      the same, plus its label and attribution
decoder-only LM        ``AutoModelForCausalLM``                    self-attention over prompt + generated tokens,
                                                                   and each generated token's row back to the text
encoder–decoder        ``AutoModelForSeq2SeqLM``                   cross-, encoder self- and decoder self-attention
vision transformer     ``AutoModel`` / ``…ForImageClassification``  [CLS] and patch rows on the patch grid, rollout
=====================  ==========================================  ==============================================

Folders a server's owner puts under ``$ATTENTION_ATLAS_MODELS_DIR`` are listed as ``hf:<folder name>`` for every
page whose needs they meet; a browser user only ever picks one of those names, never types a path. Weights are
read from safetensors only (nothing is unpickled), and a model too large for the free memory, or without eager
attention, is refused with one line.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from PIL import Image

from ..capabilities import Attribution, Capabilities, Family, Input, MapKind, Produces, Target
from ..device import resolve_device
from ..explanation import Explanation
from ..inputs import MAX_ENCODER_CHARS, InputError
from ..outputs import ClassDistribution, Generation, TokenSequence, Translation
from ..record import AttentionMap
from ..tasks import Task
from .base import ExplainerBase
from .registry import ModelLoadError, ModelSpec, register_resolver, register_source
from .transformers_adapters import merge_word_pieces, self_attention_stack, stack_maps, word_groups
from .vision import VisionTransformerAttention

PREFIX = "hf:"
MODELS_DIR_ENV = "ATTENTION_ATLAS_MODELS_DIR"
MAX_TOKENS = 512            # input tokens read (longer inputs are cut, with a notice)
MAX_NEW_TOKENS = 64         # generation is bounded: a page or the CLI never waits for a runaway decoder
DEFAULT_NEW_TOKENS = 20
MEMORY_SHARE = 0.8          # refuse a model whose weights need more than this share of the free memory
IMAGE_MEAN, IMAGE_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)   # ImageNet, when no processor is saved
DECODER_TYPES = {"gpt2", "llama", "qwen2", "qwen3", "gemma", "gemma2", "gemma3_text", "mistral", "phi", "phi3",
                 "gpt_neox", "opt", "falcon", "gptj", "bloom"}
VISION_TYPES = {"vit", "deit", "dinov2", "dinov2_with_registers", "beit", "vit_msn", "vit_mae"}


@dataclass(frozen=True)
class Architecture:
    """One kind of model this module opens: how to load it and what it declares."""

    name: str
    task: Task
    auto: str                                 # the transformers Auto class the explainer loads with
    capabilities: Callable[[str], Capabilities]   # display name → capabilities
    explainer: Callable[..., ExplainerBase]   # (model id, where, local, auto=…) → the explainer


# ---- where a model is ---------------------------------------------------------------------------------------
def models_dir() -> Path | None:
    """The folder the server's owner configured for user models (``$ATTENTION_ATLAS_MODELS_DIR``), if any."""
    value = os.environ.get(MODELS_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def folder_names() -> list[str]:
    """Names of the model folders (holding a ``config.json``) under :func:`models_dir`, sorted."""
    root = models_dir()
    if root is None or not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "config.json").is_file())


def locate(ref: str) -> tuple[str, bool]:
    """``ref`` (after ``hf:``) → ``(folder path or hub id, is a local folder)``.

    A bare name is looked up under :func:`models_dir` first, then as a folder path, then as a hub id."""
    root = models_dir()
    if root is not None and "/" not in ref and (root / ref / "config.json").is_file():
        return str(root / ref), True
    path = Path(ref).expanduser()
    if path.is_dir():
        return str(path.resolve()), True
    return ref, False


def _hub_error(ref: str, exc: BaseException) -> ModelLoadError:
    return ModelLoadError(
        f"{PREFIX}{ref}: not a model folder here and not loadable from the Hugging Face hub "
        f"({type(exc).__name__}; offline?) — give a local folder (hf:/path/to/model) or put it under "
        f"${MODELS_DIR_ENV}")


def read_config(where: str, local: bool) -> Any:
    """The model's ``PretrainedConfig`` (read from the folder, or the hub when online) or one-line error."""
    from transformers import AutoConfig
    if local:
        try:
            json.loads((Path(where) / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{where}: config.json is missing or not JSON ({type(exc).__name__})") from None
    try:
        return AutoConfig.from_pretrained(where, local_files_only=local)
    except Exception as exc:
        if not local:
            raise _hub_error(where, exc) from None
        raise ModelLoadError(f"{where}: config.json is not a Hugging Face config: "
                             f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}") from None


def architecture_of(config: Any) -> Architecture:
    """Which :data:`ARCHITECTURES` entry opens a model with this config (its ``architectures`` list first)."""
    names = " ".join(getattr(config, "architectures", None) or [])
    kind = getattr(config, "model_type", "")
    if kind == "vision-encoder-decoder":
        raise ModelLoadError("vision encoder–decoder captioners are opened as hf/vit-gpt2 style hub models, "
                             "not yet from a folder")
    if getattr(config, "is_encoder_decoder", False):
        return ARCHITECTURES["seq2seq"]
    if kind in VISION_TYPES or (hasattr(config, "patch_size") and hasattr(config, "image_size")
                                and not hasattr(config, "vocab_size")):
        return ARCHITECTURES["vision-classifier" if "ForImageClassification" in names else "vision"]
    if "ForCausalLM" in names or "LMHeadModel" in names or kind in DECODER_TYPES:
        return ARCHITECTURES["decoder"]
    if "ForSequenceClassification" in names:
        return ARCHITECTURES["classifier"]
    return ARCHITECTURES["encoder"]


def weights_problem(folder: Path, config: Any) -> str | None:
    """Why the folder's weights cannot be read here: none in safetensors, or more than the free memory."""
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        unsafe = [p.name for p in folder.glob("*.bin")] + [p.name for p in folder.glob("*.pt")]
        hint = (f" ({', '.join(unsafe)} is a pickle, which is never loaded here: re-save the model with "
                "save_pretrained(..., safe_serialization=True))" if unsafe else "")
        return f"{folder}: no .safetensors weights{hint}"
    size = sum(p.stat().st_size for p in files)
    dtype = str(getattr(config, "dtype", None) or "")
    need = size * (2 if ("16" in dtype) else 1)         # half-precision weights are read as float32 on the CPU
    free = free_memory()
    if free is not None and need > MEMORY_SHARE * free:
        return (f"{folder.name} needs about {need / 2**30:.1f} GB as float32 and this machine has "
                f"{free / 2**30:.1f} GB free: too large to open here")
    return None


def free_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``), or None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def load_auto(auto: str, where: str, local: bool, device: torch.device) -> Any:
    """``transformers.<auto>.from_pretrained`` with eager attention and safetensors only, or one line."""
    import transformers
    transformers.utils.logging.disable_progress_bar()   # one line per problem on the CLI, no loading bars
    cls = getattr(transformers, auto)
    try:
        model = cls.from_pretrained(where, attn_implementation="eager", local_files_only=local,
                                    use_safetensors=True, dtype=torch.float32)
    except Exception as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        if "eager" in text or "attn_implementation" in text:
            raise ModelLoadError(f"{where}: this architecture has no eager attention, so its attention weights "
                                 f"cannot be read ({type(exc).__name__})") from None
        if not local:
            raise _hub_error(where, exc) from None
        raise ModelLoadError(f"{where}: {auto} could not load it: {type(exc).__name__}: {text}") from None
    return model.to(device).eval()


def load_tokenizer(where: str, local: bool) -> Any:
    """The tokenizer saved beside the model, or one line saying it is missing."""
    from transformers import AutoTokenizer
    try:
        return AutoTokenizer.from_pretrained(where, local_files_only=local)
    except Exception as exc:
        raise ModelLoadError(f"{where}: no tokenizer saved beside the model ({type(exc).__name__}): save one with "
                             "tokenizer.save_pretrained(folder)") from None


# ---- explainers ---------------------------------------------------------------------------------------------
def short_name(where: str, local: bool) -> str:
    """A model's short display name: its folder's name, or the last part of a hub id."""
    return Path(where).name if local else where.rsplit("/", 1)[-1]


def class_names(config: Any, count: int) -> list[str]:
    """The config's ``id2label`` names for ``count`` classes (``class i`` where it names none)."""
    labels = getattr(config, "id2label", None) or {}
    return [str(labels.get(i, labels.get(str(i), f"class {i}"))) for i in range(count)]


def _decision(logits: torch.Tensor, names: list[str]) -> ClassDistribution:
    probs = torch.softmax(logits.float(), -1).cpu()
    return ClassDistribution(names[int(probs.argmax())], dict(zip(names, probs.tolist())))


@dataclass(frozen=True)
class Encoded:
    """One text through the model's tokenizer: tensors on the device, the full length before the cut, the cut
    and the word of every kept token (for merging word pieces)."""

    tensors: dict[str, torch.Tensor]
    full: int
    limit: int
    word_ids: list[int | None]

    @property
    def ids(self) -> torch.Tensor:
        """``input_ids`` ``[1, T]``."""
        return self.tensors["input_ids"]


class _UserModel(ExplainerBase):
    """Shared set-up: device, the loaded model, its tokenizer (text models) and a short display name."""

    def __init__(self, model_id: str, where: str, local: bool, auto: str, device: str = "auto",
                 text: bool = True) -> None:
        self.model_id, self.where = model_id, where
        self.short = short_name(where, local)
        self.device = resolve_device(device)
        self.tokenizer = load_tokenizer(where, local) if text else None
        self.model = load_auto(auto, where, local, self.device)
        self.config = self.model.config

    @property
    def positions(self) -> int:
        """How many tokens the model reads at most (its learned positions, capped at :data:`MAX_TOKENS`)."""
        learned = getattr(self.config, "max_position_embeddings", 0) or getattr(self.config, "n_positions", 0)
        return min(MAX_TOKENS, int(learned or MAX_TOKENS))

    def encode(self, text: str, limit: int | None = None) -> Encoded:
        """Tokenise ``text`` cut to ``limit`` (default: the model's position limit)."""
        limit = min(limit or self.positions, self.positions)
        if not text.strip():
            raise InputError("the text is empty")
        enc = self.tokenizer(text, return_tensors="pt", truncation=True, max_length=limit)
        full = len(self.tokenizer(text, verbose=False)["input_ids"])
        tensors = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
        return Encoded(tensors, full, limit, enc.word_ids())

    def tokens(self, ids: torch.Tensor | list[int]) -> list[str]:
        """Readable labels of token ids (byte-level markers such as ``Ġ`` turned into spaces)."""
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
        return [self.tokenizer.convert_tokens_to_string([t]).strip() or t
                for t in self.tokenizer.convert_ids_to_tokens(ids)]


def _cut_notice(full: int, limit: int) -> list[str]:
    return [f"The input was cut to its first {limit} tokens, the model's limit here (it has {full})."] \
        if full > limit else []


class UserEncoder(_UserModel):
    """An encoder (BERT, RoBERTa, DistilBERT, ELECTRA, XLM-R): its self-attention per layer and head; with a
    sequence-classification head also its decision, which attribution explains through the input embeddings."""

    def __init__(self, model_id: str, where: str, local: bool, device: str = "auto",
                 auto: str = "AutoModel") -> None:
        super().__init__(model_id, where, local, auto, device)
        self.classifier = auto == "AutoModelForSequenceClassification"
        self.labels = class_names(self.config, len(getattr(self.config, "id2label", None) or {})) \
            if self.classifier else []

    def explain(self, inp: str, merge_words: bool = False, **_: Any) -> Explanation:
        """Every layer's and head's map; ``merge_words=True`` merges word pieces into words (rows averaged,
        columns summed)."""
        enc = self.encode(inp)
        out = self.model(**enc.tensors, output_attentions=True)
        labels = self.tokens(enc.ids[0])
        stack = self_attention_stack(out.attentions)                       # [layers, heads, T, T]
        meta: dict[str, Any] = {"role": "self"}
        if merge_words:
            groups = word_groups(enc.word_ids)
            if sum(len(g) for g in groups) == stack.shape[-1]:
                pieces = self.tokenizer.convert_ids_to_tokens(enc.ids[0].tolist())
                labels = [self.tokenizer.convert_tokens_to_string([pieces[i] for i in g]).strip() or pieces[g[0]]
                          for g in groups]
                stack = merge_word_pieces(stack, groups)
                meta["merged"] = "word pieces merged: columns summed, rows averaged"
        maps = stack_maps(stack, labels, labels, self.model_id, self.short, **meta)
        output = (_decision(out.logits[0], self.labels) if self.classifier else
                  TokenSequence(self.tokens(enc.ids[0]), stack.shape[0], stack.shape[1], enc.full))
        return Explanation(self.model_id, output, maps, _cut_notice(enc.full, enc.limit))

    def attributor(self) -> "UserEncoder":
        """The classifier attribution explains: this model's own head (:class:`ModelLoadError` without one)."""
        if not self.classifier:
            raise ModelLoadError(f"{self.model_id} has no classification head to attribute")
        return self

    def classify(self, text: str) -> ClassDistribution:
        """The head's decision on ``text`` (one forward pass, no attention maps)."""
        with torch.no_grad():
            return _decision(self.attributor().model(**self.encode(text).tensors).logits[0], self.labels)

    def attention_importance(self, text: str, flow: bool = True, **_: Any) -> dict[str, Any]:
        """Per layer, raw / rollout / flow importance of each token for the head's input, the first token
        (where BERT-style sequence classifiers read the sentence), each ``[L, T]``."""
        import numpy as np
        from ..attribution.flow import FLOW_MAX_TOKENS, flow_per_layer, raw_per_layer, rollout_per_layer
        enc = self.encode(text)
        with torch.no_grad():
            out = self.model(**enc.tensors, output_attentions=True)
        layers = torch.stack([a[0].mean(0) for a in out.attentions]).double().cpu().numpy()
        query = np.zeros(layers.shape[-1])
        query[0] = 1.0
        return {"tokens": self.tokens(enc.ids[0]), "raw": raw_per_layer(layers, query),
                "rollout": rollout_per_layer(layers, query),
                "flow": flow_per_layer(layers, query, max_tokens=FLOW_MAX_TOKENS) if flow else None}

    def attribution_inputs(self, text: str, **_: Any) -> Any:
        """The input embeddings (``get_input_embeddings()``) and the head's probabilities as their function;
        special tokens are never blanked; integrated gradients start from the [MASK] (else [PAD]) embedding."""
        from ..attribution.inputs import AttributionInputs, MapSlot
        if not self.classifier:
            raise ModelLoadError(f"{self.model_id} has no classification head to attribute")
        enc = self.encode(text)
        ids, mask = enc.ids, enc.tensors["attention_mask"]
        table = self.model.get_input_embeddings()
        special = set(self.tokenizer.all_special_ids)
        real = torch.tensor([i not in special for i in ids[0].tolist()], device=self.device)
        neutral = next((t for t in (self.tokenizer.mask_token_id, self.tokenizer.pad_token_id,
                                    self.tokenizer.unk_token_id) if t is not None), 0)
        blank_id = self.tokenizer.unk_token_id if self.tokenizer.unk_token_id is not None else neutral
        with torch.no_grad():
            emb = table(ids)
            base, blank = table(torch.full_like(ids, neutral)), table(torch.full_like(ids, blank_id))
        where = real[None, :, None]

        def probabilities(e: torch.Tensor) -> torch.Tensor:
            logits = self.model(inputs_embeds=e, attention_mask=mask.expand(e.shape[0], -1)).logits
            return torch.softmax(logits.float(), -1)[:, None, :]

        with torch.no_grad():
            target = int(probabilities(emb)[0, 0].argmax())
        tokens = self.tokens(ids[0])
        slot = MapSlot([f"→ {self.labels[target]}"], tokens, [0], [[j] for j in range(len(tokens))],
                       meta={"label": "input tokens"})
        return AttributionInputs(self.model_id, ids, emb, torch.where(where, base, emb),
                                 torch.where(where, blank, emb), real, probabilities, [target],
                                 [self.labels[target]], [slot], list(self.labels), classes=len(self.labels))


class UserDecoder(_UserModel):
    """A decoder-only language model (GPT-2, Llama, Qwen2, Gemma, Mistral): greedy continuation of the text,
    then the attention of one forward pass over prompt + continuation (what ``output_attentions`` returns)."""

    def __init__(self, model_id: str, where: str, local: bool, device: str = "auto",
                 auto: str = "AutoModelForCausalLM") -> None:
        super().__init__(model_id, where, local, auto, device)

    def explain(self, inp: str, max_new_tokens: int = DEFAULT_NEW_TOKENS, **_: Any) -> Explanation:
        """Generate up to ``max_new_tokens`` (at most :data:`MAX_NEW_TOKENS`) → self-attention over every
        token per layer × head (``role="self"``) and each generated token's row (``role="generation"``)."""
        if not 1 <= int(max_new_tokens) <= MAX_NEW_TOKENS:
            raise InputError(f"max_new_tokens must be from 1 to {MAX_NEW_TOKENS}, got {max_new_tokens}")
        # the prompt leaves room for the continuation within the model's positions
        enc = self.encode(inp, limit=max(1, self.positions - int(max_new_tokens)))
        pad = self.tokenizer.pad_token_id
        pad = pad if pad is not None else self.config.eos_token_id if self.config.eos_token_id is not None else 0
        sequence = self.model.generate(**enc.tensors, max_new_tokens=int(max_new_tokens), do_sample=False, num_beams=1,
                                       pad_token_id=pad)[0]
        prompt = enc.ids.shape[1]
        out = self.model(input_ids=sequence[None], output_attentions=True)
        stack = self_attention_stack(out.attentions)                       # [layers, heads, T, T]
        labels = self.tokens(sequence)
        maps = stack_maps(stack, labels, labels, self.model_id, self.short, role="self")
        generated = sequence[prompt:]
        if len(generated):
            # the logits at position p choose token p + 1: rows prompt-1 … T-2 produced the generated tokens
            rows = stack[:, :, prompt - 1: len(sequence) - 1, : len(sequence) - 1]
            context = labels[: len(sequence) - 1]
            maps += [AttentionMap("multi-head", labels[prompt:], context, rows[layer, head].numpy(), layer=layer,
                                  head=head, meta={"model": self.model_id, "role": "generation", "prompt": prompt,
                                                   "label": f"{self.short} generation L{layer} H{head}"})
                     for layer in range(rows.shape[0]) for head in range(rows.shape[1])]
        text = self.tokenizer.decode(generated, skip_special_tokens=True)
        notices = _cut_notice(enc.full, enc.limit)
        if len(generated) == int(max_new_tokens):
            notices.append(f"Generation stopped at {max_new_tokens} new tokens (the bound asked for).")
        return Explanation(self.model_id, Generation(inp, text, len(generated)), maps, notices)


class UserSeq2Seq(_UserModel):
    """An encoder–decoder (Marian, T5, BART): greedy output, then one teacher-forced pass on it for the
    cross-attention (rows = generated tokens), the encoder's and the decoder's self-attention."""

    def __init__(self, model_id: str, where: str, local: bool, device: str = "auto",
                 auto: str = "AutoModelForSeq2SeqLM") -> None:
        super().__init__(model_id, where, local, auto, device)

    def explain(self, inp: str, max_new_tokens: int = DEFAULT_NEW_TOKENS * 3, **_: Any) -> Explanation:
        """The output text and its maps: ``role`` in meta is ``cross``, ``encoder`` or ``decoder``."""
        if not 1 <= int(max_new_tokens) <= MAX_NEW_TOKENS * 2:
            raise InputError(f"max_new_tokens must be from 1 to {MAX_NEW_TOKENS * 2}, got {max_new_tokens}")
        enc = self.encode(inp)
        sequence = self.model.generate(**enc.tensors, max_new_tokens=int(max_new_tokens), do_sample=False,
                                       num_beams=1)[0]
        decoder_in = sequence[:-1][None]                    # the start token and every output token but the last
        out = self.model(**enc.tensors, decoder_input_ids=decoder_in, output_attentions=True)
        source = self.tokens(enc.ids[0])
        target = self.tokens(sequence[1:])
        context = self.tokens(sequence[:-1])
        cross = self_attention_stack(out.cross_attentions)                 # [layers, heads, T, S]
        maps = [AttentionMap("cross-attention", target, source, cross[layer, head].numpy(), layer=layer, head=head,
                             meta={"model": self.model_id, "role": "cross",
                                   "label": f"{self.short} cross L{layer} H{head}"})
                for layer in range(cross.shape[0]) for head in range(cross.shape[1])]
        maps += stack_maps(self_attention_stack(out.encoder_attentions), source, source, self.model_id,
                           f"{self.short} encoder", role="encoder")
        maps += stack_maps(self_attention_stack(out.decoder_attentions), target, context, self.model_id,
                           f"{self.short} decoder", role="decoder")
        notices = _cut_notice(enc.full, enc.limit)
        if len(sequence) - 1 >= int(max_new_tokens):
            notices.append(f"Decoding stopped at {max_new_tokens} tokens (the bound asked for).")
        text = self.tokenizer.decode(sequence, skip_special_tokens=True)
        return Explanation(self.model_id, Translation(text), maps, notices)


def _image_normalisation(where: str, local: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std of the image processor saved beside the model (ImageNet's when there is none)."""
    mean, std = IMAGE_MEAN, IMAGE_STD
    try:
        from transformers import AutoImageProcessor
        processor = AutoImageProcessor.from_pretrained(where, local_files_only=local)
        mean, std = tuple(processor.image_mean), tuple(processor.image_std)
    except Exception:   # no preprocessor_config.json: the ImageNet statistics most ViTs were trained with
        pass
    return torch.tensor(mean)[:, None, None], torch.tensor(std)[:, None, None]


class UserVision(VisionTransformerAttention):
    """A vision transformer from a folder (ViT, DeiT, DINOv2) as the Vision page's explainer: its one trained
    input size, its processor's pixel statistics; with a classification head its output is the predicted class."""

    def __init__(self, model_id: str, where: str, local: bool, device: str = "auto",
                 auto: str = "AutoModel") -> None:
        resolved = resolve_device(device)
        model = load_auto(auto, where, local, resolved)
        config = model.config
        mean, std = _image_normalisation(where, local)
        super().__init__(model_id, device=str(resolved), model=model, patch=int(config.patch_size),
                         sizes=(int(config.image_size),), short=short_name(where, local), mean=mean, std=std)
        self.classifier = auto == "AutoModelForImageClassification"

    def output(self, image: Image.Image, size: int, out: Any, grid: tuple[int, int], tokens: int,
               query_patch: list[int] | None) -> Any:
        """The predicted class with a head, else the patch grid."""
        if not self.classifier:
            return super().output(image, size, out, grid, tokens, query_patch)
        return _decision(out.logits[0], class_names(self.model.config, out.logits.shape[-1]))


# ---- what each architecture declares ---------------------------------------------------------------------------
def _family(display: str) -> Family:
    return Family(f"{PREFIX}{display}", label=f"Your model: {display}",
                  wording="A model from the server's model folder, opened with Hugging Face transformers.")


def _text_caps(produces: Produces, maps: set[MapKind], attribution: Attribution | None = None,
               decoding: tuple[str, ...] = ()) -> Callable[[str], Capabilities]:
    return lambda display: Capabilities(input=Input.TEXT, produces=produces, maps=frozenset(maps),
                                                family=_family(display), attribution=attribution,
                                                decoding=decoding, user=True)


def _vision_caps(produces: Produces) -> Callable[[str], Capabilities]:
    return lambda display: Capabilities(
        input=Input.IMAGE, produces=produces, maps=frozenset({MapKind.SELF, MapKind.LAYERS_HEADS, MapKind.PATCH_GRID}),
        family=_family(display), user=True)


ARCHITECTURES: dict[str, Architecture] = {a.name: a for a in (
    Architecture("encoder", Task.ENCODER, "AutoModel",
                 _text_caps(Produces.TOKENS, {MapKind.SELF, MapKind.LAYERS_HEADS}),
                 UserEncoder),
    Architecture("classifier", Task.ENCODER, "AutoModelForSequenceClassification",
                 _text_caps(Produces.LABEL, {MapKind.SELF, MapKind.LAYERS_HEADS},
                            Attribution("input embeddings", Target.DECISION,
                                        note="The model's own classification head makes the decision; "
                                             "attention is summarised for the first token, which the head "
                                             "reads.")),
                 UserEncoder),
    Architecture("decoder", Task.ENCODER, "AutoModelForCausalLM",
                 _text_caps(Produces.GENERATION, {MapKind.SELF, MapKind.LAYERS_HEADS}, decoding=("greedy",)),
                 UserDecoder),
    Architecture("seq2seq", Task.TRANSLATION, "AutoModelForSeq2SeqLM",
                 _text_caps(Produces.TRANSLATION, {MapKind.CROSS, MapKind.LAYERS_HEADS}, decoding=("greedy",)),
                 UserSeq2Seq),
    Architecture("vision", Task.VISION, "AutoModel", _vision_caps(Produces.TOKENS),
                 UserVision),
    Architecture("vision-classifier", Task.VISION, "AutoModelForImageClassification", _vision_caps(Produces.LABEL),
                 UserVision),
)}


# ---- specs: resolved on demand (hf:PATH) and listed from the models folder ---------------------------------
def user_spec(model_id: str) -> ModelSpec:
    """The spec of ``hf:<folder name | folder path | hub id>``; :class:`ModelLoadError` (one line) if there is
    no readable model there."""
    ref = model_id[len(PREFIX):].strip()
    if not ref:
        raise ModelLoadError(f"{PREFIX} needs a model folder or hub id after it, e.g. hf:/path/to/model")
    where, local = locate(ref)
    config = read_config(where, local)
    arch = architecture_of(config)
    display = Path(where).name if local else ref
    kind = getattr(config, "model_type", "?")
    layers = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layer", "?")
    heads = getattr(config, "num_attention_heads", None) or getattr(config, "n_head", "?")

    def problem() -> str | None:
        if not local:
            return None                      # a hub model: loading it says what is wrong
        return weights_problem(Path(where), config) if Path(where).is_dir() else f"{where}: the folder is gone"

    return ModelSpec(id=model_id, task=arch.task, mechanism="multi-head",
                     description=f"your model {display} ({kind} {arch.name}, {layers} layers × {heads} heads) from "
                                 f"{'a local folder' if local else 'the Hugging Face hub'}",
                     input_kind=("image" if arch.name.startswith("vision") else "text"),
                     loader=lambda: arch.explainer(model_id, where, local, auto=arch.auto),
                     capabilities=arch.capabilities(display), shipped=False, check=problem,
                     samples=() if arch.name.startswith("vision") else _text_samples(arch.name),
                     max_chars=MAX_ENCODER_CHARS)


def _text_samples(kind: str) -> tuple[str, ...]:
    if kind == "decoder":
        return ("Attention lets a model look back at", "The capital of France is")
    return ("The animal didn't cross the street because it was too tired.",
            "Attention lets a model look back at every word it has read.")


def folder_specs() -> list[ModelSpec]:
    """Specs of every model folder under :func:`models_dir` (a folder that cannot be read is skipped with its
    reason kept in :data:`BROKEN`, so one broken folder hides no other). Re-read only when a folder's
    ``config.json`` changes: pages list models on every rerun."""
    root = models_dir()
    specs = []
    for name in folder_names():
        config = root / name / "config.json"
        key = (str(root), name, config.stat().st_mtime_ns)
        if key not in _SPECS:
            try:
                _SPECS[key] = user_spec(PREFIX + name)
                BROKEN.pop(name, None)
            except ModelLoadError as exc:
                _SPECS[key] = None
                BROKEN[name] = str(exc)
        if _SPECS[key] is not None:
            specs.append(_SPECS[key])
    return specs


_SPECS: dict[tuple[str, str, int], ModelSpec | None] = {}
BROKEN: dict[str, str] = {}   # folder name → why it could not be listed

register_resolver(PREFIX, user_spec)
register_source(folder_specs)
