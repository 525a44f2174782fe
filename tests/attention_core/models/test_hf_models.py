"""Hugging Face adapters: the real MiniLM (shipped in a package) and tiny random Marian / ViT-GPT2 models."""
import numpy as np
import pytest
import torch

from attention_core import AttentionMap
from attention_core.aggregate import drop_tokens, mean_over_heads, merge_pieces, rollout
from attention_core.models import get_spec, load_model
from attention_core.models.hf_models import Seq2SeqCrossAttention, VisionCaptionCrossAttention


@pytest.fixture(scope="module")
def minilm():
    return load_model("transformer/minilm-l6")


def test_minilm_gives_72_maps_whose_rows_sum_to_one(minilm):
    result = minilm.explain("Attention is unbelievably useful.")
    tokens = result.output.tokens
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]" and "##bel" in tokens
    assert len(result.maps) == 72
    assert {(m.layer, m.head) for m in result.maps} == {(l, h) for l in range(6) for h in range(12)}
    for m in result.maps:
        assert m.shape == (len(tokens), len(tokens)) and m.queries == tokens
        np.testing.assert_allclose(m.weights.sum(1), 1.0, atol=1e-5)
    # heads really differ (attention is there, not a uniform placeholder)
    assert np.abs(result.maps[0].weights - result.maps[1].weights).max() > 0.05


def test_minilm_word_piece_merge_and_special_tokens(minilm):
    merged = minilm.explain("Attention is unbelievably useful.", merge_words=True)
    m = merged.maps[30]
    assert m.queries == ["[CLS]", "attention", "is", "unbelievably", "useful", ".", "[SEP]"]
    np.testing.assert_allclose(m.weights.sum(1), 1.0, atol=1e-5)
    assert "columns summed" in m.meta["merged"]
    inner = drop_tokens(m, {"[CLS]", "[SEP]"})
    assert inner.keys == ["attention", "is", "unbelievably", "useful", "."]
    np.testing.assert_allclose(inner.weights.sum(1), 1.0, atol=1e-6)   # float32 rows renormalised: within a few ulps of 1


def test_minilm_reads_512_tokens_and_states_the_cut_beyond(minilm):
    result = minilm.explain("word " * 700)
    assert result.maps[0].shape == (512, 512) and result.maps[0].weights.dtype == np.float32
    assert "first 512 tokens" in result.notices[0] and "(it has 702)" in result.notices[0]
    assert not minilm.explain("word " * 500).notices           # 502 tokens fit: no notice


def test_batched_word_piece_merge_equals_the_per_map_merge(minilm):
    from attention_core.models.transformers_adapters import merge_word_pieces
    rng = np.random.default_rng(0)
    stack = torch.tensor(rng.dirichlet(np.ones(6), size=(2, 3, 6)), dtype=torch.float32)  # [L, H, T, T]
    groups = [[0], [1, 2, 3], [4], [5]]
    merged = merge_word_pieces(stack, groups).numpy()
    labels = ["a", "b", "c", "d"]
    for layer in range(2):
        for head in range(3):
            amap = AttentionMap("mh", list("uvwxyz"), list("uvwxyz"), stack[layer, head].numpy())
            expected = merge_pieces(amap, groups, groups, labels, labels).weights
            np.testing.assert_allclose(merged[layer, head], expected, atol=1e-6)
    np.testing.assert_allclose(merged.sum(-1), 1.0, atol=1e-6)
    with pytest.raises(ValueError):
        merge_word_pieces(stack, [[0, 2], [1, 3, 4, 5]])


def test_hub_models_are_registered_but_say_how_to_get_them():
    spec = get_spec("hf/marian-en-fr")
    assert not spec.shipped and "huggingface-cli download" in spec.description
    assert spec.is_available() is False          # no network, empty cache on these machines


def test_rollout_and_mean_over_heads_match_a_hand_computation():
    a1 = np.array([[0.5, 0.5], [0.2, 0.8]])
    a2 = np.array([[1.0, 0.0], [0.4, 0.6]])
    b = np.array([[0.9, 0.1], [0.3, 0.7]])
    maps = [AttentionMap("mh", ["x", "y"], ["x", "y"], a1, layer=0, head=0),
            AttentionMap("mh", ["x", "y"], ["x", "y"], a2, layer=0, head=1),
            AttentionMap("mh", ["x", "y"], ["x", "y"], b, layer=1, head=0)]
    np.testing.assert_allclose(mean_over_heads(maps[:2]).weights, (a1 + a2) / 2)
    l0 = 0.5 * (a1 + a2) / 2 + 0.5 * np.eye(2)
    l1 = 0.5 * b + 0.5 * np.eye(2)
    l0, l1 = l0 / l0.sum(1, keepdims=True), l1 / l1.sum(1, keepdims=True)
    np.testing.assert_allclose(rollout(maps).weights, l1 @ l0)
    merged = merge_pieces(maps[0], [[0, 1]], [[0], [1]], ["xy"], ["x", "y"])
    np.testing.assert_allclose(merged.weights, [[0.35, 0.65]])


def _tiny_marian():
    from transformers import MarianConfig, MarianMTModel
    torch.manual_seed(0)
    cfg = MarianConfig(vocab_size=40, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                       decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
                       pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, forced_eos_token_id=None,
                       attn_implementation="eager")
    return MarianMTModel(cfg)


def test_marian_cross_attention_has_one_row_per_generated_token():
    model = _tiny_marian()
    adapter = Seq2SeqCrossAttention("test/marian", model, short="tiny")
    src = torch.tensor([[5, 6, 7, 8, 1]])
    ids, maps = adapter.from_ids(src, ["a", "b", "c", "d", "</s>"], lambda ids: [f"t{i}" for i in ids],
                                 max_new_tokens=6)
    assert 1 <= len(ids) <= 6
    assert len(maps) == 2 * 2                                   # layers × heads
    for m in maps:
        assert m.shape == (len(ids), 5) and m.keys[-1] == "</s>"
        np.testing.assert_allclose(m.weights.sum(1), 1.0, atol=1e-5)
    # the rows are the attention that generate() really used: recompute by teacher forcing
    dec_in = torch.tensor([[0] + ids[:-1]])
    out = model(input_ids=src, decoder_input_ids=dec_in, output_attentions=True)
    np.testing.assert_allclose(maps[0].weights, out.cross_attentions[0][0, 0].detach().numpy(), atol=1e-5)


def test_vision_encoder_decoder_cross_attention_over_patches():
    from transformers import GPT2Config, VisionEncoderDecoderConfig, VisionEncoderDecoderModel, ViTConfig
    torch.manual_seed(0)
    enc = ViTConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                    image_size=32, patch_size=8)
    dec = GPT2Config(vocab_size=30, n_embd=16, n_layer=2, n_head=2, n_positions=32, bos_token_id=0, eos_token_id=1,
                     add_cross_attention=True, is_decoder=True)
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    cfg.decoder_start_token_id, cfg.pad_token_id, cfg.eos_token_id = 0, 1, 1
    model = VisionEncoderDecoderModel(config=cfg)
    model.config._attn_implementation = "eager"
    adapter = VisionCaptionCrossAttention("test/vit", model, short="tiny")
    ids, maps = adapter.from_pixels(torch.randn(1, 3, 32, 32), lambda ids: [f"w{i}" for i in ids], max_new_tokens=5)
    assert len(maps) == 2 * 2
    for m in maps:
        assert m.grid == (4, 4) and m.shape == (len(ids), 16)
        np.testing.assert_allclose(m.weights.sum(1), 1.0, atol=1e-5)
