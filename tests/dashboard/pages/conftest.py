from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[3] / "dashboard" / "app.py")


@pytest.fixture
def open_page():
    """Open a dashboard page in AppTest: ``at = open_page("app_pages/translate.py")``."""
    def _open(page: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        at.switch_page(page)
        at.run()
        assert not at.exception, at.exception
        return at
    return _open


def widget(at: AppTest, kind: str, label: str):
    """The first widget of ``kind`` whose label is ``label``."""
    for w in getattr(at, kind):
        if w.label == label:
            return w
    raise LookupError(f"no {kind} labelled {label!r}: {[w.label for w in getattr(at, kind)]}")


PANEL_KEY = "-attr-"   # chart keys of the attribution panel (issue 12), drawn below a page's own maps


def page_html(at: AppTest) -> list:
    """The page's own HTML blocks: not the app's style sheet, nor the HTML twin of each table (or the large copy of
    an editor), which presentation mode shows (``dashboard/components/tables.py``)."""
    from dashboard.components.tables import LARGE_COPY, LARGE_TABLE
    return [el for el in at.get("html") if f'class="{LARGE_TABLE}-wrap"' not in el.proto.body
            and f'class="{LARGE_COPY}-wrap"' not in el.proto.body and not el.proto.body.startswith("<style>")]


def figure_elements(at: AppTest) -> list[tuple[str, str]]:
    """(element id, figure JSON text) of every Plotly chart on the page: the charts updated in place
    (``dashboard/components/live_figure.py``) and any drawn by Streamlit's own chart element."""
    import json
    found = [(el.proto.id, el.proto.spec) for el in at.get("plotly_chart")]
    found += [(el.proto.id, json.loads(el.proto.json)["figure"]) for el in at.get("bidi_component")
              if el.proto.component_name == "atlas_live_figure"]
    return found


def charts(at: AppTest, panel: bool = False) -> list:
    """Plotly figures on the page, as parsed JSON specs: the page's own, or (``panel=True``) the
    attribution panel's."""
    import json
    return [json.loads(spec) for key, spec in figure_elements(at) if (PANEL_KEY in key) == panel]


def values(data) -> list:
    """A Plotly JSON array as a list (plotly encodes numpy arrays as base64 typed arrays)."""
    import base64

    import numpy as np
    if isinstance(data, dict) and "bdata" in data:
        arr = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        shape = data.get("shape")
        if isinstance(shape, str):                    # plotly writes 2-D shapes as "rows, cols"
            shape = [int(v) for v in shape.split(",")]
        return arr.reshape(shape).tolist() if shape else arr.tolist()
    return list(data)


def _session_jobs(at: AppTest) -> list:
    """The background jobs this AppTest session started that are still running (not other tests' jobs)."""
    from dashboard.components.background import JOBS_KEY
    jobs = at.session_state.get(JOBS_KEY) or {}
    return [j for j in jobs.values() if not j.done.is_set()]


def settled(at: AppTest, timeout: float = 300) -> AppTest:
    """Run ``at`` until no background work (attribution) of its session is left: AppTest has no browser to poll
    it, so this stands in for the page's progress fragment (and keeps the work's heartbeat alive). Work of other
    sessions is not waited for: another test's leftover job once made this rerun a page whose one-off error had
    already been shown."""
    import time

    deadline = time.monotonic() + timeout
    at.run()
    # a progress bar left on the page means the run stopped for work that may have finished since (between the
    # run's short wait and this check): run once more to draw its result
    while (_session_jobs(at) or at.get("progress")) and time.monotonic() < deadline:
        while _session_jobs(at) and time.monotonic() < deadline:
            for job in _session_jobs(at):
                job.seen = time.monotonic()
            time.sleep(0.1)
        at.run()
    return at


def compute_upload(at: AppTest, name: str, data: bytes) -> AppTest:
    """On the Dataset atlas: Compute one here from an uploaded file ``name`` holding ``data``; wait for it."""
    widget(at, "radio", "Data").set_value("Compute one here")
    at.run()
    widget(at, "selectbox", "Dataset").set_value("upload a file")
    at.run()
    at.file_uploader[0].set_value((name, data, "application/octet-stream"))
    at.run()
    next(b for b in at.button if b.label == "Compute").click()
    return settled(at)
