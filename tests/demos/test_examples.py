"""The runnable examples in demos/ run and say true things."""
import numpy as np

from demos.compare_mechanisms import compare
from demos.local_window import window_weights


def test_compare_mechanisms_reads_every_dates_model():
    rows = compare("Monday, November 23, 2026")
    assert {r["mechanism"] for r in rows} >= {"bahdanau", "local-m", "local-p"}
    assert all(r["looks at"] for r in rows)
    assert any(r["p_t"] is not None for r in rows if r["mechanism"] == "local-p")


def test_local_window_final_is_content_times_gaussian_for_local_p():
    out = window_weights(width=2)
    assert abs(sum(out["monotonic"]["final"]) - 1) < 1e-5            # local-m renormalises inside the window
    p = out["predictive"]
    s = np.arange(len(p["final"]))
    gauss = np.exp(-(s - p["p_t"]) ** 2 / (2 * 1.0 ** 2))              # σ = D/2 = 1
    np.testing.assert_allclose(np.array(p["content"]) * gauss, p["final"], atol=1e-5)
    assert sum(p["final"]) <= 1 + 1e-6
