"""Ship one of several training seeds per mechanism, chosen on validation, and record every seed's test numbers.

    python -m training.ship_seeds --runs /tmp/dates_ext /tmp/dates_ext_s2 /tmp/dates_ext_s3

Each run folder holds ``<family>/<mechanism>/`` as ``python -m training.translation --out RUN --seed S --data-seed 1``
writes it (same data split, different initialisation and batch order). Per mechanism the seed with the best
validation metric is copied into ``attention_core/weights/<family>/<mechanism>/`` (ties: the lowest seed; the test
numbers play no part), and ``<family>/seeds.json`` records every seed's validation and test numbers with their mean,
min and max, so the card can say whether mechanisms differ beyond seed noise.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import statistics
from pathlib import Path

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import MECHANISM_LABELS

# family → (validation key, lower is better, test keys summarised over seeds)
FAMILIES = {
    "dates-en-fr": ("valid_aer_plus_errors", True, ("aer", "exact_match", "aer_extra", "exact_match_extra")),
}
SHIPPED_FILES = ("config.json", "metrics.json", "model.safetensors", "model.safetensors.sha256")
SHARED_FILES = ("tokenizer.json", "heldout.json")


def summary(values: list[float]) -> dict[str, float | list[float]]:
    """Mean, min, max and the values themselves."""
    return {"mean": statistics.fmean(values), "min": min(values), "max": max(values), "values": values}


def choose(runs: list[Path], family: str) -> dict:
    """Per mechanism: every seed's metrics and the seed the validation metric picks → the ``seeds.json`` content."""
    valid_key, lower, test_keys = FAMILIES[family]
    out: dict = {"selection": f"{valid_key} ({'lowest' if lower else 'highest'}; ties: the lowest seed)",
                 "runs": [str(r) for r in runs], "mechanisms": {}}
    for mechanism in MECHANISM_LABELS:
        seeds = {}
        for run in runs:
            path = run / family / mechanism / "metrics.json"
            if path.exists():
                m = json.loads(path.read_text())
                seeds[m["seed"]] = {"run": str(run), valid_key: m[valid_key], **{k: m[k] for k in test_keys}}
        if not seeds:
            continue
        best = min(seeds, key=lambda s: ((1 if lower else -1) * seeds[s][valid_key], s))
        out["mechanisms"][mechanism] = {"shipped_seed": best, "seeds": {str(s): v for s, v in sorted(seeds.items())},
                                        **{k: summary([seeds[s][k] for s in sorted(seeds)]) for k in test_keys}}
    return out


def ship(runs: list[Path], family: str, weights: Path = WEIGHTS_DIR) -> dict:
    """Copy each mechanism's chosen seed into ``weights/<family>/`` and write ``seeds.json`` → its content."""
    chosen = choose(runs, family)
    for name in SHARED_FILES:       # one split and one tokenizer for every run, or nothing is shipped
        first = runs[0] / family / name
        different = [str(r) for r in runs[1:] if not filecmp.cmp(first, r / family / name, shallow=False)]
        if different:
            raise SystemExit(f"{name} differs between the runs ({', '.join(different)}): not one data split")
    target = weights / family
    for name in SHARED_FILES:
        shutil.copyfile(runs[0] / family / name, target / name)
    for mechanism, facts in chosen["mechanisms"].items():
        source = Path(facts["seeds"][str(facts["shipped_seed"])]["run"]) / family / mechanism
        shipped = target / mechanism / "model.safetensors"
        if shipped.exists() and filecmp.cmp(source / "model.safetensors", shipped, shallow=False):
            continue                # already shipped: keep its measures (faithfulness, calibration)
        for stale in (target / mechanism).glob("*.json"):     # measures of the replaced weights
            if stale.name not in SHIPPED_FILES:
                stale.unlink()
        for name in SHIPPED_FILES:
            shutil.copyfile(source / name, target / mechanism / name)
    record = {**chosen, "runs": len(runs), "mechanisms": {
        m: {**f, "seeds": {s: {k: v for k, v in r.items() if k != "run"} for s, r in f["seeds"].items()}}
        for m, f in chosen["mechanisms"].items()}}     # no local folder names in the shipped record
    (target / "seeds.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=Path, nargs="+", required=True, help="run folders, one per seed")
    p.add_argument("--family", choices=sorted(FAMILIES), default="dates-en-fr")
    p.add_argument("--dry-run", action="store_true", help="print the choice, copy nothing")
    a = p.parse_args()
    chosen = choose(a.runs, a.family) if a.dry_run else ship(a.runs, a.family)
    for mechanism, facts in chosen["mechanisms"].items():
        print(mechanism, "seed", facts["shipped_seed"],
              {k: round(v["mean"], 3) for k, v in facts.items() if isinstance(v, dict) and "mean" in v})


if __name__ == "__main__":
    main()
