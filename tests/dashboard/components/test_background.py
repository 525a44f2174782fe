"""Background work: a run that ends in st.stop() (a page waiting for its own work) still cancels the work it
left behind — the public session state raises StopException while that stop is pending."""
import time

from streamlit.testing.v1 import AppTest


def _page(which: str) -> None:
    import time

    import streamlit as st

    from dashboard.components.background import begin_run, end_run, in_background

    def slow(job):
        while True:
            job.check()
            time.sleep(0.05)

    begin_run()
    try:
        in_background(which, (which,), slow, seconds=60, label=which)
    except BaseException:       # as dashboard/app.py does: st.stop() ends a run too
        end_run()
        raise
    else:
        end_run()
    st.write("not reached while the work runs")


def test_a_page_stopped_by_its_own_work_cancels_the_work_it_left():
    from dashboard.components.background import running_jobs
    at = AppTest.from_function(_page, args=("first",), default_timeout=30).run()
    (first,) = [j for j in running_jobs() if j.key == ("first",)]
    at.args = ("second",)
    at.run()                                                  # stops at the second slot's progress bar
    assert first.cancelled and first.reason == "the page no longer asks for it"
    assert first.done.wait(5)
    for job in running_jobs():
        job.cancel("test over")
    time.sleep(0.2)


def test_a_rerun_does_not_wait_again_for_work_an_earlier_run_started(monkeypatch):
    """Only the run that starts work waits for it (QUICK); a rerun meanwhile (presentation mode switched while
    an attribution runs) draws the progress bar at once instead of holding the page for QUICK seconds."""
    from dashboard.components import background
    monkeypatch.setattr(background, "QUICK", 0.01)
    at = AppTest.from_function(_page, args=("third",), default_timeout=10).run()
    (job,) = [j for j in background.running_jobs() if j.key == ("third",)]
    # were the rerun to wait QUICK again, it would outlast the AppTest's 10-s timeout and fail
    monkeypatch.setattr(background, "QUICK", 60.0)
    at.run()
    assert not at.exception
    assert at.get("progress") and not job.done.is_set()
    assert [j for j in background.running_jobs() if j.key == ("third",)] == [job]   # the same work, not restarted
    job.cancel("test over")
    assert job.done.wait(5)
