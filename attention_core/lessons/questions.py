"""Questions whose answers are the models' own outputs: a registry of question kinds, keyed by name.

Each kind states what its models must declare (:class:`attention_core.capabilities.Needs`), so a lesson can
name any model that fits — a user's own included — and builds one :class:`Question` from the step's input:
the choices, the correct choice (read off the model's maps, never written in the lesson), the maps to show
before answering (only when the question is about telling maps apart, unlabelled) and the maps to reveal.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..capabilities import Input, MapKind, Needs, Produces, Target
from ..explanation import Explanation
from ..informative import informative_head
from ..record import AttentionMap
from .spec import LessonError, Step

END_TOKENS = {"</s>", "<eos>", "[SEP]", "[CLS]", "<s>", "<pad>"}


@dataclass(frozen=True)
class Question:
    """One gradable question: ``choices`` offered, ``answer`` (the model's), maps shown and revealed.

    ``key`` identifies the question (step, input, models, parameters): answers are stored under it, so a
    teacher who changes a step's input starts a fresh question. ``regions`` is the side of the clickable
    grid over ``image`` for questions about image regions (choices are the region numbers).
    """

    prompt: str                      # plain text (pages escape it: it quotes the user's words)
    choices: tuple[str, ...]
    answer: str
    key: str
    explanation: str
    reveal: tuple[AttentionMap, ...]
    shown: tuple[AttentionMap, ...] = ()
    image: Any = None
    regions: int | None = None
    output: str = ""

    def grade(self, choice: str) -> bool:
        """True when ``choice`` is the model's answer."""
        return str(choice) == self.answer


@dataclass(frozen=True)
class Asked:
    """What a builder reads: the step, its models' explanations, the question key, the input used."""

    step: Step
    results: list[Explanation]
    key: str
    text: str | None = None
    image: Any = None


@dataclass(frozen=True)
class QuestionKind:
    """A kind of question: what its models must declare, how many models it takes, how it is built."""

    needs: Needs
    build: Callable[[Asked], Question]
    several: bool = False            # compares several models on one input
    params: frozenset[str] = frozenset()


QUESTION_KINDS: dict[str, QuestionKind] = {}


def question_kind(name: str, needs: Needs, *, several: bool = False, params: tuple[str, ...] = ()) -> Callable:
    """Register a question builder under ``name`` (decorator)."""
    def register(build: Callable[[Asked], Question]) -> Callable:
        QUESTION_KINDS[name] = QuestionKind(needs, build, several, frozenset(params))
        return build
    return register


def check_step(step: Step) -> str | None:
    """Why ``step`` cannot be asked (unknown kind or model, a model that cannot draw what the kind needs,
    wrong input type, unknown parameters), or None."""
    from ..models.registry import ModelLoadError, get_spec
    kind = QUESTION_KINDS.get(step.ask)
    if kind is None:
        return f"unknown question kind {step.ask!r} (known: {', '.join(sorted(QUESTION_KINDS))})"
    if kind.several != (len(step.models) > 1):
        return f"'{step.ask}' takes {'two or more models (models: [...])' if kind.several else 'one model'}"
    unknown = set(step.params) - kind.params
    if unknown:
        return (f"'{step.ask}' has no parameter(s) {', '.join(sorted(unknown))}"
                f" (it takes: {', '.join(sorted(kind.params)) or 'none'})")
    for model_id in step.models:
        try:
            caps = get_spec(model_id).capabilities
        except (KeyError, ModelLoadError):
            return f"unknown model {model_id!r} (python -m attention_core models lists them)"
        if not kind.needs.accepts(caps):
            return f"{model_id} cannot answer '{step.ask}' (it does not draw the maps this question reads)"
        if (caps.input == Input.IMAGE) != (step.image is not None):
            needed = "image" if step.image is None else "input"
            return f"{model_id} reads {caps.input.value}, so the step needs {needed}"
    if step.ask == "which-map" and step.params.get("answer") not in step.models:
        return "'which-map' needs params.answer: one of the step's models"
    return None


def question_key(step: Step, text: str | None) -> str:
    """A stable id of the question a step asks on ``text``."""
    payload = json.dumps([step.ask, list(step.models), step.params, text, step.image], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def choice_labels(tokens: list[str]) -> list[str]:
    """Unique choice labels for tokens: a repeated token gets its occurrence ("the", "the (2)")."""
    seen: dict[str, int] = {}
    out = []
    for tok in tokens:
        seen[tok] = seen.get(tok, 0) + 1
        out.append(tok if seen[tok] == 1 else f"{tok} ({seen[tok]})")
    return out


def _row_of(amap: AttentionMap, target: Any) -> int:
    """The row a question asks about: an index (1-based), a word (its first occurrence), or ``auto`` (the
    most concentrated row among the real words: its answer is the least ambiguous)."""
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return min(max(int(target) - 1, 0), amap.shape[0] - 1)
    words = [i for i, q in enumerate(amap.queries) if q not in END_TOKENS] or list(range(amap.shape[0]))
    if isinstance(target, str) and target != "auto":
        lowered = [q.lower() for q in amap.queries]
        if target.lower() in lowered:
            return lowered.index(target.lower())
    return max(words, key=lambda i: float(amap.weights[i].max()))


def _first_cross(result: Explanation) -> AttentionMap:
    return next(m for m in result.maps if m.grid is None and m.level is None)


def _unlabelled(amap: AttentionMap, name: str) -> AttentionMap:
    """``amap`` with nothing that names its mechanism (title, window, centres, hover notes)."""
    return dataclasses.replace(amap, mechanism=name, meta={"label": name}, centers=None, window=None, top_k=None,
                               content_weights=None)


# ---- translation -----------------------------------------------------------------------------------
@question_kind("attended-source", Needs(input=Input.TEXT, maps={MapKind.CROSS}), params=("target",))
def attended_source(asked: Asked) -> Question:
    """Which source token gets the most weight from one generated token."""
    step, results, key = asked.step, asked.results, asked.key
    amap = _first_cross(results[0])
    row = _row_of(amap, step.params.get("target", "auto"))
    labels = choice_labels(amap.keys)
    best = int(np.argmax(amap.weights[row]))
    word = amap.queries[row]
    return Question(f"The model wrote “{word}” (output word {row + 1}). Which source word will it attend to "
                    f"most while writing it?", tuple(labels), labels[best], key,
                    f"While writing '{word}' the model gave '{amap.keys[best]}' the most weight "
                    f"({amap.weights[row, best]:.2f} of 1).", (amap,), output=str(results[0].output))


@question_kind("which-map", Needs(input=Input.TEXT, maps={MapKind.CROSS}), several=True, params=("answer",))
def which_map(asked: Asked) -> Question:
    """Several models' maps on one input, unlabelled and shuffled; which one is ``params.answer``'s?"""
    step, results, key = asked.step, asked.results, asked.key
    maps = [_first_cross(r) for r in results]
    order = list(range(len(maps)))
    random.Random(key).shuffle(order)   # the same order for every student of the class, on every replica
    letters = [chr(ord("A") + i) for i in range(len(maps))]
    shown = tuple(_unlabelled(maps[j], f"Map {letters[i]}") for i, j in enumerate(order))
    target = step.models.index(str(step.params["answer"]))
    answer = letters[order.index(target)]
    named = {letters[i]: maps[j].label for i, j in enumerate(order)}
    return Question(f"Each map is one mechanism's attention on the same input. Which one is "
                    f"“{maps[target].label}”?", tuple(letters), answer, key,
                    "; ".join(f"Map {k} is {v}" for k, v in named.items()) + ".",
                    tuple(maps[j] for j in order), shown=shown)


@question_kind("window-centre", Needs(input=Input.TEXT, maps={MapKind.CROSS, MapKind.LOCAL_WINDOW}),
               params=("target",))
def window_centre(asked: Asked) -> Question:
    """The source position nearest the predicted window centre p_t for one generated token."""
    step, results, key = asked.step, asked.results, asked.key
    amap = _first_cross(results[0])
    if amap.centers is None:
        raise LessonError(f"{step.models[0]} drew no window centres for this input")
    row = _row_of(amap, step.params.get("target", 1))
    centre = float(amap.centers[row])
    nearest = int(np.clip(round(centre), 0, amap.shape[1] - 1))
    labels = [f"{i + 1} · {k}" for i, k in enumerate(amap.keys)]
    return Question(f"While writing “{amap.queries[row]}”, local attention looks inside a window "
                    f"[p_t − D, p_t + D]. Near which source position will the centre p_t fall?", tuple(labels),
                    labels[nearest], key, f"The model predicted p_t = {centre:.2f} (nearest position "
                    f"{nearest + 1}, '{amap.keys[nearest]}'); D = {amap.window}.", (amap,),
                    output=str(results[0].output))


# ---- self-attention hops and decisions ------------------------------------------------------------------
@question_kind("hop-word", Needs(input=Input.TEXT, maps={MapKind.HOPS}), params=("hop",))
def hop_word(asked: Asked) -> Question:
    """The word one hop of structured self-attention weighs most."""
    step, results, key = asked.step, asked.results, asked.key
    amap = next(m for m in results[0].maps if m.shape[0] > 1 or m.hop is not None)
    hop = min(max(int(step.params.get("hop", 1)) - 1, 0), amap.shape[0] - 1)
    labels = choice_labels(amap.keys)
    best = int(np.argmax(amap.weights[hop]))
    return Question(f"The classifier reads the sentence with {amap.shape[0]} hops. Which word will “hop "
                    f"{hop + 1}” attend to most?", tuple(labels), labels[best], key,
                    f"Hop {hop + 1} gave '{amap.keys[best]}' {amap.weights[hop, best]:.2f} of its weight; the "
                    f"model decided {results[0].output}.", (amap,), output=str(results[0].output))


@question_kind("erase-flip", Needs(input=Input.TEXT, produces=Produces.LABEL, attribution=Target.DECISION))
def erase_flip(asked: Asked) -> Question:
    """Whether replacing the most-attended token by [UNK] changes the model's decision."""
    step, results, key = asked.step, asked.results, asked.key
    from ..lesson import attention_or_evidence
    ev = attention_or_evidence(asked.text or step.input or "", step.models[0], maps=results[0].maps)
    top = int(np.argmax(ev.attention))
    flipped = ev.attended_after[0] != ev.decision
    maps = (AttentionMap("attention", ["attention"], ev.tokens, ev.attention, meta={"label": "attention"}),
            AttentionMap("leave-one-out", ["drop in p"], ev.tokens, ev.removal, kind="attribution",
                         meta={"label": f"drop in p({ev.decision}) when each word is removed"}))
    return Question(f"The model says “{ev.decision}” ({ev.probability:.2f}) and attends most to "
                    f"“{ev.tokens[top]}”. Replace that word by the unknown-word token: will the decision flip?",
                    ("yes", "no"), "yes" if flipped else "no", key,
                    f"Without '{ev.tokens[top]}' the model says {ev.attended_after[0]} ({ev.attended_after[1]:.2f}). "
                    f"Rank agreement of attention with leave-one-out: Kendall τ = {ev.tau:.2f}.", maps,
                    output=f"{ev.decision} ({ev.probability:.2f})")


# ---- hierarchical attention ----------------------------------------------------------------------------
@question_kind("top-sentence", Needs(input=Input.TEXT, maps={MapKind.HIERARCHY}))
def top_sentence(asked: Asked) -> Question:
    """The sentence the sentence-level attention weighs most."""
    results, key = asked.results, asked.key
    amap = next(m for m in results[0].maps if m.level == "sentence")
    labels = choice_labels([k if len(k) <= 80 else k[:77] + "…" for k in amap.keys])
    best = int(np.argmax(amap.weights[0]))
    return Question(f"The model reads the document sentence by sentence. Which sentence will the "
                    f"sentence-level attention weigh most? (The model says “{results[0].output}”.)",
                    tuple(labels), labels[best], key,
                    f"Sentence {best + 1} got {amap.weights[0, best]:.2f} of the weight.", tuple(results[0].maps),
                    output=str(results[0].output))


@question_kind("top-word", Needs(input=Input.TEXT, maps={MapKind.HIERARCHY}), params=("sentence",))
def top_word(asked: Asked) -> Question:
    """The word the word-level attention weighs most inside one sentence (default: the top sentence)."""
    step, results, key = asked.step, asked.results, asked.key
    sentence_map = next(m for m in results[0].maps if m.level == "sentence")
    words = [m for m in results[0].maps if m.level == "word"]
    index = step.params.get("sentence", "top")
    i = int(np.argmax(sentence_map.weights[0])) if index == "top" else min(max(int(index) - 1, 0), len(words) - 1)
    amap = words[i]
    labels = choice_labels(amap.keys)
    best = int(np.argmax(amap.weights[0]))
    return Question(f"Inside sentence {i + 1} — “{sentence_map.keys[i]}” — which word will the word-level "
                    f"attention weigh most?", tuple(labels), labels[best], key,
                    f"'{amap.keys[best]}' got {amap.weights[0, best]:.2f} of the sentence's word weight.",
                    (sentence_map, amap), output=str(results[0].output))


# ---- transformers ----------------------------------------------------------------------------------------
def _head(maps: list[AttentionMap], spec: Any) -> AttentionMap:
    """A head named ``L3H5`` / ``informative`` (the most concentrated late head) from a layer × head stack."""
    heads = [m for m in maps if m.layer is not None and m.head is not None]
    if isinstance(spec, str) and spec.upper().startswith("L") and "H" in spec.upper():
        layer, head = (int(v) for v in spec.upper()[1:].split("H"))
        found = next((m for m in heads if m.layer == layer and m.head == head), None)
        if found is None:
            raise LessonError(f"the model has no head {spec} (layers 0–{max(m.layer for m in heads)})")
        return found
    return informative_head(heads) or heads[-1]


@question_kind("head-target", Needs(input=Input.TEXT, maps={MapKind.SELF, MapKind.LAYERS_HEADS}),
               params=("head", "from"))
def head_target(asked: Asked) -> Question:
    """In one layer and head, the token one query token attends to most."""
    step, results, key = asked.step, asked.results, asked.key
    amap = _head(results[0].maps, step.params.get("head", "L2H0"))
    row = _row_of(amap, step.params.get("from", "auto"))
    labels = choice_labels(amap.keys)
    best = int(np.argmax(amap.weights[row]))
    return Question(f"In “layer {amap.layer}, head {amap.head}”, which token will “{amap.queries[row]}” "
                    f"(token {row + 1}) attend to most?", tuple(labels), labels[best], key,
                    f"'{amap.queries[row]}' gave '{amap.keys[best]}' {amap.weights[row, best]:.2f} of its weight "
                    f"in layer {amap.layer}, head {amap.head}.", (amap,))


@question_kind("cls-patch", Needs(input=Input.IMAGE, maps={MapKind.PATCH_GRID, MapKind.LAYERS_HEADS}),
               params=("head", "regions"))
def cls_patch(asked: Asked) -> Question:
    """The numbered image region (``regions`` × ``regions``) holding [CLS]'s most-attended patch."""
    step, results, key, image = asked.step, asked.results, asked.key, asked.image
    grid_maps = [m for m in results[0].maps if m.grid is not None and m.layer is not None and m.head is not None]
    amap = _head(grid_maps, step.params.get("head", "informative"))
    side = int(step.params.get("regions", 4))
    if not 2 <= side <= 8:
        raise LessonError("cls-patch: regions must be between 2 and 8")
    h, w = amap.grid
    best = int(np.argmax(amap.weights[0]))
    r, c = divmod(best, w)
    region = (r * side // h) * side + (c * side // w) + 1
    choices = tuple(str(i) for i in range(1, side * side + 1))
    return Question(f"The image is cut into {side} × {side} numbered regions. In “layer {amap.layer}, head "
                    f"{amap.head}”, which region holds the patch [CLS] attends to most? Click it.", choices,
                    str(region), key, f"The top patch is row {r + 1}, column {c + 1} of the {h} × {w} patch grid "
                    f"({amap.weights[0, best]:.3f} of the weight), in region {region}.", (amap,), image=image,
                    regions=side)


def ask(step: Step, text: str | None = None) -> Question:
    """Run the step's models on its input (or the teacher's ``text``) and build its question.

    :class:`LessonError` (one line) when a model is unavailable or the input gives nothing to ask about.
    """
    from ..inputs import InputError, clean_text, load_image
    from ..models.registry import ExplainError, ModelLoadError, load_model
    kind = QUESTION_KINDS[step.ask]
    text = text if (text is not None and step.takes_text) else step.input
    try:
        text = clean_text(text).text if step.takes_text else None
        key = question_key(step, text)
        image = load_image(step.image_path) if step.image is not None else None
        results = [load_model(m).explain(image if image is not None else text) for m in step.models]
        return kind.build(Asked(step, results, key, text, image))
    except (ModelLoadError, ExplainError, InputError) as exc:
        raise LessonError(str(exc).splitlines()[0]) from None
