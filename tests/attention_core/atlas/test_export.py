"""Export end to end: the CLI on a small file, and Ray Data against the single-process engine."""
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attention_core.atlas.export import export, read_info
from attention_core.atlas.query import parquet_files
from attention_core.atlas.rows import SCHEMA
from attention_core.cli import main


def _read(folder):
    table = pq.ParquetDataset(parquet_files([folder])).read()
    return table.sort_by([("example_index", "ascending"), ("map_index", "ascending")])


def test_cli_exports_a_text_file_with_the_local_engine(tmp_path, capsys):
    src = tmp_path / "reviews.csv"
    src.write_text("text,label\nA warm and funny film.,fresh\nDull and far too long.,rotten\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", "--model", "sentence/lin", "--dataset", str(src), "--out", str(out),
                 "--engine", "local"]) == 0
    assert "2 maps from 2 examples" in capsys.readouterr().out
    table = _read(out)
    assert table.schema.equals(SCHEMA) and table.num_rows == 2
    rows = table.to_pylist()
    assert [r["label"] for r in rows] == ["fresh", "rotten"]
    assert all(r["prediction"] in ("fresh", "rotten") and r["correct"] is not None for r in rows)
    assert rows[0]["rows"] == 4 and len(rows[0]["weights"]) == 4 * rows[0]["cols"]   # 4 hops × tokens
    info = read_info(out)
    assert info.model == "sentence/lin" and info.examples == 2 and info.maps == 2 and info.engine == "local"
    # a second export into the same folder is refused, with one line
    assert main(["export", "--model", "sentence/lin", "--dataset", str(src), "--out", str(out),
                 "--engine", "local"]) == 2
    assert "not empty" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--model", "nope", "--dataset", "rt-samples"], "unknown model"),
    (["--model", "sentence/lin", "--dataset", "no-such-set"], "neither a dataset name"),
    (["--model", "caption/soft", "--dataset", "rt-samples"], "takes image inputs"),
])
def test_cli_bad_arguments_fail_with_one_line(tmp_path, capsys, args, message):
    assert main(["export", *args, "--out", str(tmp_path / "o"), "--engine", "local"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.slow
def test_ray_data_and_the_local_engine_write_the_same_rows(tmp_path):
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    common = dict(limit=6, batch_size=2)
    local = export("dates-en-fr/local-p", "dates-heldout", tmp_path / "local", engine="local",
                   on_progress=lambda *_: None, **common)
    try:   # one actor: Ray's start-up dominates here; the benchmark runs two
        ray_info = export("dates-en-fr/local-p", "dates-heldout", tmp_path / "ray", engine="ray", workers=1, **common)
    finally:
        ray.shutdown()
    assert (local.maps, ray_info.maps) == (6, 6) and ray_info.engine == "ray"
    a, b = _read(tmp_path / "local"), _read(tmp_path / "ray")
    assert a.schema.equals(b.schema)
    for name in a.column_names:
        left, right = a[name].to_pylist(), b[name].to_pylist()
        if name in ("weights", "rel_profile", "centers", "head_js"):
            for x, y in zip(left, right):
                assert (x is None) == (y is None)
                if x is not None:
                    np.testing.assert_allclose(x, y, atol=1e-6, err_msg=name)
        elif pa.types.is_floating(a.schema.field(name).type):
            np.testing.assert_allclose(np.array(left, dtype=float), np.array(right, dtype=float), atol=1e-6,
                                       err_msg=name)
        else:
            assert left == right, name
    assert json.loads(a["meta"][0].as_py())["model"] == "dates-en-fr/local-p"
    assert all(v is not None for v in a["aer"].to_pylist())    # the held-out dates carry gold links
