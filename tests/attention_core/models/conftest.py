"""Fixtures shared by the model tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def one_thread():
    """Torch on one thread for the module: the captioners' many tiny ops run ~40× slower when two threads fight
    over a busy second core."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
