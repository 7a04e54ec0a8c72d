// The properties panel's motcua groups: what the engine reads from a diagram (the lane's role, a step's budget,
// status, action, unit and forms, script and condition text, timers with the engine's helpers).
import { Group, SelectEntry, TextAreaEntry, TextFieldEntry, isSelectEntryEdited, isTextAreaEntryEdited,
  isTextFieldEntryEdited } from "@bpmn-io/properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is, isAny } from "bpmn-js/lib/util/ModelUtil";
import { getProperty, setProperty } from "./extension";

const STEP_KINDS = ["bpmn:UserTask", "bpmn:ManualTask"];
const NODE_KINDS = ["bpmn:Task", "bpmn:Event", "bpmn:CallActivity", "bpmn:SubProcess"];
const BUDGET = /^\s*\d+(?:[.,]\d+)?\s*[hd]\s*$/i;

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

function options(list, empty) {
  return [{ value: "", label: empty }, ...list];
}

// With the current value kept as an option, so a file from elsewhere never loses a value it has.
function withCurrent(list, current, label) {
  if (!current || list.some((o) => o.value === current)) return list;
  return [...list, { value: current, label: format(label, { key: current, name: current }) }];
}

function PropertySelect(props) {
  const { element, id, name, label, choices, description } = props;
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  return SelectEntry({
    element, id, label, description,
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(element, name, value, bpmnFactory, commandStack),
    getOptions: () => choices(getProperty(element, name)),
  });
}

function PropertyText(props) {
  const { element, id, name, label, description, validate } = props;
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const debounce = useService("debounceInput");
  return TextFieldEntry({
    element, id, label, description, debounce, validate,
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(element, name, (value || "").trim(), bpmnFactory, commandStack),
  });
}

function LaneRole(props) {
  const { element, motcua } = props;
  const modeling = useService("modeling");
  const t = motcua.texts;
  return SelectEntry({
    element, id: "motcua-lane-role", label: t.laneRole, description: t.laneRoleHelp,
    getValue: () => getBusinessObject(element).name || "",
    setValue: (value) => modeling.updateLabel(element, value),
    getOptions: () => withCurrent(options(motcua.roles.map((r) => ({ value: r.key, label: `${r.key} — ${r.name}` })),
      t.chooseRole), getBusinessObject(element).name, t.unknownRole),
  });
}

function ScriptText(props) {
  const { element, motcua } = props;
  const modeling = useService("modeling");
  const debounce = useService("debounceInput");
  return TextAreaEntry({
    element, id: "motcua-script", label: motcua.texts.script, description: motcua.texts.scriptHelp, debounce,
    rows: 8, monospace: true,
    getValue: () => getBusinessObject(element).get("script") || "",
    setValue: (value) => modeling.updateProperties(element, { script: value || undefined }),
  });
}

function ConditionText(props) {
  const { element, motcua } = props;
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  return TextAreaEntry({
    element, id: "motcua-condition", label: motcua.texts.condition, description: motcua.texts.conditionHelp,
    debounce, rows: 3, monospace: true,
    getValue: () => {
      const expression = getBusinessObject(element).get("conditionExpression");
      return expression ? expression.get("body") || "" : "";
    },
    setValue: (value) => {
      const expression = value ? bpmnFactory.create("bpmn:FormalExpression", { body: value }) : undefined;
      modeling.updateProperties(element, { conditionExpression: expression });
    },
  });
}

function Hint(props) {
  const { motcua, intro } = props;
  return h("div", { class: "studio-hint" }, [
    intro ? h("p", null, intro) : null,
    h("ul", null, motcua.helpers.map((name) => {
      const [call, meaning] = motcua.texts.helpers[name] || [`${name}()`, ""];
      return h("li", { key: name }, [h("code", null, call), meaning ? `: ${meaning}` : ""]);
    })),
  ]);
}

function entry(id, component, isEdited, extra) {
  return { id, component, isEdited, ...extra };
}

function stepEntries(element, motcua) {
  const t = motcua.texts;
  const forms = (ui) => (current) => withCurrent(options(Object.keys(motcua.forms())
    .filter((name) => isUiSchema(name) === ui).sort().map((name) => ({ value: name, label: name })), t.noForm),
  current, t.missingForm.replace("{name}", "{key}"));
  const units = () => withCurrent(options([
    { value: "receiving", label: t.unitReceiving }, { value: "deciding", label: t.unitDeciding },
    ...motcua.units.map((u) => ({ value: u.code, label: `${u.code} — ${u.name}` }))], t.unitByLane),
  getProperty(element, "unit"), "{key}");
  return [
    entry("motcua-step-budget", PropertyText, isTextFieldEntryEdited, {
      element, name: "step_budget", label: t.stepBudget, description: t.stepBudgetHelp,
      validate: (value) => (!value || BUDGET.test(value) ? null : t.stepBudgetInvalid),
    }),
    entry("motcua-form", PropertySelect, isSelectEntryEdited, {
      element, name: "formJsonSchemaFilename", label: t.form, choices: forms(false),
    }),
    entry("motcua-ui-form", PropertySelect, isSelectEntryEdited, {
      element, name: "formUiSchemaFilename", label: t.uiForm, choices: forms(true),
    }),
    entry("motcua-unit", PropertySelect, isSelectEntryEdited, { element, name: "unit", label: t.unit, choices: units }),
  ];
}

function nodeEntries(element, motcua) {
  const t = motcua.texts;
  const statuses = (current) => withCurrent(options(motcua.statuses.map((s) => ({
    value: String(s.code), label: `${s.code} — ${s.name}` })), t.keepStatus), current, "{key}");
  const actions = (current) => withCurrent(options(motcua.actions.map((a) => ({ value: a.key, label: a.name })),
    t.noAction), current, "{key}");
  return [
    entry("motcua-dossier-status", PropertySelect, isSelectEntryEdited, {
      element, name: "dossier_status", label: t.dossierStatus, choices: statuses,
    }),
    entry("motcua-dossier-action", PropertySelect, isSelectEntryEdited, {
      element, name: "dossier_action", label: t.dossierAction, choices: actions,
    }),
  ];
}

export function isUiSchema(name) {
  return name.endsWith(".uischema.json") || name.endsWith("-uischema.json");
}

function fromGateway(element) {
  return is(element, "bpmn:SequenceFlow") && element.source
    && isAny(element.source, ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway", "bpmn:ComplexGateway"]);
}

function hasTimer(element) {
  const bo = getBusinessObject(element);
  return is(element, "bpmn:Event") && (bo.get("eventDefinitions") || []).some((d) => is(d, "bpmn:TimerEventDefinition"));
}

function group(id, label, entries) {
  return { id, label, component: Group, entries };
}

class MotcuaPropertiesProvider {
  constructor(propertiesPanel, config) {
    this.motcua = config;
    propertiesPanel.registerProvider(400, this);
  }

  getGroups(element) {
    return (groups) => {
      const motcua = this.motcua;
      const t = motcua.texts;
      const ours = [];
      if (is(element, "bpmn:Lane")) {
        ours.push(group("motcua-lane", t.groupLane, [entry("motcua-lane-role", LaneRole, isSelectEntryEdited,
          { element, motcua })]));
      }
      if (isAny(element, STEP_KINDS)) {
        ours.push(group("motcua-step", t.groupStep, [...stepEntries(element, motcua), ...nodeEntries(element, motcua)]));
      } else if (isAny(element, NODE_KINDS)) {
        ours.push(group("motcua-node", t.groupNode, nodeEntries(element, motcua)));
      }
      if (is(element, "bpmn:ScriptTask")) {
        ours.push(group("motcua-script", t.groupScript, [
          entry("motcua-script", ScriptText, isTextAreaEntryEdited, { element, motcua }),
          entry("motcua-script-hint", Hint, () => false, { element, motcua })]));
      }
      if (fromGateway(element)) {
        ours.push(group("motcua-condition", t.groupCondition, [
          entry("motcua-condition", ConditionText, isTextAreaEntryEdited, { element, motcua }),
          entry("motcua-condition-hint", Hint, () => false, { element, motcua })]));
      }
      if (hasTimer(element)) {
        ours.push(group("motcua-timer-hint", t.groupHelpers, [
          entry("motcua-timer-hint", Hint, () => false, { element, motcua, intro: t.timerHelp })]));
      }
      const general = groups.findIndex((g) => g.id === "general");
      groups.splice(general + 1, 0, ...ours);
      return groups;
    };
  }
}
MotcuaPropertiesProvider.$inject = ["propertiesPanel", "config.motcua"];

export default {
  __init__: ["motcuaPropertiesProvider"],
  motcuaPropertiesProvider: ["type", MotcuaPropertiesProvider],
};
