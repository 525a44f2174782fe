"""Tiny random Hugging Face models of every architecture a user may bring, saved as folders (no network).

Each text model gets a word-level tokenizer saved beside it (``tokenizer.json``), the way a user's folder
holds the tokenizer it was trained with; the vision models get an image processor.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

WORDS = ("the a cat sat on mat dog ran attention lets model look back at every word it has read . , animal "
         "street didn't cross because was too tired bank river").split()
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "</s>", "<s>"]
PAD, UNK, CLS, SEP, MASK, EOS, BOS = range(7)
VOCAB = len(SPECIALS) + len(WORDS)


def save_tokenizer(folder: Path, template: str) -> None:
    """A whitespace word-level tokenizer; ``template`` is ``"cls-sep"`` (BERT-style), ``"eos"`` (T5/Marian)
    or ``"none"`` (decoder-only)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    tok = Tokenizer(models.WordLevel({t: i for i, t in enumerate(SPECIALS + WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    if template == "cls-sep":
        tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]",
                                                           special_tokens=[("[CLS]", CLS), ("[SEP]", SEP)])
    elif template == "eos":
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", EOS)])
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                            sep_token="[SEP]", mask_token="[MASK]", eos_token="</s>",
                            bos_token="<s>").save_pretrained(folder)


def save_image_processor(folder: Path, size: int) -> None:
    """A ViT image processor (mean/std 0.5) of ``size`` px."""
    from transformers import ViTImageProcessor
    ViTImageProcessor(size={"height": size, "width": size}, image_mean=[0.5] * 3, image_std=[0.5] * 3
                      ).save_pretrained(folder)


def _text(**small: int) -> dict[str, int]:
    return {"vocab_size": VOCAB, **small}


def builders() -> dict[str, tuple[Callable[[], object], str]]:
    """Folder name → (build the random model, tokenizer template or ``"image"``)."""
    import transformers as t
    enc = dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
               max_position_embeddings=64)
    labels = dict(id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1})
    dec = dict(eos_token_id=EOS, bos_token_id=BOS, pad_token_id=PAD)
    s2s = dict(decoder_start_token_id=PAD, eos_token_id=EOS, pad_token_id=PAD)
    vit = dict(image_size=32, patch_size=8, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
               intermediate_size=32)
    return {
        "bert": (lambda: t.BertModel(t.BertConfig(**_text(**enc))), "cls-sep"),
        "bert-classifier": (lambda: t.BertForSequenceClassification(t.BertConfig(**_text(**enc), **labels)),
                            "cls-sep"),
        "roberta": (lambda: t.RobertaModel(t.RobertaConfig(**_text(**{**enc, "max_position_embeddings": 70}),
                                                           pad_token_id=PAD)), "cls-sep"),
        "distilbert": (lambda: t.DistilBertModel(t.DistilBertConfig(
            vocab_size=VOCAB, dim=16, n_layers=2, n_heads=2, hidden_dim=32, max_position_embeddings=64)), "cls-sep"),
        "electra": (lambda: t.ElectraModel(t.ElectraConfig(**_text(**enc), embedding_size=16)), "cls-sep"),
        "gpt2": (lambda: t.GPT2LMHeadModel(t.GPT2Config(vocab_size=VOCAB, n_embd=16, n_layer=2, n_head=2,
                                                        n_positions=64, **dec)), "none"),
        "llama": (lambda: t.LlamaForCausalLM(t.LlamaConfig(**_text(**enc), num_key_value_heads=1, **dec)), "none"),
        "qwen2": (lambda: t.Qwen2ForCausalLM(t.Qwen2Config(**_text(**enc), num_key_value_heads=1, **dec)), "none"),
        "t5": (lambda: t.T5ForConditionalGeneration(t.T5Config(
            vocab_size=VOCAB, d_model=16, d_kv=8, d_ff=32, num_layers=2, num_decoder_layers=2, num_heads=2, **s2s)),
            "eos"),
        "marian": (lambda: t.MarianMTModel(t.MarianConfig(
            vocab_size=VOCAB, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
            decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64, **s2s)),
            "eos"),
        "bart": (lambda: t.BartForConditionalGeneration(t.BartConfig(
            vocab_size=VOCAB, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
            decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
            forced_eos_token_id=None, **s2s)), "eos"),
        "vit": (lambda: t.ViTModel(t.ViTConfig(**vit)), "image"),
        "vit-classifier": (lambda: t.ViTForImageClassification(t.ViTConfig(**vit, **labels)), "image"),
        "deit": (lambda: t.DeiTModel(t.DeiTConfig(**vit)), "image"),
        "dinov2": (lambda: t.Dinov2Model(t.Dinov2Config(**{**vit, "image_size": 32})), "image"),
    }


def build(root: Path, names: list[str] | None = None) -> Path:
    """Save the tiny models ``names`` (all by default) as folders under ``root`` → ``root``."""
    from transformers.utils import logging
    logging.disable_progress_bar()
    root.mkdir(parents=True, exist_ok=True)
    for name, (make, kind) in builders().items():
        if names is not None and name not in names:
            continue
        torch.manual_seed(0)
        folder = root / name
        make().save_pretrained(folder)
        if kind == "image":
            save_image_processor(folder, 32)
        else:
            save_tokenizer(folder, kind)
    return root
