"""The benchmark script runs and prints its table (no timing is asserted here)."""
from benchmarks import mechanisms as bench


def test_every_mechanism_builds_and_measures_at_a_small_size():
    rows = []
    for name in bench.MECHANISMS:
        result = bench.measure_one(name, 64, "cpu", min_seconds=0.0)
        assert result["ms"] > 0 and result["peak_mb"] >= 0
        rows.append({"device": "cpu", "mechanism": name, "S": 64, **result})
    pair = bench.measure_pair("global-scaled_dot", "sdpa-math", 64, "cpu", min_seconds=0.0)
    assert pair["ratio"] == pair["a_ms"] / pair["b_ms"] > 0
    text = bench.table(rows, [{"device": "cpu", "a": "global-scaled_dot", "b": "sdpa-math", "S": 64, **pair}])
    assert "| local-p:banded |" in text and "- S=64: global-scaled_dot / sdpa-math time =" in text
