"""The one record every model produces and every view draws: an attention map with its labels."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

LEVELS = (None, "word", "sentence")
KINDS = ("attention", "attribution")
MAX_JSON_DEPTH = 8          # meta nests a few levels at most; deeper JSON is rejected, not recursed into
MAX_CELLS = 1_000_000       # a 1000 × 1000 map; bigger uploads are refused (views downsample model maps)
# Meta keys older JSON used for what are now typed fields (read, never written).
_LEGACY_META = {"width": "window", "top_k": "top_k", "rows_sum_at_most_one": "sub_stochastic",
                "content_weights": "content_weights"}


@dataclass
class AttentionMap:
    """A 2-D attention map: ``weights[i, j]`` is how much query (row) ``i`` attends to key (column) ``j``.

    ``weights`` has shape ``[len(queries), len(keys)]`` (float32 is kept as is; other types become
    float64). ``grid`` is ``[h, w]`` when the keys are image
    regions in row-major order. Local attention sets ``centers`` (one p_t per row, in key index units),
    ``window`` (the half-width D of [p_t − D, p_t + D]), ``top_k`` (completely predictive: k positions
    kept anywhere, so no window applies), ``sub_stochastic`` (rows may sum to less than 1, as local-p's
    Gaussian-scaled weights do) and ``content_weights`` (the window softmax before the Gaussian,
    ``[queries, keys]``). ``kind`` says whether the weights are attention or an attribution (importance
    from gradients or erasure) drawn on the same axes. ``meta`` holds display extras only (model id,
    label, notes).
    """

    mechanism: str
    queries: list[str]
    keys: list[str]
    weights: np.ndarray
    layer: int | None = None
    head: int | None = None
    hop: int | None = None
    level: str | None = None
    grid: tuple[int, int] | None = None
    centers: list[float] | None = None
    window: int | None = None
    top_k: int | None = None
    sub_stochastic: bool = False
    content_weights: np.ndarray | None = None
    kind: str = "attention"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.queries = [str(q) for q in self.queries]
        self.keys = [str(k) for k in self.keys]
        w = _float_array(self.weights)
        if w.ndim == 1:  # a single query row (e.g. sentence weights)
            w = w[None, :]
        if w.ndim != 2:
            raise ValueError(f"weights must be 2-D [queries, keys], got shape {w.shape}")
        if w.shape != (len(self.queries), len(self.keys)):
            raise ValueError(
                f"weights shape {w.shape} does not match {len(self.queries)} query labels "
                f"x {len(self.keys)} key labels"
            )
        if not np.all(np.isfinite(w)):
            raise ValueError("weights contain NaN or infinity")
        self.weights = w
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level!r}")
        if self.grid is not None:
            h, wd = (int(v) for v in self.grid)
            if h * wd != len(self.keys):
                raise ValueError(f"grid {h}x{wd} does not cover {len(self.keys)} keys")
            self.grid = (h, wd)
        if self.centers is not None:
            if len(self.centers) != len(self.queries):
                raise ValueError("centers needs one value per query row")
            self.centers = [float(c) for c in self.centers]
        if self.window is not None:
            self.window = int(self.window)
        if self.top_k is not None:
            self.top_k = int(self.top_k)
        self.sub_stochastic = bool(self.sub_stochastic)
        if self.content_weights is not None:
            cw = _float_array(self.content_weights)
            if cw.shape != w.shape:
                raise ValueError(f"content_weights shape {cw.shape} does not match weights {w.shape}")
            self.content_weights = cw
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.meta, dict):
            raise ValueError(f"meta must be a JSON object, got {type(self.meta).__name__}")

    @property
    def is_attribution(self) -> bool:
        """True when the weights are importance scores (gradients, erasure), not attention."""
        return self.kind == "attribution"

    @property
    def label(self) -> str:
        """Display name: ``meta["label"]`` or the mechanism."""
        return str(self.meta.get("label") or self.mechanism)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)`` of the map."""
        return self.weights.shape  # type: ignore[return-value]

    @property
    def title(self) -> str:
        """A short human-readable name: mechanism plus layer/head/hop/level when set."""
        parts = [self.label]
        for name in ("layer", "head", "hop"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name} {value}")
        if self.level:
            parts.append(f"{self.level} level")
        return " · ".join(str(p) for p in parts)

    def to_frame(self) -> pd.DataFrame:
        """The map as a DataFrame: index = query labels, columns = key labels (duplicates kept)."""
        return pd.DataFrame(self.weights, index=pd.Index(self.queries, name="query"),
                            columns=pd.Index(self.keys, name="key"))

    def to_long_frame(self) -> pd.DataFrame:
        """One row per (query, key) cell with positions, labels and weight — the CSV export format."""
        rows, cols = self.shape
        qi, ki = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        return pd.DataFrame({
            "query_index": qi.ravel(), "query": np.repeat(self.queries, cols),
            "key_index": ki.ravel(), "key": np.tile(self.keys, rows),
            "weight": self.weights.ravel(),
        })

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (weights as nested lists)."""
        return {
            "mechanism": self.mechanism, "queries": self.queries, "keys": self.keys,
            "weights": self.weights.tolist(), "layer": self.layer, "head": self.head,
            "hop": self.hop, "level": self.level,
            "grid": list(self.grid) if self.grid else None, "centers": self.centers,
            "window": self.window, "top_k": self.top_k, "sub_stochastic": self.sub_stochastic,
            "content_weights": None if self.content_weights is None else self.content_weights.tolist(),
            "kind": self.kind, "meta": _jsonable(self.meta),
        }

    def to_json(self, **kwargs: Any) -> str:
        """Serialise to a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: Any) -> "AttentionMap":
        """Rebuild a map from :meth:`to_dict` output (older JSON with window/top-k in ``meta`` too).

        Anything malformed raises ``ValueError`` with a one-line reason (uploads come from users).
        """
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        if _depth(data) > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown AttentionMap fields: {sorted(unknown)[:5]}")
        missing = {"mechanism", "queries", "keys", "weights"} - set(data)
        if missing:
            raise ValueError(f"missing AttentionMap fields: {sorted(missing)}")
        args = dict(data)
        meta = args.get("meta")
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise ValueError(f"meta must be a JSON object, got {type(meta).__name__}")
        meta = dict(meta)
        for old, new in _LEGACY_META.items():   # older records kept these in meta
            if old in meta and args.get(new) is None:
                args[new] = meta.pop(old)
        if meta.pop("topk", None) and args.get("top_k") is None:
            args["top_k"] = 0   # old top-k maps said only "top-k", not k; 0 = unknown k
        args["meta"] = meta
        for name in ("queries", "keys"):
            if not isinstance(args[name], list) or not all(isinstance(v, (str, int, float)) for v in args[name]):
                raise ValueError(f"{name} must be a list of labels")
        if not args["queries"] or not args["keys"]:
            raise ValueError("the map has no rows or no columns")
        if len(args["queries"]) * len(args["keys"]) > MAX_CELLS:
            raise ValueError(f"the map has {len(args['queries'])} × {len(args['keys'])} cells "
                             f"(at most {MAX_CELLS:,} are accepted)")
        try:
            args["weights"] = np.asarray(args["weights"], dtype=np.float64)
            if args.get("content_weights") is not None:
                args["content_weights"] = np.asarray(args["content_weights"], dtype=np.float64)
            for name in ("window", "top_k", "layer", "head", "hop"):
                if args.get(name) is not None:
                    if isinstance(args[name], bool) or not isinstance(args[name], (int, float)):
                        raise ValueError(f"{name} must be a number, got {args[name]!r:.40}")
                    args[name] = int(args[name])
            if args.get("grid") is not None:
                args["grid"] = tuple(int(v) for v in args["grid"])
            if args.get("centers") is not None:
                args["centers"] = [float(c) for c in args["centers"]]
        except (TypeError, OverflowError) as exc:
            raise ValueError(f"malformed values: {exc}") from None
        return cls(**args)

    @classmethod
    def from_json(cls, text: str) -> "AttentionMap":
        """Parse a map from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))


def _float_array(values: Any) -> np.ndarray:
    """Weights as a float array without copying: float32 stays float32 (72 transformer maps of 512² are
    75 MB in float32, twice that in float64); any other type becomes float64."""
    arr = np.asarray(values)
    return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)


def _depth(value: Any, level: int = 0) -> int:
    """Nesting depth of a JSON value (stops early once past :data:`MAX_JSON_DEPTH`)."""
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for k, v in value.items() if k not in ("weights", "content_weights")),
                   default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value[:64]), default=level + 1)
    return level


def _jsonable(value: Any) -> Any:
    """Turn numpy scalars/arrays inside ``meta`` into plain JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def maps_from_tensor(weights: Any, *, mechanism: str, queries: Sequence[str], keys: Sequence[str],
                     **fields: Any) -> AttentionMap:
    """Build one map from a ``[queries, keys]`` tensor or array (detached, moved to CPU)."""
    if hasattr(weights, "detach"):
        weights = weights.detach().float().cpu().numpy()
    return AttentionMap(mechanism=mechanism, queries=list(queries), keys=list(keys),
                        weights=np.asarray(weights), **fields)
