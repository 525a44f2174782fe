"""AttentionMap → Parquet rows: one row per map with its labels, weights and per-map statistics.

The statistics are what a corpus view aggregates: mean row entropy, largest weight, the share of weight
on special tokens and on punctuation, the mean distance from the diagonal and a relative-position
profile (maps with several rows), the alignment error rate against gold links (translation maps whose
example carries them), sentence BLEU against a reference, and — for multi-head models — the
Jensen–Shannon distance from each head's map to every other head's map on the same input.
"""
from __future__ import annotations

import json
import unicodedata
from typing import Any, Sequence

import numpy as np
import pyarrow as pa
from scipy.special import entr

from ..explanation import Explanation
from ..outputs import Caption, ClassDistribution, Translation
from ..record import AttentionMap
from ..stats import row_entropy
from .datasets import Example

SPECIAL_TOKENS = frozenset({"[CLS]", "[SEP]", "[PAD]", "[UNK]", "<s>", "</s>", "<pad>", "<unk>", "<empty>"})
PROFILE_SPAN = 5    # relative positions −5 … +5, the two ends pooled ("≤ −5", "≥ +5")
PROFILE_LABELS = [f"≤−{PROFILE_SPAN}"] + [f"{o:+d}" for o in range(-PROFILE_SPAN + 1, PROFILE_SPAN)] + [f"≥+{PROFILE_SPAN}"]
META_DROPPED = ("content_weights",)   # derivable from weights and centres; would double a map's size
SCHEMA_VERSION = 1

SCHEMA = pa.schema([
    ("model", pa.string()), ("task", pa.string()), ("dataset", pa.string()),
    ("example_index", pa.int64()), ("example_id", pa.string()), ("input", pa.string()),
    ("label", pa.string()), ("target", pa.string()), ("prediction", pa.string()), ("correct", pa.bool_()),
    ("map_index", pa.int32()), ("mechanism", pa.string()), ("title", pa.string()),
    ("layer", pa.int32()), ("head", pa.int32()), ("hop", pa.int32()), ("level", pa.string()),
    ("rows", pa.int32()), ("cols", pa.int32()),
    ("queries", pa.list_(pa.string())), ("keys", pa.list_(pa.string())),
    ("weights", pa.list_(pa.float32())),          # row-major [rows * cols]; null when not kept
    ("grid", pa.list_(pa.int32())), ("centers", pa.list_(pa.float64())), ("meta", pa.string()),
    # statistics in single precision and list statistics in half precision (±2.5e-4 on [0, 1]): a
    # transformer export has 72 rows per input, and these columns are most of its size
    ("entropy", pa.float32()), ("entropy_norm", pa.float32()), ("max_weight", pa.float32()),
    ("special_mass", pa.float32()), ("punct_mass", pa.float32()),
    ("diag_distance", pa.float32()), ("rel_profile", pa.list_(pa.float16())),
    ("aer", pa.float64()), ("bleu", pa.float64()), ("head_js", pa.list_(pa.float16())),
])


def is_punctuation(token: str) -> bool:
    """True for a token made only of punctuation marks (``.``, ``,``, ``--``, ``'``…)."""
    core = token.lstrip("·▁")
    return bool(core) and all(unicodedata.category(ch).startswith("P") for ch in core)


def _share(w: np.ndarray, columns: np.ndarray) -> float:
    """Share of the map's total weight in the boolean ``columns [cols]``."""
    total = float(w.sum())
    return float(w[:, columns].sum()) / total if total > 0 else 0.0


def special_mass(amap: AttentionMap) -> float:
    """Share of total weight on special tokens ([CLS], [SEP], </s>, <unk>…)."""
    return _share(amap.weights, np.array([k in SPECIAL_TOKENS for k in amap.keys]))


def punctuation_mass(amap: AttentionMap) -> float:
    """Share of total weight on punctuation tokens."""
    return _share(amap.weights, np.array([is_punctuation(k) for k in amap.keys]))


def _offsets(amap: AttentionMap) -> np.ndarray | None:
    """``[rows, cols]`` column minus the row's diagonal position (scaled when rows ≠ cols); None for 1 row."""
    rows, cols = amap.shape
    if rows < 2:
        return None
    # a rectangular map (target × source) runs its diagonal from corner to corner
    slope = 1.0 if rows == cols else (cols - 1) / (rows - 1)
    return np.arange(cols)[None, :] - slope * np.arange(rows)[:, None]


def diagonal_distance(amap: AttentionMap) -> float | None:
    """Mean |column − diagonal position| weighted by attention, in key positions (None for one-row maps)."""
    off = _offsets(amap)
    total = float(amap.weights.sum())
    if off is None or total <= 0:
        return None
    return float((amap.weights * np.abs(off)).sum() / total)


def relative_profile(amap: AttentionMap, span: int = PROFILE_SPAN) -> list[float] | None:
    """Share of weight at each offset from the diagonal, ``[2·span + 1]`` (ends pooled); None for one row."""
    off = _offsets(amap)
    total = float(amap.weights.sum())
    if off is None or total <= 0:
        return None
    bins = np.clip(np.rint(off).astype(int), -span, span) + span
    return (np.bincount(bins.ravel(), weights=amap.weights.ravel(), minlength=2 * span + 1) / total).tolist()


def alignment_error(amap: AttentionMap, example: Example) -> float | None:
    """AER of each linked row's argmax against the gold links (Och & Ney, sure links only), or None.

    Gold links index the reference's tokens; a generated row inherits the links of the reference token
    it spells when that token occurs once in the reference, so a wrong word has no gold link.
    """
    if not example.links or example.target is None:
        return None
    source = example.input.split()
    keys = amap.keys[:-1] if amap.keys and amap.keys[-1] == "</s>" else amap.keys
    if len(keys) != len(source):
        return None   # the model's tokens are not the whitespace tokens the links index
    reference = [t.lower() for t in example.target.split()]
    gold_by_ref: dict[int, set[int]] = {}
    for t, s in example.links:
        gold_by_ref.setdefault(t, set()).add(s)
    gold, predicted = set(), set()
    for row, token in enumerate(amap.queries):
        where = [i for i, r in enumerate(reference) if r == token.lower()]
        if len(where) != 1 or where[0] not in gold_by_ref:
            continue
        gold |= {(row, s) for s in gold_by_ref[where[0]]}
        predicted.add((row, int(amap.weights[row].argmax())))
    if not gold:
        return None
    return 1.0 - 2 * len(gold & predicted) / (len(gold) + len(predicted))


def sentence_bleu(prediction: str | None, target: str | None) -> float | None:
    """Sentence BLEU (sacrebleu, lowercased, 0–100) of a translation against its reference."""
    if prediction is None or target is None:
        return None
    import sacrebleu
    return float(sacrebleu.sentence_bleu(prediction, [target], lowercase=True).score)


def head_distances(maps: Sequence[AttentionMap]) -> np.ndarray | None:
    """``[heads, heads]`` mean over rows of the Jensen–Shannon distance (base 2, in [0, 1]) between heads' maps.

    None unless every map has a layer and head and all share one shape.
    """
    if len(maps) < 2 or any(m.layer is None or m.head is None for m in maps) or len({m.shape for m in maps}) > 1:
        return None
    stack = np.stack([m.weights for m in maps])                        # [heads, rows, cols]
    stack = stack / np.clip(stack.sum(-1, keepdims=True), 1e-12, None)
    # JS(P, Q) = H((P + Q) / 2) − (H(P) + H(Q)) / 2, row by row; entropies in bits
    own = entr(stack).sum(-1) / np.log(2)                               # [heads, rows]
    out = np.empty((len(maps), len(maps)))
    for a in range(len(maps)):   # one head against all: [heads, rows, cols] at a time bounds memory
        mixed = entr((stack[a][None] + stack) / 2).sum(-1) / np.log(2)
        js = np.clip(mixed - (own[a][None] + own) / 2, 0.0, 1.0)
        out[a] = np.sqrt(js).mean(-1)
    return out


def is_positional(amap: AttentionMap, rows_are_positions: bool) -> bool:
    """True when rows are positions in a sequence: self-attention (rows = columns), or a text model's
    target × source map (``rows_are_positions``: the model declares text cross-attention)."""
    return amap.grid is None and (rows_are_positions or amap.queries == amap.keys)


def map_statistics(amap: AttentionMap, example: Example | None = None, prediction: str | None = None,
                   positional: bool = True) -> dict[str, Any]:
    """The statistics columns of one map (see :data:`SCHEMA`); position statistics only when ``positional``."""
    entropy = row_entropy(amap)
    cols = amap.shape[1]
    is_translation = example is not None and example.target is not None and prediction is not None
    return {
        "entropy": float(entropy.mean()),
        "entropy_norm": float(entropy.mean() / np.log(cols)) if cols > 1 else 0.0,
        "max_weight": float(amap.weights.max()),
        "special_mass": special_mass(amap),
        "punct_mass": punctuation_mass(amap),
        "diag_distance": diagonal_distance(amap) if positional else None,
        "rel_profile": relative_profile(amap) if positional else None,
        "aer": alignment_error(amap, example) if example is not None else None,
        "bleu": sentence_bleu(prediction, example.target) if is_translation else None,
    }


def prediction_of(output: Any) -> str | None:
    """The model's answer as text: a classifier's label, a translation or caption; None otherwise."""
    if isinstance(output, (Translation, Caption)):
        return output.text
    if isinstance(output, ClassDistribution):
        return output.label
    return None


def explanation_rows(result: Explanation, example: Example, *, task: str, dataset: str,
                     rows_are_positions: bool = False,
                     keep_weights: bool = True) -> list[dict[str, Any]]:
    """One row per map of ``result`` (statistics always; flattened weights when ``keep_weights``)."""
    prediction = prediction_of(result.output)
    text_answer = prediction if isinstance(result.output, (Translation, Caption)) else None
    distances = head_distances(result.maps)
    rows = []
    for index, amap in enumerate(result.maps):
        meta = {k: v for k, v in amap.to_dict()["meta"].items() if k not in META_DROPPED}
        # the typed local-attention fields ride in the meta column (read back by row_to_map)
        meta.update({k: v for k, v in (("window", amap.window), ("top_k", amap.top_k)) if v is not None})
        if amap.sub_stochastic:
            meta["sub_stochastic"] = True
        rows.append({
            "model": result.model, "task": task, "dataset": dataset,
            "example_index": example.index, "example_id": example.id, "input": example.input,
            "label": example.label, "target": example.target, "prediction": prediction,
            "correct": None if example.label is None or prediction is None else prediction == example.label,
            "map_index": index, "mechanism": amap.mechanism, "title": amap.title,
            "layer": amap.layer, "head": amap.head, "hop": amap.hop, "level": amap.level,
            "rows": amap.shape[0], "cols": amap.shape[1], "queries": amap.queries, "keys": amap.keys,
            "weights": amap.weights.astype(np.float32).ravel() if keep_weights else None,
            "grid": list(amap.grid) if amap.grid else None, "centers": amap.centers,
            "meta": json.dumps(meta, ensure_ascii=False, sort_keys=True),
            **map_statistics(amap, example, text_answer, is_positional(amap, rows_are_positions)),
            "head_js": None if distances is None else distances[index].astype(np.float16),
        })
    return rows


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows → an Arrow table with :data:`SCHEMA` (an empty table when there are none)."""
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def row_to_map(row: dict[str, Any]) -> AttentionMap | None:
    """Rebuild the AttentionMap of one exported row (None when its weights were not kept)."""
    if row.get("weights") is None:
        return None
    weights = np.asarray(row["weights"], dtype=np.float64).reshape(int(row["rows"]), int(row["cols"]))
    meta = json.loads(row["meta"]) if row.get("meta") else {}
    grid = row.get("grid")
    centers = row.get("centers")
    record = {"mechanism": row["mechanism"], "queries": list(row["queries"]), "keys": list(row["keys"]),
              "weights": weights, "layer": _opt_int(row.get("layer")), "head": _opt_int(row.get("head")),
              "hop": _opt_int(row.get("hop")), "level": row.get("level") or None,
              "grid": list(grid) if grid is not None and len(grid) else None,
              "centers": None if centers is None or not len(centers) else list(centers)}
    for name in ("window", "top_k", "sub_stochastic"):
        if name in meta:
            record[name] = meta.pop(name)
    # from_dict also reads exports written before the typed fields (window/top-k kept in meta then)
    return AttentionMap.from_dict({**record, "meta": meta})


def _opt_int(value: Any) -> int | None:
    """An int, or None for missing values (None / NaN from pandas)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value)
