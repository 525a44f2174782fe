"""The one record every model produces and every view draws: an attention map with its labels."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

LEVELS = (None, "word", "sentence")


@dataclass
class AttentionMap:
    """A 2-D attention map: ``weights[i, j]`` is how much query (row) ``i`` attends to key (column) ``j``.

    ``weights`` has shape ``[len(queries), len(keys)]``. ``grid`` is ``[h, w]`` when the keys are image
    regions in row-major order; ``centers`` holds one local-attention centre p_t per row (in key index
    units). ``meta`` carries anything else a view may want (model id, score function, window width...).
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
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.queries = [str(q) for q in self.queries]
        self.keys = [str(k) for k in self.keys]
        w = np.asarray(self.weights, dtype=np.float64)
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

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)`` of the map."""
        return self.weights.shape  # type: ignore[return-value]

    @property
    def title(self) -> str:
        """A short human-readable name: mechanism plus layer/head/hop/level when set."""
        parts = [self.meta.get("label") or self.mechanism]
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
            "meta": _jsonable(self.meta),
        }

    def to_json(self, **kwargs: Any) -> str:
        """Serialise to a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AttentionMap":
        """Rebuild a map from :meth:`to_dict` output."""
        known = {"mechanism", "queries", "keys", "weights", "layer", "head", "hop", "level",
                 "grid", "centers", "meta"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown AttentionMap fields: {sorted(unknown)}")
        args = dict(data)
        args["weights"] = np.asarray(args["weights"], dtype=np.float64)
        if args.get("grid") is not None:
            args["grid"] = tuple(args["grid"])
        args.setdefault("meta", {})
        return cls(**args)

    @classmethod
    def from_json(cls, text: str) -> "AttentionMap":
        """Parse a map from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))


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
