"""training.model_cards: the captioners' robustness table names its rounds from the JSON, not from the code."""
import json

from attention_core.checkpoint import WEIGHTS_DIR
from training import model_cards


def _table_with(tmp_path, monkeypatch, labels: dict | None) -> str:
    shipped = json.loads((WEIGHTS_DIR / "caption" / "robustness.json").read_text())
    shipped.pop("labels", None)
    if labels is not None:
        shipped["labels"] = labels
    (tmp_path / "caption").mkdir(exist_ok=True)
    (tmp_path / "caption" / "robustness.json").write_text(json.dumps(shipped))
    monkeypatch.setattr(model_cards, "WEIGHTS_DIR", tmp_path)
    return model_cards.caption_robustness_table()


def test_the_robustness_table_names_the_rounds_its_json_names(tmp_path, monkeypatch):
    text = _table_with(tmp_path, monkeypatch, {"previous round": "round 15", "after": "round 16"})
    header = next(line for line in text.splitlines() if line.startswith("| kind | objects"))
    assert "soft · round 15" in header and "soft · after (round 16)" in header and "round 12" not in header
    old = _table_with(tmp_path, monkeypatch, None)          # a JSON written before the labels were stored
    header = next(line for line in old.splitlines() if line.startswith("| kind | objects"))
    assert "soft · round 12" in header and "soft · after (round 15)" in header
