"""Run 15's decision: a candidate is decoded as the shipped model is declared (its config.json), or refused."""
import json

import pytest

from training.shared_backbone import declare_like_shipped


def write(folder, mechanism: str, model: dict, **extra) -> None:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model": model, "mechanism": mechanism, "task": "bible", **extra}))


def test_the_candidate_takes_the_shipped_declaration_and_a_different_model_is_refused(tmp_path):
    sizes = {"emb": 8, "hidden": 12, "width": 3, "lexicon_k": 4}
    rule = {"max_count": 49, "min_mass": 0.5, "lexicon": "rare_lexicon.json"}
    write(tmp_path / "shipped", "luong-general", {**sizes, "lexicon_weight": 1.1}, rare_words=rule,
          confidence={"floor": -1.2})
    write(tmp_path / "candidate", "luong-general", {**sizes, "lexicon_weight": 1.1})
    config = declare_like_shipped(tmp_path / "candidate", tmp_path / "shipped")
    assert config["rare_words"] == rule
    assert json.loads((tmp_path / "candidate" / "config.json").read_text()) == config
    write(tmp_path / "other", "luong-general", sizes)               # trained at λ 1: not the declared system
    with pytest.raises(SystemExit, match="is not declared as the shipped"):
        declare_like_shipped(tmp_path / "other", tmp_path / "shipped")
    write(tmp_path / "dot", "luong-dot", {**sizes, "lexicon_weight": 1.1})
    with pytest.raises(SystemExit, match="is not declared as the shipped"):
        declare_like_shipped(tmp_path / "dot", tmp_path / "shipped")
