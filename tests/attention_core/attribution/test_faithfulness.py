"""The faithfulness command reproduces the shipped test-set JSON (first few examples), and the shipped tables
follow from the shipped per-example numbers."""
import json
import math

import pytest

from attention_core.attribution.faithfulness import read, shipped_models, tables
from attention_core.cli import main


def _same(a, b, path="", tol=2e-3):
    """Recursive comparison: numbers within ``tol`` (JSON rounds to 4 decimals), everything else equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{path}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            _same(a[k], b[k], f"{path}.{k}", tol)
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]", tol)
    elif isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, abs_tol=tol), f"{path}: {a} vs {b}"
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


@pytest.mark.parametrize("model_id,n", [("sentence/lin", 4), ("dates-en-fr/luong-dot", 3),
                                         ("document/han", 1), ("transformer/minilm-l6", 2)])
def test_command_reproduces_the_shipped_examples(model_id, n, tmp_path, capsys):
    shipped = read(model_id)
    assert shipped is not None, f"no shipped faithfulness.json for {model_id}"
    assert main(["faithfulness", "--model", model_id, "--n", str(n), "--out", str(tmp_path), "--quiet",
                 "--threads", "1"]) == 0
    fresh = json.loads((tmp_path / model_id / "faithfulness.json").read_text())
    assert fresh["settings"] == shipped["settings"] and fresh["test_set"] == shipped["test_set"]
    _same(fresh["examples"], shipped["examples"][:n])


def test_shipped_tables_follow_from_their_examples():
    docs = [read(m) for m in shipped_models()]
    assert all(d is not None for d in docs), [m for m, d in zip(shipped_models(), docs) if d is None]
    for doc in docs:
        _same(tables(doc), doc["tables"], doc["model"], tol=1e-6)
        assert doc["n"] == len(doc["examples"]) > 0


def test_unknown_model_is_one_line(capsys):
    assert main(["faithfulness", "--model", "no/such-model", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "no/such-model" in captured.err and len(captured.err.splitlines()) == 1 and not captured.out
