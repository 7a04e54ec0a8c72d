// The forms tab: a step's JSON Schema and UI schema as text, new and removed forms, and the live preview the
// server renders with the officials' own task-form renderer (with its messages after "Thử kiểm tra").
import { isUiSchema } from "./properties";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$/;
const NEW_SCHEMA = { title: "", type: "object", properties: {}, required: [] };

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

export function uiNameFor(name, texts) {
  const base = name.replace(/\.json$/, "");
  const dash = `${base}-uischema.json`;
  return texts[dash] !== undefined ? dash : `${base}.uischema.json`;
}

export class FormsTab {
  constructor({ root, state, texts, editable, post, changed }) {
    Object.assign(this, { root, state, texts, editable, post, changed });
    this.list = root.querySelector("#form-list");
    this.schema = root.querySelector("#form-schema");
    this.ui = root.querySelector("#form-ui");
    this.title = root.querySelector("#form-title");
    this.preview = root.querySelector("#form-preview");
    this.previewForm = root.querySelector("#preview-form");
    this.problems = root.querySelector("#preview-problems");
    this.verdict = root.querySelector("#preview-verdict");
    this.current = null;
    this.timer = null;
    this.schema.addEventListener("input", () => this.edited(this.current, this.schema.value));
    this.ui.addEventListener("input", () => this.edited(uiNameFor(this.current, this.state.formTexts), this.ui.value));
    this.previewForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.refresh(true);
    });
    const create = root.querySelector("#form-create");
    if (create) create.addEventListener("submit", (event) => { event.preventDefault(); this.create(); });
    const remove = root.querySelector("#form-remove");
    if (remove) remove.addEventListener("click", () => this.remove());
    if (!editable) {
      this.schema.readOnly = true;
      this.ui.readOnly = true;
    }
    this.render();
  }

  names() {
    return Object.keys(this.state.formTexts).filter((name) => !isUiSchema(name)).sort();
  }

  render() {
    this.list.replaceChildren();
    for (const name of this.names()) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      button.className = "form-choice";
      if (name === this.current) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => this.open(name));
      li.append(button);
      this.list.append(li);
    }
    if (!this.current && this.names().length) this.open(this.names()[0]);
  }

  open(name) {
    this.current = name;
    this.title.textContent = name;
    this.schema.value = this.state.formTexts[name] ?? "";
    this.ui.value = this.state.formTexts[uiNameFor(name, this.state.formTexts)] ?? "";
    this.root.querySelector("#form-ui-name").textContent = uiNameFor(name, this.state.formTexts);
    for (const button of this.list.querySelectorAll("button")) {
      if (button.textContent === name) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
    this.refresh(false);
  }

  edited(name, text) {
    if (!name) return;
    this.state.formTexts[name] = text;
    this.state.dirtyForms.add(name);
    this.state.removedForms.delete(name);
    this.changed();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(false), 500);
  }

  create() {
    const input = this.root.querySelector("#form-new-name");
    const base = input.value.trim().replace(/\.json$/, "");
    const error = this.root.querySelector("#form-new-error");
    error.textContent = "";
    if (!NAME.test(base)) {
      error.textContent = this.texts.formName;
      return;
    }
    const name = `${base}.json`;
    if (this.state.formTexts[name] !== undefined) {
      error.textContent = format(this.texts.formExists, { name });
      return;
    }
    input.value = "";
    this.edited(name, `${JSON.stringify(NEW_SCHEMA, null, 2)}\n`);
    this.edited(`${base}.uischema.json`, "{\n  \"ui:order\": [\"*\"]\n}\n");
    this.render();
    this.open(name);
  }

  remove() {
    const name = this.current;
    if (!name || !window.confirm(format(this.texts.removeFormConfirm, { name }))) return;
    for (const gone of [name, uiNameFor(name, this.state.formTexts)]) {
      if (this.state.formTexts[gone] === undefined) continue;
      delete this.state.formTexts[gone];
      this.state.dirtyForms.delete(gone);
      this.state.removedForms.add(gone);
    }
    this.current = null;
    this.changed();
    this.render();
    if (!this.names().length) {
      this.schema.value = "";
      this.ui.value = "";
      this.preview.replaceChildren();
    }
  }

  // Rendered by the server: the same fields, widgets and messages an official sees on the task page.
  async refresh(check) {
    if (!this.current) return;
    const body = new FormData(check ? this.previewForm : undefined);
    body.set("_schema", this.schema.value);
    body.set("_ui", this.ui.value);
    if (check) body.set("_check", "1");
    const answer = await this.post(this.state.urls.preview, body);
    if (!answer) return;
    this.problems.replaceChildren(...(answer.problems || []).map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    }));
    this.problems.hidden = !(answer.problems || []).length;
    const fragment = document.createRange().createContextualFragment(answer.html || "");
    this.preview.replaceChildren(fragment);
    if (!answer.html && !(answer.problems || []).length) this.preview.textContent = this.texts.previewEmpty;
    this.verdict.hidden = answer.valid === null || answer.valid === undefined;
    this.verdict.className = answer.valid ? "flash flash-success" : "alert";
    this.verdict.textContent = answer.valid ? this.texts.previewValid : this.texts.previewInvalid;
  }
}
