// The dossier page's process diagram: read-only, done steps green, current ones highlighted with their due time
// (red when late), one tab per process of the dossier (the main one, its called sub-processes, partner agencies').
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
// No bpmn-font: a read-only viewer shows no palette or context pad (and its data: URL would need font-src data:).
import "./dossier_diagram.css";

const ZOOM_STEP = 1.25;

// A lane is named by its role's key (mot_cua, chuyen_vien …): officials read the name the administration gives
// the role.
function nameLanes(viewer, lanes) {
  const registry = viewer.get("elementRegistry");
  const graphics = viewer.get("graphicsFactory");
  for (const lane of registry.filter((element) => element.type === "bpmn:Lane")) {
    const semantic = lane.businessObject;
    const name = semantic && Object.hasOwn(lanes || {}, semantic.name) ? lanes[semantic.name] : null;
    if (!name) continue;  // no role by that key: the lane keeps what the BPMN says
    semantic.name = name;
    graphics.update("shape", lane, registry.getGraphics(lane));
  }
}

const DUE_GAP = 3;
const LANES = new Set(["bpmn:Lane", "bpmn:Participant"]);  // a note may cross into the next lane

function overlapArea(a, b) {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

// The due-time note sits just outside the step, as wide as the step (wrapping if need be): below it, unless it
// would cover another element or label there — then above it if that covers less.
function addDueNote(viewer, shape, note) {
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  Object.assign(note.style, {
    width: `${shape.width}px`, boxSizing: "border-box", whiteSpace: "normal", textAlign: "center",
    fontSize: "10px", lineHeight: "1.2", padding: "1px 3px",
  });
  const below = { position: { top: shape.height + DUE_GAP, left: 0 }, html: note };
  const id = overlays.add(shape.id, "diagram-due", below);
  const height = note.offsetHeight || 28;
  const holds = (other) => other.x <= shape.x && other.y <= shape.y  // e.g. the expanded sub-process around it
    && other.x + other.width >= shape.x + shape.width && other.y + other.height >= shape.y + shape.height;
  const others = registry.filter((other) => other !== shape && other.parent && !other.waypoints && !holds(other)
    && !LANES.has(other.type));
  const covered = (top) => others.reduce((sum, other) => sum + overlapArea(
    { x: shape.x, y: shape.y + top, width: shape.width, height }, other), 0);
  const coveredBelow = covered(below.position.top);
  if (coveredBelow > 0 && covered(-height - DUE_GAP) < coveredBelow) {
    overlays.remove(id);
    overlays.add(shape.id, "diagram-due", { position: { top: -height - DUE_GAP, left: 0 }, html: note });
  }
}

function markElements(viewer, elements) {
  const registry = viewer.get("elementRegistry");
  const canvas = viewer.get("canvas");
  for (const [id, element] of Object.entries(elements)) {
    const shape = registry.get(id);
    if (!shape) continue;
    canvas.addMarker(id, `diagram-${element.state}`);
    if (element.late) canvas.addMarker(id, "diagram-late");
    if (element.due && !shape.waypoints) {
      const note = document.createElement("div");
      note.className = element.late ? "diagram-due late" : "diagram-due";
      note.textContent = element.due;
      if (element.remaining && !element.late) note.title = element.remaining;
      addDueNote(viewer, shape, note);
    }
  }
}

function fit(viewer) {
  const canvas = viewer.get("canvas");
  canvas.resized();
  canvas.zoom("fit-viewport", "auto");
}

// The ARIA tabs pattern: one selected tab, its panel shown; arrow keys, Home and End move between tabs.
function setUpTabs(root, select) {
  const tabs = [...root.querySelectorAll("[role=tab]")];
  const choose = (tab, focus) => {
    for (const other of tabs) {
      const chosen = other === tab;
      other.setAttribute("aria-selected", String(chosen));
      other.tabIndex = chosen ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !chosen;
    }
    if (focus) tab.focus();
    select(tab.dataset.diagram);
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => choose(tab, false));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      choose(tabs[(moves[event.key] + tabs.length) % tabs.length], true);
    });
  });
  const tablist = root.querySelector("[role=tablist]");
  if (tabs.length > 1) tablist.hidden = false;
  return (key) => choose(tabs.find((tab) => tab.dataset.diagram === key) || tabs[0], false);
}

async function main() {
  const root = document.querySelector(".dossier-diagram");
  const container = root && root.querySelector("[data-diagram-url]");
  if (!container) return;
  const status = root.querySelector("#dossier-diagram-status");
  try {
    const response = await fetch(container.dataset.diagramUrl, {
      credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`diagram ${response.status}`);
    const data = await response.json();
    const diagrams = new Map(data.diagrams.map((diagram) => [diagram.key, diagram]));
    const viewer = new NavigatedViewer({ container });
    let shown = null;
    let queue = Promise.resolve();
    const show = (key) => {
      queue = queue.then(async () => {
        const diagram = diagrams.get(key);
        if (!diagram || shown === key) return;
        await viewer.importXML(diagram.xml);
        shown = key;
        nameLanes(viewer, diagram.lanes);
        markElements(viewer, diagram.elements);
        fit(viewer);
        container.dataset.shown = key;
      });
      return queue;
    };
    const choose = setUpTabs(root, show);
    choose(data.diagrams.length ? data.diagrams[0].key : null);
    await queue;

    const toolbar = root.querySelector(".diagram-toolbar");
    toolbar.hidden = false;
    toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("[data-zoom]");
      if (!button) return;
      const canvas = viewer.get("canvas");
      if (button.dataset.zoom === "fit") fit(viewer);
      else canvas.zoom(canvas.zoom() * (button.dataset.zoom === "in" ? ZOOM_STEP : 1 / ZOOM_STEP));
    });
    // The printed page is narrower than the screen: fit the diagram to it, then back.
    const refit = () => fit(viewer);
    window.addEventListener("beforeprint", refit);
    window.addEventListener("afterprint", refit);
    window.matchMedia("print").addEventListener("change", refit);
    window.addEventListener("resize", () => {
      viewer.get("canvas").resized();
    });
    status.hidden = true;
  } catch (error) {
    status.textContent = status.dataset.failed;
    container.hidden = true;
  }
}

main();
