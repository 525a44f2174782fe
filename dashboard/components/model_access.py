"""Model access for pages: one loaded model per server process, results cached per input."""
from __future__ import annotations

import os
from typing import Any

import streamlit as st
import torch

from attention_core import Explanation, Needs
from attention_core.inputs import InputError, load_image
from attention_core.models import ExplainError, ModelLoadError, ModelSpec, get_spec, list_models, load_model
from attention_core.models.base import one_line


# One intra-op thread per model call: sessions already run in parallel threads, and on a 2-core machine
# shared with the browser, two threads per call made HAN's per-step GRU 30× slower (20k characters: 80 ms on
# one thread, 2.7 s on two) and MiniLM at 512 tokens 2–4× slower. ATTENTION_ATLAS_THREADS overrides it.
TORCH_THREADS = int(os.environ.get("ATTENTION_ATLAS_THREADS", "1"))
torch.set_num_threads(TORCH_THREADS)


@st.cache_resource(show_spinner="Loading model…")
def model(model_id: str) -> Any:
    """The loaded model, once per server process and shared by every browser session."""
    return load_model(model_id)


def _one_line(model_id: str, exc: Exception) -> str:
    # an explainer's own errors are one line already (ExplainError names the model: no second prefix)
    if isinstance(exc, (InputError, ModelLoadError, ExplainError)):
        return str(exc)
    return one_line(model_id, exc)


def run(model_id: str, inp: Any, **options: Any) -> tuple[Explanation | None, str | None]:
    """Run a model without the result cache (for callers that cache a derived, larger object themselves)
    → ``(explanation, None)`` or ``(None, one-line error)``."""
    try:
        return model(model_id).explain(inp, **options), None
    except Exception as exc:
        return None, _one_line(model_id, exc)


@st.cache_data(max_entries=512, show_spinner=False)
def _explain_cached(model_id: str, inp: Any, options: tuple[tuple[str, Any], ...]) -> Explanation:
    return model(model_id).explain(inp, **dict(options))


def explain(model_id: str, inp: Any, **options: Any) -> tuple[Explanation | None, str | None]:
    """Run a model (results cached per input, shared by sessions) → ``(explanation, None)`` or
    ``(None, one-line error)``; a failing model never takes the page down."""
    try:
        return _explain_cached(model_id, inp, tuple(sorted(options.items()))), None
    except Exception as exc:
        return None, _one_line(model_id, exc)


@st.cache_data(max_entries=64, show_spinner=False)
def _explain_image_cached(model_id: str, data: bytes, options: tuple[tuple[str, Any], ...]) -> Explanation:
    return model(model_id).explain(load_image(data), **dict(options))


def explain_image(model_id: str, data: bytes, **options: Any) -> tuple[Explanation | None, str | None]:
    """Like :func:`explain` for an uploaded image's bytes (decoded safely inside the cache)."""
    try:
        return _explain_image_cached(model_id, data, tuple(sorted(options.items()))), None
    except Exception as exc:
        return None, _one_line(model_id, exc)


@st.cache_resource(ttl=60, show_spinner=False)
def _problems(ids: tuple[str, ...]) -> dict[str, str | None]:
    # the checks read weight headers and parse config/tokenizer JSON: once a minute per server, not on
    # every rerun of every session (they were half the Translate page's CPU with 10 sessions)
    return {i: get_spec(i).problem() for i in ids}


def problem(spec: ModelSpec) -> str | None:
    """Why ``spec`` cannot load here (None when it can), from the shared once-a-minute check."""
    return _problems((spec.id,))[spec.id]


def available(needs: Needs | None = None, family: str | None = None) -> tuple[list[ModelSpec], list[ModelSpec]]:
    """``(loadable, not loadable)`` specs meeting ``needs`` (and of ``family``) here (re-checked every minute)."""
    specs = list_models(needs, family=family)
    problems = _problems(tuple(s.id for s in specs))
    return [s for s in specs if problems[s.id] is None], [s for s in specs if problems[s.id] is not None]


def unavailable_notice(missing: list[ModelSpec]) -> None:
    """One info line naming the models that cannot load here and why."""
    from .presentation import md_escape
    if missing:
        st.info("Not available on this machine: " + "; ".join(
            f"**{md_escape(s.id)}** — {md_escape(problem(s) or '')}" for s in missing))


def families(needs: Needs) -> dict[str, str]:
    """``{family name: display label}`` of the models meeting ``needs``, in registration order."""
    seen: dict[str, str] = {}
    for spec in list_models(needs):
        seen.setdefault(spec.family, spec.capabilities.family.display)
    return seen


def refresh_choice(key: str) -> None:
    """Re-send a keyed picker's value so the browser redraws its label: Streamlit 1.67 keeps showing the old
    label of a keyed selectbox whose options keep their values but change their labels (the token picker
    after a new text read "#1 animal" for the text's "lets")."""
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]


def labels_key(key: str, labels: list[str]) -> str:
    """``key`` made specific to ``labels``: a picker with a default index starts afresh when they change."""
    import zlib
    return f"{key}-{zlib.crc32(chr(31).join(labels).encode()):08x}"


def model_label(spec: ModelSpec) -> str:
    """How a picker names a model: a user's folder model by its family label, a shipped one by its id."""
    return spec.capabilities.family.display if spec.capabilities.user else spec.id


def choose_model(specs: list[ModelSpec], key: str, default: str | None = None,
                 label: str = "Model") -> ModelSpec:
    """A picker over ``specs`` (the server's own models first, then the user models of its models folder);
    with a single model nothing is drawn and that model is returned."""
    if len(specs) == 1:
        return specs[0]
    ids = [s.id for s in specs]
    if st.session_state.get(key) not in ids:
        st.session_state[key] = default if default in ids else ids[0]
    by_id = {s.id: s for s in specs}
    chosen = st.selectbox(label, ids, key=key, format_func=lambda i: model_label(by_id[i]),
                          help="Models the server's owner put in its models folder "
                               "(ATTENTION_ATLAS_MODELS_DIR) are listed as “Your model”.")
    return by_id[chosen]
