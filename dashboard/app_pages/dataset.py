"""Dataset atlas: attention over a whole corpus — a shipped export or one computed here, queried with DuckDB."""
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from attention_core.atlas import NAMED, export, read_info
from attention_core.atlas.datasets import read_examples
from attention_core.budget import budget, cap_examples
from attention_core.atlas import query as q
from attention_core.atlas.rows import PROFILE_LABELS, row_to_map
from attention_core.inputs import InputError
from attention_core.capabilities import Capabilities, Input, MapKind, Needs, Produces
from attention_core.models import MODELS
from dashboard.components import (available, explain, fingerprint, labels_key, map_panel, md_escape, show_figure,
                                  slug)
from dashboard.components.background import Cancelled, Failed, Job, in_background
from dashboard.components.export_store import store_export
from dashboard.components.tables import for_people, show_table
from dashboard.pages import PageInfo, page_for
from dashboard.views.atlas import aer_figure, bleu_entropy_figure, head_distance_figure, head_scatter, profile_figure

COMPUTED_KEY = "atlas-computed"
REQUEST_KEY, REQUEST_DATA_KEY = "atlas-request", "atlas-request-data"


def capabilities_of(model_id: str) -> Capabilities | None:
    """The declared capabilities of an exported model (None when it is not registered here). An export's
    model id is data: it is looked up, never resolved (an ``hf:`` path in it must not open a server folder)."""
    spec = MODELS.get(model_id)
    return None if spec is None else spec.capabilities


def family_label(info) -> str:
    """An export's display label: its model's family label, else the family name recorded in the export."""
    caps = capabilities_of(info.model)
    return caps.family.display if caps is not None else info.family

st.title("Dataset atlas")
st.caption("Attention over a whole corpus: every map of every example, exported to Parquet (Ray Data or one "
           "process: `python -m attention_core export`) and queried here with DuckDB.")


# -- cached queries (one DuckDB connection per call: connections are not shared across sessions) -------
@st.cache_data(show_spinner=False, max_entries=64)
def overview(folders: tuple[str, ...]) -> pd.DataFrame:
    return q.overview(q.connect(folders))


@st.cache_data(show_spinner=False, max_entries=64)
def class_words(folders: tuple[str, ...], model: str, by: str, min_count: int, top: int) -> pd.DataFrame:
    return q.class_words(q.connect(folders), model, by=by, min_count=min_count, top=top)


@st.cache_data(show_spinner="Clustering heads…", max_entries=16)
def head_atlas(folders: tuple[str, ...], model: str) -> q.HeadAtlas:
    return q.head_atlas(q.connect(folders), model)


@st.cache_data(show_spinner=False, max_entries=64)
def head_examples(folders: tuple[str, ...], model: str, layer: int, head: int, order: str) -> pd.DataFrame:
    return q.head_examples(q.connect(folders), model, layer, head, order=order, limit=25)


@st.cache_data(show_spinner=False, max_entries=16)
def translation_points(folders: tuple[str, ...], models: tuple[str, ...]) -> pd.DataFrame:
    return q.translation_points(q.connect(folders), models)


@st.cache_data(show_spinner=False, max_entries=128)
def example_rows(folders: tuple[str, ...], model: str, example_index: int) -> list[dict]:
    return q.example_rows(q.connect(folders), model, example_index)


# -- choosing the data --------------------------------------------------------------------------------
def shipped_collections() -> dict[str, tuple[str, ...]]:
    """Shipped exports grouped by model family → folders."""
    groups: dict[str, list[str]] = {}
    classifies: dict[str, bool] = {}
    for folder, info in q.shipped_exports().items():
        groups.setdefault(family_label(info), []).append(str(folder))
        caps = capabilities_of(info.model)
        classifies.setdefault(family_label(info), caps is not None and caps.produces == Produces.LABEL)
    # classifier corpora first: the page opens on its per-class view (most-attended words per class)
    order = sorted(groups, key=lambda label: not classifies[label])
    return {label if len(groups[label]) == 1 else f"{label} · {len(groups[label])} models": tuple(groups[label])
            for label in order}


def compute_form() -> tuple[str, ...] | None:
    """Model + dataset (named or uploaded) + limit → an export computed off the script thread, with a progress
    bar, capped by the budget, in a temporary folder that is always removed; its Parquet is offered for download."""
    limits = budget()
    # text models that draw maps (the attention-free baseline declares none)
    loadable, _ = available(Needs(input=Input.TEXT))   # checked once a minute per server, not per rerun
    specs = [s for s in loadable if s.capabilities.maps and s.shipped]
    c1, c2, c3 = st.columns([2, 2, 1])
    model_id = c1.selectbox("Model", [s.id for s in specs], key="atlas-model")
    named = c2.selectbox("Dataset", list(NAMED) + ["upload a file"], key="atlas-dataset",
                         format_func=lambda n: f"{n} — {NAMED[n].description}" if n in NAMED else n)
    limit = int(c3.number_input("Examples", 1, limits.compute_examples, min(50, limits.compute_examples),
                                key="atlas-limit",
                                help=f"At most {limits.compute_examples} examples and {limits.compute_chars:,} "
                                     "characters in all on this server"))
    upload = None
    if named == "upload a file":
        upload = st.file_uploader("A .txt (one input per line), .csv or .jsonl with a 'text' field",
                                  type=["txt", "csv", "jsonl"], key="atlas-upload")
    if st.button("Compute", icon=":material/play_arrow:", key="atlas-compute"):
        if named == "upload a file" and upload is None:
            st.error("Choose a file to upload first.")
            return None
        data = upload.getvalue() if upload is not None else None
        name = Path(upload.name).name if upload is not None else named
        st.session_state[REQUEST_KEY] = (model_id, name, limit, fingerprint(data) if data else None)
        st.session_state[REQUEST_DATA_KEY] = data
    request = st.session_state.get(REQUEST_KEY)
    if request is not None:
        _run_request(request, st.session_state.get(REQUEST_DATA_KEY), limits)
    computed = st.session_state.get(COMPUTED_KEY, [])
    computed = [f for f in computed if Path(f).is_dir()]   # older ones leave the store first
    if not computed:
        return None
    chosen = st.selectbox("Computed exports", computed[::-1], key="atlas-computed-choice",
                          format_func=lambda f: _describe(f))
    info = read_info(chosen)
    part = Path(chosen) / "part-0.parquet"
    st.download_button("Download the Parquet", data=lambda: part.read_bytes(), on_click="ignore",
                       file_name=f"{slug(info.model if info else 'atlas')}--{slug(info.dataset if info else 'export')}"
                                 ".parquet", mime="application/vnd.apache.parquet", key="atlas-download")
    return (chosen,)


def _run_request(request: tuple, data: bytes | None, limits) -> None:
    """Run the requested Compute in the background; when it ends, keep its export (or show one error line)."""
    model_id, name, limit, _ = request
    result, error = in_background("atlas-compute", ("atlas", *request, limits),
                                  _compute_work(model_id, name, data, limit, limits), seconds=limits.seconds,
                                  label="Computing the export")
    st.session_state.pop(REQUEST_KEY, None)
    st.session_state.pop(REQUEST_DATA_KEY, None)
    if error:
        st.error(md_escape(error))
        return
    folder, info, note = result
    if note:
        st.info(md_escape(note))
    if folder not in st.session_state.setdefault(COMPUTED_KEY, []):
        st.session_state[COMPUTED_KEY].append(folder)
    st.success(f"{info.maps} maps from {info.examples} examples in {info.seconds:.1f} s.")


def _compute_work(model_id: str, name: str, data: bytes | None, limit: int, limits):
    """The export as background work: read and cap the examples, run the model in a temporary folder that is
    removed whatever happens, and move the finished export into this process's store."""
    def work(job: Job):
        with tempfile.TemporaryDirectory(prefix="atlas-") as work_dir:
            source: str | Path = name
            if data is not None:
                source = Path(work_dir) / name
                source.write_bytes(data)
            try:
                lengths = [len(e.input) for e in read_examples(source, limit)]
                keep = cap_examples(lengths, limits)
                if lengths and keep == 0:
                    raise InputError(f"{name}: its first input has {lengths[0]:,} characters, more than the "
                                     f"{limits.compute_chars:,} this server computes at once")
                note = (f"Computing the first {keep} of {len(lengths)} examples: this server computes at most "
                        f"{limits.compute_examples} examples and {limits.compute_chars:,} characters at once."
                        if keep < len(lengths) else "")
                job.report(0.0, "running the model")
                info = export(model_id, source, Path(work_dir) / "export", limit=max(keep, 1), engine="local",
                              on_progress=lambda done, total: job.report(done / max(total or 1, 1),
                                                                         f"{done} / {total} examples"))
            except InputError as exc:     # the user's file: one line naming it (never the work folder)
                raise Failed(str(exc)) from None
            except Cancelled:
                raise
            except Exception as exc:   # not the input's fault: say so, and name the model
                detail = str(exc).splitlines()[0][:200] if str(exc) else ""
                raise Failed(f"{model_id} could not compute this export ({type(exc).__name__}: {detail})") from None
            return store_export(Path(work_dir) / "export"), info, note
    return work


def _describe(folder: str) -> str:
    info = read_info(folder)
    return f"{info.model} over {info.dataset} ({info.examples} examples)" if info else folder


source = st.radio("Data", ["Shipped exports", "Compute one here"], horizontal=True, key="atlas-source")
if source == "Shipped exports":
    collections = shipped_collections()
    if not collections:
        st.warning("No shipped exports found: run `python -m attention_core.atlas.ship`.")
        st.stop()
    names = list(collections)
    wanted = st.query_params.get("export")   # e.g. ?export=dates-en-fr opens that family's export
    start = next((i for i, group in enumerate(collections.values()) if wanted and any(
        getattr(read_info(f), "family", None) == wanted for f in group)), 0)
    name = st.selectbox("Export", names, index=start, key="atlas-collection")
    folders = collections[name]
else:
    folders = compute_form()
    if folders is None:
        st.stop()

summary = overview(folders)
show_table(summary, width="stretch")
declared = {m: capabilities_of(m) for m in summary["model"]}


def models_meeting(needs: Needs) -> list[str]:
    """The export's models whose declared capabilities meet ``needs``."""
    return [m for m, caps in declared.items() if caps is not None and needs.accepts(caps)]


# -- one example: its map(s), the text, and a way to open it on its model page --------------------------
def show_example(model: str, example_index: int, key: str, map_index: int | None = None) -> None:
    """Draw an exported example's map (recomputed when the export kept statistics only) and offer its page."""
    rows = example_rows(folders, model, int(example_index))
    if not rows:
        st.info("That example is not in the export.")
        return
    first = rows[0]
    st.markdown(f"**{md_escape(model)}** · example {first['example_id']!s}"
                + (f" · gold **{md_escape(str(first['label']))}**" if first["label"] else "")
                + (f" · predicted **{md_escape(str(first['prediction']))}**" if first["prediction"] else ""))
    st.text_area("Input (copy it to any page)", first["input"], height=90, disabled=True, key=f"{key}-input")
    if first["target"]:
        st.caption(f"Reference: {md_escape(first['target'])}")
    titles = [r["title"] for r in rows]
    index = map_index if map_index is not None else 0
    if len(rows) > 1:
        index = st.selectbox("Map", range(len(rows)), index=index, format_func=lambda i: titles[i],
                             key=labels_key(f"{key}-map-{map_index}", titles))
    amap = row_to_map(rows[index])
    if amap is None:   # statistics-only row: recompute the maps with the shipped model (cached)
        result, error = explain(model, first["input"])
        if error:
            st.error(md_escape(error))
            return
        amap = result.maps[index]
        st.caption("Recomputed: this export keeps the full maps of its first inputs only.")
    map_panel(amap, key=f"{key}-map")
    caps = declared.get(model)
    page = page_for(caps, text=True) if caps is not None else None
    if page is not None and st.button(f"Open on the {page.title} page", icon=":material/open_in_new:",
                                      key=f"{key}-open"):
        open_on_page(page, caps.family.name, first["input"])


def open_on_page(page: PageInfo, family: str, text: str) -> None:
    """Put the example's text in the page's text box (the session state the page declares) and go there."""
    st.session_state.update(page.opens(family, text))
    st.switch_page(page.path)


def pick_example(frame: pd.DataFrame, key: str, label: str = "Example") -> tuple[str, int] | None:
    """A selectbox over a table's (model, example_index) rows."""
    if frame.empty:
        return None
    options = list(zip(frame["model"], frame["example_index"].astype(int)))
    # start on an input whose full maps are stored (drawn at once) when the export kept only some
    start = int(np.argmax(frame["stored"].to_numpy())) if "stored" in frame else 0
    return st.selectbox(label, options, index=start, key=key,
                        format_func=lambda o: f"{o[0].split('/')[-1]} · example {o[1]}")


def selected_points(event) -> list[tuple[str, int]]:
    """(model, example_index) of the points selected in a Plotly chart (customdata = [model, index])."""
    try:
        points = event.selection.points
    except AttributeError:
        return []
    out = []
    for p in points:
        data = p.get("customdata")
        if data is not None and len(data) >= 2:
            out.append((str(data[0]), int(data[1])))
    return out


# -- classifiers: per-class most-attended words -------------------------------------------------------
classifiers = models_meeting(Needs(input=Input.TEXT, produces=Produces.LABEL))
if classifiers:
    st.header("Most-attended words per class")
    st.caption("Each occurrence scores its weight × the number of words in its row — its **lift** over a "
               "uniform share (1 = average attention) — averaged over its occurrences (and hops). Frequent "
               "words cannot win on count alone; words seen fewer than the minimum count are left out. "
               "**Specificity** = lift in this class ÷ lift over the whole corpus.")
    c1, c2, c3 = st.columns(3)
    model = c1.selectbox("Model", classifiers, key="atlas-words-model")
    by = c2.radio("Group by", ["prediction", "label"], horizontal=True, key="atlas-words-by",
                  format_func=lambda b: "predicted class" if b == "prediction" else "gold class")
    min_count = int(c3.slider("Minimum occurrences", 1, 50, 5, key="atlas-words-min"))
    words = class_words(folders, model, by, min_count, 12)
    if words.empty:
        st.info("No word-level maps with labels in this export (labels come from the named test splits "
                "or a 'label' column).")
    else:
        classes = list(dict.fromkeys(words["class"]))
        for start in range(0, len(classes), 3):
            for col, cls in zip(st.columns(3), classes[start:start + 3]):
                part = words[words["class"] == cls][["word", "lift", "specificity", "occurrences"]]
                with col:                    # large in presentation mode, like every table
                    st.markdown(f"**{md_escape(str(cls))}**")
                    show_table(part, width="stretch")
        with st.expander("Examples of this model"):
            rows = summary[summary["model"] == model]
            count = int(rows["examples"].iloc[0])
            index = st.number_input("Example index", 0, max(count - 1, 0), 0, key="atlas-words-example")
            show_example(model, int(index), key="atlas-words-ex")

# -- multi-head encoders: the head atlas --------------------------------------------------------------
encoders = models_meeting(Needs(maps={MapKind.SELF, MapKind.LAYERS_HEADS}))
if encoders:
    st.header("Head atlas")
    model = encoders[0] if len(encoders) == 1 else st.selectbox("Model", encoders, key="atlas-heads-model")
    try:
        atlas = head_atlas(folders, model)
    except LookupError as exc:
        st.info(md_escape(str(exc)))
    else:
        c1, c2 = st.columns([3, 2])
        with c1:
            show_figure(head_distance_figure(atlas.labels, atlas.distance, atlas.examples), key="atlas-head-js")
        with c2:
            show_figure(profile_figure(atlas.labels, atlas.profile, PROFILE_LABELS), key="atlas-head-profile")
        st.caption("Left: dark cells are pairs of heads whose maps agree on the same inputs; blocks along the "
                   "diagonal are families of heads. Right: each head's weight by offset from the query "
                   "token (−1 = previous token, +1 = next; the ends pool everything further away).")
        table = atlas.table
        axis = st.radio("Vertical axis", ["special_mass", "diag_distance", "punct_mass"], horizontal=True,
                        key="atlas-heads-y", format_func=lambda a: {"special_mass": "weight on [CLS]/[SEP]",
                                                                    "diag_distance": "distance from the diagonal",
                                                                    "punct_mass": "weight on punctuation"}[a])
        current = st.session_state.get("atlas-head-choice", atlas.labels[0])
        event = st.plotly_chart(head_scatter(table, "entropy", axis, current), key="atlas-head-scatter",
                                on_select="rerun", selection_mode="points", width="stretch")
        try:
            clicked = event.selection.points
        except AttributeError:
            clicked = []
        custom = clicked[0].get("customdata") if clicked else None
        # a plain [layer, head] list (the figure writes lists: typed arrays come back as a dict, not a list)
        if isinstance(custom, (list, tuple)) and len(custom) >= 2:
            layer, head = int(custom[0]), int(custom[1])
            # the chart keeps reporting its selection on every rerun: apply a click once, so the
            # selectbox below can still change the head afterwards
            if st.session_state.get("atlas-head-clicked") != (layer, head):
                st.session_state["atlas-head-clicked"] = (layer, head)
                st.session_state["atlas-head-choice"] = f"L{layer}H{head}"
        label = st.selectbox("Head", atlas.labels, key="atlas-head-choice")
        row = table[table["label"] == label].iloc[0]
        st.markdown(f"**{label}**: mean entropy {for_people(row['entropy'])} nats · weight on [CLS]/[SEP] "
                    f"{for_people(row['special_mass'])} · on punctuation {for_people(row['punct_mass'])} · "
                    f"mean distance from the diagonal {for_people(row['diag_distance'])} tokens")
        order = st.radio("Inputs sorted by (lowest first)", ["entropy", "special_mass", "diag_distance"],
                         horizontal=True, key="atlas-heads-order")
        behind = head_examples(folders, model, int(row["layer"]), int(row["head"]), order)
        show_table(behind, width="stretch")
        behind = behind.assign(model=model)
        choice = pick_example(behind, key="atlas-heads-example")
        if choice:
            map_index = int(row["map_index"])
            show_example(choice[0], choice[1], key="atlas-heads-ex", map_index=map_index)
        with st.expander("All heads"):
            show_table(table.drop(columns=["map_index"]), width="stretch")

# -- translation: AER per mechanism, BLEU vs entropy -------------------------------------------------
translators = models_meeting(Needs(input=Input.TEXT, produces=Produces.TRANSLATION))
if translators:
    points = translation_points(folders, tuple(translators))
    if points["aer"].notna().any():
        st.header("Alignment error per mechanism")
        st.caption("Per example: the argmax of each generated token's attention row against the gold "
                   "alignment (a token inherits the gold links of the reference token it spells). 0 = every "
                   "linked token looked at its source word.")
        aer = points.dropna(subset=["aer"])
        show_figure(aer_figure(aer), key="atlas-aer")
        means = aer.groupby("model", sort=False)["aer"].agg(["mean", "median", "count"])
        means["share perfect"] = aer.groupby("model", sort=False)["aer"].apply(lambda s: float((s == 0).mean()))
        show_table(means, hide_index=False, width="stretch")
        model = st.selectbox("Worst-aligned examples of", list(means.index), key="atlas-aer-model")
        worst = aer[aer["model"] == model].sort_values(["aer", "example_index"], ascending=[False, True]).head(20)
        show_table(worst[["example_index", "aer", "input", "prediction", "target"]],
                     width="stretch")
        choice = pick_example(worst, key="atlas-aer-example")
        if choice:
            show_example(*choice, key="atlas-aer-ex")
    if points["bleu"].notna().any() and points["aer"].isna().all():
        st.header("Translation quality vs attention entropy")
        st.caption("One point per verse and mechanism: sentence BLEU (sacrebleu, lowercased) against the mean "
                   "entropy of the attention rows. Click a point to list it, or pick the lasso or box in the chart's "
                   "toolbar to list several.")
        event = st.plotly_chart(bleu_entropy_figure(points), key="atlas-bleu", on_select="rerun",
                                selection_mode=("points", "box", "lasso"), width="stretch")
        chosen = selected_points(event)
        corr = points.groupby("model", sort=False)[["bleu", "entropy"]].corr(method="spearman").xs("entropy", level=1)
        st.caption("Spearman correlation of BLEU and entropy: " + " · ".join(
            f"{md_escape(m.split('/')[-1])} {v:+.2f}" for m, v in corr["bleu"].items()))
        if chosen:
            keys = set(chosen)
            shown = points[[(m, int(i)) in keys for m, i in zip(points["model"], points["example_index"])]]
        else:
            st.caption("No selection: the 15 lowest-BLEU translations are listed.")
            shown = points.sort_values(["bleu", "example_index"]).head(15)
        show_table(shown[["model", "example_index", "bleu", "entropy", "input", "prediction", "target"]],
                   width="stretch")
        choice = pick_example(shown, key="atlas-bleu-example")
        if choice:
            show_example(*choice, key="atlas-bleu-ex")
    if points["aer"].isna().all() and points["bleu"].isna().all():
        st.info("These translations have no reference: AER and BLEU need a 'target' (and 'links') field.")
        choice = pick_example(points, key="atlas-tr-example")
        if choice:
            show_example(*choice, key="atlas-tr-ex")
