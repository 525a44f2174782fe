"""MiniLM: time to extract all 72 attention maps of a 64-token input, and to build the model-view figure.

    python -m benchmarks.transformers
"""
from __future__ import annotations

import time

import torch

from benchmarks.timing import median_ms


def run(device: str = "cpu", repeats: int = 15) -> dict[str, float]:
    """Median times (ms) of the forward pass, extraction to records, and the model-view figure."""
    from attention_core.models.hf_models import EncoderAttention, minilm_path
    from dashboard.views.transformer_views import head_view, model_view
    t0 = time.perf_counter()
    model = EncoderAttention("transformer/minilm-l6", minilm_path(), "MiniLM", device=device)
    load_ms = (time.perf_counter() - t0) * 1000
    words = "attention lets every token look at every other token and weigh what it finds".split()
    text = " ".join((words * 8)[:62])                                # 62 words → 64 tokens with [CLS], [SEP]
    tokens = len(model.tokenizer(text)["input_ids"])
    result = model.explain(text)
    with torch.no_grad():
        enc = model.tokenizer(text, return_tensors="pt").to(model.device)
        forward = median_ms(lambda: model.model(**enc, output_attentions=True), repeats)
    extract = median_ms(lambda: model.explain(text), repeats)
    merged = median_ms(lambda: model.explain(text, merge_words=True), repeats)
    view = median_ms(lambda: model_view(result.maps), max(3, repeats // 3))
    heads = median_ms(lambda: head_view(result.maps, 5), max(3, repeats // 3))
    return {"device": device, "tokens": tokens, "maps": len(result.maps), "load (ms)": load_ms,
            "forward with attentions (ms)": forward, "extract 72 maps (ms)": extract,
            "extract + merge word pieces (ms)": merged, "model view figure (ms)": view,
            "head view figure (ms)": heads}


def main() -> None:
    """Print one table row per device."""
    import pandas as pd
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = [run(d) for d in devices]
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".1f"))


if __name__ == "__main__":
    main()
