"""Yang et al.'s view of a hierarchical attention network: words and sentences coloured by weight."""
from __future__ import annotations

from typing import Sequence

from attention_core.record import AttentionMap
from dashboard.escaping import escape


def _split(maps: list[AttentionMap]) -> tuple[AttentionMap, list[AttentionMap]]:
    sentence = next(m for m in maps if m.level == "sentence")
    words = [m for m in maps if m.level == "word"]
    return sentence, words


def document_html(maps: list[AttentionMap], *, word_scale: str = "sentence-weighted",
                  only: Sequence[int] | None = None) -> str:
    """HTML: each sentence with a red bar of its sentence weight, each word shaded by its word weight.

    ``word_scale="sentence-weighted"`` shades words by α_sentence·√α_word as the paper's figure does
    (so words of unimportant sentences fade); ``"raw"`` shades by the word weight alone. All user text
    is HTML-escaped here. ``only`` lists the sentences (0-based) to show, in that order (default: all);
    shades keep the whole document's scale, and each sentence shows its number.
    """
    sentence_map, word_maps = _split(maps)
    s_weights = sentence_map.weights[0]
    s_top = float(s_weights.max() or 1)
    weighted = word_scale == "sentence-weighted"
    shades = [m.weights[0] * (float(s_weights[i]) / s_top) ** 0.5 if weighted else m.weights[0]
              for i, m in enumerate(word_maps)]
    # Weighted shades share one scale across the document (so unimportant sentences fade);
    # raw word weights are scaled within their own sentence.
    doc_top = max((float(s.max()) for s in shades if s.size), default=1.0) or 1.0
    parts = ['<div style="line-height:1.9;font-size:1.0em">']
    order = range(len(word_maps)) if only is None else [i for i in only if 0 <= i < len(word_maps)]
    for i in order:
        wmap, shade = word_maps[i], shades[i]
        sw = float(s_weights[i]) if i < len(s_weights) else 0.0
        ww = wmap.weights[0]
        top = doc_top if weighted else float(shade.max() or 1)
        words = []
        for token, raw, value in zip(wmap.keys, ww, shade):
            alpha = value / top
            words.append(f'<span title="word weight {raw:.3g}" style="background:rgba(220,50,47,{alpha:.2f});'
                         f'padding:1px 2px;border-radius:3px">{escape(token, html=True)}</span>')
        bar = sw / s_top
        parts.append(
            f'<div style="display:flex;align-items:flex-start;margin:4px 0">'
            f'<div title="sentence weight {sw:.3g}" style="flex:0 0 14px;min-height:1.6em;margin-right:8px;'
            f'background:rgba(38,139,210,{bar:.2f});border:1px solid #268bd2"></div>'
            f'<div><span style="color:#586e75;font-size:0.8em">#{i + 1} · {sw:.3g}</span> {" ".join(words)}'
            '</div></div>')
    parts.append("</div>")
    return "".join(parts)
