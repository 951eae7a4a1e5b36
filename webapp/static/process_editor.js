// The process modeler page: the vendored bpmn-js Modeler plus the product's own properties panel.
// The panel offers only what the product runs (docs/process-contract.md): lane → role, user task
// → form kind, titles, deadline and reminder (spiffworkflow:properties), service task → an
// allowed operator, gateway conditions and script tasks → text checked by the restricted engine.
// No inline code or style: the page runs under script-src/style-src 'self'.
(function () {
  "use strict";

  var SPIFF = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "property", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true }, { name: "value", type: "String", isAttr: true }] },
      { name: "ServiceTaskOperator", superClass: ["Element"],
        properties: [{ name: "id", type: "String", isAttr: true }, { name: "resultVariable", type: "String", isAttr: true },
                     { name: "parameters", type: "Parameters" }] },
      { name: "Parameters", superClass: ["Element"],
        properties: [{ name: "parameter", type: "Parameter", isMany: true }] },
      { name: "Parameter", superClass: ["Element"],
        properties: [{ name: "id", type: "String", isAttr: true }, { name: "type", type: "String", isAttr: true },
                     { name: "value", type: "String", isAttr: true }] }
    ]
  };
  var root = document.getElementById("process-editor");
  if (!root || !window.BpmnModelerKit) {
    return;
  }
  var vocab = JSON.parse(root.getAttribute("data-vocabulary"));
  var fileName = root.getAttribute("data-file");
  var csrf = root.getAttribute("data-csrf");
  var modeler = new window.BpmnModelerKit.Modeler({
    container: document.getElementById("editor-canvas"),
    moddleExtensions: { spiffworkflow: SPIFF }
  });
  var $ = function (id) { return document.getElementById(id); };
  var modeling = function () { return modeler.get("modeling"); };
  var moddle = function () { return modeler.get("moddle"); };
  var selected = null;
  var problemIds = [];
  var filling = false;

  function status(text, kind) {
    var box = $("editor-status");
    box.textContent = text || "";
    box.className = kind || "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: String(response.status) }; });
    });
  }

  function options(select, pairs, empty) {
    select.textContent = "";
    if (empty !== undefined) {
      select.appendChild(new Option(empty, ""));
    }
    pairs.forEach(function (pair) { select.appendChild(new Option(pair[1], pair[0])); });
  }

  // ---- extension elements -------------------------------------------------------------
  function extension(bo, type, create) {
    var ext = bo.extensionElements;
    var found = ext && (ext.get("values") || []).filter(function (v) { return v.$type === type; })[0];
    if (found || !create) {
      return found || null;
    }
    if (!ext) {
      ext = moddle().create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      bo.extensionElements = ext;
    }
    found = moddle().create(type);
    found.$parent = ext;
    ext.get("values").push(found);
    return found;
  }

  function property(bo, name) {
    var props = extension(bo, "spiffworkflow:Properties", false);
    var entry = props && props.get("property").filter(function (p) { return p.name === name; })[0];
    return entry ? entry.value || "" : "";
  }

  function setProperty(element, name, value) {
    var bo = element.businessObject;
    var props = extension(bo, "spiffworkflow:Properties", true);
    var list = props.get("property");
    var entry = list.filter(function (p) { return p.name === name; })[0];
    value = (value || "").trim();
    if (!value && entry) {
      list.splice(list.indexOf(entry), 1);
    } else if (value && !entry) {
      entry = moddle().create("spiffworkflow:Property", { name: name, value: value });
      entry.$parent = props;
      list.push(entry);
    } else if (entry) {
      entry.value = value;
    }
    modeling().updateProperties(element, { extensionElements: bo.extensionElements });
  }

  // ---- lanes and roles -------------------------------------------------------------------
  function lanes() {
    return modeler.get("elementRegistry").filter(function (el) { return el.type === "bpmn:Lane"; });
  }

  function laneOf(element) {
    var middle = element.y + element.height / 2;
    return lanes().filter(function (lane) { return lane.y <= middle && middle <= lane.y + lane.height; })[0] || null;
  }

  function moveToRole(element, role) {
    var lane = lanes().filter(function (l) { return (l.businessObject.name || "") === role; })[0];
    if (!lane) {
      return;
    }
    var dy = Math.round(lane.y + lane.height / 2 - (element.y + element.height / 2));
    if (dy) {
      modeling().moveShape(element, { x: 0, y: dy });
    }
  }

  // ---- the panel ---------------------------------------------------------------------------
  function kindOf(element) {
    var type = element.type;
    if (type === "bpmn:Lane") { return "lane"; }
    if (type === "bpmn:UserTask") { return "user"; }
    if (type === "bpmn:ServiceTask") { return "service"; }
    if (type === "bpmn:ScriptTask") { return "script"; }
    if (type === "bpmn:Task") { return "task"; }
    if (type === "bpmn:SequenceFlow" && element.source && /Gateway$/.test(element.source.type)) { return "condition"; }
    return "other";
  }

  function show(element) {
    selected = element;
    var fields = $("panel-fields");
    if (!element || element.type === "bpmn:Process" || element.type === "bpmn:Collaboration") {
      fields.hidden = true;
      $("panel-empty").hidden = false;
      return;
    }
    filling = true;
    var bo = element.businessObject;
    var kind = kindOf(element);
    fields.hidden = false;
    $("panel-empty").hidden = true;
    $("panel-type").textContent = element.type.replace("bpmn:", "");
    $("panel-id").textContent = element.id;
    Array.prototype.forEach.call(fields.querySelectorAll(".field"), function (field) {
      var wanted = field.getAttribute("data-for");
      var isTask = ["task", "user", "service", "script"].indexOf(kind) >= 0;
      field.hidden = !(wanted === kind || (wanted === "name" && kind !== "condition" && kind !== "lane") ||
                       (wanted === "tasktype" && isTask) ||
                       (wanted === "dataform" && kind === "user" && property(bo, "form") === "data_form"));
    });
    $("p-name").value = bo.name || "";
    $("p-task-type").value = kind === "task" ? "" : element.type;
    if (kind === "lane") {
      $("p-lane-role").value = bo.name || "";
    }
    if (kind === "user") {
      var lane = laneOf(element);
      $("p-task-role").value = lane ? lane.businessObject.name || "" : "";
      $("p-form").value = property(bo, "form");
      $("p-form-definition").value = property(bo, "form_definition");
      $("p-title-en").value = property(bo, "title_en");
      $("p-deadline").value = property(bo, "deadline");
      $("p-reminder").value = property(bo, "reminder");
      $("p-decision").value = property(bo, "decision_variable");
      $("p-comment").value = property(bo, "comment_variable");
      $("p-decision").placeholder = element.id + "_decision";
      $("p-comment").placeholder = element.id + "_comment";
    }
    if (kind === "service") {
      var operator = extension(bo, "spiffworkflow:ServiceTaskOperator", false);
      $("p-operator").value = operator ? operator.id || "" : "";
      var params = operator && operator.parameters ? operator.parameters.get("parameter") : [];
      $("p-params").value = params.map(function (p) { return p.id + " = " + (p.value || ""); }).join("\n");
    }
    $("p-code-check").textContent = "";
    if (kind === "condition") {
      $("p-condition").value = bo.conditionExpression ? bo.conditionExpression.body || "" : "";
      checkCode($("p-condition").value, "eval");
    }
    if (kind === "script") {
      $("p-script").value = bo.script || "";
      checkCode($("p-script").value, "exec");
    }
    filling = false;
  }

  var codeTimer = null;
  function checkCode(source, mode) {
    clearTimeout(codeTimer);
    codeTimer = setTimeout(function () {
      post(vocab.urls.code, { source: source, mode: mode }).then(function (answer) {
        var list = $("p-code-check");
        list.textContent = "";
        var lines = answer.ok ? [list.getAttribute("data-ok")] : answer.messages || [answer.message];
        list.className = "code-check " + (answer.ok ? "ok" : "bad");
        lines.forEach(function (line) {
          var item = document.createElement("li");
          item.textContent = line;
          list.appendChild(item);
        });
      });
    }, 250);
  }

  function edited() {
    $("btn-deploy").disabled = true;  // validate again after any change
  }

  function bind(id, handler, eventName) {
    $(id).addEventListener(eventName || "change", function (event) {
      if (!filling && selected) {
        handler(selected, event.target.value);
        edited();
      }
    });
  }

  bind("p-task-type", function (el, value) {
    if (value && value !== el.type) {
      // The library's own replace: flows, lane and label are kept; the panel follows the new element.
      var replaced = modeler.get("bpmnReplace").replaceElement(el, { type: value });
      modeler.get("selection").select(replaced);
    }
  });
  bind("p-lane-role", function (el, value) { modeling().updateProperties(el, { name: value }); });
  bind("p-name", function (el, value) { modeling().updateProperties(el, { name: value }); });
  bind("p-task-role", function (el, value) { moveToRole(el, value); });
  bind("p-form", function (el, value) {
    setProperty(el, "form", value);
    if (value !== "data_form") { setProperty(el, "form_definition", ""); }
    show(el);  // the form definition choice appears for a data form
  });
  bind("p-form-definition", function (el, value) { setProperty(el, "form_definition", value); });
  bind("p-title-en", function (el, value) { setProperty(el, "title_en", value); });
  bind("p-deadline", function (el, value) { setProperty(el, "deadline", value.toUpperCase()); });
  bind("p-reminder", function (el, value) { setProperty(el, "reminder", value.toUpperCase()); });
  bind("p-decision", function (el, value) { setProperty(el, "decision_variable", value); });
  bind("p-comment", function (el, value) { setProperty(el, "comment_variable", value); });
  bind("p-operator", function (el, value) {
    var operator = extension(el.businessObject, "spiffworkflow:ServiceTaskOperator", true);
    operator.id = value;
    operator.resultVariable = operator.resultVariable || el.id + "_result";
    modeling().updateProperties(el, { extensionElements: el.businessObject.extensionElements });
  });
  bind("p-params", function (el, value) {
    var operator = extension(el.businessObject, "spiffworkflow:ServiceTaskOperator", true);
    var params = moddle().create("spiffworkflow:Parameters");
    params.$parent = operator;
    value.split("\n").forEach(function (line) {
      var at = line.indexOf("=");
      if (at > 0) {
        var entry = moddle().create("spiffworkflow:Parameter",
          { id: line.slice(0, at).trim(), type: "str", value: line.slice(at + 1).trim() });
        entry.$parent = params;
        params.get("parameter").push(entry);
      }
    });
    operator.parameters = params;
    modeling().updateProperties(el, { extensionElements: el.businessObject.extensionElements });
  });
  bind("p-condition", function (el, value) { checkCode(value, "eval"); }, "input");
  bind("p-condition", function (el, value) {
    var expression = value.trim() ? moddle().create("bpmn:FormalExpression", { body: value }) : undefined;
    modeling().updateProperties(el, { conditionExpression: expression });
  });
  bind("p-script", function (el, value) { checkCode(value, "exec"); }, "input");
  bind("p-script", function (el, value) { modeling().updateProperties(el, { scriptFormat: "python", script: value }); });

  // ---- validation markers, draft, deploy ------------------------------------------------------
  function clearProblems() {
    var canvas = modeler.get("canvas");
    problemIds.forEach(function (id) {
      if (modeler.get("elementRegistry").get(id)) { canvas.removeMarker(id, "edit-problem"); }
    });
    modeler.get("overlays").remove({ type: "problem" });
    problemIds = [];
    $("problems").textContent = "";
    $("problems-card").hidden = true;
  }

  function showProblems(problems) {
    clearProblems();
    var registry = modeler.get("elementRegistry");
    var counts = {};
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      var where = problem.name ? "「" + problem.name + "」" : problem.element || problem.file;
      item.textContent = where + "：" + problem.message;
      item.setAttribute("data-element", problem.element || "");
      $("problems").appendChild(item);
      var shape = problem.element && registry.get(problem.element);
      if (shape && problem.file === fileName) {
        counts[problem.element] = (counts[problem.element] || 0) + 1;
        item.className = "on-diagram";
        item.addEventListener("click", function () { modeler.get("selection").select(shape); });
      }
    });
    Object.keys(counts).forEach(function (id) {
      modeler.get("canvas").addMarker(id, "edit-problem");
      var badge = document.createElement("div");
      badge.className = "problem-badge";
      badge.textContent = "!" + (counts[id] > 1 ? " " + counts[id] : "");
      modeler.get("overlays").add(id, "problem", { position: { top: -10, left: -10 }, html: badge });
      problemIds.push(id);
    });
    $("problems-card").hidden = problems.length === 0;
  }

  function withXml(then) {
    return modeler.saveXML({ format: true }).then(function (result) { return then(result.xml); });
  }

  $("btn-draft").addEventListener("click", function () {
    withXml(function (xml) { return post(vocab.urls.draft, { file: fileName, xml: xml }); }).then(function (answer) {
      status(answer.message, answer.ok ? "ok" : "error");
    });
  });
  $("btn-validate").addEventListener("click", function () {
    withXml(function (xml) { return post(vocab.urls.validate, { file: fileName, xml: xml }); }).then(function (answer) {
      showProblems(answer.problems || []);
      status(answer.message, answer.ok ? "ok" : "error");
      $("btn-deploy").disabled = !answer.ok;
    });
  });
  $("btn-deploy").addEventListener("click", function () {
    withXml(function (xml) {
      return post(vocab.urls.deploy, { file: fileName, xml: xml, comment: $("deploy-comment").value });
    }).then(function (answer) {
      showProblems(answer.problems || []);
      status(answer.message, answer.ok ? "ok deployed" : "error");
      $("btn-deploy").disabled = true;
    });
  });

  options($("p-lane-role"), vocab.roles, "—");
  options($("p-task-role"), vocab.roles, "—");
  options($("p-form"), vocab.forms, "—");
  options($("p-form-definition"), vocab.definitions || [], "—");
  options($("p-operator"), vocab.operators, "—");
  modeler.on("selection.changed", function (event) { show(event.newSelection[0] || null); });
  modeler.on("commandStack.changed", edited);
  window.processEditor = { modeler: modeler, show: show };

  fetch(vocab.urls.xml, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () {
      modeler.get("canvas").zoom("fit-viewport", "auto");
      root.setAttribute("data-ready", "1");
    })
    .catch(function () {
      status(root.getAttribute("data-error"), "error");
      root.setAttribute("data-ready", "error");
    });
})();
