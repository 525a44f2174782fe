"""In the browser: a user's own Hugging Face models from the server's models folder (own server and browser,
so the shared one of test_browser.py is closed first)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from dashboard.local_server import (CHROMIUM, CHROMIUM_ARGS, choose_option, dashboard_server, fill_text,
                                    tall_screenshot, wait_for_idle)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)

OUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def _choose(page, label: str, option: str) -> None:
    choose_option(page, label, option)
    wait_for_idle(page, timeout_ms=120_000)


def _tall_screenshot(page, name: str, height: int = 3200) -> None:
    tall_screenshot(page, OUT / name, height)


def test_a_users_own_models_from_the_models_folder_on_three_pages(tiny_hf_models, tmp_path):
    """The server's owner points ATTENTION_ATLAS_MODELS_DIR at a folder; a browser user picks “Your model”."""
    from attention_core.models.user_models import MODELS_DIR_ENV
    OUT.mkdir(parents=True, exist_ok=True)
    photo = Path(__file__).resolve().parents[2] / "attention_core" / "samples" / "photo-astronaut.jpg"
    with dashboard_server(env={MODELS_DIR_ENV: str(tiny_hf_models)}) as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/transformers")
        wait_for_idle(page, timeout_ms=180_000)
        _choose(page, "Model", "Your model: gpt2")
        fill_text(page, "attention lets the model look back at every word")
        page.wait_for_selector("text=Continuation", timeout=60_000)
        assert page.locator(".js-plotly-plot").count() >= 1
        assert page.locator("[data-testid='stException']").count() == 0
        _tall_screenshot(page, "user-model-transformers-gpt2.png", 2200)
        _choose(page, "Model", "Your model: bert-classifier")
        page.wait_for_selector("text=Prediction:", timeout=60_000)
        _tall_screenshot(page, "user-model-transformers-bert-classifier.png", 3200)
        page.goto(f"{url}/translate")
        wait_for_idle(page, timeout_ms=180_000)
        page.get_by_text("Your model: marian", exact=True).click()
        wait_for_idle(page, timeout_ms=120_000)
        fill_text(page, "the cat sat on the mat")
        assert page.locator(".js-plotly-plot").count() >= 1
        _tall_screenshot(page, "user-model-translate-marian.png", 1800)
        page.goto(f"{url}/vision")
        wait_for_idle(page, timeout_ms=180_000)
        _choose(page, "Model", "Your model: vit")
        page.locator("input[type=file]").first.set_input_files(str(photo))
        wait_for_idle(page, timeout_ms=120_000)
        page.wait_for_selector("text=the only size this model takes", timeout=60_000)
        assert page.locator(".js-plotly-plot").count() >= 1
        assert page.locator("[data-testid='stException']").count() == 0
        _tall_screenshot(page, "user-model-vision-vit.png", 1800)
        browser.close()
    assert not errors, errors
