// Presentation mode is the reader's display choice, kept in this browser: switching it restyles the page here
// (a class on <html> that the app's CSS keys on, and every in-place chart redrawn with its projector layout)
// and sends nothing to the server, so no page run is repeated for it and a classroom's server does no work.
const STORE = "atlas-presentation";
const CLASS = "atlas-presenting";

function stored() {
  try { return window.localStorage.getItem(STORE) === "on"; } catch (error) { return false; }   // storage off
}

function apply(on) {
  const root = document.documentElement;
  if (root.classList.contains(CLASS) === on) return;
  root.classList.toggle(CLASS, on);
  window.dispatchEvent(new CustomEvent("atlas-presentation", { detail: on }));
}

export default function ({ data, parentElement }) {
  let box = parentElement.querySelector("input.atlas-switch-input");
  if (!box) {
    const label = document.createElement("label");
    label.className = "atlas-switch";
    label.title = data.help || "";
    box = document.createElement("input");
    box.type = "checkbox";
    box.className = "atlas-switch-input";
    box.setAttribute("role", "switch");
    const track = document.createElement("span");
    track.className = "atlas-switch-track";
    const text = document.createElement("span");
    text.className = "atlas-switch-label";
    text.textContent = data.label;
    label.append(box, track, text);
    parentElement.appendChild(label);
    box.addEventListener("change", () => {
      try { window.localStorage.setItem(STORE, box.checked ? "on" : "off"); } catch (error) { /* kept for the tab */ }
      apply(box.checked);
    });
    // another tab of this browser switched: follow it
    window.addEventListener("storage", event => {
      if (event.key !== STORE) return;
      box.checked = event.newValue === "on";
      apply(box.checked);
    });
    box.checked = stored() || document.documentElement.classList.contains(CLASS);
  }
  apply(box.checked);
}
