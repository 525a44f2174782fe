"""DINOv2-S (``vision/dinov2-s``): conversion, load, all maps of one photo per input size, the page's
figures, and the Vision transformer page's reruns with cached figures.

    python -m benchmarks.vision                 # model, figures, AppTest reruns, browser reruns
    python -m benchmarks.vision --no-browser

Model times are medians over repeats after one warm-up; "all maps" = one ``explain()`` (forward pass
with attentions, 72 [CLS] maps + 12 means + rollout); "+ patch rows" adds one patch's 72 + 12 rows.
Figures are built uncached (what the first view of a photo costs). Reruns: the page run again with
nothing changed (every cache hit), through AppTest and in headless Chromium.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.timing import median_ms, timed

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
SIZES = (224, 336, 448, 518)
VIEWS = ("[CLS] · one head", "[CLS] · layers × heads", "[CLS] · mean over heads", "rollout", "patch to patch")


def _photo():
    """The cat photo: scikit-image's 451 × 300 original when installed, else the shipped copy."""
    from attention_core.inputs import load_image
    try:
        import skimage.data
        from PIL import Image
        return Image.fromarray(skimage.data.chelsea()), "chelsea 451×300 (scikit-image)"
    except ImportError:
        return load_image(ROOT / "attention_core" / "samples" / "photo-chelsea.jpg"), "chelsea 320×213 (shipped)"


def model_times(cache: Path, device: str, repeats: int, sizes: tuple[int, ...] = SIZES
                ) -> tuple[list[dict[str, Any]], Any]:
    """Conversion, load, and per size: forward pass, all maps, all maps + one patch's rows (ms)."""
    from attention_core.models import vit_convert
    from attention_core.models.vision import VisionTransformerAttention
    rows: list[dict[str, Any]] = []
    target = cache / "vision" / "dinov2-s"
    t0, c0 = time.perf_counter(), time.process_time()
    vit_convert.convert(directory=target)
    rows.append({"step": "convert ONNX → safetensors (once per machine)", "ms": (time.perf_counter() - t0) * 1000,
                 "cpu ms": (time.process_time() - c0) * 1000})
    t0, c0 = time.perf_counter(), time.process_time()
    vit = VisionTransformerAttention(directory=str(target), device=device)
    rows.append({"step": "load converted weights", "ms": (time.perf_counter() - t0) * 1000,
                 "cpu ms": (time.process_time() - c0) * 1000})
    image, name = _photo()
    for size in sizes:
        n = repeats if size <= 336 else max(min(3, repeats), repeats // 3)   # the default 7 repeats: 3 at 448+ px
        side = size // 14
        cases = {f"{size} px ({side}×{side}, {side * side + 1} tokens): forward with attentions":
                 lambda: vit.attentions(image, size),
                 f"{size} px: all maps (72 heads + 12 means + rollout)": lambda: vit.explain(image, size=size),
                 f"{size} px: all maps + one patch's 84 rows":
                 lambda: vit.explain(image, size=size, query_patch=(side // 2, side // 2))}
        for step, fn in cases.items():
            wall, cpu = timed(fn, n)
            rows.append({"step": step, "ms": wall, "cpu ms": cpu})
    for row in rows:
        row.update(device=device, photo=name)
    return rows, vit


def ends(sizes: tuple[int, ...]) -> tuple[int, ...]:
    """The smallest and largest of ``sizes`` (one when they are equal): the figures and page are timed there."""
    return tuple(sorted({min(sizes), max(sizes)}))


def figure_times(vit, repeats: int, sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    """Build time (ms) of each view's figure, uncached, at the smallest and largest size (224 and 518 px)."""
    from attention_core.models.vision import select
    from dashboard.views import image_overlay
    from dashboard.views.vit_views import grid_overlay, grid_small_multiples
    image, _ = _photo()
    rows = []
    for size in ends(sizes):
        result = vit.explain(image, size=size, query_patch=(3, 4))
        one = select(result.maps, "cls", 9, 0)[0]
        grid = [m for layer in range(12)
                for m in select(result.maps, "cls", layer) + select(result.maps, "cls-mean", layer)]
        patch_rows = select(result.maps, "patch-mean")
        cases = {
            "one map overlay (one head / mean / rollout / patch picker)":
                lambda: grid_overlay(image, one, patch=(3, 4)),
            "layers × heads grid (12 × 7 thumbnails)":
                lambda: grid_small_multiples(image, grid, 7, ["t"] * len(grid)),
            "12 thumbnails (layer means / patch per layer)": lambda: grid_small_multiples(image, patch_rows, 6,
                                                                                     ["t"] * 12, patch=(3, 4)),
        }
        for name, build in cases.items():
            rows.append({"figure": name, "size": size, "build (ms)": median_ms(build, repeats)})
    from attention_core.models import load_model
    cam = load_model("imagenet/efficientnet-lite0").explain(image).maps[0]
    rows.append({"figure": "ImageNet evidence overlay (7 × 7)", "size": 224,
                 "build (ms)": median_ms(lambda: image_overlay(image, cam, 0), repeats)})
    return rows


def apptest_reruns(repeats: int, sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    """Per view: first render (maps and figures computed) and the median rerun with every cache hit (ms)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("app_pages/vision.py")
    t0 = time.perf_counter()
    at.run()
    rows = [{"view": "page opened (model load + first photo at 224 px)",
             "first (ms)": (time.perf_counter() - t0) * 1000, "rerun median (ms)": None}]
    for size in ends(sizes):
        next(w for w in at.select_slider if w.label.startswith("Input size")).set_value(size)
        for view in VIEWS:
            at.radio[0].set_value(view)
            t0 = time.perf_counter()
            at.run()
            first = (time.perf_counter() - t0) * 1000
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                at.run()
                times.append((time.perf_counter() - t0) * 1000)
            rows.append({"view": f"{view} @ {size} px", "first (ms)": first,
                         "rerun median (ms)": statistics.median(times), "exception": bool(at.exception)})
    return rows


def browser_reruns(repeats: int) -> list[dict[str, Any]]:
    """Headless Chromium: rerun request → script finished, flipping the View radio between two views."""
    from benchmarks.dashboard import PageCase, browser_times
    case = PageCase("app_pages/vision.py", "vision", "radio", "View", ("[CLS] · layers × heads", "[CLS] · one head"))
    return browser_times([case], repeats)[1:]


def main() -> None:
    """Print the tables (Markdown)."""
    import pandas as pd
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), choices=SIZES,
                        help="input sides timed (figures and page: the smallest and largest)")
    args = parser.parse_args()
    sizes = tuple(args.sizes)
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ATTENTION_ATLAS_CACHE"] = tmp      # the page (and its server) use this conversion
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}\n")
        rows, vit = model_times(Path(tmp), "cpu", args.repeats, sizes)
        if torch.cuda.is_available():
            rows += model_times(Path(tmp) / "cuda", "cuda", args.repeats, sizes)[0]
        print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".0f"), "\n")
        print(f"peak resident memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
              f"; load average now {os.getloadavg()[0]:.1f}\n")
        print(pd.DataFrame(figure_times(vit, args.repeats, sizes)).to_markdown(index=False, floatfmt=".0f"), "\n")
        print(pd.DataFrame(apptest_reruns(args.repeats, sizes)).to_markdown(index=False, floatfmt=".0f"), "\n")
        if not args.no_browser:
            print(pd.DataFrame(browser_reruns(args.repeats)).to_markdown(index=False, floatfmt=".0f"))


if __name__ == "__main__":
    main()
