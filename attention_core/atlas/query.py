"""DuckDB queries over exported Parquet: the numbers the Dataset page draws.

Every function takes a connection from :func:`connect`, which exposes the exports as one view ``maps``
(one row per attention map, columns as in :data:`rows.SCHEMA`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import duckdb
import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

from ..record import AttentionMap
from .export import MANIFEST, ExportInfo, read_info
from .rows import row_to_map

SHIPPED_DIR = Path(__file__).resolve().parent / "exports"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_files(folders: Sequence[str | Path]) -> list[str]:
    """The Parquet files of export folders, sorted."""
    return [str(p) for f in folders for p in sorted(Path(f).glob("*.parquet"))]


def connect(folders: Sequence[str | Path]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the view ``maps`` over every Parquet file in ``folders`` (read lazily)."""
    files = parquet_files(folders)
    if not files:
        raise FileNotFoundError(f"no Parquet files in {', '.join(map(str, folders))}")
    con = duckdb.connect()
    listing = ", ".join(_sql_string(f) for f in files)
    con.execute(f"CREATE VIEW maps AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
    return con


def shipped_exports(root: str | Path = SHIPPED_DIR) -> dict[Path, ExportInfo]:
    """Export folders under ``root`` (each with an ``atlas.json``) → their manifests, sorted by path."""
    root = Path(root)
    if not root.is_dir():
        return {}
    return {p.parent: info for p in sorted(root.glob(f"*/{MANIFEST}")) if (info := read_info(p.parent))}


def overview(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per model: examples, maps, accuracy (where labels exist), mean entropy, mean AER and BLEU."""
    return con.sql("""
        SELECT model, any_value(task) AS task, count(DISTINCT example_index) AS examples, count(*) AS maps,
               avg(CASE WHEN map_index = 0 THEN correct::INT END) AS accuracy,
               avg(entropy) AS mean_entropy, avg(aer) AS mean_aer,
               avg(CASE WHEN map_index = 0 THEN bleu END) AS mean_bleu
        FROM maps GROUP BY model ORDER BY model""").df()


def class_words(con: duckdb.DuckDBPyConnection, model: str, by: str = "prediction", min_count: int = 5,
                top: int = 12) -> pd.DataFrame:
    """Per class, the words the model attends to most, frequency-normalised.

    Each word occurrence scores its weight × the number of words in its map row ("lift": 1 = the share a
    uniform row would give it), averaged over its occurrences and, for several hops, over hops. A frequent
    word cannot win on count alone; ``min_count`` drops words seen too rarely to trust. ``specificity`` is
    the word's lift in this class ÷ its lift over the whole corpus (> 1: attended more in this class).
    ``by`` groups by the model's ``prediction`` or the gold ``label``; words are ranked by lift
    (specificity alone would rank rare near-zero-weight words, a ratio of two small numbers).
    Columns: class, rank, word, occurrences, lift, specificity, mean_weight.
    """
    if by not in ("prediction", "label"):
        raise ValueError("by must be 'prediction' or 'label'")
    return con.execute(f"""
        WITH cells AS (
            SELECT {by} AS class, rows, cols, keys,
                   unnest(range(len(weights))) AS i, unnest(weights) AS w
            FROM maps
            WHERE model = ? AND weights IS NOT NULL AND {by} IS NOT NULL
                  AND (level IS NULL OR level = 'word')
        ), words AS (
            SELECT class, lower(keys[i % cols + 1]) AS word, w, w * cols AS lift, i < cols AS first_row
            FROM cells WHERE regexp_matches(keys[i % cols + 1], '\\w')
        ), corpus AS (
            SELECT word, avg(lift) AS corpus_lift FROM words GROUP BY word
        ), per_class AS (
            SELECT class, word, count(*) FILTER (WHERE first_row) AS occurrences,
                   avg(lift) AS lift, avg(w) AS mean_weight
            FROM words GROUP BY class, word
        ), scored AS (
            SELECT *, lift / corpus_lift AS specificity FROM per_class JOIN corpus USING (word)
        )
        SELECT class, row_number() OVER (PARTITION BY class ORDER BY lift DESC, word) AS rank,
               word, occurrences, lift, specificity, mean_weight
        FROM scored WHERE occurrences >= ?
        QUALIFY rank <= ? ORDER BY class, rank""", [model, min_count, top]).df()


@dataclass
class HeadAtlas:
    """Heads of a multi-head model over a corpus, in clustered order.

    ``distance [heads, heads]``: mean Jensen–Shannon distance between two heads' maps on the same input;
    ``table``: one row per head (layer, head, label, entropy, special/punctuation mass, diagonal distance);
    ``profile [heads, offsets]``: mean share of weight at each offset from the diagonal.
    """

    labels: list[str]
    distance: np.ndarray
    table: pd.DataFrame
    profile: np.ndarray
    examples: int


def head_atlas(con: duckdb.DuckDBPyConnection, model: str) -> HeadAtlas:
    """Average the per-input head distances and statistics over the corpus; order heads by average linkage."""
    table = con.execute("""
        SELECT map_index, layer, head, avg(entropy) AS entropy, avg(entropy_norm) AS entropy_norm,
               avg(special_mass) AS special_mass, avg(punct_mass) AS punct_mass,
               avg(diag_distance) AS diag_distance, count(*) AS examples
        FROM maps WHERE model = ? AND head IS NOT NULL
        GROUP BY map_index, layer, head ORDER BY map_index""", [model]).df()
    if table.empty:
        raise LookupError(f"{model} has no per-head maps in this export")
    heads = len(table)
    pairs = con.execute("""
        SELECT map_index AS a, j AS b, avg(v) AS d FROM (
            SELECT map_index, unnest(range(len(head_js))) AS j, unnest(head_js) AS v
            FROM maps WHERE model = ? AND head_js IS NOT NULL)
        GROUP BY a, b""", [model]).df()
    distance = np.zeros((heads, heads))
    distance[pairs["a"].to_numpy(), pairs["b"].to_numpy()] = pairs["d"].to_numpy()
    distance = (distance + distance.T) / 2
    np.fill_diagonal(distance, 0.0)
    bins = con.execute("""
        SELECT map_index AS a, j AS b, avg(v) AS share FROM (
            SELECT map_index, unnest(range(len(rel_profile))) AS j, unnest(rel_profile) AS v
            FROM maps WHERE model = ? AND head IS NOT NULL AND rel_profile IS NOT NULL)
        GROUP BY a, b""", [model]).df()
    width = int(bins["b"].max()) + 1 if len(bins) else 0
    profile = np.zeros((heads, width))
    profile[bins["a"].to_numpy(), bins["b"].to_numpy()] = bins["share"].to_numpy()
    order = leaves_list(linkage(squareform(distance, checks=False), method="average")) if heads > 2 else np.arange(heads)
    table["label"] = [f"L{l}H{h}" for l, h in zip(table["layer"], table["head"])]
    table = table.iloc[order].reset_index(drop=True)
    return HeadAtlas(list(table["label"]), distance[np.ix_(order, order)], table, profile[order],
                     int(table["examples"].max()))


def head_examples(con: duckdb.DuckDBPyConnection, model: str, layer: int, head: int, order: str = "entropy",
                  limit: int = 20) -> pd.DataFrame:
    """The inputs behind one head, sorted by a statistic (``entropy``, ``special_mass``, ``diag_distance``…)."""
    allowed = {"entropy", "special_mass", "punct_mass", "diag_distance", "max_weight"}
    if order not in allowed:
        raise ValueError(f"order must be one of {sorted(allowed)}")
    return con.execute(f"""
        SELECT example_index, example_id, input, {order}, weights IS NOT NULL AS stored
        FROM maps WHERE model = ? AND layer = ? AND head = ?
        ORDER BY {order} ASC, example_index LIMIT ?""", [model, layer, head, limit]).df()


def translation_points(con: duckdb.DuckDBPyConnection, models: Sequence[str]) -> pd.DataFrame:
    """One row per translated example of ``models``: model, mechanism, AER, BLEU, entropy, source, output,
    reference (the caller picks the translators by their declared capabilities)."""
    return con.execute("""
        SELECT model, mechanism, example_index, example_id, aer, bleu, entropy, entropy_norm, max_weight,
               diag_distance, input, prediction, target
        FROM maps WHERE list_contains(?, model) AND map_index = 0
        ORDER BY model, example_index""", [list(models)]).df()


def example_rows(con: duckdb.DuckDBPyConnection, model: str, example_index: int) -> list[dict[str, Any]]:
    """Every exported row (map) of one example, in map order, as dicts."""
    return con.sql("SELECT * FROM maps WHERE model = ? AND example_index = ? ORDER BY map_index",
                   params=[model, example_index]).to_arrow_table().to_pylist()


def example_maps(con: duckdb.DuckDBPyConnection, model: str, example_index: int) -> list[AttentionMap | None]:
    """The maps of one example rebuilt as AttentionMaps (None where the export kept statistics only)."""
    return [row_to_map(r) for r in example_rows(con, model, example_index)]
