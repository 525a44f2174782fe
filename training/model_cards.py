"""Print the model cards' metric tables from the metrics.json files written by the training scripts.

    python -m training.model_cards            # Markdown tables for docs/models.md
"""
from __future__ import annotations

import json
from pathlib import Path

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import MECHANISM_LABELS


DOCS = Path(__file__).resolve().parents[1] / "docs"
NAN = float("nan")


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _size(folder: Path) -> str:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return f"{total / 2 ** 20:.1f} MB"


def _old() -> dict:
    """The numbers shipped before the clean splits (docs/metrics_before_issue9.json), for the record."""
    return _load(DOCS / "metrics_before_issue9.json") or {}


def _epochs(m: dict) -> str:
    prev = m.get("previous", {}).get("epochs", 0)
    run = m.get("epochs", "–")
    best = m.get("best_epoch")
    total = f"{prev} + {run}" if prev else f"{run}"
    averaged = m.get("averaged") or {}
    if averaged.get("kept"):   # the shipped weights are the mean of the last epochs' weights
        first, last = averaged["epochs"][0] + prev, averaged["epochs"][-1] + prev
        return f"{total} (shipped: mean of epochs {first}–{last}, stop: {m.get('stop_reason', '–')})"
    return f"{total} (best {prev + best if best is not None else '–'}, stop: {m.get('stop_reason', '–')})"


def _minutes(m: dict) -> str:
    prev = m.get("previous", {}).get("train_seconds", 0)
    now = m.get("train_seconds", 0)
    return f"{prev / 60:.1f} + {now / 60:.1f} min" if prev else f"{now / 60:.1f} min"


def translation_table() -> str:
    """Clean-split Bible BLEU and chrF per mechanism, beside the IBM-1 word-by-word and copy-the-source baselines
    (with the paired-bootstrap verdict against IBM-1) and, for models retrained with the lexical bias, their scores
    before it."""
    base = _load(WEIGHTS_DIR / "bible-en-fr" / "baselines.json") or {}
    versus = base.get("versus-ibm1", {})
    first = _load(WEIGHTS_DIR / "bible-en-fr" / "bahdanau" / "metrics.json") or {}
    rows = [f"| mechanism | lexical bias (λ: its weight, 1 unless given) | test BLEU, greedy (clean, {first.get('test_pairs', '?')} verses, fp16) | "
            "test chrF, greedy | vs IBM-1 word-by-word: BLEU | vs IBM-1: chrF | test BLEU / chrF, beam 4 | "
            "beam 4 vs IBM-1: BLEU / chrF | the model alone, without the rare-word lexicon: BLEU / chrF / beam-4 BLEU | "
            "before the lexical bias: BLEU / chrF / beam-4 BLEU | "
            "best valid BLEU (before → now) | epochs (earlier + last run) | train time |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def verdict(v: dict) -> str:
        return f"{v['verdict']} (p = {v['p_value']:.3f})" if v else "–"

    for mech, label in MECHANISM_LABELS.items():
        b = _load(WEIGHTS_DIR / "bible-en-fr" / mech / "metrics.json") or {}
        v = versus.get(mech, {})
        lex = b.get("lexicon")
        pre = b.get("before_lexicon")
        before = (f"{pre.get('bleu_greedy', NAN):.2f} / {pre.get('chrf_greedy', NAN):.1f} / "
                  f"{pre.get('bleu_beam4', NAN):.2f}" if pre else "– (not retrained)")
        valid = f"{pre['valid_bleu']:.2f} → {b.get('valid_bleu', NAN):.2f}" if pre else f"{b.get('valid_bleu', NAN):.2f}"
        start = b.get("init_from")
        if start:   # started from another mechanism's weights: "before" is the model it replaced
            old = start.get("replaces", {})
            before = (f"– (from {start['mechanism']}'s weights; replaced {old.get('bleu_greedy', NAN):.2f} / "
                      f"{old.get('chrf_greedy', NAN):.1f} / {old.get('bleu_beam4', NAN):.2f})")
            valid = f"{old.get('valid_bleu', NAN):.2f} → {b.get('valid_bleu', NAN):.2f}"
        beam = v.get("beam4", {})
        beam_chrf = beam.get("chrf", {}).get("score", NAN)
        config = _load(WEIGHTS_DIR / "bible-en-fr" / mech / "config.json") or {}
        weight = config.get("model", {}).get("lexicon_weight", 1.0)   # λ on the bias (run 12), 1 when undeclared
        bias = f"top {lex['k']}" + (f", λ {weight:g}" if weight != 1.0 else "") if lex else "no"
        rare = config.get("rare_words")   # the shipped system is then the model plus a word lexicon for rare words
        if rare:
            bias += f"; rare-word lexicon: count ≤ {rare['max_count']}, attention ≥ {rare.get('min_mass', 0):g}"
            if rare.get("max_french_count") is not None:
                bias += f", French word seen ≤ {rare['max_french_count']}"
            guards = []   # run 14's guards against IBM-1's garbage entries and against overriding a sure model
            if rare.get("min_joint_prob"):
                guards.append(f"t(f|e)·t(e|f) ≥ {rare['min_joint_prob']:g}")
            if rare.get("max_reverse_rank") is not None:
                guards.append("both directions' best" if rare["max_reverse_rank"] == 1
                              else f"reverse rank ≤ {rare['max_reverse_rank']}")
            if rare.get("max_model_prob") is not None:
                guards.append(f"not when the model is ≥ {rare['max_model_prob']:g} sure")
            if rare.get("min_lexicon_prob") is not None:
                guards.append(f"only where the model gives the word ≥ {rare['min_lexicon_prob']:g}")
            if guards:
                bias += ", " + ", ".join(guards)
            bias += ", greedy and beam" if rare.get("beam", True) else ", greedy only"
        alone = b.get("before_rare_words")
        alone_cell = (f"{alone.get('bleu_greedy', NAN):.2f} / {alone.get('chrf_greedy', NAN):.1f} / "
                      f"{alone.get('bleu_beam4', NAN):.2f}" if rare and alone else "– (the model alone)")
        name = f"{label} **+ rare-word lexicon**" if rare else label
        rows.append(f"| {name} | {bias} | **{b.get('bleu_greedy', NAN):.2f}** | "
                    f"**{b.get('chrf_greedy', NAN):.1f}** | {verdict(v.get('bleu'))} | {verdict(v.get('chrf'))} | "
                    f"{b.get('bleu_beam4', NAN):.2f} / {beam_chrf:.1f} | {verdict(beam.get('bleu'))} / "
                    f"{verdict(beam.get('chrf'))} | {alone_cell} | {before} | {valid} | {_epochs(b)} | {_minutes(b)} |")
    ibm = base.get("ibm1-word-by-word", {})
    for m, name in ((ibm, f"baseline: IBM-1 word by word ({ibm.get('iterations', '?')} EM iterations, chosen on "
                          "validation)"), (base.get("copy-source", {}), "baseline: copy the English source")):
        rows.append(f"| {name} | – | {m.get('bleu', NAN):.2f} | {m.get('chrf', NAN):.1f} | – | – | – | – | – | – | – | "
                    "– | seconds |")
    return "\n".join(rows)


DATES_BASELINES = {"positional-aer": "positional (target i → source i)",
                   "identical-else-positional-aer": "identical string, else positional",
                   "dice-aer": "Dice lexicon from the training pairs"}


def _spread(s: dict, digits: int = 3) -> str:
    return f"{s['mean']:.{digits}f} [{s['min']:.{digits}f}–{s['max']:.{digits}f}]" if s else "–"


def _against(seeds: list[float], baseline: float) -> str:
    """Lower AER is better: "better"/"worse"/"equal" when every seed is, else how many seeds are which."""
    counts = {"better": sum(a < baseline - 1e-9 for a in seeds), "equal": sum(abs(a - baseline) <= 1e-9 for a in seeds),
              "worse": sum(a > baseline + 1e-9 for a in seeds)}
    for word, count in counts.items():
        if count == len(seeds):
            return word
    return ", ".join(f"{count} {word}" for word, count in counts.items() if count)


def dates_table() -> str:
    """Dates AER and exact match per mechanism on the CLDR and the extra formats: the shipped seed (chosen on
    validation) and mean [min–max] over every seed, against the three aligner baselines, and the CLDR-only models'
    numbers for the record."""
    seeds = (_load(WEIGHTS_DIR / "dates-en-fr" / "seeds.json") or {}).get("mechanisms", {})
    base = _load(WEIGHTS_DIR / "dates-en-fr" / "baselines.json") or {}
    before = (_load(DOCS / "metrics_dates_cldr_only.json") or {}).get("models", {})
    ident, dice = base.get("identical-else-positional-aer", {}), base.get("dice-aer", {})
    n = max((len(f["seeds"]) for f in seeds.values()), default=0)
    rows = ["| mechanism | shipped seed | test AER ↓, CLDR formats (600) | AER over " f"{n} seeds, mean [min–max] | "
            "exact match, CLDR | AER ↓, extra formats (600) | AER extra over seeds | exact match, extra | "
            "exact match extra over seeds | seeds vs identical-string aligner, CLDR / extra | "
            "seeds vs Dice aligner, CLDR / extra | before (CLDR-only training): AER / extra-format exact match |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for mech, label in MECHANISM_LABELS.items():
        d = _load(WEIGHTS_DIR / "dates-en-fr" / mech / "metrics.json") or {}
        f = seeds.get(mech, {})
        aer, extra = f.get("aer", {}).get("values", []), f.get("aer_extra", {}).get("values", [])
        vs = lambda b: f"{_against(aer, b.get('test', NAN))} / {_against(extra, b.get('test_extra', NAN))}" if aer else "–"
        o = before.get(mech, {})
        rows.append(f"| {label} | {f.get('shipped_seed', d.get('seed', '–'))} | **{d.get('aer', NAN):.3f}** | "
                    f"{_spread(f.get('aer', {}))} | {d.get('exact_match', NAN):.3f} | "
                    f"**{d.get('aer_extra', NAN):.3f}** | {_spread(f.get('aer_extra', {}))} | "
                    f"{d.get('exact_match_extra', NAN):.3f} | {_spread(f.get('exact_match_extra', {}))} | "
                    f"{vs(ident)} | {vs(dice)} | {o.get('aer', NAN):.3f} / {o.get('exact_match_extra', NAN):.3f} |")
    for key, name in DATES_BASELINES.items():
        b = base.get(key, {})
        rows.append(f"| baseline: {name} | – | {b.get('test', NAN):.3f} | – | – | {b.get('test_extra', NAN):.3f} | "
                    "– | – | – | – | – | – |")
    return "\n".join(rows)


def _acc(m: dict, key: str = "test_accuracy") -> str:
    return f"{m.get(key, NAN):.3f}"


def classifier_tables() -> str:
    """BBC: HAN and the flat BiGRU beside the linear baselines; RT: Lin with/without penalty beside them."""
    old = _old()
    bbc = _load(WEIGHTS_DIR / "document" / "baselines.json") or {}
    n = bbc.get("split", {}).get("test", "?")
    out = [f"| model | test accuracy (clean split, {n} articles) | valid accuracy | old test accuracy (old split) | "
           "epochs | train time | trained params |", "|---|---|---|---|---|---|---|"]
    for kind, name in (("han", "HAN (word + sentence attention)"), ("flat", "flat BiGRU, mean-pooled (fixed)")):
        m = _load(WEIGHTS_DIR / "document" / kind / "metrics.json") or {}
        o = old.get("document", {}).get(kind, {})
        out.append(f"| {name} | **{_acc(m)}** | {_acc(m, 'valid_accuracy')} | {_acc(o)} | {_epochs(m)} | "
                   f"{_minutes(m)} | {m.get('trained_params', 0) / 1e6:.2f} M |")
    for key, name in (("tfidf-linearsvc", "baseline: TF-IDF 1–2-grams + LinearSVC"),
                      ("counts-multinomialnb", "baseline: counts 1–2-grams + multinomial NB")):
        m = bbc.get(key, {})
        out.append(f"| {name} | {m.get('test', NAN):.3f} | {m.get('valid', NAN):.3f} | – | – | seconds | – |")
    rt = _load(WEIGHTS_DIR / "sentence" / "baselines.json") or {}
    seeds = (_load(WEIGHTS_DIR / "sentence" / "penalty_seeds.json") or {}).get("runs", {})
    n = rt.get("split", {}).get("test", "?")
    out += ["", f"| model | test accuracy (movie-disjoint, {n} snippets) | mean off-diagonal of AAᵀ ↓ | "
            "mean ‖AAᵀ−I‖²_F | old test accuracy (old split) | accuracy over seeds (mean ± sd) | "
            "off-diagonal over seeds (mean ± sd) | epochs | train time |", "|---|---|---|---|---|---|---|---|---|"]
    for folder, name in (("sentence/lin", "Lin, with penalty"), ("sentence/lin-nopenalty", "Lin, without penalty")):
        m = _load(WEIGHTS_DIR / folder / "metrics.json") or {}
        o = old.get("sentence", {}).get(folder.split("/")[1], {})
        s = seeds.get(str(float(m.get("penalty_coef", -1))), {})
        acc, off = s.get("test_accuracy", {}), s.get("test_mean_offdiag_AAT", {})
        spread = (f"{acc['mean']:.3f} ± {acc['sd']:.3f} (n={len(acc['values'])})" if acc else "–")
        ospread = (f"{off['mean']:.3f} ± {off['sd']:.3f}" if off else "–")
        label = f"{name} (×{m['penalty_coef']:g})" if m.get("penalty_coef") else name
        out.append(f"| {label} | **{_acc(m)}** | {m.get('test_mean_offdiag_AAT', NAN):.3f} | "
                   f"{m.get('test_mean_penalty', NAN):.3f} | {_acc(o)} | {spread} | {ospread} | {_epochs(m)} | "
                   f"{_minutes(m)} |")
    for key, name, time in (("tfidf-linearsvc", "baseline: TF-IDF 1–2-grams + LinearSVC", "seconds"),
                            ("counts-multinomialnb", "baseline: counts 1–2-grams + multinomial NB", "seconds"),
                            ("minilm-mean-logreg", "baseline: frozen MiniLM, mean-pooled sentence embedding + "
                                                   "logistic regression", "minutes")):
        m = rt.get(key, {})
        out.append(f"| {name} | {m.get('test', NAN):.3f} | – | – | – | – | – | – | {time} |")
    return "\n".join(out)


def captioning_table() -> str:
    """Object-name and position accuracy, BLEU and attention correctness, soft vs hard vs the baselines, with the
    numbers of the two earlier captioners (frozen EfficientNet-Lite0 features; the first, wide learned encoder)."""
    earlier = {"EfficientNet": (_load(DOCS / "metrics_caption_efficientnet.json") or {}).get("fixed_test", {}),
               "wide encoder": _load(DOCS / "metrics_caption_wide_encoder.json") or {},
               "issue 9, clean scenes only": _load(DOCS / "metrics_caption_issue9.json") or {}}
    base = _load(WEIGHTS_DIR / "caption" / "baselines.json") or {}
    cols = " | ".join(f"before ({name}): name / object / BLEU-4 / exact / α mass" for name in earlier)
    out = ["| model | object-name accuracy | position accuracy | object accuracy (both) | BLEU-4 | exact match | "
           f"α mass inside the named object's box | uniform-attention share | {cols} | train scenes | epochs | "
           "train time |", "|---|---|---|---|---|---|---|---|" + "---|" * len(earlier) + "---|---|---|"]
    for kind in ("soft", "hard"):
        m = _load(WEIGHTS_DIR / "caption" / kind / "metrics.json") or {}
        before = " | ".join(
            f"{o.get('name_accuracy', NAN):.3f} / {o.get('object_accuracy', NAN):.3f} / {o.get('bleu4', NAN):.1f} / "
            f"{o.get('exact_match', NAN):.3f} / {o.get('box_attention_share', NAN):.3f}"
            for o in (e.get(kind, {}) for e in earlier.values()))
        out.append(f"| {kind} attention | **{m.get('name_accuracy', NAN):.3f}** | {m.get('position_accuracy', NAN):.3f} | "
                   f"{m.get('object_accuracy', NAN):.3f} | {m.get('bleu4', NAN):.1f} | {m.get('exact_match', NAN):.3f} | "
                   f"{m.get('box_attention_share', NAN):.3f} | {m.get('uniform_box_share', NAN):.3f} | {before} | "
                   f"{m.get('train_scenes', 0):,} | {_epochs(m)} | {_minutes(m)} |")
    for key, name in (("template_random_names", "baseline: gold layout, random names"),
                      ("layout_only_majority_name", f"baseline: layout from pixels, every object “{base.get('majority_name', '?')}”")):
        m = base.get(key, {})
        out.append(f"| {name} | {m.get('name_accuracy', NAN):.3f} | {m.get('position_accuracy', NAN):.3f} | "
                   f"{m.get('object_accuracy', NAN):.3f} | {m.get('bleu4', NAN):.1f} | {m.get('exact_match', NAN):.3f} | "
                   "– | – | " + "– | " * len(earlier) + "– | – | – |")
    return "\n".join(out)


def caption_encoder_table() -> str:
    """The captioners' scene encoder: item accuracy of its pretraining classifier on held-out items."""
    m = _load(WEIGHTS_DIR / "caption" / "encoder" / "metrics.json") or {}
    out = ["| items | count | accuracy | clothing (Fashion-MNIST) | digits |", "|---|---|---|---|---|"]
    rows = (("valid", "validation items (picked the checkpoint)"),
            ("test", "test items (Fashion-MNIST test file, 100 digits per class)"))
    if m.get("augmented"):      # issue 20: validation drawn from the training kinds; the clean canvases beside
        rows = (("valid", "validation items, random training kinds (picked the checkpoint)"),
                ("valid_clean", "validation items, clean canvases"),
                ("test", "test items, clean canvases (Fashion-MNIST test file, 100 digits per class)"),
                ("test_augmented", "test items, random training kinds"))
    for key, name in rows:
        r = m.get(key, {})
        out.append(f"| {name} | {r.get('items', 0):,} | **{r.get('accuracy', NAN):.3f}** | "
                   f"{r.get('clothing_accuracy', NAN):.3f} | {r.get('digit_accuracy', NAN):.3f} |")
    view = ("1 × 1 convolutions at the 7 × 7 grid: each region sees ≈ 59 px of the 112-px input" if m.get("local")
            else "3 × 3 convolutions at the 7 × 7 grid: each region sees ≈ 123 px of the 112-px input")
    before, prev, link = "", m.get("previous"), "continued from"
    while prev:                  # a chain of continuations, newest first (older metrics lack "augmented": clean)
        mix = "the random training kinds" if prev.get("augmented") else "clean canvases"
        before += (f"; {link} the encoder trained {prev.get('steps', 0):,} steps × {prev.get('batch', 0)} canvases "
                   f"({prev.get('train_seconds', 0) / 60:.1f} min) on {mix}")
        prev, link = prev.get("previous"), "itself continued from"
    out.append(f"\nEncoder: {m.get('params', 0) / 1e6:.2f} M parameters (widths {m.get('widths')}; {view}), "
               f"{m.get('steps', 0):,} steps × {m.get('batch', 0)} canvases"
               + (f" ({m['items_seen']:,} item presentations)" if "items_seen" in m else "")
               + f", best step {m.get('best_step')}, {m.get('train_seconds', 0) / 60:.1f} min{before}.")
    return "\n".join(out)


def _value(r: dict | None, key: str = "name_accuracy") -> str:
    v = (r or {}).get(key)
    return "–" if not v else f"{v['value']:.3f} [{v['interval'][0]:.2f}, {v['interval'][1]:.2f}]"


def caption_robustness_table() -> str:
    """Issue 20 item 3: per held-out scene kind, name accuracy before → after for the encoder-head namer (gold
    box) and both decoders (with "on par" where a decoder's paired interval against the head holds 0), then
    invented objects and α mass inside the named object's box (``weights/caption/robustness.json``)."""
    m = _load(WEIGHTS_DIR / "caption" / "robustness.json") or {}
    if not m:
        return "(no weights/caption/robustness.json yet: python -m training.caption_robustness)"
    # the JSON also keeps "before, background-first input" (the old weights with the new input; quoted in the prose)
    runs = [k for k in ("before", "previous round", "after") if k in m] if "previous round" in m else \
        [k for k in ("before", "before, background-first input", "after") if k in m]
    models = ("encoder head (gold box)", "soft", "hard")
    # the rounds' names travel with their numbers (caption_robustness --previous-label / --after-label); the
    # defaults name the JSONs written before the labels were stored
    names = m.get("labels", {})
    label = {"before": "before", "before, background-first input": "before + bg-first input",
             "previous round": names.get("previous round", "round 12"),
             "after": f"after ({names['after']})" if "after" in names else "after (round 15)"}

    def vs_head(r: dict) -> str:
        d = r.get("minus_encoder_head")
        return "" if not d else f" ({'on par' if d['on_par'] else 'above' if d['value'] > 0 else 'below'} head)"

    head = " | ".join(f"{name} · {label[run]}" for name in models for run in runs)
    out = [f"Name accuracy [95 % scene-bootstrap interval] on {m['scenes_per_kind']} held-out scenes per kind "
           "(“on par” / “above” / “below” head: the decoder minus the encoder-head namer on the same scenes, "
           "paired interval):", "", f"| kind | objects | {head} |", "|---|---|" + "---|" * (len(models) * len(runs))]
    for kind, after in m["after"].items():
        cells = [f"{'**' if run == 'after' else ''}{_value(m[run][kind].get(name))}"
                 f"{'**' if run == 'after' else ''}{vs_head(m[run][kind].get(name, {})) if name != models[0] else ''}"
                 for name in models for run in runs]
        out.append(f"| {kind} | {after[models[0]]['objects']:,} | " + " | ".join(cells) + " |")
    out += ["", "Invented objects (phrases naming an empty cell; in how many scenes) and α mass inside the named "
            "object's box [95 %]:", "",
            "| kind | " + " | ".join(f"{d} invented · {label[run]}" for d in ("soft", "hard") for run in runs)
            + " | " + " | ".join(f"{d} α in box · {label[run]}" for d in ("soft", "hard") for run in runs) + " |",
            "|---|" + "---|" * (4 * len(runs))]
    for kind in m["after"]:
        inv = [f"{m[run][kind][d]['invented_objects']} ({m[run][kind][d]['scenes_with_invented']})"
               for d in ("soft", "hard") for run in runs]
        mass = [_value(m[run][kind][d], "box_attention_share") for d in ("soft", "hard") for run in runs]
        out.append(f"| {kind} | " + " | ".join(inv + mass) + " |")
    return "\n".join(out)


def sizes() -> str:
    """Size on disk of each shipped weight folder."""
    rows = ["| folder | size |", "|---|---|"]
    for folder in sorted(p for p in WEIGHTS_DIR.iterdir() if p.is_dir()):
        rows.append(f"| `{folder.name}` | {_size(folder)} |")
    rows.append(f"| **all shipped weights** | **{_size(WEIGHTS_DIR)}** |")
    return "\n".join(rows)


def family_table(family: str, weights: Path | None = None) -> str:
    """A family's card table from the ``card`` of every ``weights/<family>/*/metrics.json`` (written by
    :func:`training.ship.ship`), with the baseline's metrics as the last rows — no code per family."""
    rows, baselines = [], {}
    for path in sorted(((weights or WEIGHTS_DIR) / family).glob("*/metrics.json")):
        m = json.loads(path.read_text())
        if "card" in m:
            rows.append(m["card"])
            if m.get("baseline"):
                baselines.setdefault(m["baseline"].get("name", "baseline"), m["baseline"])
    if not rows:
        return f"(no metrics.json with a card under weights/{family}/ yet)"
    keys = [k for k in rows[0] if k != "model"]
    out = ["| model | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else ("–" if v is None else str(v))
    out += [f"| {r['model']} | " + " | ".join(fmt(r.get(k)) for k in keys) + " |" for r in rows]
    out += [f"| baseline: {name} | " + " | ".join(fmt(b.get(k)) for k in keys) + " |" for name, b in baselines.items()]
    return "\n".join(out)


def classifier_claims_table() -> str:
    """HAN and Lin minus each baseline with clustered bootstrap intervals (``training.classifier_claims``)."""
    from training.classifier_claims import claims_table
    return claims_table(WEIGHTS_DIR)


TABLES = {"translation": translation_table, "dates": dates_table, "classifiers": classifier_tables,
          "classifier-claims": classifier_claims_table, "captioning": captioning_table,
          "caption-encoder": caption_encoder_table, "caption-robustness": caption_robustness_table, "sizes": sizes}


def update(path: Path, weights: Path | None = None) -> None:
    """Replace each ``<!-- table:NAME -->`` … ``<!-- /table -->`` block of ``path`` with a fresh table."""
    text = path.read_text()
    # generic family tables: <!-- table:family:NAME --> … <!-- /table -->
    import re
    for family in re.findall(r"<!-- table:family:([\w.-]+) -->", text):
        start, end = f"<!-- table:family:{family} -->", "<!-- /table -->"
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{family_table(family, weights)}\n{end}{tail}"
    for name, make in TABLES.items():
        start, end = f"<!-- table:{name} -->", "<!-- /table -->"
        if start in text:
            head, rest = text.split(start, 1)
            _, tail = rest.split(end, 1)
            text = f"{head}{start}\n{make()}\n{end}{tail}"
    path.write_text(text)


def main() -> None:
    """Print every table, or with ``--update FILE`` rewrite the tables inside a model-card page."""
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", type=Path, help="a Markdown file with <!-- table:NAME --> markers")
    args = parser.parse_args()
    if args.update:
        update(args.update)
        return
    for name, make in TABLES.items():
        print(f"### {name}\n\n{make()}\n")


if __name__ == "__main__":
    main()
