"""Classroom: attention computed live, step by step, on a tiny example a teacher can edit.

Each lesson step is one function in :data:`STEPS`; the numbers come from :mod:`attention_core.lesson`.
"""
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import streamlit as st

from attention_core.inputs import InputError, clean_text
from attention_core.lessons import choice_labels
from attention_core.budget import budget
from dashboard.components import Job, figure_of, in_background, md_escape, model, show_figure
from dashboard.components.background import counted_passes
from dashboard.components.tables import for_people, show_large_copy, show_table
from dashboard.components import shared_lesson as lesson
from dashboard.components.class_access import class_store
from dashboard.components.class_student import join_form, student_view
from dashboard.components.class_teacher import start_form, teacher_view
from dashboard.views import document_html, heatmap, hop_overlap
from dashboard.views.attribution_views import eraser_figure
from dashboard.views.lesson import arrows_2d, bars, local_window, vectors_2d

DEFAULT_WORDS = "the cat sat on the mat"
DEFAULT_VECTORS = [[0.1, 0.2], [1.0, 0.6], [0.3, -0.8], [-0.2, 0.1], [0.1, 0.2], [0.8, 0.9]]
DEFAULT_QUERY = [1.0, 0.8]
MAX_WORDS = 12
FORMULAS = {"dot": r"\mathrm{score}(q, k_i) = q^\top k_i",
            "scaled_dot": r"\mathrm{score}(q, k_i) = \frac{q^\top k_i}{\sqrt{d}}",
            "general": r"\mathrm{score}(q, k_i) = q^\top W_a\, k_i",
            "concat": r"\mathrm{score}(q, k_i) = v_a^\top \tanh\!\left(W_a [q; k_i]\right)"}


@dataclass(frozen=True)
class Example:
    """The editable example: words, their vectors ``[words, d]`` and the query ``[d]``."""

    words: list[str]
    vectors: np.ndarray
    query: np.ndarray

    @property
    def dim(self) -> int:
        """Vector size d."""
        return self.vectors.shape[1]


def default_vectors(words: list[str], dim: int) -> np.ndarray:
    """Starting vectors: hand-picked for the default sentence, seeded random numbers for other words."""
    base = np.zeros((len(words), dim))
    for i in range(len(words)):
        base[i] = (DEFAULT_VECTORS[i] + [0.5, 0.5])[:dim] if i < len(DEFAULT_VECTORS) else np.round(
            np.random.default_rng(i).normal(size=dim), 1)
    return base


def example(expanded: bool) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The editable example (always drawn, so edits survive moving between steps): words, vectors, query."""
    with st.expander("The example — edit the words and their vectors", expanded=expanded):
        c1, c2 = st.columns([3, 1])
        words = clean_words(c1.text_input("Words (separated by spaces)", DEFAULT_WORDS, key="lesson_words"))
        dim = c2.select_slider("Vector size", [2, 3, 4], value=2, key="lesson_dim")
        cols = [f"d{i + 1}" for i in range(dim)]
        shown = words[:MAX_WORDS] or ["?"]
        # The editors' starting tables depend only on the words and the size; a new sentence starts afresh.
        tag = f"{dim}-{zlib.crc32(' '.join(shown).encode())}"
        vectors = st.data_editor(pd.DataFrame(default_vectors(shown, dim), index=shown, columns=cols),
                                 key=f"lesson_vectors_{tag}")
        query = st.data_editor(pd.DataFrame([(DEFAULT_QUERY + [0.5, 0.5])[:dim]], index=["query"], columns=cols),
                               key=f"lesson_query_{dim}")
        # the editors draw on a canvas that presentation mode cannot enlarge: the class sees the values large
        show_large_copy(pd.concat([vectors, query]).apply(pd.to_numeric, errors="coerce"))
        st.caption("Each word is a small vector (in a real model an encoder makes it); the query is what "
                   "the decoder is looking for right now.")
    values = pd.to_numeric(vectors.stack(), errors="coerce").to_numpy(dtype=float).reshape(vectors.shape)
    qvals = pd.to_numeric(query.iloc[0], errors="coerce").to_numpy(dtype=float)
    return words, values, qvals


def clean_words(raw: str) -> list[str]:
    """The lesson's words through the same text cleaner as every page (invisible and bidi characters go)."""
    try:
        return clean_text(raw).text.split()
    except InputError:
        return []


def restore_from_link() -> bool:
    """Put the walk-through's step and words back from the page's query parameters → True if any came back.

    A session lives in one replica's memory; the address survives a reload or a replica that died."""
    params, restored = st.query_params, False
    step = params.get("step", "")
    if step.isdigit() and 1 <= int(step) <= len(STEPS):
        st.session_state["lesson_step"] = int(step) - 1
        restored = int(step) > 1
    words = params.get("words", "")
    if words and len(words) <= 500:
        st.session_state["lesson_words"] = words
        restored = restored or words != DEFAULT_WORDS
    return restored


def keep_in_link(step: int) -> None:
    """Write the step and the example's words into the page's address (only when not the defaults)."""
    words = st.session_state.get("lesson_words", DEFAULT_WORDS)
    wanted = {"step": str(step + 1)} if step else {}
    if words != DEFAULT_WORDS and len(words) <= 500:
        wanted["words"] = words
    for name in ("step", "words"):
        if name in wanted and st.query_params.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in st.query_params:
            del st.query_params[name]


PREDICT_KEY = "lesson_predict"
PREDICTIONS = "lesson_predictions"


def predict_first(key: str, prompt: str, choices: list[str], answer: str) -> bool:
    """Ask for a prediction before a step shows its result; → True once answered (graded) or skipped.

    ``key`` names the question (step and example, not the sliders): once answered, the step stays shown
    while the student plays with its sliders; the grade is the model's answer when they checked.
    """
    if not st.session_state.get(PREDICT_KEY, True):
        return True
    done = st.session_state.setdefault(PREDICTIONS, {})
    if key in done:
        chosen, right = done[key]
        if chosen is None:
            st.caption("Shown without a prediction.")
        elif chosen == right:
            st.success(md_escape(f"Predicted: “{chosen}” — right."))
        else:
            st.error(md_escape(f"Predicted: “{chosen}”; the computation says “{right}”."))
        return True
    with st.container(border=True):
        st.markdown(f"**Predict first.** {md_escape(prompt)}")
        choice = st.radio("Your prediction", choices, index=None, horizontal=True, key=f"predict-{key}")
        left, right_col = st.columns(2)
        if left.button("Check my prediction", key=f"check-{key}", type="primary", disabled=choice is None):
            done[key] = (choice, answer)
            st.rerun()
        if right_col.button("Show without predicting", key=f"skip-{key}"):
            done[key] = (None, answer)
            st.rerun()
    return False


def example_tag(ex: "Example") -> str:
    """A short fingerprint of the example (words, vectors, query): a new example asks again."""
    raw = " ".join(ex.words) + repr(np.round(ex.vectors, 3).tolist()) + repr(np.round(ex.query, 3).tolist())
    return f"{zlib.crc32(raw.encode()):08x}"


def checked_example(expanded: bool) -> Example:
    """The example as edited, or the default one with an error line when the edits cannot be used."""
    words, vectors, query = example(expanded)
    problem = None
    if not 1 <= len(words) <= MAX_WORDS:
        problem = f"Use between 1 and {MAX_WORDS} words (you have {len(words)}); showing the default example."
    elif not (np.all(np.isfinite(vectors)) and np.all(np.isfinite(query))):
        problem = "Every vector entry must be a number; showing the default example."
    if problem:
        st.error(problem)
        return Example(DEFAULT_WORDS.split(), np.array(DEFAULT_VECTORS), np.array(DEFAULT_QUERY))
    return Example(words, vectors, query)


def step_example(ex: Example) -> None:
    """Step 1: the words and the query as vectors."""
    st.subheader("Step 1 · The example")
    st.markdown("Attention answers one question: **which source words matter for what I am doing now?** "
                "Open the example above to change the words, their vectors or the query, then press "
                "**Next** to compute attention step by step.")
    left, right = st.columns([3, 2])
    with left:
        show_figure(figure_of(vectors_2d, ex.vectors, ex.query, ex.words), key="lesson-vectors")
    with right:
        st.markdown("Each word is a point in space; words with similar meaning point in similar directions. "
                    "The **query** (red) is what the model is looking for right now. Attention will "
                    "favour the words whose vectors agree with the query.")
        if ex.dim > 2:
            st.caption(f"Drawn: the first two of {ex.dim} dimensions.")


def _scores(ex: Example) -> tuple[str, np.ndarray, dict[str, np.ndarray]]:
    score_name = st.radio("Score function", list(FORMULAS), horizontal=True, key="lesson_score")
    values, params = lesson.scores(ex.vectors, ex.query, score_name)
    return score_name, values, params


def _weights(values: np.ndarray) -> tuple[np.ndarray, float]:
    temp = st.slider("Temperature τ (divide the scores before the softmax)", 0.1, 5.0, 1.0, 0.1,
                     key="lesson_temp")
    return lesson.softmax(values, temp), temp


def step_scores(ex: Example) -> None:
    """Step 2: a score per word."""
    score_name, values, params = _scores(ex)
    st.subheader("Step 2 · How well does each word match the query?")
    st.markdown("A **score function** compares the query with every word. Higher = better match. "
                "Scores can be any number; they are not yet weights.")
    st.latex(FORMULAS[score_name])
    labels = choice_labels(ex.words)
    if not predict_first(f"scores-{score_name}-{example_tag(ex)}", "Which word will score highest against the query?",
                         labels, labels[int(np.argmax(values))]):
        return
    if params:
        st.caption("The matrices below are fixed random numbers here; in a real model they are learned.")
        for name, p in params.items():
            st.markdown(f"`{name}`")
            show_table(pd.DataFrame(p), hide_index=False)
    show_table(pd.DataFrame({"word": ex.words, "score": values}))
    show_figure(figure_of(bars, values, ex.words, f"Scores ({score_name})"), key="lesson-scores")


def _step(title: str, text: str, formula: str) -> None:
    """A lesson step's heading, explanation and formula."""
    st.subheader(title)
    st.markdown(text)
    st.latex(formula)


def step_softmax(ex: Example) -> None:
    """Step 3: softmax turns scores into weights."""
    _, values, _ = _scores(ex)
    weights, temp = _weights(values)
    _step("Step 3 · Softmax turns scores into weights",
          "Softmax makes every score positive (exp) and divides by the total, so the weights "
                "add up to 1. A small τ makes the biggest score win; a large τ spreads the weight.",
          r"\alpha_i = \frac{\exp(\mathrm{score}_i/\tau)}{\sum_j \exp(\mathrm{score}_j/\tau)}")
    bins = ["less than 0.25", "0.25 – 0.5", "0.5 – 0.75", "more than 0.75"]
    top = float(weights.max())
    if not predict_first(f"softmax-{example_tag(ex)}", f"With τ = {temp:g}, how much of the weight will the "
                         "top word get?", bins, bins[min(int(top // 0.25), 3)]):
        return
    ex_values = np.exp(values / temp - (values / temp).max())
    show_table(pd.DataFrame({"word": ex.words, "score": values, "exp(score/τ) (shifted)": ex_values,
                             "weight α": weights}))
    st.markdown(f"Sum of the weights: **{for_people(weights.sum())}**")
    show_figure(figure_of(bars, weights, ex.words, "Attention weights α", y_range=(0, 1.1)),
                key="lesson-weights")


def step_context(ex: Example) -> None:
    """Step 4: the context vector."""
    _, values, _ = _scores(ex)
    weights, _ = _weights(values)
    _step("Step 4 · The context vector is a weighted average",
          "Each word's vector is multiplied by its weight and the results are added. "
          "The context leans towards the words with the most weight.", r"c = \sum_i \alpha_i\, k_i")
    context = weights @ ex.vectors
    labels = choice_labels(ex.words)
    nearest = int(np.argmin(np.linalg.norm(ex.vectors - context, axis=1)))
    if not predict_first(f"context-{example_tag(ex)}", "Which word's vector will the context vector be "
                         "closest to?", labels, labels[nearest]):
        return
    rows = pd.DataFrame(weights[:, None] * ex.vectors, index=ex.words,
                        columns=[f"α·d{i + 1}" for i in range(ex.dim)])
    rows.loc["context c (sum)"] = context
    show_table(rows, hide_index=False)
    if ex.dim == 2:
        show_figure(figure_of(arrows_2d, ex.vectors, weights, context, ex.words), key="lesson-arrows")
    else:
        st.info("Choose vector size 2 in step 1 to see the vectors as arrows.")


def step_local(ex: Example) -> None:
    """Step 5: local attention's window, centre and Gaussian."""
    st.subheader("Step 5 · Local attention: only look inside a window")
    st.markdown("Global attention looks at every source word. **Local** attention (Luong 2015) first picks "
                "a centre p_t, then only looks inside the window [p_t − D, p_t + D]. **local-m** sets "
                "p_t = t (assumes the sentences line up); **local-p** predicts p_t from the query and "
                "multiplies by a Gaussian with σ = D/2, so words near p_t count more. The **top-k** "
                "variant keeps only the k largest weights.")
    st.latex(r"p_t = S \cdot \sigma(v_p^\top \tanh(W_p h_t)), \qquad "
             r"a_t(s) = \mathrm{align}(h_t, \bar h_s)\,\exp\!\left(-\frac{(s-p_t)^2}{2\sigma^2}\right)")
    c1, c2, c3 = st.columns(3)
    width = c1.slider("Window half-width D", 0, 6, 2, key="lesson_D")
    t = c2.slider("Target position t (local-m centre)", 0, lesson.LOCAL_LENGTH - 1, 5, key="lesson_t")
    k = c3.slider("k for top-k", 1, lesson.LOCAL_LENGTH, 3, key="lesson_k")
    examples = lesson.local_examples(width, t, k)
    centre = next(e.center for e in examples if e.alignment == "predictive")
    positions = [str(i) for i in range(lesson.LOCAL_LENGTH)]
    if not predict_first(f"local-{width}-{t}", f"The target position is t = {t}. Near which source position "
                         "will local-p put its predicted centre p_t?", positions,
                         str(int(np.clip(round(centre), 0, lesson.LOCAL_LENGTH - 1)))):
        return
    titles = {"monotonic": "local-m", "predictive": "local-p", "predictive-topk": f"top-{k} (completely predictive)"}
    for col, item in zip(st.columns(3), examples):
        # top-k may keep positions anywhere: the whole sentence is shaded
        shade = item.width if item.alignment != "predictive-topk" else lesson.LOCAL_LENGTH
        with col:
            show_figure(figure_of(local_window, item.content, item.final, item.center, shade,
                                  f"{titles[item.alignment]}: p_t = {for_people(item.center)}", sigma=item.sigma),
                        key=f"lesson-{item.alignment}")
    st.caption("Shaded: the window (clipped at the ends of the sentence). Red line: p_t. For local-p the light "
               "bars are the softmax inside the window, the dark bars the final weights after the Gaussian "
               "— they sum to less than 1, as in the paper. A larger D widens both the window and σ.")


def step_hops(ex: Example) -> None:
    """Step 6: several hops and the penalty."""
    st.subheader("Step 6 · Several hops look at different things")
    st.markdown("Structured self-attention (Lin et al. 2017) computes r rows of attention over the same "
                "words. If all rows look at the same word, the extra rows are wasted — the penalty "
                "‖AAᵀ − I‖²_F measures that overlap and training pushes it down.")
    st.latex(r"A = \mathrm{softmax}\!\left(W_{s2}\tanh(W_{s1} H^\top)\right), \qquad P = \|AA^\top - I\|_F^2")
    c1, c2 = st.columns(2)
    n_hops = c1.slider("Hops r", 2, 4, 3, key="lesson_hops")
    same = c2.slider("How alike the hops are", 0.0, 1.0, 0.0, 0.05, key="lesson_same")
    amap, penalty = lesson.hops(ex.vectors, ex.words, n_hops, same)
    labels = choice_labels(ex.words)
    if not predict_first(f"hops-{example_tag(ex)}", "Which word will hop 1 attend to most?", labels,
                         labels[int(np.argmax(amap.weights[0]))]):
        return
    st.metric("Penalty ‖AAᵀ − I‖²_F", for_people(penalty))
    st.caption("W_s1 and W_s2 here are fixed random matrices (the slider makes the hops' rows of W_s2 alike); "
               "the hops of a trained model, with and without the penalty, are on the Self-attention hops page.")
    left, right = st.columns([3, 2])
    with left:
        show_figure(figure_of(heatmap, amap, zmax=1.0, title="A: one row per hop", row_name="hop",
                              col_name="word"), key="lesson-hops")
    with right:
        show_figure(figure_of(hop_overlap, amap), key="lesson-overlap")


def step_hierarchy(ex: Example) -> None:
    """Step 7: word attention inside sentences, then sentence attention."""
    st.subheader("Step 7 · Hierarchy: words, then sentences")
    st.markdown("A hierarchical attention network (Yang et al. 2016) first weighs the words inside each "
                "sentence against a learned word context vector, then weighs the sentences against a "
                "sentence context vector. Here the word vectors are fixed random numbers per word, so "
                "only the mechanics are real, not the meaning.")
    st.latex(r"\alpha_{it} = \mathrm{softmax}_t(u_{it}^\top u_w), \quad s_i = \sum_t \alpha_{it} h_{it}, \quad "
             r"\alpha_i = \mathrm{softmax}_i(u_i^\top u_s)")
    doc = st.text_area("A short document (one sentence per line)",
                       "The cat sat on the mat.\nIt was very happy.\nThe dog barked at the mailman.",
                       key="lesson_doc")
    sentences = [clean_words(s) for s in doc.splitlines()]
    sentences = [s for s in sentences if s][:6]
    if not sentences:
        st.error("Type at least one sentence.")
        return
    maps = lesson.hierarchy(sentences)
    shown = choice_labels([" ".join(s)[:60] for s in sentences])
    if not predict_first(f"hierarchy-{zlib.crc32(repr(sentences).encode()):08x}",
                         "Which sentence will get the most weight?", shown, shown[int(np.argmax(maps[0].weights[0]))]):
        return
    st.html(document_html(maps))
    show_figure(figure_of(bars, maps[0].weights[0], [" ".join(s)[:30] for s in sentences],
                          "Sentence weights", color="#268bd2", y_range=(0, 1.1)), key="lesson-sentences")


@st.cache_data(max_entries=32, show_spinner="Asking a trained model…")
def _evidence(text: str) -> lesson.AttentionOrEvidence:
    return lesson.attention_or_evidence(text)


def step_explanation(ex: Example) -> None:
    """Step 8: attention is not automatically an explanation (a trained model, leave-one-out beside attention)."""
    st.subheader("Step 8 · Is attention an explanation?")
    st.markdown("A heatmap shows where the model **looked**. Did the decision **depend** on it? Ask the model: "
                "remove one word at a time (replace it by the unknown-word token) and watch the probability of "
                "its decision. Here is a real trained model — the self-attentive sentence classifier from the "
                "Self-attention hops page, trained on Rotten Tomatoes without the penalty.")
    samples = ["Not a single moment of this film rings true.",
               "The performances are uniformly excellent, but the script is a mess.",
               "A quiet, tender and surprisingly funny little movie."]
    text = st.selectbox("A review snippet", samples, key="lesson_evidence_text")
    ev = _evidence(text)
    st.metric("The model's decision", f"{ev.decision} ({for_people(ev.probability)})")
    top = ev.tokens[int(np.argmax(ev.attention))]
    if not predict_first(f"evidence-{zlib.crc32(text.encode()):08x}", f"The model attends most to “{top}”. "
                         "Replace that word by the unknown-word token: will the decision flip?", ["yes", "no"],
                         "yes" if ev.attended_after[0] != ev.decision else "no"):
        return
    left, right = st.columns(2)
    with left:
        show_figure(bars(ev.attention, ev.tokens, "Attention (mean of the 4 hops)", y_range=(0, 1.05)),
                    key="lesson-evidence-attention")
    with right:
        show_figure(bars(ev.removal, ev.tokens, f"Drop in p({ev.decision}) without the word",
                         color="#dc322f"), key="lesson-evidence-removal")
    top_att, top_rel = int(np.argmax(ev.attention)), int(np.argmax(ev.removal))
    st.markdown(f"- Most **attended**: *{md_escape(ev.tokens[top_att])}* — remove it and the model says "
                f"**{md_escape(ev.attended_after[0])}** ({for_people(ev.attended_after[1])}).\n"
                f"- Most **relied on**: *{md_escape(ev.tokens[top_rel])}* — remove it and the model says "
                f"**{md_escape(ev.relied_after[0])}** ({for_people(ev.relied_after[1])}).\n"
                f"- Rank agreement of the two bars: Kendall τ = {for_people(ev.tau)} (1 = same order, 0 = unrelated).")
    _faithfulness(text, ev.decision)
    st.caption("Attention weights are computed *before* the classifier reads them, so a large weight can go to "
               "a word whose information the model did not need (or that other words already carry). "
               "Attribution and erasure ask the output instead. The Document, Self-attention hops, Translate and "
               "Transformers pages show both for any input, and the model cards give test-set tables.")


def _faithfulness_work(text: str) -> Callable[[Job], lesson.Faithfulness]:
    """ERASER for the step's snippet as background work (progress at every model run, cancellable)."""
    explainer = model("sentence/lin-nopenalty")      # loaded here, in the script thread (a shared resource)

    def work(job: Job) -> lesson.Faithfulness:
        with counted_passes(explainer.model, job, 40, "removing tokens"):
            return lesson.attention_faithfulness(text)
    return work


def _faithfulness(text: str, decision: str) -> None:
    """Comprehensiveness and sufficiency of attention vs gradient × input vs random for the step's snippet."""
    st.markdown("**Measured as the field does** (ERASER, DeYoung et al. 2020): remove the top k % of the words "
                "by a ranking and see how far p(decision) drops (**comprehensiveness**, higher = the ranking found "
                "what the decision uses); keep only them and see how far it drops (**sufficiency**, lower = they "
                "carry the decision). Attention against gradient × input and a random order.")
    f, error = in_background("lesson-eraser", ("lesson-eraser", text), _faithfulness_work(text),
                             seconds=budget().seconds, label="Scoring attention, gradient and random")
    if error:
        st.error(f"The measures did not finish: {md_escape(error)}")
        return
    show_figure(figure_of(eraser_figure, f.curves, f"p({decision}) = {for_people(f.full)}; removal: "
                          f"{'delete' if f.operator == 'delete' else '[UNK] in place'}"), key="lesson-evidence-eraser")
    rows = [{"ranking": name, "comprehensiveness (AOPC) ↑": f.aopc(name)[0],
             "sufficiency (AOPC) ↓": f.aopc(name)[1]} for name in f.curves]
    show_table(pd.DataFrame(rows), key="lesson-evidence-aopc")
    best = max(rows, key=lambda r: r["comprehensiveness (AOPC) ↑"])["ranking"]
    st.caption(f"On this snippet the most comprehensive ranking is **{best}**. A ranking no better than random "
               "is not pointing at what the decision uses, however convincing its heatmap looks.")


STEPS: list[tuple[str, Callable[[Example], None]]] = [
    ("1 · The example", step_example), ("2 · Scores", step_scores), ("3 · Softmax", step_softmax),
    ("4 · Context vector", step_context), ("5 · Local attention", step_local), ("6 · Hops", step_hops),
    ("7 · Hierarchy", step_hierarchy), ("8 · Attention or evidence?", step_explanation),
]

st.title("Classroom")
MODES = {"walk": "Walk-through", "join": "Join a class", "teach": "Teach a class"}
params = st.query_params
if params.get("class") and (params.get("student") or params.get("teacher")):
    # a student's or teacher's link: their place comes back from the shared store on any replica
    engine = class_store()
    if engine is not None:
        if params.get("teacher"):
            teacher_view(engine, params["class"], params["teacher"])
        else:
            student_view(engine, params["class"], params["student"])
    st.stop()
mode = st.segmented_control("Mode", list(MODES), format_func=MODES.get, default="walk", key="class-mode",
                            label_visibility="collapsed")
if mode in ("join", "teach"):
    engine = class_store()
    if engine is not None:
        (join_form if mode == "join" else start_form)(engine)
    st.stop()
st.caption("Attention, computed live by the same library the models use. Edit the example, then walk "
           "through the steps. Turn on presentation mode in the sidebar for a projector.")
if "lesson_restored" not in st.session_state:   # a new session: a reload, or a new replica after one died
    st.session_state["lesson_restored"] = True
    if restore_from_link():
        st.info("Your step and words came back from this page's address.")
st.session_state.setdefault("lesson_step", 0)
st.toggle("Predict before each result", value=True, key=PREDICT_KEY,
          help="Each step asks what the computation will show before showing it (predicting first helps "
               "people remember and understand); turn off to see every result at once.")
nav = st.columns([2, 6, 2])   # wide enough for the buttons in presentation mode's larger text
if nav[0].button("◀ Previous", disabled=st.session_state["lesson_step"] == 0):
    st.session_state["lesson_step"] -= 1
if nav[2].button("Next ▶", disabled=st.session_state["lesson_step"] == len(STEPS) - 1):
    st.session_state["lesson_step"] += 1
step = nav[1].radio("Step", range(len(STEPS)), format_func=lambda i: STEPS[i][0], horizontal=True,
                    key="lesson_step", label_visibility="collapsed")
keep_in_link(step)
STEPS[step][1](checked_example(expanded=step == 0))
