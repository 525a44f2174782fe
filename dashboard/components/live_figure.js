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

function pointsOf(event) {
  return event.points.map(p => ({
    x: p.x, y: p.y, z: p.z === undefined ? null : p.z,
    customdata: p.customdata === undefined ? null : p.customdata,
    curve_number: p.curveNumber, point_index: p.pointIndex === undefined ? p.pointNumber : p.pointIndex,
  }));
}

export default function ({ data, parentElement, setTriggerValue }) {
  let chart = parentElement.querySelector(".atlas-live-figure");
  const figure = JSON.parse(data.figure);
  const height = (figure.layout && figure.layout.height) || 450;
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "atlas-live-figure";
    chart.style.width = "100%";
    parentElement.appendChild(chart);
  }
  chart.style.height = height + "px";   // the space is held before plotly.js has drawn
  plotlyLoaded().then(Plotly => {
    Plotly.react(chart, figure.data, figure.layout, data.config);
    if (data.clickable && !chart.__atlasClicks) {
      chart.__atlasClicks = true;
      chart.on("plotly_click", event => setTriggerValue("click", pointsOf(event)));
    }
  }).catch(error => { chart.textContent = "This chart could not be drawn: " + error.message; });
}
