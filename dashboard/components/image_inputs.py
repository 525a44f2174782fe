"""Image input on pages: an upload or a sample file, checked and decoded safely."""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from PIL import Image

from attention_core.inputs import MAX_IMAGE_BYTES, load_image

from .presentation import md_escape


def chosen_image(upload, sample: str | None) -> tuple[bytes, str, Image.Image]:
    """The uploaded file, else the sample file → ``(bytes, name, decoded image)``; anything unusable stops
    the page with one escaped error line (too large, not an image, a decompression bomb)."""
    if upload is not None:
        data, name = upload.getvalue(), upload.name
    elif sample:
        data, name = Path(sample).read_bytes(), Path(sample).name
    else:
        st.stop()
    if len(data) > MAX_IMAGE_BYTES:
        st.error(f"The file is larger than {MAX_IMAGE_BYTES // 2 ** 20} MB.")
        st.stop()
    try:
        return data, name, load_image(data)
    except ValueError as exc:
        st.error(md_escape(f"{name}: {exc}"))
        st.stop()
