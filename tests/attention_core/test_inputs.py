import io

import pytest
from PIL import Image

from attention_core.inputs import InputError, clean_text, load_image


def _png(size=(40, 30), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, 128).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("text", ["", "   \n\t ", "\u200b\u202e\x00"])
def test_empty_text_is_refused(text):
    with pytest.raises(InputError, match="empty"):
        clean_text(text)


def test_long_text_is_cut_and_flagged():
    out = clean_text("word " * 1000, max_chars=100)
    assert out.truncated and len(out.text) <= 100 and out.original_chars == 4999


def test_unicode_is_kept_and_controls_dropped():
    out = clean_text("Ｃafe\u0301 😀 日本語 مرحبا\x07")
    assert out.text == "Ｃafé 😀 日本語 مرحبا" and not out.truncated


def test_image_is_opened_converted_and_downscaled(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(_png((3000, 1500), "L"))
    img = load_image(path, max_side=512)
    assert img.mode == "RGB" and img.size == (512, 256)


@pytest.mark.parametrize("payload, message", [
    (b"not an image at all", "not a readable image"),
    (_png()[:60], "not a readable image"),     # truncated / corrupt PNG
    (b"", "empty"),
])
def test_bad_files_are_refused(payload, message):
    with pytest.raises(InputError, match=message):
        load_image(payload)


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(InputError, match="too large"):
        load_image(_png((5000, 5000), "1"), max_pixels=1_000_000)


def test_oversized_upload_is_refused():
    with pytest.raises(InputError, match="larger than"):
        load_image(b"\0" * (2 ** 20 + 1), max_bytes=2 ** 20)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        load_image(tmp_path / "nope.png")


def test_a_16_bit_grey_png_is_scaled_not_clipped_white():
    """Pillow's RGB conversion clips 16-bit values at 255: a mid-grey 16-bit photo came out all white."""
    import io

    import numpy as np
    from PIL import Image

    from attention_core.inputs import load_image
    ramp = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (32, 1))
    buffer = io.BytesIO()
    Image.fromarray(ramp).save(buffer, format="PNG")
    assert Image.open(io.BytesIO(buffer.getvalue())).mode.startswith("I")     # really a 16-bit image
    out = np.asarray(load_image(buffer.getvalue()))
    assert out.shape == (32, 64, 3) and abs(out.mean() - 127.5) < 1.5
    assert out[0, 0, 0] == 0 and out[0, -1, 0] == 255 and (out == 255).mean() < 0.05
    # 8-bit images are unchanged
    rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    assert (np.asarray(load_image(buffer.getvalue())) == rgb).all()
