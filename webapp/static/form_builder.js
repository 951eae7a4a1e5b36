// The form builder: a field list (add, remove, reorder; key, type, labels in Chinese and
// English, help, required, range, length, pattern, options), optional decisions, a live
// preview in either language, save as draft and publish. The server checks the schema on
// every save (webapp/form_schema.py); this page only helps to write it. No inline code or
// style: the page runs under script-src/style-src 'self'.
(function () {
  "use strict";

  var root = document.getElementById("form-builder");
  if (!root) {
    return;
  }
  var setup = JSON.parse(root.getAttribute("data-setup"));
  var csrf = root.getAttribute("data-csrf");
  var $ = function (id) { return document.getElementById(id); };
  var definition = setup.definition;
  var fields = (definition.schema.fields || []).map(function (f) { return JSON.parse(JSON.stringify(f)); });
  var isNew = !definition.code;
  var typeLabels = {};
  setup.types.forEach(function (pair) { typeLabels[pair[0]] = pair[1]; });

  function status(text, kind) {
    var box = $("fb-status");
    box.textContent = text || "";
    box.className = kind || "";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // ---- the schema <-> the editor ---------------------------------------------------------------
  function optionsText(options) {
    return (options || []).map(function (o) {
      return [o.value, (o.label || {}).zh || "", (o.label || {}).en || ""].join("|");
    }).join("\n");
  }

  function parseOptions(text) {
    return text.split("\n").map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
      var parts = line.split("|");
      return { value: (parts[0] || "").trim(), label: { zh: (parts[1] || "").trim(), en: (parts[2] || "").trim() } };
    });
  }

  function decisionsText(decisions) {
    return (decisions || []).map(function (d) {
      return [d.value, d.label.zh, d.label.en, d.comment_required ? "是" : "否"].join("|");
    }).join("\n");
  }

  function parseDecisions(text) {
    return text.split("\n").map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
      var parts = line.split("|");
      var needs = (parts[3] || "").trim().toLowerCase();
      return { value: (parts[0] || "").trim(), label: { zh: (parts[1] || "").trim(), en: (parts[2] || "").trim() },
               comment_required: ["是", "yes", "y", "1", "true"].indexOf(needs) >= 0 };
    });
  }

  function bound(field, text) {
    text = (text || "").trim();
    if (!text) { return undefined; }
    if (field.type === "number") {
      var number = Number(text);
      return isNaN(number) ? text : number;  // the server names a bad bound
    }
    return text;
  }

  function schema() {
    var out = { fields: fields.map(function (f) {
      var copy = { key: f.key || "", type: f.type, label: { zh: f.label.zh || "", en: f.label.en || "" },
                   required: !!f.required };
      if (f.help && (f.help.zh || f.help.en)) { copy.help = { zh: f.help.zh || "", en: f.help.en || "" }; }
      ["min", "max", "max_length", "pattern"].forEach(function (name) {
        if (f[name] !== undefined && f[name] !== "" && f[name] !== null) { copy[name] = f[name]; }
      });
      if (f.type === "select" || f.type === "radio") { copy.options = f.options || []; }
      return copy;
    }) };
    var decisions = parseDecisions($("fb-decisions").value);
    if (decisions.length) { out.decisions = decisions; }
    return out;
  }

  // ---- the field list ------------------------------------------------------------------------
  function showFor(item, field) {
    var kind = field.type;
    item.querySelectorAll(".fb-for-range").forEach(function (n) { n.hidden = kind !== "number" && kind !== "date"; });
    item.querySelectorAll(".fb-for-text").forEach(function (n) { n.hidden = kind !== "text" && kind !== "textarea"; });
    item.querySelectorAll(".fb-for-pattern").forEach(function (n) { n.hidden = kind !== "text"; });
    item.querySelectorAll(".fb-for-options").forEach(function (n) { n.hidden = kind !== "select" && kind !== "radio"; });
  }

  function fieldItem(field, index) {
    var item = $("fb-field-template").content.firstElementChild.cloneNode(true);
    var q = function (cls) { return item.querySelector("." + cls); };
    q("fb-number").textContent = String(index + 1);
    setup.types.forEach(function (pair) { q("fb-type").appendChild(new Option(pair[1], pair[0])); });
    q("fb-key").value = field.key || "";
    q("fb-type").value = field.type;
    q("fb-label-zh").value = field.label.zh || "";
    q("fb-label-en").value = field.label.en || "";
    q("fb-help-zh").value = (field.help || {}).zh || "";
    q("fb-help-en").value = (field.help || {}).en || "";
    q("fb-min").value = field.min === undefined ? "" : String(field.min);
    q("fb-max").value = field.max === undefined ? "" : String(field.max);
    q("fb-max-length").value = field.max_length === undefined ? "" : String(field.max_length);
    q("fb-pattern").value = field.pattern || "";
    q("fb-required").checked = !!field.required;
    q("fb-options").value = optionsText(field.options);
    showFor(item, field);
    var update = function () {
      field.key = q("fb-key").value.trim();
      field.type = q("fb-type").value;
      field.label = { zh: q("fb-label-zh").value, en: q("fb-label-en").value };
      field.help = { zh: q("fb-help-zh").value, en: q("fb-help-en").value };
      field.min = bound(field, q("fb-min").value);
      field.max = bound(field, q("fb-max").value);
      field.max_length = q("fb-max-length").value ? Number(q("fb-max-length").value) : undefined;
      field.pattern = q("fb-pattern").value.trim() || undefined;
      field.required = q("fb-required").checked;
      field.options = parseOptions(q("fb-options").value);
      showFor(item, field);
      preview();
    };
    item.addEventListener("input", update);
    item.addEventListener("change", update);
    q("fb-up").disabled = index === 0;
    q("fb-down").disabled = index === fields.length - 1;
    q("fb-up").addEventListener("click", function () { move(index, -1); });
    q("fb-down").addEventListener("click", function () { move(index, 1); });
    q("fb-remove").addEventListener("click", function () { fields.splice(index, 1); render(); });
    return item;
  }

  function move(index, by) {
    var other = index + by;
    if (other < 0 || other >= fields.length) { return; }
    var moved = fields[index];
    fields[index] = fields[other];
    fields[other] = moved;
    render();
  }

  function render() {
    var list = $("fb-fields");
    list.textContent = "";
    fields.forEach(function (field, index) { list.appendChild(fieldItem(field, index)); });
    if (!fields.length) { list.appendChild(el("li", { "class": "muted" }, root.getAttribute("data-empty"))); }
    preview();
  }

  // ---- the preview ---------------------------------------------------------------------------
  function language() {
    var checked = document.querySelector("input[name=fb-lang]:checked");
    return checked ? checked.value : "zh";
  }

  function text(label, lang) {
    label = label || {};
    return (lang === "en" && label.en) || label.zh || "";
  }

  function previewInput(field, lang) {
    var kind = field.type;
    var name = "preview-" + (field.key || "");
    if (kind === "textarea") { return el("textarea", { rows: "3", name: name }); }
    if (kind === "select") {
      var select = el("select", { name: name });
      select.appendChild(new Option("—", ""));
      (field.options || []).forEach(function (o) { select.appendChild(new Option(text(o.label, lang), o.value)); });
      return select;
    }
    if (kind === "radio") {
      var box = el("span", {});
      (field.options || []).forEach(function (o) {
        var label = el("label", { "class": "radio" });
        label.appendChild(el("input", { type: "radio", name: name, value: o.value }));
        label.appendChild(document.createTextNode(" " + text(o.label, lang)));
        box.appendChild(label);
      });
      return box;
    }
    var types = { number: "number", date: "date", phone: "tel", checkbox: "checkbox" };
    return el("input", { type: types[kind] || "text", name: name });
  }

  function preview() {
    var lang = language();
    var body = $("fb-preview");
    body.textContent = "";
    body.appendChild(el("h3", {}, lang === "en" ? $("fb-title-en").value : $("fb-title-zh").value));
    fields.forEach(function (field) {
      var wrap = el("div", { "class": "field", "data-key": field.key || "" });
      var title = text(field.label, lang) + (field.required ? " *" : "");
      var label = el("label", {});
      if (field.type === "checkbox") {
        label.appendChild(previewInput(field, lang));
        label.appendChild(document.createTextNode(" " + title));
        wrap.appendChild(label);
      } else {
        label.textContent = title;
        wrap.appendChild(label);
        wrap.appendChild(previewInput(field, lang));
      }
      var help = text(field.help, lang);
      if (help) { wrap.appendChild(el("p", { "class": "meta" }, help)); }
      body.appendChild(wrap);
    });
    var decisions = parseDecisions($("fb-decisions").value);
    if (decisions.length) {
      var set = el("fieldset", { "class": "field" });
      set.appendChild(el("legend", {}, root.getAttribute(lang === "en" ? "data-decision-label-en" : "data-decision-label")));
      decisions.forEach(function (d) {
        var label = el("label", { "class": "radio" });
        label.appendChild(el("input", { type: "radio", name: "preview-decision", value: d.value }));
        label.appendChild(document.createTextNode(" " + text(d.label, lang)));
        set.appendChild(label);
      });
      body.appendChild(set);
      var comment = el("div", { "class": "field" });
      comment.appendChild(el("label", {}, root.getAttribute(lang === "en" ? "data-comment-label-en" : "data-comment-label")));
      comment.appendChild(el("textarea", { rows: "2", name: "preview-comment" }));
      body.appendChild(comment);
    }
  }

  // ---- save and publish ------------------------------------------------------------------------
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: String(response.status) }; });
    });
  }

  function showProblems(problems) {
    var list = $("fb-problems");
    list.textContent = "";
    (problems || []).forEach(function (problem) { list.appendChild(el("li", {}, problem)); });
    $("fb-problems-card").hidden = !(problems && problems.length);
  }

  function save() {
    var code = $("fb-code").value.trim();
    return post(setup.urls.save, { code: code, create: isNew, title_zh: $("fb-title-zh").value,
                                   title_en: $("fb-title-en").value, schema: schema() })
      .then(function (answer) {
        showProblems(answer.problems);
        status(answer.message, answer.ok ? "ok" : "error");
        if (answer.ok && isNew) {
          isNew = false;
          definition.code = code;
          $("fb-code").readOnly = true;
          setup.urls.publish = setup.urls.publish_pattern.replace("__code__", encodeURIComponent(code));
          window.history.replaceState(null, "", setup.urls.edit_pattern.replace("__code__", encodeURIComponent(code)));
        }
        return answer;
      });
  }

  $("fb-save").addEventListener("click", function () { save(); });
  $("fb-publish").addEventListener("click", function () {
    save().then(function (saved) {
      if (!saved.ok) { return; }
      post(setup.urls.publish, {}).then(function (answer) {
        showProblems(answer.problems);
        status(answer.message, answer.ok ? "ok published" : "error");
      });
    });
  });
  $("fb-add").addEventListener("click", function () {
    fields.push({ key: "", type: "text", label: { zh: "", en: "" }, required: false });
    render();
    var keys = $("fb-fields").querySelectorAll(".fb-key");
    if (keys.length) { keys[keys.length - 1].focus(); }
  });
  ["fb-title-zh", "fb-title-en", "fb-decisions"].forEach(function (id) { $(id).addEventListener("input", preview); });
  document.querySelectorAll("input[name=fb-lang]").forEach(function (radio) { radio.addEventListener("change", preview); });

  $("fb-code").value = definition.code;
  $("fb-title-zh").value = definition.title_zh;
  $("fb-title-en").value = definition.title_en;
  $("fb-decisions").value = decisionsText(definition.schema.decisions);
  render();
  root.setAttribute("data-ready", "1");
})();
