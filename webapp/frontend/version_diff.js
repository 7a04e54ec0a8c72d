// Two versions of a procedure's BPMN side by side, read-only, with what changed between them coloured.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { diff } from "bpmn-js-differ";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
// No bpmn-font: a read-only viewer shows no palette or context pad, and the font's data: URL would need the
// app-wide Content-Security-Policy relaxed (font-src data:).
import "./version_diff.css";

async function open(container) {
  const viewer = new NavigatedViewer({ container });
  const response = await fetch(container.dataset.diagramUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(container.dataset.failed || "diagram");
  await viewer.importXML(await response.text());
  viewer.get("canvas").zoom("fit-viewport");
  return viewer;
}

function mark(viewer, ids, marker) {
  const registry = viewer.get("elementRegistry");
  const canvas = viewer.get("canvas");
  for (const id of ids) {
    if (registry.get(id)) canvas.addMarker(id, marker);
  }
}

// Zooming or panning one diagram moves the other to the same place, so a reader compares like with like.
function follow(from, to) {
  from.on("canvas.viewbox.changed", ({ viewbox }) => {
    const canvas = to.get("canvas");
    const other = canvas.viewbox();
    const same = ["x", "y", "width", "height"].every((key) => Math.abs(other[key] - viewbox[key]) < 0.5);
    if (!same) canvas.viewbox({ x: viewbox.x, y: viewbox.y, width: viewbox.width, height: viewbox.height });
  });
}

async function main() {
  const [before, after] = document.querySelectorAll("[data-diagram-url]");
  if (!before) return; // one diagram alone (a first version) is shown without colours
  const status = document.getElementById("diagram-status");
  try {
    const viewers = await Promise.all([before, after].filter(Boolean).map(open));
    if (viewers.length === 2) {
      const changes = diff(viewers[0].getDefinitions(), viewers[1].getDefinitions());
      mark(viewers[0], Object.keys(changes._removed), "diff-removed");
      mark(viewers[1], Object.keys(changes._added), "diff-added");
      for (const viewer of viewers) {
        mark(viewer, Object.keys(changes._changed), "diff-changed");
        mark(viewer, Object.keys(changes._layoutChanged), "diff-layout");
      }
      follow(viewers[0], viewers[1]);
      follow(viewers[1], viewers[0]);
    }
    if (status) status.hidden = true;
  } catch (error) {
    if (status) status.textContent = status.dataset.failed;
  }
}

main();
