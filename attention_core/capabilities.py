"""What a model declares it can do: its input, its output, the maps it draws, how it is attributed.

Every consumer — pages, the attribution panel, faithfulness, the dataset atlas, the classroom — chooses
models by these declarations (``Needs(...).accepts(caps)``), never by a task name, so a new family shows
up exactly where its declarations fit and nowhere else (LIT's input/output specs are the model for this).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .tasks import NamedEnum


class Input(NamedEnum):
    """What a model reads."""

    TEXT = "text"
    IMAGE = "image"
    TEXT_PAIR = "text-pair"


class Produces(NamedEnum):
    """What a model's output is."""

    TRANSLATION = "translation"    # text in another language (Translation)
    CAPTION = "caption"            # a caption of an image (Caption)
    LABEL = "label"                # a class decision with probabilities (ClassDistribution)
    GENERATION = "generation"      # a continuation of a prompt (decoder-only language model)
    TOKENS = "tokens"              # the encoded tokens only (an encoder without a head)


class MapKind(NamedEnum):
    """Which maps a model's explanation holds (a model usually declares several)."""

    CROSS = "cross"                # rows = generated tokens, columns = source tokens or regions
    SELF = "self"                  # rows = columns = the same tokens (or patches)
    HOPS = "hops"                  # rows = Lin et al.'s hops over the tokens, one map
    HIERARCHY = "hierarchy"        # a sentence-level map plus one word-level map per sentence
    PATCH_GRID = "patch-grid"      # columns are image regions laid out on ``grid``
    LAYERS_HEADS = "layers-heads"  # one map per layer and head (``layer`` and ``head`` set)
    LOCAL_WINDOW = "local-window"  # maps carry Luong's window (centres p_t, D)
    CLASS_EVIDENCE = "class-evidence"  # class-activation maps (evidence, not attention)


class Target(NamedEnum):
    """What attribution explains."""

    DECISION = "decision"          # the predicted class
    EACH_TOKEN = "each-token"      # every generated token, teacher-forced on the model's own output


@dataclass(frozen=True)
class Attribution:
    """How a model is attributed: the embedding the gradients flow into and what is explained.

    A model that declares it provides ``attribution_inputs(inp, **options) → AttributionInputs``.
    """

    via: str                                  # the embedding layer, e.g. "word embeddings"
    target: Target = Target.DECISION
    methods: tuple[str, ...] = ("integrated-gradients", "leave-one-out")   # the page's default methods
    note: str = ""                            # one sentence a page shows on how the decision is explained

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", Target(self.target))


@dataclass(frozen=True)
class Family:
    """Facts a family of models shares: its folder, how pages name it, what it was trained on."""

    name: str                                 # grouping id and the folder of shared files under weights/
    label: str = ""                           # display label, e.g. "Bible verses, English → French"
    wording: str = ""                         # one sentence a page may show about the family
    trained_lengths: tuple[str, int, str] | None = None   # (unit, limit, what): "words", 60, "Bible verses"
    heldout: str | None = None                # the held-out set faithfulness runs on (attention_core.data)
    card: str | None = None                   # its section in docs/models.md (anchor)

    @property
    def display(self) -> str:
        """The label, or the name when there is none."""
        return self.label or self.name


@dataclass(frozen=True)
class Capabilities:
    """Everything a consumer may ask of a model before loading it."""

    input: Input
    produces: Produces
    maps: frozenset[MapKind]
    family: Family
    attribution: Attribution | None = None
    decoding: tuple[str, ...] = ()            # e.g. ("greedy", "beam"): options a page may offer
    user: bool = False                        # a user's own model (not shipped by the project)

    def __post_init__(self) -> None:
        object.__setattr__(self, "input", Input(self.input))
        object.__setattr__(self, "produces", Produces(self.produces))
        object.__setattr__(self, "maps", frozenset(MapKind(m) for m in self.maps))

    def draws(self, *kinds: MapKind | str) -> bool:
        """True when every one of ``kinds`` is among the declared maps."""
        return all(MapKind(k) in self.maps for k in kinds)

    @property
    def attributable(self) -> bool:
        """True when the model declares attribution support."""
        return self.attribution is not None

    @property
    def attribution_kind(self) -> str | None:
        """How attribution explains the model: ``translation`` (each generated token), ``encoder`` (a head's
        decision on a multi-head encoder: pooled rollout and flow beside it), ``classifier`` (a decision), or
        None (no attribution declared)."""
        if self.attribution is None:
            return None
        if self.attribution.target == Target.EACH_TOKEN:
            return "translation"
        return "encoder" if self.draws(MapKind.SELF, MapKind.LAYERS_HEADS) else "classifier"

    @property
    def beam(self) -> bool:
        """True when the model can decode with a beam."""
        return "beam" in self.decoding

    def summary(self) -> dict[str, object]:
        """JSON-ready: input, produces, maps, attribution, decoding, family."""
        return {"input": self.input.value, "produces": self.produces.value,
                "maps": sorted(m.value for m in self.maps),
                "attribution": None if self.attribution is None else
                {"via": self.attribution.via, "target": self.attribution.target.value},
                "decoding": list(self.decoding), "family": self.family.name, "user": self.user}


@dataclass(frozen=True)
class Needs:
    """What a consumer needs of a model; ``accepts`` reads only the declarations (LIT's ``is_compatible``)."""

    input: Input | None = None
    produces: tuple[Produces, ...] = ()       # any of these (empty: any output)
    maps: frozenset[MapKind] = field(default_factory=frozenset)   # all of these
    without: frozenset[MapKind] = field(default_factory=frozenset)  # none of these
    attribution: Target | None = None         # attribution support with this target
    attributable: bool = False                # attribution support of any target

    def __post_init__(self) -> None:
        object.__setattr__(self, "maps", frozenset(MapKind(m) for m in self.maps))
        object.__setattr__(self, "without", frozenset(MapKind(m) for m in self.without))
        object.__setattr__(self, "produces", tuple(Produces(p) for p in _seq(self.produces)))

    def accepts(self, caps: Capabilities) -> bool:
        """True when ``caps`` meets every need."""
        if self.input is not None and caps.input != Input(self.input):
            return False
        if self.produces and caps.produces not in self.produces:
            return False
        if not self.maps <= caps.maps or self.without & caps.maps:
            return False
        if (self.attributable or self.attribution is not None) and caps.attribution is None:
            return False
        return self.attribution is None or caps.attribution.target == Target(self.attribution)


def _seq(value: Produces | str | Iterable[Produces | str]) -> tuple:
    return (value,) if isinstance(value, (str, Produces)) else tuple(value)
