"""The class-load benchmark's latency rule: an answer shows once a teacher view of its step counts it."""
from benchmarks.class_load import ClassRun, _latencies


def test_latency_is_send_to_the_first_view_that_counts_the_answer():
    run = ClassRun(students=3, replicas=2)
    run.sent = {(0, 0): 10.0, (1, 0): 11.0, (2, 0): 12.5, (0, 1): 20.0}
    # views of step 0 at 10.5 (1 answer), 12.0 (2), 14.0 (3); a step-1 view at 21.0 (1)
    run.seen = [(10.5, 0, 1), (12.0, 0, 2), (14.0, 0, 3), (21.0, 1, 1)]
    assert _latencies(run) == [0.5, 1.0, 1.5, 1.0]


def test_an_answer_never_seen_has_no_latency():
    run = ClassRun(students=2, replicas=1)
    run.sent = {(0, 0): 1.0, (1, 0): 2.0}
    run.seen = [(3.0, 0, 1)]
    assert _latencies(run) == [2.0]      # the second answer was never counted: no number, not a fake one
