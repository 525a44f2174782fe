"""Where a page's browser time goes: every Plotly chart on it, its size and the time Plotly takes to draw it.

    python -m benchmarks.figures                       # every page with a benchmark widget
    python -m benchmarks.figures --pages translate transformers --repeats 7

A page is opened in headless Chromium (the dashboard server on this machine); then, for each chart, the
data and layout Plotly holds (Streamlit's theme included) are drawn again into a fresh element of the same
width with the Plotly.js that ships with the ``plotly`` package, ``--repeats`` times: the median is the
chart's draw time. Also per chart: traces, axes, JSON size, and whether Plotly had to grow the margins the
figure asked for (auto-margin; a grown margin means Plotly drew the whole chart a second time).
"""
from __future__ import annotations

import argparse
import os
import statistics

from dashboard.pages import PAGES

# For every chart on the page: its own data and layout, measured in a fresh div (same width) ``reps`` times.
_DRAW = """async (reps) => {
  const out = [];
  for (const gd of Array.from(document.querySelectorAll('.js-plotly-plot'))) {
    const data = JSON.stringify(gd.data), layout = JSON.stringify(gd.layout);
    const L = gd._fullLayout, asked = L.margin;
    const grown = ['l', 'r', 't', 'b'].filter(s => L._size[s] > Math.round(asked[s]) + 1);
    const times = [];
    for (let r = 0; r < reps; r++) {
      const div = document.createElement('div');
      div.style.width = gd.clientWidth + 'px';
      document.body.appendChild(div);
      const t0 = performance.now();
      await Plotly.newPlot(div, JSON.parse(data), JSON.parse(layout), {displaylogo: false});
      times.push(performance.now() - t0);
      Plotly.purge(div);
      div.remove();
    }
    const title = L.title && L.title.text && L.title.text !== 'Click to enter Plot title' ? L.title.text : '';
    out.push({title: title.replace(/<[^>]*>/g, '').slice(0, 48), times: times,
              traces: gd.data.length, axes: Object.keys(L).filter(k => /^[xy]axis\\d*$/.test(k)).length,
              kb: (data.length + layout.length) / 1024, grown: grown.join('')});
  }
  return out;
}"""


def page_figures(pages: list[str], repeats: int) -> list[dict[str, object]]:
    """One row per chart of each page: title, traces, axes, JSON size, grown margins, median draw time (ms)."""
    import plotly
    from playwright.sync_api import sync_playwright

    from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, dashboard_server, wait_for_idle
    plotly_js = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
    rows = []
    with dashboard_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for name in pages:
            page.goto(f"{url}/{name}")
            wait_for_idle(page, timeout_ms=180_000)
            page.add_script_tag(path=plotly_js)
            for i, fig in enumerate(page.evaluate(_DRAW, repeats)):
                rows.append({"page": name, "chart": i, "title": fig["title"], "traces": fig["traces"],
                             "axes": fig["axes"], "JSON (KB)": fig["kb"], "margins grown": fig["grown"] or "–",
                             "draw (ms, median)": statistics.median(fig["times"])})
        browser.close()
    return rows


def main() -> None:
    """Print the per-chart table (Markdown) and each page's total."""
    import pandas as pd
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", default=[p.url for p in PAGES if p.widget is not None and p.url])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    frame = pd.DataFrame(page_figures(args.pages, args.repeats))
    print(frame.to_markdown(index=False, floatfmt=".1f"))
    totals = frame.groupby("page", sort=False)["draw (ms, median)"].agg(["count", "sum"])
    print("\n" + "\n".join(f"- {page}: {int(r['count'])} charts, {r['sum']:.0f} ms to draw them all"
                           for page, r in totals.iterrows()))
    print(f"\n(load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
