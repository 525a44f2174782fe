// Draws a Plotly figure and, on later reruns, updates the same chart in place with Plotly.react: a changed
// colour scale, font size or selected cell restyles the chart instead of building a new one from scratch.
function plotlyLoaded() {
  if (!window.__atlasPlotly) {
    window.__atlasPlotly = new Promise((resolve, reject) => {
      if (window.Plotly) { resolve(window.Plotly); return; }
      // served by the app's static folder; resolved against Streamlit's own bundle so a base path is kept
      const own = document.querySelector('script[src*="/static/js/index"]');
      const script = document.createElement("script");
      script.src = own ? new URL("../../app/static/plotly.min.js", own.src).href
                       : new URL("app/static/plotly.min.js", document.baseURI).href;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { window.__atlasPlotly = undefined; reject(new Error("plotly.js did not load")); };
      document.head.appendChild(script);
    });
  }
  return window.__atlasPlotly;
}

// Streamlit's Python chart template names its colours by placeholders (#000001 … #000040) that its own chart
// element replaces with the page theme's; a component receives the theme as CSS variables (--st-…).
const THEMED = {32: "--st-green-color", 33: "--st-red-color", 34: "--st-blue-color", 35: "--st-gray-color",
                36: "--st-gray-color", 37: "--st-text-color", 38: "--st-background-color",
                39: "--st-border-color-light", 40: "--st-secondary-background-color"};
const placeholder = n => "#" + String(n).padStart(6, "0");

function themeOf(host) {
  const css = getComputedStyle(host);
  const value = name => css.getPropertyValue(name).trim();
  const palette = {};
  [["--st-chart-categorical-colors", 1], ["--st-chart-sequential-colors", 11],
   ["--st-chart-diverging-colors", 21]].forEach(([name, first]) =>
    value(name).split(",").map(c => c.trim()).filter(Boolean).forEach((c, i) => { palette[placeholder(first + i)] = c; }));
  Object.entries(THEMED).forEach(([n, name]) => { if (value(name)) palette[placeholder(Number(n))] = value(name); });
  return { palette, font: value("--st-font"), color: value("--st-text-color") };
}

function pointsOf(event) {
  return event.points.map(p => ({
    x: p.x, y: p.y, z: p.z === undefined ? null : p.z,
    customdata: p.customdata === undefined ? null : p.customdata,
    curve_number: p.curveNumber, point_index: p.pointIndex === undefined ? p.pointNumber : p.pointIndex,
  }));
}

// A chart below the fold need not be restyled while the page is still running: its update waits until it
// scrolls into view or the run has finished, so a page-wide change (presentation mode, a shared colour scale)
// competes with the server's run only for the charts a reader can see.
function scriptRunning() {
  const app = document.querySelector("[data-testid='stApp']");
  const state = app && app.getAttribute("data-test-script-state");
  return state === "running" || state === "rerunRequested";
}

function deferred() {
  if (window.__atlasDeferred) return window.__atlasDeferred;
  const waiting = new Set();
  const run = chart => {
    const draw = chart.__atlasPending;
    chart.__atlasPending = undefined;
    waiting.delete(chart);
    if (draw && chart.isConnected) draw();
  };
  const seen = new IntersectionObserver(entries => entries.forEach(entry => {
    entry.target.__atlasVisible = entry.isIntersecting;
    if (entry.isIntersecting && entry.target.__atlasPending) run(entry.target);
  }), { rootMargin: "300px 0px" });
  // after the run, the rest one at a time in idle moments, so scrolling and clicks stay responsive
  const drainWhenIdle = () => {
    if (window.requestIdleCallback) window.requestIdleCallback(drain, { timeout: 200 }); else setTimeout(drain, 0);
  };
  const drain = () => {
    const next = waiting.values().next();
    if (next.done) return;
    run(next.value);
    drainWhenIdle();
  };
  const app = document.querySelector("[data-testid='stApp']");
  if (app) new MutationObserver(() => { if (!scriptRunning()) drain(); })
    .observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
  // Plotly.react keeps a chart's old width: when the column changes width (presentation mode widens the
  // sidebar), the chart is fitted again, on the same schedule as an update
  // (a hidden chart — a closed tab, a classroom step not shown — has no width to fit: plotly.js refuses it, and
  // the observer calls again when it is shown)
  const fit = chart => { if (chart._fullLayout && chart.offsetParent !== null && chart.clientWidth > 0
                              && Math.abs(chart._fullLayout.width - chart.clientWidth) > 1)
    window.Plotly.Plots.resize(chart); };
  const sized = new ResizeObserver(entries => entries.forEach(entry => {
    const chart = entry.target;
    if (!chart._fullLayout || chart.__atlasPending) return;   // a pending draw fits it anyway
    window.__atlasDeferred.later(chart, () => fit(chart));
  }));
  window.__atlasDeferred = {
    fit,
    watch: chart => { seen.observe(chart); sized.observe(chart); },
    later: (chart, draw) => {
      chart.__atlasPending = draw;
      if (chart.__atlasVisible || !scriptRunning()) { run(chart); return; }
      waiting.add(chart);
    },
    // a change made in the browser alone: the charts in view now, the rest one at a time when idle
    soon: (chart, draw) => {
      chart.__atlasPending = draw;
      if (chart.__atlasVisible) { run(chart); return; }
      const idle = waiting.size === 0;
      waiting.add(chart);
      if (idle) drainWhenIdle();
    },
  };
  return window.__atlasDeferred;
}

// Charts whose latest figure is not drawn yet: the page is not finished for a reader (or a browser test)
// until this holds no chart still on the page.
function undrawn() {
  if (!window.__atlasUndrawn) window.__atlasUndrawn = new Set();
  return window.__atlasUndrawn;
}

// Presentation mode is switched in the browser (presentation_switch.js): a class on <html>, and an event on
// which every chart on the page is drawn again with the large layout its figure came with (or back) — the
// charts a reader sees at once, the rest in idle moments.
const presenting = () => document.documentElement.classList.contains("atlas-presenting");

function followPresentation() {
  if (window.__atlasFollowsPresentation) return;
  window.__atlasFollowsPresentation = true;
  window.addEventListener("atlas-presentation", () => {
    const charts = [...document.querySelectorAll(".atlas-live-figure")].filter(c => c.isConnected && c.__atlasRender);
    // which charts are in view once the new text size is laid out (the observer's flags are from before the
    // switch: larger text pushes the charts that were in view down the page, smaller text pulls others up)
    const high = window.innerHeight;
    charts.forEach(chart => {
      const box = chart.getBoundingClientRect();
      chart.__atlasVisible = box.width > 0 && box.bottom > 0 && box.top < high;
    });
    charts.forEach(chart => chart.__atlasRender(true));
  });
}

// plotly.js neither wraps nor shrinks a title: one wider than its chart (a narrow column, presentation mode's
// larger text) is cut off at both ends, so its font shrinks to fit (an estimate: a character ≈ 0.55 em)
function fitTitle(layout, width) {
  const title = typeof layout.title === "string" ? { text: layout.title } : layout.title;
  const text = title && title.text ? String(title.text).replace(/<[^>]*>/g, "") : "";
  if (!text || !(width > 0)) return;
  const size = (title.font && title.font.size) || (layout.font && layout.font.size) || 16;
  const fits = Math.floor((width - 20) / (0.55 * text.length));
  if (fits < size) layout.title = Object.assign({}, title, { font: Object.assign({}, title.font, { size: Math.max(10, fits) }) });
}

function render(chart, data, switched) {
  const theme = themeOf(chart.parentNode.host || chart.parentNode);
  const large = presenting() && !!data.large;
  // every rerun renders the component again: an unchanged figure in an unchanged theme is left as it is drawn
  const shown = JSON.stringify([theme, data.config, data.clickable, large]) + data.figure;
  if (chart.__atlasWanted === shown) { undrawn().delete(chart); return; }
  const first = chart.__atlasWanted === undefined;
  chart.__atlasWanted = shown;
  undrawn().add(chart);
  const draw = () => {
    const themed = text => JSON.parse(text.replace(/#0000[0-4][0-9]/g, m => theme.palette[m] || m));
    const figure = themed(data.figure);
    if (large) {
      const look = themed(data.large);
      figure.layout = look.layout;
      (figure.data || []).forEach((trace, i) => Object.assign(trace, look.traces[i] || {}));
    }
    figure.layout = figure.layout || {};
    fitTitle(figure.layout, chart.clientWidth);
    // the page's own font and text colour, where the figure does not choose its own
    figure.layout.font = Object.assign({}, theme.font ? { family: theme.font } : {},
                                       theme.color ? { color: theme.color } : {}, figure.layout.font || {});
    chart.style.height = (figure.layout.height || 450) + "px";   // held before plotly.js draws
    plotlyLoaded().then(Plotly => {
      Plotly.react(chart, figure.data, figure.layout, data.config);
      deferred().fit(chart);
      if (chart.__atlasWanted === shown) undrawn().delete(chart);
      if (data.clickable && !chart.__atlasClicks) {
        chart.__atlasClicks = true;
        chart.on("plotly_click", event => chart.__atlasClick("click", pointsOf(event)));
      }
    }).catch(error => {
      chart.textContent = "This chart could not be drawn: " + error.message;
      undrawn().delete(chart);
    });
  };
  if (first) draw(); else if (switched) deferred().soon(chart, draw); else deferred().later(chart, draw);
}

export default function ({ data, parentElement, setTriggerValue }) {
  let chart = parentElement.querySelector(".atlas-live-figure");
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "atlas-live-figure";
    chart.style.width = "100%";
    parentElement.appendChild(chart);
    deferred().watch(chart);
    followPresentation();
  }
  // the latest run's figure and trigger: a presentation switch between runs draws what this run sent
  chart.__atlasClick = setTriggerValue;
  chart.__atlasRender = switched => render(chart, data, switched);
  render(chart, data, false);
}
