// The validation's findings beside the diagram: listed (error or warning, element, file and line) and drawn on the
// elements they name; choosing one selects its element, its form or procedure.toml.
const OVERLAY = "motcua-finding";

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

export class Findings {
  constructor({ list, count, texts, onChoose }) {
    Object.assign(this, { list, count, texts, onChoose });
    this.findings = [];
    this.marked = [];
  }

  show(findings) {
    this.findings = findings || [];
    const errors = this.findings.filter((f) => f.severity === "error").length;
    this.count.textContent = `${errors} / ${this.findings.length - errors}`;
    this.count.className = `finding-count${errors ? " has-errors" : ""}`;
    this.list.replaceChildren();
    if (!this.findings.length) {
      const empty = document.createElement("li");
      empty.className = "finding-empty";
      empty.textContent = this.texts.noFindings;
      this.list.append(empty);
    }
    for (const finding of this.findings) this.list.append(this.item(finding));
  }

  item(finding) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = `finding finding-${finding.severity}`;
    const badge = document.createElement("span");
    badge.className = "finding-severity";
    badge.textContent = finding.severity === "error" ? this.texts.error : this.texts.warning;
    const message = document.createElement("span");
    message.className = "finding-message";
    message.textContent = finding.message;
    const where = document.createElement("span");
    where.className = "finding-where";
    const parts = [finding.name && finding.element ? `${finding.name} (${finding.element})` : finding.element,
      finding.file, finding.line ? format(this.texts.line, { line: finding.line }) : null];
    where.textContent = parts.filter(Boolean).join(" · ");
    button.append(badge, message, where);
    button.addEventListener("click", () => this.onChoose(finding));
    li.append(button);
    return li;
  }

  // Markers and badges on the elements of the file shown; findings without a file name the main file's elements.
  draw(modeler, file, main) {
    const registry = modeler.get("elementRegistry");
    const canvas = modeler.get("canvas");
    const overlays = modeler.get("overlays");
    overlays.remove({ type: OVERLAY });
    for (const [id, marker] of this.marked) {
      if (registry.get(id)) canvas.removeMarker(id, marker);
    }
    this.marked = [];
    const counts = new Map();
    for (const finding of this.findings) {
      if (!finding.element || (finding.file || main) !== file || !registry.get(finding.element)) continue;
      const seen = counts.get(finding.element) || { error: 0, warning: 0, messages: [] };
      seen[finding.severity === "error" ? "error" : "warning"] += 1;
      seen.messages.push(finding.message);
      counts.set(finding.element, seen);
    }
    for (const [id, seen] of counts) {
      const marker = seen.error ? "finding-error" : "finding-warning";
      canvas.addMarker(id, marker);
      this.marked.push([id, marker]);
      const badge = document.createElement("span");
      badge.className = `finding-badge ${marker}`;
      badge.textContent = String(seen.error + seen.warning);
      badge.title = seen.messages.join("\n");
      badge.dataset.element = id;
      overlays.add(id, OVERLAY, { position: { top: -10, right: 10 }, html: badge });
    }
  }
}
