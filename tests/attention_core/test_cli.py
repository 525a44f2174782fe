import json

import pytest
import torch

from attention_core import Explanation, maps_from_tensor
from attention_core.capabilities import Capabilities, Family
from attention_core.cli import main
from attention_core.mechanisms import GlobalAttention
from attention_core.models import registry
from attention_core.models.registry import ModelSpec
from attention_core.outputs import Translation


class _EchoAttention:
    """A tiny real model: hashed token embeddings through dot-product self-attention."""

    def __init__(self):
        torch.manual_seed(0)
        self.emb = torch.nn.Embedding(97, 8)
        self.attn = GlobalAttention(8, 8, "dot")

    def explain(self, text):
        tokens = text.split()
        x = self.emb(torch.tensor([[sum(map(ord, t)) % 97 for t in tokens]]))
        _, w = self.attn(x, x)
        return Explanation("test/echo", Translation(text.upper()),
                           [maps_from_tensor(w[0], mechanism="dot", queries=tokens, keys=tokens,
                                             meta={"model": "test/echo"})])


@pytest.fixture
def echo_model(monkeypatch):
    spec = ModelSpec("test/echo", "encoder", "dot", "test model", "text", _EchoAttention,
                     Capabilities("text", "tokens", {"self"}, Family("test")))
    monkeypatch.setitem(registry.MODELS, spec.id, spec)
    return spec


def test_models_lists_registered_models(echo_model, capsys):
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    row = next(r for r in rows if r["id"] == "test/echo")
    assert row["task"] == "encoder" and row["mechanism"] == "dot"
    assert main(["models"]) == 0 and "test/echo" in capsys.readouterr().out


def test_explain_prints_output_and_maps_as_json(echo_model, capsys):
    assert main(["explain", "--model", "test/echo", "--text", "a cat a", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "test/echo" and data["output"] == {"kind": "translation", "text": "A CAT A"}
    amap = data["maps"][0]
    assert amap["queries"] == ["a", "cat", "a"] and len(amap["weights"]) == 3
    assert all(abs(sum(r) - 1) < 1e-5 for r in amap["weights"])


@pytest.mark.parametrize("argv, message", [
    (["explain", "--model", "no/such", "--text", "hi"], "unknown model"),
    (["explain", "--model", "test/echo", "--text", "   "], "empty"),
    (["explain", "--model", "test/echo", "--image", "x.png"], "takes text"),
])
def test_bad_input_exits_2_with_one_line(echo_model, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_non_image_file_exits_2(echo_model, monkeypatch, tmp_path, capsys):
    spec = ModelSpec("test/img", "captioning", "soft", "test", "image", _EchoAttention,
                     Capabilities("image", "caption", {"cross", "patch-grid"}, Family("test")))
    monkeypatch.setitem(registry.MODELS, spec.id, spec)
    fake = tmp_path / "photo.png"
    fake.write_text("this is text, renamed .png")
    assert main(["explain", "--model", "test/img", "--image", str(fake)]) == 2
    assert "not a readable image" in capsys.readouterr().err


def test_missing_arguments_exit_2(capsys):
    assert main(["explain", "--model", "x"]) == 2
    assert "error" in capsys.readouterr().err
