// The designer's studio: a procedure version's BPMN in the bpmn-js Modeler with motcua's properties panel, its
// forms and procedure.toml; save (optimistic lock on the checksum the page opened), check, submit, zip import.
import Modeler from "bpmn-js/lib/Modeler";
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn.css";
import "@bpmn-io/properties-panel/dist/assets/properties-panel.css";
import "./studio.css";
import spiffModdle from "./studio/moddle";
import motcuaProperties from "./studio/properties";
import vietnamese from "./studio/translate";
import { Findings } from "./studio/findings";
import { FormsTab } from "./studio/forms";

const data = JSON.parse(document.getElementById("studio-data").textContent);
const texts = data.texts;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const status = document.getElementById("studio-status");
const state = {
  checksum: data.checksum, urls: data.urls, files: { ...data.files }, current: data.main,
  formTexts: Object.fromEntries(Object.entries(data.forms).map(([name, doc]) => [name, `${JSON.stringify(doc, null, 2)}\n`])),
  dirtyFiles: new Set(), dirtyForms: new Set(), removedForms: new Set(), tomlDirty: false, revision: 0, busy: false,
};
const toml = document.getElementById("procedure-toml");
const PALETTE_ROOM = 120;  // px the palette covers at the canvas's left edge
const MARGIN = 16;
const OPEN_GROUPS = ["general", "motcua-lane", "motcua-step", "motcua-node", "motcua-script", "motcua-condition", "timer",
  "motcua-timer-hint"];

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

function say(text, kind = "info") {
  status.textContent = text;
  status.className = `studio-status status-${kind}`;
}

function dirty() {
  return state.dirtyFiles.size > 0 || state.dirtyForms.size > 0 || state.removedForms.size > 0 || state.tomlDirty;
}

function changed() {
  state.revision += 1;
  say(texts.unsaved, "unsaved");
}

const lang = document.documentElement.lang || "vi";
const modeler = data.editable
  ? new Modeler({
    container: "#canvas",
    propertiesPanel: { parent: "#properties", layout: { groups: Object.fromEntries(OPEN_GROUPS.map((id) => [id, { open: true }])) } },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, motcuaProperties,
      ...(lang.startsWith("vi") ? [vietnamese] : [])],
    moddleExtensions: { spiffworkflow: spiffModdle },
    motcua: { ...data, forms: () => state.formTexts },
  })
  : new NavigatedViewer({ container: "#canvas", moddleExtensions: { spiffworkflow: spiffModdle } });

const findings = new Findings({
  list: document.getElementById("findings"), count: document.getElementById("finding-count"), texts,
  onChoose: (finding) => choose(finding),
});

async function openFile(name) {
  if (name !== state.current && state.dirtyFiles.has(state.current)) {
    state.files[state.current] = (await modeler.saveXML({ format: true })).xml;
  }
  state.current = name;
  try {
    await modeler.importXML(state.files[name]);
    fit();
  } catch (error) {
    say(format(texts.diagramFailed, { name, error: error.message }), "error");
  }
  findings.draw(modeler, state.current, data.main);
  const picker = document.getElementById("file-picker");
  if (picker) picker.value = name;
}

// The whole diagram in view, beside the palette rather than under it, never magnified past 100 %.
function fit() {
  const canvas = modeler.get("canvas");
  canvas.zoom("fit-viewport", "auto");
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height) return;
  const room = data.editable ? PALETTE_ROOM : MARGIN;
  const scale = Math.min(1, (outer.width - room - MARGIN) / inner.width, (outer.height - 2 * MARGIN) / inner.height);
  const width = outer.width / scale;
  const height = outer.height / scale;
  canvas.viewbox({ x: inner.x - room / scale, y: inner.y - (height - inner.height) / 2, width, height });
}

function showTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(on));
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
  }
  if (name === "diagram") modeler.get("canvas").resized();
}

async function choose(finding) {
  const file = finding.file || data.main;
  if (state.formTexts[file] !== undefined) {
    showTab("forms");
    forms.open(file.endsWith("uischema.json") ? file.replace(/[.-]uischema\.json$/, ".json") : file);
    return;
  }
  if (file === "procedure.toml") {
    showTab("meta");
    toml.focus();
    return;
  }
  showTab("diagram");
  if (state.files[file] !== undefined && file !== state.current) await openFile(file);
  const element = finding.element && modeler.get("elementRegistry").get(finding.element);
  if (!element) return;
  if (data.editable) modeler.get("selection").select(element);
  modeler.get("canvas").scrollToElement(element);
}

async function request(url, body) {
  const json = !(body instanceof FormData);
  let response;
  try {
    response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json", ...(json ? { "Content-Type": "application/json" } : {}) },
      body: json ? JSON.stringify(body) : body,
    });
  } catch (error) {
    say(texts.offline, "error");
    return null;
  }
  const type = response.headers.get("Content-Type") || "";
  const answer = type.includes("application/json") ? await response.json() : {};
  answer.status = response.status;
  if (!answer.message && !response.ok) {
    answer.message = { 403: texts.forbidden, 400: texts.expired, 413: texts.tooLarge }[response.status] || texts.offline;
  }
  return answer;
}

async function changes() {
  const payload = { files: {}, forms: {}, removed_forms: [...state.removedForms], toml: state.tomlDirty ? toml.value : null };
  if (state.dirtyFiles.has(state.current)) state.files[state.current] = (await modeler.saveXML({ format: true })).xml;
  for (const name of state.dirtyFiles) payload.files[name] = state.files[name];
  for (const name of state.dirtyForms) payload.forms[name] = state.formTexts[name];
  const encoder = new TextEncoder();
  for (const [name, text] of [...Object.entries(payload.files), ...Object.entries(payload.forms)]) {
    if (encoder.encode(text).length > data.maxBytes) {
      say(format(texts.tooBig, { name, max: data.maxBytes }), "error");
      return null;
    }
  }
  return payload;
}

function refused(answer) {
  const lines = Object.entries(answer.errors || {}).flatMap(([where, messages]) => messages.map((m) => `${where}: ${m}`));
  say([answer.message, ...lines].join(" "), "error");
}

async function save() {
  if (state.busy || !data.editable) return false;
  const active = document.activeElement;
  if (active && document.getElementById("properties").contains(active)) active.blur();  // commits a field typed into
  const payload = await changes();
  if (!payload) return false;
  state.busy = true;
  const revision = state.revision;
  say(texts.saving);
  const answer = await request(state.urls.save, { base: state.checksum, ...payload });
  state.busy = false;
  if (!answer) return false;
  if (answer.status !== 200) {
    refused(answer);
    return false;
  }
  state.checksum = answer.checksum;
  if (revision === state.revision) {
    state.dirtyFiles.clear();
    state.dirtyForms.clear();
    state.removedForms.clear();
    state.tomlDirty = false;
  }
  const errors = answer.findings.filter((f) => f.severity === "error").length;
  say(format(errors ? texts.savedWithErrors : texts.saved, { time: answer.saved_at, errors }), errors ? "warning" : "ok");
  show(answer.findings);
  return true;
}

function show(list) {
  findings.show(list);
  findings.draw(modeler, state.current, data.main);
}

async function check() {
  const payload = await changes();
  if (!payload) return;
  say(texts.checking);
  const answer = await request(state.urls.check, payload);
  if (!answer) return;
  if (answer.status !== 200) {
    refused(answer);
    return;
  }
  show(answer.findings);
  const errors = answer.findings.filter((f) => f.severity === "error").length;
  say(answer.findings.length ? format(texts.checkedFindings, { errors, warnings: answer.findings.length - errors })
    : texts.checkedOk, errors ? "warning" : "ok");
}

async function submit() {
  if (dirty() && !(await save())) return;
  say(texts.submitting);
  const answer = await request(state.urls.submit, {});
  if (!answer) return;
  if (answer.status === 200) {
    window.location.assign(answer.redirect);
    return;
  }
  if (answer.findings) show(answer.findings);
  say(answer.status === 422 ? `${texts.submitBlocked} ${answer.message}` : answer.message, "error");
}

async function importZip(input) {
  const file = input.files[0];
  if (!file || !window.confirm(texts.importConfirm)) {
    input.value = "";
    return;
  }
  const body = new FormData();
  body.set("package", file);
  body.set("base", state.checksum);
  const answer = await request(state.urls.import_zip, body);
  input.value = "";
  if (!answer) return;
  if (answer.status !== 200) {
    refused(answer);
    return;
  }
  state.dirtyFiles.clear();
  state.dirtyForms.clear();
  state.removedForms.clear();
  state.tomlDirty = false;
  window.location.assign(answer.redirect);
}

const forms = new FormsTab({
  root: document.getElementById("tab-forms"), state, texts, editable: data.editable, changed,
  post: async (url, body) => {
    const answer = await request(url, body);
    if (answer && answer.status !== 200) {
      say(answer.message, "error");
      return null;
    }
    return answer;
  },
});

function wire() {
  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  const on = (id, handler) => {
    const node = document.getElementById(id);
    if (node) node.addEventListener("click", handler);
  };
  on("studio-save", save);
  on("studio-check", check);
  on("studio-submit", submit);
  const importInput = document.getElementById("import-package");
  if (importInput) importInput.addEventListener("change", () => importZip(importInput));
  const picker = document.getElementById("file-picker");
  if (picker) picker.addEventListener("change", () => openFile(picker.value));
  toml.addEventListener("input", () => { state.tomlDirty = true; changed(); });
  if (!data.editable) toml.readOnly = true;
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      save();
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty()) return;
    event.preventDefault();
    event.returnValue = "";
  });
  if (data.editable) {
    modeler.on("commandStack.changed", (event) => {
      if (event.trigger === "clear") return;
      state.dirtyFiles.add(state.current);
      changed();
    });
  }
}

// A message the page was opened with (e.g. "draft made") goes to the status line: the editor keeps its height.
for (const flash of document.querySelectorAll("main > .flash")) {
  say(flash.textContent.trim(), flash.classList.contains("flash-success") ? "ok" : "info");
  flash.remove();
}
wire();
findings.show(data.findings);
openFile(data.main).then(() => {
  window.studio = { modeler, state, save };  // for the browser tests and the curious designer's console
});
