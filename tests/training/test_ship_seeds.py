"""Shipping one seed of several: validation decides (ties: the lowest seed), test numbers are only recorded."""
import json

from training.ship_seeds import choose, ship


def _run(root, seed, valid, aer, model=b"w"):
    folder = root / f"run{seed}" / "dates-en-fr"
    (folder / "bahdanau").mkdir(parents=True)
    for name in ("tokenizer.json", "heldout.json"):
        (folder / name).write_text("{}")
    metrics = {"seed": seed, "valid_aer_plus_errors": valid, "aer": aer, "exact_match": 1.0, "aer_extra": aer,
               "exact_match_extra": 1.0}
    (folder / "bahdanau" / "metrics.json").write_text(json.dumps(metrics))
    for name in ("config.json", "model.safetensors.sha256"):
        (folder / "bahdanau" / name).write_text("{}")
    (folder / "bahdanau" / "model.safetensors").write_bytes(model + bytes([seed]))
    return root / f"run{seed}"


def test_validation_picks_the_seed_and_every_seed_is_recorded(tmp_path):
    # seed 3 has the best test AER but not the best validation score: it is not shipped
    runs = [_run(tmp_path, 1, 0.2, 0.5), _run(tmp_path, 2, 0.1, 0.4), _run(tmp_path, 3, 0.1, 0.0)]
    chosen = choose(runs, "dates-en-fr")["mechanisms"]["bahdanau"]
    assert chosen["shipped_seed"] == 2                          # tie on validation with seed 3: the lower seed
    assert chosen["aer"]["values"] == [0.5, 0.4, 0.0] and abs(chosen["aer"]["mean"] - 0.3) < 1e-12
    weights = tmp_path / "weights"
    (weights / "dates-en-fr" / "bahdanau").mkdir(parents=True)
    (weights / "dates-en-fr" / "bahdanau" / "faithfulness.json").write_text("{}")   # a measure of the old weights
    ship(runs, "dates-en-fr", weights)
    shipped = weights / "dates-en-fr" / "bahdanau"
    assert (shipped / "model.safetensors").read_bytes() == b"w\x02"
    assert not (shipped / "faithfulness.json").exists()
    record = json.loads((weights / "dates-en-fr" / "seeds.json").read_text())
    assert record["mechanisms"]["bahdanau"]["shipped_seed"] == 2 and "run" not in record["mechanisms"]["bahdanau"]["seeds"]["2"]
