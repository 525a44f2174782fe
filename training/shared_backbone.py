"""Run 15: decide on validation whether a translator re-trained from concat's backbone replaces the shipped one.

    python -m training.shared_backbone --mechanism luong-general --candidate SCRATCH           # validation only
    python -m training.shared_backbone --mechanism luong-general --candidate SCRATCH --ship    # copy in, score test

The candidate is ``SCRATCH/bible-en-fr/MECH`` as ``python -m training.translation --init-from luong-concat --no-test
--out SCRATCH`` wrote it (concat's shared tensors, the model's own attention pre-fitted, then fine-tuned; run 17 also
decided dot from concat and local-p from ``--init-from local-m`` this way). It is decoded
exactly as the shipped model is declared in its config.json — the same λ on the lexical bias, the same ``"rare_words"``
rule and lexicon — so its config.json becomes the shipped one (the ``"model"`` entries must agree). **Rule, fixed
before the runs**: the candidate ships only if its float16 file's greedy BLEU **and** chrF on the 200 clean
validation verses both beat the shipped model's. ``--ship`` copies the weights in, keeps the shipped config, and
scores the test verses once (greedy and beam-4 BLEU and chrF, the 40 held-out verses, the model alone without the
rare-word rule), keeping the replaced scores under ``before_shared_backbone``; the paired verdicts against IBM-1 go
into ``baselines.json`` (as ``training.baselines --only``). The confidence floor is recalibrated separately
(``training.translation --calibrate``).
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from tokenizers import Tokenizer

from attention_core.checkpoint import DIGEST_SUFFIX, WEIGHTS_DIR
from attention_core.models.seq2seq import MECHANISM_LABELS
from training.lexicon_weight import VALID_SIZE
from training.rare_lexicon import FAMILY
from training.translation import (beam_translations, corpus_bleu, corpus_chrf, greedy_scores, load_saved, load_task,
                                  scored_on_test, translate_all)

KEY = "shared_backbone"
WEIGHTS = "model.safetensors"
RULE_RECORDS = ("rare_words", "before_rare_words_french_limit", "rare_words_french_limit", "before_rare_words_guard",
                "rare_words_guard", "before_rare_words_closing", "rare_words_closing")
KEPT = ("valid_bleu", "valid_scores_shipped", "bleu_greedy", "chrf_greedy", "bleu_beam4", "chrf_beam4",
        "bleu_greedy_heldout40", "before_rare_words", "epochs", "previous", "curve", "session")


def declare_like_shipped(candidate: Path, shipped: Path) -> dict:
    """Give the candidate folder the shipped model's config.json (λ, rare-word rule, confidence) → that config; the
    two must describe the same architecture and λ, else the comparison would not be the shipped system's."""
    own = json.loads((candidate / "config.json").read_text())
    config = json.loads((shipped / "config.json").read_text())
    theirs = {"lexicon_weight": 1.0, **config["model"]}
    mine = {"lexicon_weight": 1.0, **own["model"]}
    if mine != theirs or own["mechanism"] != config["mechanism"]:
        raise SystemExit(f"{candidate}: model {own['mechanism']} {own['model']} is not declared as the shipped "
                         f"{config['mechanism']} {config['model']}")
    (candidate / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return config


def compare(mechanism: str, candidate_root: Path, out_root: Path = WEIGHTS_DIR, seed: int = 1) -> dict:
    """Validation BLEU and chrF (greedy, float16, as declared) of the shipped model and the candidate, and the
    candidate alone (no rare-word rule) → the record, with ``ships`` by the rule; also kept in the candidate's
    metrics.json."""
    family, scratch = out_root / FAMILY, candidate_root / FAMILY
    if (family / "rare_lexicon.json").read_bytes() != (scratch / "rare_lexicon.json").read_bytes():
        raise SystemExit(f"{scratch}: its rare_lexicon.json is not the shipped one")
    tok = Tokenizer.from_file(str(family / "tokenizer.json"))
    declare_like_shipped(scratch / mechanism, family / mechanism)
    valid = load_task("bible", seed)["valid"][:VALID_SIZE]

    def scores(model) -> dict[str, float]:
        s = greedy_scores(model, tok, valid, "cpu")
        return {"bleu": s["bleu_greedy"], "chrf": s["chrf_greedy"]}
    shipped = scores(load_saved(family / mechanism, tok, mechanism))
    model = load_saved(scratch / mechanism, tok, mechanism)
    candidate = scores(model)
    model.rare_words = None
    record = {"shipped": shipped, "candidate": candidate, "candidate_alone": scores(model),
              "ships": candidate["bleu"] > shipped["bleu"] and candidate["chrf"] > shipped["chrf"],
              "rule": "ships only if its greedy validation BLEU and chrF (float16, as declared in config.json) both "
                      "beat the shipped model's",
              "split": f"clean validation, first {VALID_SIZE} verses, greedy, float16 file"}
    path = scratch / mechanism / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics[KEY] = record
    path.write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps({"mechanism": mechanism, **record}), flush=True)
    return record


def ship(mechanism: str, candidate_root: Path, out_root: Path = WEIGHTS_DIR, seed: int = 1) -> dict:
    """Copy a candidate that passed :func:`compare` over the shipped weights and score it on the test verses once →
    its metrics; the paired verdicts against IBM-1 are written into ``baselines.json``."""
    from training.baselines import bible
    family, source = out_root / FAMILY, candidate_root / FAMILY / mechanism
    metrics = json.loads((source / "metrics.json").read_text())
    if not metrics.get(KEY, {}).get("ships"):
        raise SystemExit(f"{mechanism}: the candidate in {source} did not pass the validation rule; nothing shipped")
    old = json.loads((family / mechanism / "metrics.json").read_text())
    for name in (WEIGHTS, WEIGHTS + DIGEST_SUFFIX):
        shutil.copyfile(source / name, family / mechanism / name)
    tok = Tokenizer.from_file(str(family / "tokenizer.json"))
    model = load_saved(family / mechanism, tok, mechanism)   # as the page loads it, config.json unchanged
    data = load_task("bible", seed)
    test = data["test"]
    sources = [e["source"] for e in test]
    scores, greedy, beamed = scored_on_test(model, tok, test)
    metrics[f"before_{KEY}"] = {k: old[k] for k in KEPT if k in old}
    metrics["valid_scores_shipped"] = {"bleu_greedy": metrics[KEY]["candidate"]["bleu"],
                                       "chrf_greedy": metrics[KEY]["candidate"]["chrf"]}
    metrics["valid_bleu"] = metrics[KEY]["candidate"]["bleu"]
    metrics.update(scores, test_pairs=len(test))
    rule = model.rare_words
    model.rare_words = None   # the model alone: the card's column beside the system
    alone = translate_all(model, tok, sources, "cpu")
    # beam search applies the rule only where the config says so; otherwise its beam output is the model alone's
    alone_beam = beam_translations(model, tok, sources, beam=4) if rule is not None and rule.beam else beamed
    metrics["before_rare_words"] = {
        "valid_bleu": metrics[KEY]["candidate_alone"]["bleu"],
        "valid_scores_shipped": {"bleu_greedy": metrics[KEY]["candidate_alone"]["bleu"],
                                 "chrf_greedy": metrics[KEY]["candidate_alone"]["chrf"]},
        "bleu_greedy": corpus_bleu(alone, test), "chrf_greedy": corpus_chrf(alone, test),
        "bleu_beam4": corpus_bleu(alone_beam, test)}
    # how the declared rule was chosen, on the replaced weights: it is still the rule this model decodes with
    metrics.update({k: old[k] for k in RULE_RECORDS if k in old})
    metrics[f"rare_words_chosen_before_{KEY}"] = True
    (family / mechanism / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    path = family / "baselines.json"
    result = bible([mechanism], json.loads(path.read_text()), {mechanism: (greedy, beamed)})
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"mechanism": mechanism, **{k: metrics[k] for k in ("bleu_greedy", "chrf_greedy", "bleu_beam4",
                                                                          "chrf_beam4", "bleu_greedy_heldout40")},
                      "alone": metrics["before_rare_words"], "versus-ibm1": result["versus-ibm1"][mechanism]}),
          flush=True)
    return metrics


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mechanism", required=True, help=f"comma-separated {sorted(MECHANISM_LABELS)}")
    parser.add_argument("--candidate", type=Path, required=True, help="the --out folder the candidate was trained in")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--ship", action="store_true", help="copy a passing candidate in and score the test once")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    for mechanism in args.mechanism.split(","):
        record = compare(mechanism, args.candidate, args.out)
        if args.ship and record["ships"]:
            ship(mechanism, args.candidate, args.out)


if __name__ == "__main__":
    main()
