// The spiffworkflow namespace as SpiffArena's modeler declares it (package bpmn-js-spiffworkflow), so a file saved
// here keeps every extension SpiffArena writes and opens there unchanged. motcua reads `properties`/`property`.
const body = (name, type = "String") => ({
  name, superClass: ["Element"], properties: [{ name: "value", isBody: true, type }],
});
const attributes = (name, ...names) => ({
  name, superClass: ["Element"], properties: names.map((attr) => ({ name: attr, isAttr: true, type: "String" })),
});
const many = (name, property, type) => ({
  name, superClass: ["Element"], properties: [{ name: property, type, isMany: true }],
});

export default {
  name: "SpiffWorkflow",
  uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
  prefix: "spiffworkflow",
  associations: [],
  xml: { tagAlias: "lowerCase" },
  types: [
    body("PreScript"), body("PostScript"), body("MessagePayload"), body("MessageVariable"),
    body("CalledDecisionId"), body("InstructionsForEndUser"), body("AllowGuest", "Boolean"),
    body("GuestConfirmation"), body("Category"), body("SignalButtonLabel"), body("PayloadExpression"),
    body("VariableName"), body("InputJson"), body("ExpectedOutputJson"),
    attributes("ProcessVariableCorrelation", "propertyId", "expression"),
    many("Properties", "properties", "Property"),
    attributes("Property", "name", "value"),
    {
      name: "ServiceTaskOperator", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "resultVariable", isAttr: true, type: "String" },
        { name: "parameterList", type: "Parameters" }],
    },
    many("Parameters", "parameters", "Parameter"),
    attributes("Parameter", "id", "type", "value"),
    many("UnitTests", "unitTests", "UnitTest"),
    {
      name: "UnitTest", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "inputJson", type: "InputJson" },
        { name: "expectedOutputJson", type: "ExpectedOutputJson" }],
    },
    {
      name: "ScriptsOnInstances", extends: ["bpmn:MultiInstanceLoopCharacteristics", "bpmn:StandardLoopCharacteristics"],
      properties: [{ name: "scriptsOnInstances", isAttr: true, type: "Boolean" }],
    },
    many("TaskMetadataValues", "values", "TaskMetadataValue"),
    attributes("TaskMetadataValue", "name", "value"),
  ],
};
