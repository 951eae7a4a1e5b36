/* The offline visit app: unlock, 下载今日任务, visits and persons' forms filled without a
   connection, checked with the server's rules, queued encrypted, synced when online. */
(function () {
  "use strict";
  var S = {key: null, meta: null, pkg: null, items: [], photos: {}};
  var $ = function (id) { return document.getElementById(id); };
  var T = function (name, values) {
    var text = $("texts").dataset[name.replace(/-([a-z])/g, function (m, c) { return c.toUpperCase(); })] || "";
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  };
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function show(id) {
    ["unlock", "home", "visit", "person", "survey", "survey-change"].forEach(function (s) { $(s).hidden = s !== id; });
    window.scrollTo(0, 0);
  }
  function status(text) { $("net-status").textContent = text || ""; }

  function loadState() {
    return Vault.get("meta", "meta").then(function (meta) {
      S.meta = meta || null;
      if (!S.meta) { return null; }
      return Vault.get("vault", "package").then(function (box) { return box ? Vault.decrypt(S.key, box) : null; });
    }).then(function (pkg) {
      S.pkg = pkg;
      return OfflineSync.load(S.key);
    }).then(function (items) { S.items = items; });
  }

  function expired(meta) {
    if (!meta || !meta.downloaded_at) { return false; }
    return Date.now() - Date.parse(meta.downloaded_at) > meta.keep_days * 86400000;
  }

  function saltFor() {
    if (S.meta && S.meta.salt) { return Promise.resolve({salt: S.meta.salt, iterations: S.meta.iterations}); }
    return fetch("/offline/api/session", {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (s) { return fetch("/offline/salt?u=" + encodeURIComponent(s.username)); })
      .then(function (r) { return r.json(); });
  }

  function checkKey(key) {
    if (!S.meta || !S.meta.check) { return Promise.resolve(true); }
    return Vault.decrypt(key, S.meta.check).then(function () { return true; }, function () { return false; });
  }

  function start() {
    if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/offline/sw.js", {scope: "/offline/"}); }
    Vault.get("meta", "meta").then(function (meta) {
      if (expired(meta)) {
        return Vault.wipe().then(function () { status(T("expired")); return null; });
      }
      return meta;
    }).then(function (meta) {
      S.meta = meta || null;
      return Vault.sessionKey();
    }).then(function (key) {
      return key ? checkKey(key).then(function (ok) { return ok ? key : null; }) : null;
    }).then(function (key) {
      if (!key) { show("unlock"); return; }
      S.key = key;
      return loadState().then(route).then(trySync);
    });
  }

  $("unlock-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var password = $("unlock-password").value;
    // A store made earlier checks the password itself; for a new one the server checks it first.
    var verified = (S.meta && S.meta.check) ? Promise.resolve() : OfflineSync.session().then(function (session) {
      return fetch("/offline/api/unlock", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": session.csrf_token},
        body: JSON.stringify({password: password})}).then(function (r) { if (!r.ok) { throw new Error("wrong"); } });
    });
    verified.then(saltFor).then(function (s) { return Vault.deriveKey(password, s.salt, s.iterations); }).then(function (key) {
      return checkKey(key).then(function (ok) {
        if (!ok) { throw new Error("wrong"); }
        S.key = key;
        $("unlock-password").value = "";
        return Vault.keepSessionKey(key);
      });
    }).then(loadState).then(route).then(trySync, function () {
      var box = $("unlock-error");
      box.textContent = T("wrongPassword");
      box.hidden = false;
    });
  });

  function download() {
    if (!navigator.onLine) { $("download-status").textContent = T("needOnline"); return; }
    var salt;
    saltFor().then(function (s) { salt = s; return fetch("/offline/api/package", {credentials: "same-origin"}); })
      .then(function (r) { if (!r.ok) { throw r; } return r.json(); })
      .then(function (pkg) {
        return Promise.all([Vault.encrypt(S.key, pkg), Vault.encrypt(S.key, "ok")]).then(function (boxes) {
          S.meta = {downloaded_at: pkg.downloaded_at, keep_days: pkg.keep_days, salt: salt.salt,
                    iterations: salt.iterations, check: boxes[1]};
          return Vault.put("vault", boxes[0], "package").then(function () { return Vault.put("meta", S.meta, "meta"); });
        }).then(function () { S.pkg = pkg; });
      })
      .then(function () {
        $("download-status").textContent = T("downloaded", {n: S.pkg.visits.length}) +
          ((S.pkg.surveys || []).length ? " · " + T("surveysDownloaded", {n: S.pkg.surveys.length}) : "");
        route();
      }, function () { $("download-status").textContent = T("needOnline"); });
  }
  $("download").addEventListener("click", download);

  function visitById(taskId) {
    return ((S.pkg && S.pkg.visits) || []).filter(function (v) { return v.task_id === taskId; })[0];
  }
  function latestEntry(kind, taskId, idNumber) {
    var found = null;
    S.items.forEach(function (i) {
      if (i.kind === kind && i.task_id === taskId && (!idNumber || i.body.id_number === idNumber)) { found = i; }
    });
    return found;
  }
  function stateBadge(item) {
    var badge = el("span", T(item.state), "state " + item.state);
    badge.dataset.state = item.state;
    return badge;
  }
  function memberState(visit, member) {
    var entry = latestEntry("form", visit.task_id, member.id_number);
    if (entry) { return entry; }
    var prior = visit.forms.some(function (f) { return f.id_number === member.id_number; });
    return {state: prior ? "done" : "not-filled"};
  }

  function renderHome() {
    var list = $("visits");
    list.textContent = "";
    var visits = (S.pkg && S.pkg.visits) || [];
    if (!visits.length) { list.appendChild(el("li", T("noVisits"), "empty")); }
    visits.forEach(function (v) {
      var li = el("li"), row = el("div", null, "row");
      var link = el("a", v.title);
      link.href = "#visit/" + v.task_id;
      link.className = "visit-link";
      row.appendChild(link);
      var finish = latestEntry("visit", v.task_id);
      if (finish) { row.appendChild(stateBadge(finish)); }
      li.appendChild(row);
      li.appendChild(el("p", v.address, "muted"));
      list.appendChild(li);
    });
    if (self.OfflineSurvey) { OfflineSurvey.renderList(); }
    renderQueue();
    show("home");
  }

  function renderQueue() {
    var list = $("queue");
    // The list is drawn again as each entry syncs: a panel the assistant opened stays open.
    var opened = {};
    Array.prototype.forEach.call(list.querySelectorAll("li[data-id] details[open]"), function (d) {
      opened[d.closest("li").dataset.id] = true;
    });
    list.textContent = "";
    $("queue-count").textContent = OfflineSync.pending(S.items).length;
    S.items.slice().reverse().forEach(function (item) {
      if (item.kind === "photo" && item.state === "done") { return; }
      var li = el("li"), row = el("div", null, "row");
      li.dataset.kind = item.kind;
      li.dataset.state = item.state;
      li.dataset.id = item.id;
      row.appendChild(el("span", item.body.label));
      row.appendChild(stateBadge(item));
      li.appendChild(row);
      var result = item.body.result;
      if (result && item.state !== "done") { li.appendChild(el("p", result.message, "error")); }
      if (item.state === "conflict" || item.state === "refused") {
        var entered = enteredList(item.body.data);
        entered.open = !!opened[item.id];
        li.appendChild(entered);
      }
      list.appendChild(li);
    });
  }

  /* What the assistant entered, with the form's own labels, shown with a conflict or refusal. */
  function enteredList(data) {
    var details = el("details"), dl = el("dl", null, "entered");
    details.appendChild(el("summary", T("entered")));
    Object.keys(data || {}).forEach(function (name) {
      var value = data[name];
      if (value === "" || value === false || name === "person_id") { return; }
      var label = document.querySelector('label[for="' + name + '"]');
      var input = document.getElementById(name);
      if (input && input.tagName === "SELECT") {
        var option = Array.prototype.filter.call(input.options, function (o) { return o.value === value; })[0];
        if (option) { value = option.textContent; }
      }
      dl.appendChild(el("dt", label ? label.textContent : ""));
      dl.appendChild(el("dd", value === true ? "✓" : String(value)));
    });
    details.appendChild(dl);
    return details;
  }

  function renderVisit(taskId) {
    var visit = visitById(taskId);
    if (!visit) { return renderHome(); }
    $("visit-title").textContent = visit.title;
    $("visit-address").textContent = visit.address;
    var returns = $("visit-returns");
    returns.textContent = "";
    visit.returns.forEach(function (r) {
      returns.appendChild(el("li", (r.decision === "return" ? T("return") : T("notHome")) + "：" + r.comment));
    });
    var members = $("members");
    members.textContent = "";
    visit.members.forEach(function (m, index) {
      var li = el("li"), row = el("div", null, "row");
      li.dataset.idNumber = m.id_number;
      row.appendChild(el("span", m.name + " · " + m.relation_to_head));
      row.appendChild(stateBadge(memberState(visit, m)));
      var fill = el("a", T("fill"), "button");
      fill.href = "#person/" + taskId + "/" + index;
      row.appendChild(fill);
      li.appendChild(row);
      members.appendChild(li);
    });
    var form = $("finish-form");
    form.dataset.task = taskId;
    var finish = latestEntry("visit", taskId);
    $("finish-state").textContent = finish ? T(finish.state) + (finish.body.result ? " · " + finish.body.result.message : "") : "";
    var date = form.elements["visit-visit_date"];
    if (!date.value) { date.value = new Date().toISOString().slice(0, 10); }
    show("visit");
  }

  function collect(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.type === "file") { return; }
      if (input.type === "checkbox") { data[input.name] = input.checked; } else if (input.type === "radio") {
        if (input.checked) { data[input.name] = input.value; } else if (!(input.name in data)) { data[input.name] = ""; }
      } else { data[input.name] = input.value.trim(); }
    });
    return data;
  }
  function fill(form, data) {
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.type === "file" || !(input.name in data)) { return; }
      var value = data[input.name];
      if (input.type === "checkbox") { input.checked = value === true || value === "y"; } else { input.value = value === null ? "" : value; }
    });
  }
  function clearErrors(form) {
    form.querySelectorAll(".field p.error.client").forEach(function (p) { p.remove(); });
  }
  function markError(form, name, message) {
    var input = form.elements[name];
    if (input && input.length !== undefined && !input.tagName) { input = input[0]; }  // radio group
    var field = input && input.closest(".field");
    if (!field) { return; }
    field.appendChild(el("p", message, "error client"));
  }

  self.OfflineApp = {S: S, T: T, el: el, show: show, collect: collect, fill: fill, clearErrors: clearErrors,
                       markError: markError, visitById: visitById, latestEntry: latestEntry, renderHome: renderHome,
                       renderQueue: renderQueue, renderVisit: renderVisit, route: route, trySync: trySync, status: status,
                       refresh: refresh};

  function route() {
    var parts = (location.hash || "").replace(/^#/, "").split("/");
    if (parts[0] === "visit") { return renderVisit(parseInt(parts[1], 10)); }
    if (parts[0] === "person") { return OfflineForms.renderPerson(parseInt(parts[1], 10), parseInt(parts[2], 10)); }
    if (parts[0] === "survey") { return OfflineSurvey.renderSurvey(parseInt(parts[1], 10)); }
    if (parts[0] === "change") {
      return OfflineSurvey.renderChange(parseInt(parts[1], 10), parseInt(parts[2], 10), parseInt(parts[3], 10));
    }
    return renderHome();
  }
  window.addEventListener("hashchange", function () { if (S.key) { route(); } });
  $("back-home").addEventListener("click", function (e) { e.preventDefault(); location.hash = ""; });
  $("back-visit").addEventListener("click", function (e) {
    e.preventDefault();
    location.hash = "visit/" + $("registration-form").dataset.task;
  });

  function refresh() { return OfflineSync.load(S.key).then(function (items) { S.items = items; route(); }); }
  function trySync() {
    if (!S.key) { return; }
    if (!navigator.onLine) { status(T("offline")); return; }
    status(T("syncing"));
    return OfflineSync.syncAll(S.key, function () {}).then(function (result) {
      status(result.ok ? T("syncDone") : (result.login ? T("loginNeeded") : T("offline")));
      return refresh();
    });
  }
  window.addEventListener("online", trySync);
  window.addEventListener("offline", function () { status(T("offline")); });
  $("sync-now").addEventListener("click", trySync);
  setInterval(function () { if (navigator.onLine && OfflineSync.pending(S.items).length) { trySync(); } }, 30000);

  document.addEventListener("DOMContentLoaded", start);
})();
