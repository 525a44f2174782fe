"""A teacher and three students, each in their own browser, through the replica deployment's proxy: the
students' predictions are graded, the teacher's view shows them as they come, pacing reaches every
student without a reload, and the CSV export holds every answer."""
from __future__ import annotations

import io
import os
import shutil
import time

import pandas as pd
import pytest

from dashboard.class_store.local_postgres import local_postgres, postgres_bin
from dashboard.classroom import classroom
from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, tall_screenshot, wait_for_idle

from .test_classroom_deployment import OUT

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']", has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


def _wait_metric(page, label: str, expected: str, timeout_s: float = 30) -> None:
    for _ in range(int(timeout_s * 4)):
        if _metric(page, label) == expected:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{label} stayed {_metric(page, label)!r}, expected {expected!r}")


def _open(browser, url: str, errors: list[str]):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/classroom")
    wait_for_idle(page, timeout_ms=180_000)
    return context, page


def _mode(page, label: str) -> None:
    page.locator("[data-testid='stButtonGroup'] button", has_text=label).first.click()
    wait_for_idle(page)


def _export(page, rows: int, seconds: float = 15.0) -> pd.DataFrame:
    """The teacher's CSV export once it holds ``rows`` answers. The button is re-rendered by the live part every
    poll, after the metrics: a click right after "Answered 3 of 3" appears can still fetch the previous poll's file,
    so the file is fetched again until it catches up (it must within a few polls)."""
    deadline = time.monotonic() + seconds
    while True:
        with page.expect_download() as download:
            page.get_by_role("button", name="Export every answer (CSV)").click()
        frame = pd.read_csv(io.BytesIO(open(download.value.path(), "rb").read()))
        if len(frame) >= rows or time.monotonic() > deadline:
            return frame
        page.wait_for_timeout(500)


def _predict(page, choice: str) -> None:
    page.locator("[data-testid='stRadio'] label", has_text=choice).filter(
        has_text=__import__("re").compile(rf"^{choice}$")).first.click()
    wait_for_idle(page)
    page.get_by_role("button", name="Submit my prediction").click()
    wait_for_idle(page)


@pytest.mark.skipif(shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"),
                    reason="nginx is not installed (.ci/run installs it)")
def test_a_teacher_and_three_students_go_through_a_lesson_through_the_proxy_on_postgresql():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    OUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with local_postgres() as db, classroom(2, warm=False, database=db) as dep, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        _, teacher = _open(browser, dep.url, errors)
        _mode(teacher, "Teach a class")
        teacher.get_by_role("button", name="Start a class session").click()
        wait_for_idle(teacher, timeout_ms=120_000)
        code = _metric(teacher, "Students join with the code")
        assert len(code) == 9 and code[4] == "-"
        students = []
        for name in ("Ana", "Bo", "Chen"):
            context, page = _open(browser, dep.url, errors)
            _mode(page, "Join a class")
            page.get_by_label("Class code").fill(code.lower())
            page.get_by_label("Your name").fill(name)
            page.get_by_role("button", name="Join the class").click()
            wait_for_idle(page, timeout_ms=120_000)
            page.wait_for_selector("text=Step 1 of 4", timeout=60_000)
            assert page.locator(".js-plotly-plot").count() == 0          # nothing revealed before predicting
            students.append((context, page))
        replicas = {c["value"] for ctx, _ in students for c in ctx.cookies() if c["name"] == "atlas_replica"}
        assert replicas == {"replica-1", "replica-2"}                       # the class spans both replicas
        _wait_metric(teacher, "Joined", "3")
        for (_, page), choice in zip(students, ("said", "god", "god")):
            _predict(page, choice)
        ana, bo = students[0][1], students[1][1]
        ana.wait_for_selector("text=Right: you said", timeout=30_000)
        bo.wait_for_selector("text=the model's answer is", timeout=30_000)
        ana.wait_for_selector(".js-plotly-plot", timeout=30_000)             # the map, after the answer
        _wait_metric(teacher, "Answered", "3 of 3")                          # live, no reload
        assert _metric(teacher, "Right") == "33%" and _metric(teacher, "Common wrong answer") == "god"
        tall_screenshot(teacher, OUT / "class-teacher-view.png", height=2000)
        tall_screenshot(ana, OUT / "class-student-after-answer.png", height=2400)
        frame = _export(teacher, 3)
        assert sorted(frame["student"]) == ["Ana", "Bo", "Chen"] and frame["correct"].sum() == 1
        # pacing: the teacher moves the class on; every student's page follows within a few seconds; the
        # class goes through the rest of the lesson the same way
        for step in (2, 3, 4):
            teacher.get_by_role("button", name="Class forward ▶").click()
            wait_for_idle(teacher)
            for _, page in students:
                page.wait_for_selector(f"text=Step {step} of 4", timeout=60_000)
            if step == 2:
                tall_screenshot(students[2][1], OUT / "class-student-before-answer.png", height=1600)
            for _, page in students:
                options = page.locator("[data-testid='stRadio']").filter(has_text="Your prediction") \
                    .locator("[data-testid='stRadioOption']")
                options.first.click()
                wait_for_idle(page)
                page.get_by_role("button", name="Submit my prediction").click()
                wait_for_idle(page)
                page.wait_for_selector("text=Is this an explanation?", timeout=60_000)
            _wait_metric(teacher, "Answered", "3 of 3")
        frame = _export(teacher, 12)
        assert len(frame) == 12 and sorted(frame["step"].unique()) == [1, 2, 3, 4]
        assert not errors, errors
        browser.close()
