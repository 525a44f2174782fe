import pytest

from dashboard.components.background import running_jobs


@pytest.fixture(autouse=True)
def _no_leftover_jobs():
    """Every background job a test leaves running is cancelled and waited for when the test ends, so no test
    shares the CPU, or the list of running jobs, with an earlier one (which order a worker runs files in is
    not fixed)."""
    yield
    jobs = running_jobs()
    for job in jobs:
        job.cancel("test over")
    for job in jobs:
        job.done.wait(30)
