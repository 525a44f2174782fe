"""One text through a multi-head encoder, prepared once and shared by every view of the Transformers page.

At 512 tokens the 72 maps are 75 MB (float32). Streamlit's data cache would copy them on every rerun and a
content hash of them costs ~150 ms, so the prepared bundle is kept as a shared resource keyed by its inputs
(model, text, options) and views receive small records cut from it (one head, a pooled grid, one token's
row and column), which the figure cache can fingerprint cheaply.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd
import streamlit as st

from attention_core import AttentionMap, Explanation
from attention_core.aggregate import drop_tokens
from attention_core.head_stats import distance_profiles, head_table

from .model_access import run

SPECIAL_TOKENS = frozenset({"[CLS]", "[SEP]", "<s>", "</s>", "<|endoftext|>"})


@dataclass
class HeadBundle:
    """An encoder's run on one text: its maps (layer-major), per-head statistics and distance profiles.

    Shared across sessions: never mutate it; derived results go through :meth:`memo`.
    """

    result: Explanation
    maps: list[AttentionMap]
    table: pd.DataFrame
    profiles: AttentionMap
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def tokens(self) -> list[str]:
        """Row (= column) labels of every map."""
        return self.maps[0].queries

    @property
    def layers(self) -> list[int]:
        """Layer numbers, in order."""
        return sorted({m.layer for m in self.maps})

    @property
    def heads(self) -> list[int]:
        """Head numbers, in order."""
        return sorted({m.head for m in self.maps})

    def head(self, layer: int, head: int) -> AttentionMap:
        """The map of one head."""
        return self.maps[self.layers.index(layer) * len(self.heads) + self.heads.index(head)]

    def in_layer(self, layer: int) -> list[AttentionMap]:
        """Every head of one layer."""
        return [m for m in self.maps if m.layer == layer]

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` once per bundle and ``key`` (pooled thumbnails, rollout...), shared by sessions."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]


@st.cache_resource(max_entries=6, show_spinner="Running the transformer…")
def _bundle(model_id: str, text: str, merge_words: bool, hide_special: bool) -> tuple[HeadBundle | None, str | None]:
    result, error = run(model_id, text, merge_words=merge_words)
    if error:
        return None, error
    # token × token self-attention only: a language model's result also holds its generated rows
    maps = [m for m in result.maps if m.meta.get("role", "self") == "self" and m.head is not None]
    if not maps:
        return None, f"{model_id} returned no self-attention per layer and head"
    if hide_special:
        maps = [drop_tokens(m, set(SPECIAL_TOKENS)) for m in maps]
        if not maps[0].queries:
            return None, "the text has no tokens besides [CLS] and [SEP]"
    maps = sorted(maps, key=lambda m: (m.layer, m.head))
    # keep the output and notices, not a second copy of the maps when [CLS]/[SEP] were dropped
    light = Explanation(result.model, result.output, [], list(result.notices))
    return HeadBundle(light, maps, head_table(maps), distance_profiles(maps)), None


def head_bundle(model_id: str, text: str, *, merge_words: bool, hide_special: bool,
                ) -> tuple[HeadBundle | None, str | None]:
    """``(bundle, None)`` or ``(None, one-line error)`` for ``text`` through a multi-head encoder (cached)."""
    return _bundle(model_id, text, bool(merge_words), bool(hide_special))
