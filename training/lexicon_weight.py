"""Choose, on validation only, a decode-time weight λ on a Bible translator's lexical bias (no training).

    python -m training.lexicon_weight --mechanism all            # the grid's validation scores, nothing written
    python -m training.lexicon_weight --mechanism local-m --ship  # also write the chosen λ and rescore the test

Each step of a translator with a lexicon adds ``λ · log(p_lex(y) + ε)`` to its logits
(:class:`attention_core.models.seq2seq.Seq2Seq`, ``lexicon_weight``; 1 as trained). For every λ of :data:`GRID`
the shipped float16 weights translate the clean validation verses greedily (the 200 the training runs score);
the λ with the best BLEU + chrF is chosen, and it ships only if **both** its BLEU and its chrF beat those of the
model's current λ (the rule every Bible run follows). ``--ship`` writes it into ``config.json`` (``"model":
{"lexicon_weight": …}``, read by the page, the CLI, beam search and every scorer through the model itself) and
rescores ``metrics.json`` on the test verses (greedy and beam-4 BLEU and chrF, the 40 held-out verses), keeping
the whole grid there. The test set plays no part in the choice.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import MECHANISM_LABELS
from training.translation import greedy_scores, load_saved, load_task, scored_on_test

GRID = (0.75, 0.9, 1.0, 1.1, 1.2, 1.25, 1.3, 1.4, 1.5, 1.75, 2.0, 2.5, 3.0)
VALID_SIZE = 200   # the validation verses every Bible training run scores (training.translation.run)


def sweep(model: torch.nn.Module, tok: Tokenizer, valid: list[dict], grid: tuple[float, ...] = GRID) -> list[dict]:
    """Greedy validation BLEU and chrF of ``model`` at each λ of ``grid`` → ``[{weight, bleu, chrf}]`` (the
    model's own λ is restored afterwards)."""
    own = model.lexicon_weight
    rows = []
    try:
        for weight in grid:
            model.lexicon_weight = float(weight)
            s = greedy_scores(model, tok, valid, "cpu")
            rows.append({"weight": float(weight), "bleu": s["bleu_greedy"], "chrf": s["chrf_greedy"]})
    finally:
        model.lexicon_weight = own
    return rows


def choose(rows: list[dict], current: dict) -> dict | None:
    """The row with the best BLEU + chrF among those whose BLEU *and* chrF beat ``current`` (the scores at the
    model's current λ) → that row, or None when no λ passes."""
    passing = [r for r in rows if r["bleu"] > current["bleu"] and r["chrf"] > current["chrf"]]
    return max(passing, key=lambda r: r["bleu"] + r["chrf"]) if passing else None


def run(mechanism: str, out_root: Path, ship: bool = False, seed: int = 1) -> dict:
    """Sweep one shipped Bible model's λ on validation; with ``ship``, write the chosen λ and rescore the test."""
    family = out_root / "bible-en-fr"
    folder = family / mechanism
    tok = Tokenizer.from_file(str(family / "tokenizer.json"))
    model = load_saved(folder, tok, mechanism)
    if not model.has_lexicon:
        raise SystemExit(f"{mechanism}: the weights in {folder} have no lexicon, so there is no λ to choose")
    data = load_task("bible", seed)
    valid = data["valid"][:VALID_SIZE]
    own = model.lexicon_weight
    s = greedy_scores(model, tok, valid, "cpu")
    current = {"weight": own, "bleu": s["bleu_greedy"], "chrf": s["chrf_greedy"]}
    rows = sweep(model, tok, valid)
    chosen = choose(rows, current)
    record = {"grid": rows, "current": current, "chosen": chosen["weight"] if chosen else None,
              "rule": "best validation BLEU + chrF among the weights whose BLEU and chrF both beat the current one's",
              "split": f"clean validation, first {VALID_SIZE} verses, greedy, float16 file"}
    print(json.dumps({"mechanism": mechanism, **record}), flush=True)
    if ship and chosen:
        config_path = folder / "config.json"
        config = json.loads(config_path.read_text())
        config["model"]["lexicon_weight"] = chosen["weight"]
        config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
        shipped = load_saved(folder, tok, mechanism)   # as the page loads it: λ from config.json
        test = data["test"]
        path = folder / "metrics.json"
        metrics = json.loads(path.read_text())
        metrics["before_lexicon_weight"] = {k: metrics[k] for k in ("valid_bleu", "bleu_greedy", "chrf_greedy",
                                                                   "bleu_beam4", "chrf_beam4", "bleu_greedy_heldout40")
                                            if k in metrics}
        metrics["valid_scores_shipped"] = greedy_scores(shipped, tok, valid, "cpu")
        metrics["valid_bleu"] = metrics["valid_scores_shipped"]["bleu_greedy"]
        metrics.update(scored_on_test(shipped, tok, test)[0])   # greedy and beam-4 BLEU and chrF, the 40 held out
        metrics["lexicon_weight"] = record
        path.write_text(json.dumps(metrics, indent=2) + "\n")
        print(json.dumps({"mechanism": mechanism, "shipped_weight": chosen["weight"],
                          **{k: metrics[k] for k in ("bleu_greedy", "chrf_greedy", "bleu_beam4",
                                                     "bleu_greedy_heldout40")}}), flush=True)
    return record


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mechanism", default="all", help=f"comma-separated {sorted(MECHANISM_LABELS)} or 'all'")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--ship", action="store_true",
                        help="write the chosen λ into config.json and rescore metrics.json (only if the rule passes)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    mechanisms = list(MECHANISM_LABELS) if args.mechanism == "all" else args.mechanism.split(",")
    unknown = set(mechanisms) - set(MECHANISM_LABELS)
    if unknown:
        raise SystemExit(f"--mechanism: unknown {', '.join(sorted(unknown))}; one of {', '.join(MECHANISM_LABELS)}")
    for mechanism in mechanisms:
        run(mechanism, args.out, ship=args.ship)


if __name__ == "__main__":
    main()
