"""The one list of dashboard pages, read by the app, the home page, the benchmark and the browser test."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from attention_core.capabilities import Capabilities, Input, MapKind, Needs, Produces

# What each model page draws, as declared capabilities: a model appears on every page whose needs it meets.
TRANSLATE = Needs(input=Input.TEXT, produces=Produces.TRANSLATION, maps={MapKind.CROSS})
CAPTION = Needs(input=Input.IMAGE, produces=Produces.CAPTION, maps={MapKind.CROSS, MapKind.PATCH_GRID})
IMAGE_EVIDENCE = Needs(input=Input.IMAGE, produces=Produces.LABEL, maps={MapKind.CLASS_EVIDENCE})
VISION = Needs(input=Input.IMAGE, maps={MapKind.SELF, MapKind.LAYERS_HEADS, MapKind.PATCH_GRID})
DOCUMENT = Needs(input=Input.TEXT, produces=Produces.LABEL, maps={MapKind.HIERARCHY})
HOPS = Needs(input=Input.TEXT, maps={MapKind.HOPS})
TRANSFORMERS = Needs(input=Input.TEXT, maps={MapKind.SELF, MapKind.LAYERS_HEADS})


@dataclass(frozen=True)
class PageInfo:
    """A page: its file (relative to ``dashboard/``), title, icon, navigation section and home blurb.

    ``ready`` is a CSS/text selector that is on the page once it has drawn (browser tests wait for it);
    ``widget`` names one page-wide change (kind, label, two values) that benchmarks time: a widget whose change
    reruns the page, or presentation mode (kind ``presentation``), switched in the browser with no run;
    ``interaction`` one inside the page's main view, the reader's most frequent change (another head, word or
    sentence), which reruns only that view where the page draws it as a fragment.
    """

    path: str
    title: str
    icon: str
    section: str
    blurb: str
    ready: str = ".js-plotly-plot"
    widget: tuple[str, str, tuple] | None = None
    interaction: tuple[str, str, tuple] | None = None
    needs: Needs | None = None   # the models the page draws (None: not a model page)
    # session-state entries that open a text input of a model on this page (family, text) → {key: value}
    opens: Callable[[str, str], dict[str, Any]] | None = None

    @property
    def url(self) -> str:
        """The page's URL path (Streamlit derives it from the file name; home is the root)."""
        stem = self.path.rsplit("/", 1)[-1].removesuffix(".py")
        return "" if stem == "home" else stem


# the page-wide change every page has: presentation mode, a switch in the browser that runs nothing on the server
# (kind "presentation": benchmarks time it in the browser, from the click to every chart drawn anew)
LARGE_FONTS = ("presentation", "Presentation mode (large fonts)", (True, False))

PAGES: list[PageInfo] = [
    PageInfo("app_pages/home.py", "Home", ":material/explore:", "Explore",
             "What Attention Atlas shows and which models are here", ready="text=Attention Atlas"),
    PageInfo("app_pages/translate.py", "Translate", ":material/translate:", "Explore",
             "Translate: 7 mechanisms on one sentence",
             widget=LARGE_FONTS, needs=TRANSLATE, interaction=("toggle", "Shared colour scale", (False, True)),
             opens=lambda family, text: {"translate-family": family, f"translate-{family}-text": text}),
    PageInfo("app_pages/caption.py", "Caption", ":material/image:", "Explore",
             "Caption: soft vs hard attention on an image",
             widget=("radio", "Show", ("all words (small multiples)", "one word at a time")), needs=CAPTION,
             interaction=("slider", "Word", (3, 4))),
    PageInfo("app_pages/vision.py", "Vision transformer", ":material/visibility:", "Explore",
             "Vision transformer: real attention on any photo (DINOv2-S)",
             widget=LARGE_FONTS, needs=VISION,
             interaction=("select_slider", "Layer", (8, 9))),
    PageInfo("app_pages/document.py", "Document", ":material/article:", "Explore",
             "Document: word and sentence attention (HAN)",
             widget=("radio", "Word shading", ("raw", "sentence-weighted")), needs=DOCUMENT,
             interaction=("number_input", "Sentence (1–", (2, 3)),
             opens=lambda family, text: {"document-text": text}),
    PageInfo("app_pages/hops.py", "Self-attention hops", ":material/layers:", "Explore",
             "Self-attention hops and their overlap", widget=LARGE_FONTS, needs=HOPS,
             opens=lambda family, text: {"hops-text": text}),
    PageInfo("app_pages/transformers.py", "Transformers", ":material/hub:", "Explore",
             "Transformers: heads and layers of MiniLM", widget=LARGE_FONTS, needs=TRANSFORMERS,
             interaction=("selectbox", "Head", (3, 4)),
             opens=lambda family, text: {"transformers-text": text}),
    PageInfo("app_pages/compare.py", "Compare", ":material/compare:", "Explore",
             "Compare any maps + statistics", ready="text=Nothing to compare yet"),
    PageInfo("app_pages/dataset.py", "Dataset atlas", ":material/dataset:", "Explore",
             "Dataset atlas: attention over a whole corpus", ready="text=Most-attended words per class",
             widget=LARGE_FONTS),
    PageInfo("app_pages/explore.py", "Any model", ":material/category:", "Explore",
             "Any model: its maps drawn by what the record holds",
             widget=LARGE_FONTS),
    PageInfo("app_pages/classroom.py", "Classroom", ":material/school:", "Teach",
             "Classroom: attention computed step by step", ready="text=Step 1 · The example",
             widget=LARGE_FONTS),
]


def page_for(caps: Capabilities, text: bool = False) -> PageInfo | None:
    """The first model page that draws a model with these declarations (``text``: and can open a text)."""
    return next((p for p in PAGES if p.needs is not None and p.needs.accepts(caps)
                 and (p.opens is not None or not text)), None)


def sections() -> dict[str, list[PageInfo]]:
    """Pages grouped by navigation section, in list order."""
    out: dict[str, list[PageInfo]] = {}
    for page in PAGES:
        out.setdefault(page.section, []).append(page)
    return out
