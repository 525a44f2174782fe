"""Benchmark options that cannot give a table are refused in one line before any work (they traced back, or
ran a lesson whose only replica was killed, before)."""
import pytest

from benchmarks import load


@pytest.mark.parametrize("argv, says", [
    (["--memory", "--soak", "4"], "--soak must be more than the 20 warm-up reruns"),
    (["--memory", "--soak", "4", "--warm", "4"], "--soak must be more than the 4 warm-up reruns"),
    (["--memory", "--soak", "4", "--warm", "0"], "(--warm, at least 1)"),
    (["--lesson", "--replicas", "1"], "needs --replicas 2 or more"),
])
def test_load_refuses_options_it_cannot_measure(argv, says, capsys):
    with pytest.raises(SystemExit) as stop:
        load.main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and says in err and "Traceback" not in err
