// Reading and writing motcua's fields as <spiffworkflow:properties><spiffworkflow:property name value/>, as
// SpiffArena's modeler writes them; every change is one undoable command.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

function propertiesOf(bo) {
  const extensions = bo.get("extensionElements");
  return extensions ? (extensions.get("values") || []).find((v) => is(v, "spiffworkflow:Properties")) : undefined;
}

export function getProperty(element, name) {
  const properties = propertiesOf(getBusinessObject(element));
  const found = properties && (properties.get("properties") || []).find((p) => p.name === name);
  return found ? found.value || "" : "";
}

export function setProperty(element, name, value, bpmnFactory, commandStack) {
  const bo = getBusinessObject(element);
  const update = (moddleElement, properties) => ({
    cmd: "element.updateModdleProperties", context: { element, moddleElement, properties },
  });
  const commands = [];
  let extensions = bo.get("extensionElements");
  let properties = propertiesOf(bo);
  const existing = properties && (properties.get("properties") || []).find((p) => p.name === name);
  if (!value) {
    if (!existing) return;
    const rest = properties.get("properties").filter((p) => p !== existing);
    if (rest.length) {
      commands.push(update(properties, { properties: rest }));
    } else {  // the last one: leave no empty <spiffworkflow:properties/> behind
      commands.push(update(extensions, { values: extensions.get("values").filter((v) => v !== properties) }));
    }
  } else if (existing) {
    commands.push(update(existing, { value }));
  } else {
    if (!extensions) {
      extensions = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
      extensions.$parent = bo;
      commands.push(update(bo, { extensionElements: extensions }));
    }
    if (!properties) {
      properties = bpmnFactory.create("spiffworkflow:Properties", { properties: [] });
      properties.$parent = extensions;
      commands.push(update(extensions, { values: [...extensions.get("values"), properties] }));
    }
    const property = bpmnFactory.create("spiffworkflow:Property", { name, value });
    property.$parent = properties;
    commands.push(update(properties, { properties: [...properties.get("properties"), property] }));
  }
  commandStack.execute("properties-panel.multi-command-executor", commands);
}
