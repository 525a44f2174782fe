"""Markdown tables of the ERASER documents (comprehensiveness and sufficiency AOPC with intervals)."""
from __future__ import annotations

from typing import Any

START, END = "<!-- eraser -->", "<!-- /eraser -->"


def _cell(cell: dict[str, Any] | None) -> str:
    if not cell or cell.get("mean") is None:
        return "–"
    return f"{cell['mean']:.3f} [{cell['low']:.3f}, {cell['high']:.3f}]"


def baseline_line(doc: dict[str, Any]) -> str:
    """One sentence on integrated gradients' start for this model: which baseline and f(baseline)."""
    b = doc["tables"].get("ig_baseline")
    if not b:
        return ""
    unit = "generated tokens" if doc["kind"] == "translation" else "examples"
    return (f"`{doc['model']}`: integrated gradients starts from the **{b['baseline']}** baseline; f(baseline) for "
            f"the explained output is {b['mean']:.3f} on average (range {b['min']:.3f}–{b['max']:.3f}, "
            f"{b['units']} {unit}).")


def model_table(doc: dict[str, Any]) -> str:
    """One model's rows: operator × ranking → n, AOPC comprehensiveness and sufficiency [95 % interval]."""
    lines = ["| operator | ranking | n | comprehensiveness AOPC ↑ | sufficiency AOPC ↓ |", "|---|---|---|---|---|"]
    for row in doc["tables"]["eraser"]:
        name = f"**{row['ranking']}**" if row["ranking"] == "random" else row["ranking"]
        lines.append(f"| {row['operator']} | {name} | {row['n']} | {_cell(row['comprehensiveness'])} | "
                     f"{_cell(row['sufficiency'])} |")
    return "\n".join(lines)


def markdown(docs: list[dict[str, Any]]) -> str:
    """Every model's ERASER table with the command that regenerates it."""
    if not docs:
        return "No ERASER results yet: run `python -m attention_core faithfulness --measure eraser --model ID --ship`."
    parts = []
    for doc in docs:
        unit = "sentences (tokens averaged within each)" if doc["kind"] == "translation" else "examples"
        parts += [f"\n**`{doc['model']}`** — {doc['test_set']}, first {doc['n']} held-out {unit}; "
                  f"`python -m attention_core faithfulness --measure eraser --model {doc['model']} --n {doc['n']} "
                  f"--ship` ({doc.get('runtime_seconds', 0) / 60:.0f} min here):\n", model_table(doc)]
        line = baseline_line(doc)
        if line:
            parts += ["", line]
    return "\n".join(parts)
