// Draws every .bpmn-canvas with the vendored bpmn-js viewer, then adds its markers and overlays.
// data-xml-url: the BPMN file; data-markers: {element id: css class}; data-overlays: {element id:
// {open, overdue}} (heatmap badges). No inline code: the page runs under script-src 'self'.
(function () {
  "use strict";

  function readJson(element, name) {
    try {
      return JSON.parse(element.getAttribute(name) || "{}");
    } catch (err) {
      return {};
    }
  }

  function badge(container, counts) {
    var box = document.createElement("div");
    box.className = "heat-badge" + (counts.overdue ? " heat-late" : "");
    var open = document.createElement("span");
    open.className = "heat-open";
    open.textContent = container.getAttribute("data-label-open") + " " + counts.open;
    box.appendChild(open);
    if (counts.overdue) {
      var late = document.createElement("span");
      late.className = "heat-overdue";
      late.textContent = container.getAttribute("data-label-overdue") + " " + counts.overdue;
      box.appendChild(late);
    }
    return box;
  }

  function decorate(viewer, container) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var markers = readJson(container, "data-markers");
    Object.keys(markers).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, markers[id]);
      }
    });
    var counts = readJson(container, "data-overlays");
    Object.keys(counts).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, counts[id].overdue ? "heat-late" : "heat-open");
        overlays.add(id, "heatmap", { position: { top: -14, right: 10 }, html: badge(container, counts[id]) });
      }
    });
  }

  function draw(container) {
    var viewer = new window.BpmnViewer({ container: container });
    fetch(container.getAttribute("data-xml-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        decorate(viewer, container);
        container.setAttribute("data-drawn", "1");
      })
      .catch(function () {
        var message = document.createElement("p");
        message.className = "error";
        message.textContent = container.getAttribute("data-error");
        container.appendChild(message);
        container.setAttribute("data-drawn", "error");
      });
  }

  function start() {
    if (!window.BpmnViewer) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll(".bpmn-canvas[data-xml-url]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
