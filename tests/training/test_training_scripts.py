"""Each training script runs a few steps end to end on a tiny slice and writes loadable weights."""
import json
from pathlib import Path

import pytest
import torch

from attention_core.checkpoint import load_checkpoint

pytestmark = pytest.mark.slow


def test_train_translation_dates_and_bible(tmp_path):
    from training.translation import run
    m = run("dates", "local-p", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=300, device="cpu")
    assert 0.0 <= m["aer"] <= 1.0 and m["steps"] > 0
    state, config = load_checkpoint(tmp_path / "dates-en-fr" / "local-p")
    assert config["mechanism"] == "local-p" and state["attention.W_p.weight"].dtype == torch.float32
    b = run("bible", "bahdanau", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=96, device="cpu")
    assert b["bleu_greedy"] >= 0 and (tmp_path / "bible-en-fr" / "tokenizer.json").exists()
    assert 0 <= b["bleu_beam4"] <= 100
    # a warm start that adds the lexical bias (Arthur et al.) keeps the scores of the model without it
    lex = run("bible", "bahdanau", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=96, device="cpu",
              overrides={"lexicon_k": 8}, warm_start=True)
    assert lex["lexicon"]["k"] == 8 and lex["before_lexicon"]["bleu_greedy"] == b["bleu_greedy"]
    state, config = load_checkpoint(tmp_path / "bible-en-fr" / "bahdanau")
    assert config["model"]["lexicon_k"] == 8 and state["lexicon_index"].shape == (state["embed.weight"].shape[0], 8)
    assert 0.5 < float(state["lexicon_prob"].sum(1).max()) <= 1.0 + 1e-3      # a learnt table, rows ≤ 1


def test_translation_overrides_and_warm_start_curve(tmp_path):
    from training.translation import parse_setting, run
    assert parse_setting("width=3") == ("width", 3) and parse_setting("local_score=concat") == ("local_score", "concat")
    first = run("dates", "local-m", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=200, device="cpu",
                overrides={"width": 1, "local_score": "concat"})
    config = json.loads((tmp_path / "dates-en-fr" / "local-m" / "config.json").read_text())
    assert config["model"]["width"] == 1 and config["model"]["local_score"] == "concat"
    second = run("dates", "local-m", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=200, device="cpu",
                 overrides={"width": 1, "local_score": "concat"}, warm_start=True)
    assert first["session"] == 1 and second["session"] == 2
    # the curve keeps the first session's epochs and continues the count in the second
    assert [(p["session"], p["epoch"]) for p in second["curve"]] == [(1, 1), (2, 1), (2, 2)]
    assert second["previous"]["epochs"] == 1
    # one budget across runs: with 2 epochs already trained, a total of 3 allows one more and then none
    third = run("dates", "local-m", tmp_path, max_minutes=1, epochs=5, seed=0, threads=1, limit=200, device="cpu",
                overrides={"width": 1, "local_score": "concat"}, warm_start=True, total_epochs=3, patience=9)
    assert third["epochs"] == 1 and third["budget"]["max_total_epochs"] == 3
    fourth = run("dates", "local-m", tmp_path, max_minutes=1, epochs=5, seed=0, threads=1, limit=200, device="cpu",
                 overrides={"width": 1, "local_score": "concat"}, warm_start=True, total_epochs=3)
    assert fourth["session"] == 3 and len(fourth["curve"]) == len(third["curve"])    # nothing trained


def test_train_document_han(tmp_path):
    from training.document import run
    m = run("han", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=40, device="cpu")
    assert 0 <= m["test_accuracy"] <= 1 and m["inputs"] == "minilm-wordpiece"
    config = json.loads((tmp_path / "document" / "han" / "config.json").read_text())
    assert config["model"]["inputs"] == "minilm-wordpiece"
    state, _ = load_checkpoint(tmp_path / "document" / "han")
    assert not any("table" in k for k in state)      # MiniLM's frozen table is not stored in our weights


def test_train_sentence_with_penalty(tmp_path):
    from training.sentence import run
    m = run(1.0, tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=200, device="cpu")
    assert m["test_mean_offdiag_AAT"] >= 0 and m["test_mean_penalty"] >= 0
    assert m["history"] and m["best_epoch"] >= 1
    saved = json.loads((tmp_path / "sentence" / "lin" / "config.json").read_text())
    assert saved["penalty_coef"] == 1.0 and saved["model"]["inputs"] == "minilm-wordpiece"
    assert 0 < m["test_hop_argmax_mode_share"] <= 1 and 0 <= m["test_content_mass"] <= 1


def test_sentence_penalty_warmup_keeps_only_full_penalty_epochs(tmp_path):
    from training.sentence import run
    m = run(0.3, tmp_path, max_minutes=1, epochs=2, seed=0, threads=1, limit=120, device="cpu", warmup=2)
    assert m["history"][0].get("warmup") and not m["history"][1].get("warmup")
    assert 0 <= m["history"][0]["valid"] <= 1          # recorded as the real accuracy
    assert m["best_epoch"] == 2 and m["penalty_warmup_epochs"] == 2


def test_sentence_ships_the_best_validation_seed(tmp_path):
    from training.sentence import run, ship_best
    runs = [run(0.3, tmp_path, max_minutes=1, epochs=1, seed=s, threads=1, limit=120, device="cpu",
                inputs="minilm-wordpiece", save=False) for s in (1, 2)]
    ship_best(runs, tmp_path)
    best = max(runs, key=lambda r: (r["valid_accuracy"], -r["seed"]))
    shipped = json.loads((tmp_path / "sentence" / "lin" / "metrics.json").read_text())
    assert shipped["seed"] == best["seed"] and shipped["selected"].startswith(f"seed {best['seed']}")
    assert (tmp_path / "sentence" / "lin" / "model.safetensors").read_bytes() == \
        (Path(best["scratch"]) / "model.safetensors").read_bytes()


def test_train_captioning_hard(tmp_path):
    from training.captioning import run
    m = run("hard", tmp_path, train_scenes=32, test_scenes=8, max_minutes=1, epochs=1, seed=0, threads=1,
            cache=tmp_path / "cache", device="cpu", valid_scenes=8)
    assert m["steps"] == 1 and 0 <= m["bleu4"] <= 100 and 0 <= m["name_accuracy"] <= 1
    assert (tmp_path / "caption" / "hard" / "model.safetensors").exists()


def test_pretrain_scene_encoder_then_caption_with_it(tmp_path):
    from training.captioning import run as caption
    from training.scene_encoder import run
    m = run(tmp_path / "caption" / "encoder", steps=2, batch=4, lr=1e-3, seed=0, threads=1, widths=(8, 8, 16, 16),
            eval_every=1, valid_canvases=4, test_canvases=4, local=True)
    assert m["local"] and load_checkpoint(tmp_path / "caption" / "encoder")[1]["local"]
    assert m["test"]["items"] == 16 and 0 <= m["test"]["accuracy"] <= 1 and m["best_step"] in (1, 2)
    c = caption("soft", tmp_path, train_scenes=16, test_scenes=4, max_minutes=1, epochs=1, seed=0, threads=1,
                cache=tmp_path / "cache", device="cpu", valid_scenes=4)
    assert c["encoder"]["params"] == m["params"]                  # read through the encoder just trained
    state, config = load_checkpoint(tmp_path / "caption" / "soft")
    assert config["model"]["feature_dim"] == 16 and state["project.weight"].shape[1] == 16
    assert state["where"].shape == (49, config["model"]["dim"])     # one learned position per region


def test_local_p_starts_from_local_m_weights_with_its_history(tmp_path):
    from training.translation import run
    m = run("bible", "local-m", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=24, device="cpu",
            overrides={"lexicon_k": 8})
    p = run("bible", "local-p", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=24, device="cpu",
            overrides={"lexicon_k": 8}, init_from="local-m", prefit={"minutes": 0.05, "max_passes": 3})
    start = p["init_from"]
    assert start["mechanism"] == "local-m" and sorted(start["initialised_fresh"]) == ["attention.W_p.weight",
                                                                                      "attention.v_p.weight"]
    assert start["prefit"]["centres"]["passes"] == 3 and "rows" not in start["prefit"]   # local-m's score is copied
    assert p["previous"]["epochs"] == m["epochs"]
    assert p["session"] == m["session"] + 1 and p["curve"][:len(m["curve"])] == m["curve"]
    assert p["history"][0]["epoch"] == 0        # the pre-fitted start is scored before training
    with pytest.raises(SystemExit, match="use --warm-start"):
        run("bible", "local-m", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=24, device="cpu",
            init_from="local-m")
    with pytest.raises(SystemExit, match="no weights"):
        run("bible", "local-p", tmp_path, max_minutes=1, epochs=1, seed=0, threads=1, limit=24, device="cpu",
            init_from="bahdanau")
