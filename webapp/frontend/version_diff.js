// Two versions of a procedure's BPMN side by side, read-only, with what changed between them coloured.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { diff } from "bpmn-js-differ";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
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

async function main() {
  const [before, after] = document.querySelectorAll("[data-diagram-url]");
  if (!after) return;
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
    }
    if (status) status.hidden = true;
  } catch (error) {
    if (status) status.textContent = status.dataset.failed;
  }
}

main();
