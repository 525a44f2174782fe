"""A class on one example costs one model run and one figure: the caches are shared by every session and
concurrent requests for the same input wait for the first instead of computing again."""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import plotly.graph_objects as go

from attention_core import AttentionMap, Explanation
from attention_core.outputs import Translation
from dashboard.components import figure_of, model_access

STUDENTS = 30


def test_thirty_students_on_one_example_cost_one_model_run(monkeypatch):
    runs = []
    barrier = threading.Barrier(STUDENTS)

    class CountingModel:
        def explain(self, inp, **options):
            runs.append(inp)
            time.sleep(0.3)            # long enough for every other student to ask meanwhile
            amap = AttentionMap("dot", ["x"], ["a", "b"], np.array([[0.5, 0.5]]))
            return Explanation("test/counting", Translation(inp.upper()), [amap])

    monkeypatch.setattr(model_access, "model", lambda model_id: CountingModel())
    text = f"the same example {uuid.uuid4().hex}"   # not cached by an earlier test

    def student(_):
        barrier.wait()                 # everyone presses at once
        return model_access.explain("test/counting", text)

    with ThreadPoolExecutor(STUDENTS) as pool:
        results = list(pool.map(student, range(STUDENTS)))
    assert runs == [text]
    assert all(error is None and result.output.text == text.upper() for result, error in results)


def test_thirty_students_share_one_figure(monkeypatch):
    builds = []
    barrier = threading.Barrier(STUDENTS)
    amap = AttentionMap("dot", ["x"], ["a", uuid.uuid4().hex], np.array([[0.25, 0.75]]))

    def slow_view(m: AttentionMap) -> go.Figure:
        builds.append(m.keys[1])
        time.sleep(0.3)
        return go.Figure(go.Heatmap(z=m.weights))

    def student(_):
        barrier.wait()
        return figure_of(slow_view, amap)

    with ThreadPoolExecutor(STUDENTS) as pool:
        figures = list(pool.map(student, range(STUDENTS)))
    assert len(builds) == 1 and all(f is figures[0] for f in figures)
