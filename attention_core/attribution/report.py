"""Markdown tables from the shipped faithfulness JSON (for the model cards and the dashboard).

``update_docs(path)`` rewrites the block between ``<!-- faithfulness -->`` and ``<!-- /faithfulness -->``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..checkpoint import WEIGHTS_DIR
from .faithfulness import RANKINGS, read, shipped_models

START, END = "<!-- faithfulness -->", "<!-- /faithfulness -->"
RANKING_LABELS = {"attention": "attention", "gradient": "gradient", "random": "random",
                  "leave-one-out": "best single (LOO)"}


def _num(value: Any, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pm(cell: dict[str, Any] | None) -> str:
    if not cell or cell.get("mean") is None:
        return "–"
    return f"{cell['mean']:.2f} ± {cell['sd']:.2f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def documents(root: Path = WEIGHTS_DIR, models: list[str] | None = None) -> list[dict[str, Any]]:
    """The faithfulness documents found for ``models`` (default: every shipped one), in listing order."""
    out = []
    for model_id in models or shipped_models():
        doc = read(model_id, root)
        if doc is not None:
            out.append(doc)
    return out


def jain_wallace_md(docs: list[dict[str, Any]], classes: bool = True) -> str:
    """Kendall τ of attention with gradient and with leave-one-out, mean ± sd and share p < 0.05."""
    lines = ["| model | attention (level) | class | n | τ vs gradient | p < 0.05 | τ vs leave-one-out | p < 0.05 |",
             "|---|---|---|---|---|---|---|---|"]
    for doc in docs:
        for row in doc["tables"]["jain_wallace"]:
            if not classes and row["class"] not in ("all",) and _several_classes(doc, row["level"]):
                continue
            g, l = row["gradient"], row["leave-one-out"]
            lines.append(f"| `{doc['model']}` | {row['level']} | {row['class']} | {row['n']} | {_pm(g)} | "
                         f"{_share(g['significant'])} | {_pm(l)} | {_share(l['significant'])} |")
    return "\n".join(lines)


def _several_classes(doc: dict[str, Any], level: str) -> bool:
    return any(r["class"] == "all" and r["level"] == level for r in doc["tables"]["jain_wallace"])


def flips_md(docs: list[dict[str, Any]]) -> str:
    """Share of decisions flipped by removing the top item under each ranking, and items to the first flip."""
    head = " | ".join(f"flip: {RANKING_LABELS[r]}" for r in RANKINGS)
    first = " | ".join(f"to flip: {RANKING_LABELS[r]}" for r in RANKINGS[:3])
    lines = [f"| model | items | n | {head} | {first} |", "|---|---|---|" + "---|" * (len(RANKINGS) + 3)]
    for doc in docs:
        by_level: dict[str, dict[str, Any]] = {}
        for row in doc["tables"]["flips"]:
            by_level.setdefault(row["level"], {})[row["ranking"]] = row
        for level, rows in by_level.items():
            n = next(iter(rows.values()))["n"]
            cells = []
            for r in RANKINGS:
                row = rows.get(r)
                cells.append("–" if row is None else
                             f"{_share(row['flip_rate'])} [{_share(row['low'])}, {_share(row['high'])}]")
            steps = []
            for r in RANKINGS[:3]:
                row = rows.get(r)
                steps.append("–" if row is None or row["median_items_to_flip"] is None else
                             f"{row['median_items_to_flip']:g} ({_share(row['ever_flips'])} flip)")
            lines.append(f"| `{doc['model']}` | {level} | {n} | " + " | ".join(cells) + " | " + " | ".join(steps) + " |")
    return "\n".join(lines)


def uniform_md(docs: list[dict[str, Any]]) -> str:
    """Accuracy with the learned attention vs frozen uniform attention."""
    lines = ["| model | attention frozen to uniform | unit | n | accuracy (learned) | accuracy (uniform) |",
             "|---|---|---|---|---|---|"]
    for doc in docs:
        for row in doc["tables"]["uniform"]:
            lines.append(f"| `{doc['model']}` | {row['variant']} | {row['unit']} | {row['n']} | "
                         f"{_num(row['accuracy'], 3)} | {_num(row['accuracy_uniform'], 3)} |")
    return "\n".join(lines)


def abnar_zuidema_md(doc: dict[str, Any]) -> str:
    """MiniLM per layer: Spearman ρ (mean ± sd) of raw / rollout / flow with blank-out and |gradient × input|."""
    cols = [f"{k} vs {t}" for t in ("blank-out", "gradient") for k in ("raw", "rollout", "flow")]
    lines = ["| layer | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for row in doc["tables"]["abnar_zuidema"]:
        lines.append(f"| {row['layer']} | " + " | ".join(_pm(row[c]) for c in cols) + " |")
    flow_n = doc["tables"]["abnar_zuidema"][0]["flow vs blank-out"]["n"] if doc["tables"]["abnar_zuidema"] else 0
    lines.append(f"\nFlow is computed for the {flow_n} of {doc['n']} snippets with ≤ 32 word pieces "
                 "(longer ones are skipped: see docs/benchmarks.md).")
    return "\n".join(lines)


def markdown(root: Path = WEIGHTS_DIR) -> str:
    """Every table, with the commands that regenerate them."""
    return markdown_of(documents(root))


def markdown_of(docs: list[dict[str, Any]]) -> str:
    """Every table of the given faithfulness documents, with the commands that regenerate them."""
    if not docs:
        return "No faithfulness results are shipped yet: run `python -m attention_core faithfulness --all --ship`."
    minilm = [d for d in docs if d["kind"] == "minilm"]
    classifiers = [d for d in docs if d["kind"] in ("classifier", "minilm")]
    translators = [d for d in docs if d["kind"] == "translation"]
    parts = ["Regenerate with `python -m attention_core faithfulness --all --ship --docs docs/models.md` "
             f"({sum(d.get('runtime_seconds', 0) for d in docs) / 60:.0f} min on the project machine when last run).",
             "\n**Jain & Wallace table — classifiers** (per predicted class; one example = one document or snippet):\n",
             jain_wallace_md(classifiers),
             "\n**Jain & Wallace table — translation** (one instance = one generated token, over its source tokens):\n",
             jain_wallace_md(translators),
             "\n**Input-token erasure** (tokens blanked with the unknown-word token; this is *not* Serrano & "
             "Smith's intervention, which acts on the attention weights inside the layer — see the weight "
             "interventions section) — flip rate after removing the single top item [95 % bootstrap interval], "
             "and the median number of items removed, in ranking order, at the first flip (share of instances "
             "that flip at all):\n",
             flips_md(classifiers + translators),
             "\n**Uniform attention at test time (Wiegreffe & Pinter)**:\n", uniform_md(docs)]
    for doc in minilm:
        parts += ["\n**Abnar & Zuidema table — MiniLM + Rotten Tomatoes head** (Spearman ρ per snippet, mean ± sd):\n",
                  abnar_zuidema_md(doc)]
    return "\n".join(parts)


def update_docs(path: Path, root: Path = WEIGHTS_DIR) -> None:
    """Replace the block between the faithfulness markers in ``path`` with fresh tables."""
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise ValueError(f"{path} has no {START} … {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{markdown(root)}\n{END}{tail}", encoding="utf-8")
