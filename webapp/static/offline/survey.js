/* The periodic village survey offline (定期调查): the downloaded household list, each household
   confirmed unchanged or a member's change raised, then the survey finished; every step queued
   encrypted and synced like the visit's entries (sync.js), checked again by the server. */
(function () {
  "use strict";
  var A = self.OfflineApp, $ = function (id) { return document.getElementById(id); };
  var current = {task: null, household: null, member: null};

  function surveys() { return (A.S.pkg && A.S.pkg.surveys) || []; }
  function surveyById(taskId) { return surveys().filter(function (s) { return s.task_id === taskId; })[0]; }

  /* The newest queued entry about one household of a survey (a confirmation or a change). */
  function householdEntry(taskId, householdId) {
    var found = null;
    A.S.items.forEach(function (i) {
      if (i.task_id === taskId && (i.kind === "survey_confirm" || i.kind === "survey_change") &&
          i.body.household_id === householdId) { found = i; }
    });
    return found;
  }
  function householdDone(taskId, household) {
    var entry = householdEntry(taskId, household.household_id);
    if (entry) { return entry.state === "pending" || entry.state === "done"; }
    return household.outcome !== "pending";
  }
  function badge(taskId, household) {
    var entry = householdEntry(taskId, household.household_id);
    if (entry) {
      var text = (entry.kind === "survey_change" ? A.T("changesRaised") : A.T("confirmed")) + " · " + A.T(entry.state);
      var span = A.el("span", text, "state " + entry.state);
      span.dataset.state = entry.state;
      return span;
    }
    var names = {pending: A.T("surveyPending"), confirmed: A.T("confirmed"), changes_raised: A.T("changesRaised")};
    var plain = A.el("span", names[household.outcome] || "", "state" + (household.outcome === "pending" ? "" : " done"));
    plain.dataset.state = household.outcome;
    return plain;
  }

  function renderList() {
    var list = $("surveys");
    list.textContent = "";
    if (!surveys().length) { list.appendChild(A.el("li", A.T("noSurveys"), "empty")); }
    surveys().forEach(function (s) {
      var li = A.el("li"), row = A.el("div", null, "row"), link = A.el("a", s.title);
      link.href = "#survey/" + s.task_id;
      link.className = "survey-link";
      row.appendChild(link);
      var left = s.households.filter(function (h) { return !householdDone(s.task_id, h); }).length;
      row.appendChild(A.el("span", A.T("surveyLeft", {n: left}), "state"));
      li.appendChild(row);
      list.appendChild(li);
    });
  }

  function renderSurvey(taskId) {
    var survey = surveyById(taskId);
    if (!survey) { return A.renderHome(); }
    $("survey-title").textContent = survey.title;
    var list = $("survey-households");
    list.textContent = "";
    survey.households.forEach(function (h, hIndex) {
      var li = A.el("li"), row = A.el("div", null, "row");
      li.dataset.householdId = h.household_id;
      row.appendChild(A.el("strong", h.household_number + " · " + h.head_name));
      row.appendChild(badge(taskId, h));
      li.appendChild(row);
      li.appendChild(A.el("p", h.address, "muted"));
      var members = A.el("ul", null, "members");
      h.members.forEach(function (m, mIndex) {
        var item = A.el("li", null, "row"), change = A.el("a", A.T("raiseChange"), "button");
        item.dataset.personId = m.person_id;
        item.appendChild(A.el("span", m.name + " · " + (m.insured ? A.T("insured") : A.T("notInsured"))));
        change.href = "#change/" + taskId + "/" + hIndex + "/" + mIndex;
        item.appendChild(change);
        members.appendChild(item);
      });
      li.appendChild(members);
      if (!householdDone(taskId, h)) {
        var confirm = A.el("button", A.T("unchanged"), "primary confirm");
        confirm.type = "button";
        confirm.addEventListener("click", function () { confirmHousehold(survey, h); });
        li.appendChild(confirm);
      }
      list.appendChild(li);
    });
    var finish = latestDone(taskId);
    $("survey-done-form").dataset.task = taskId;
    $("survey-error").hidden = true;
    $("survey-state").textContent = finish ? A.T(finish.state) + (finish.body.result ? " · " + finish.body.result.message : "") : "";
    A.show("survey");
  }

  function latestDone(taskId) {
    var found = null;
    A.S.items.forEach(function (i) { if (i.kind === "survey_done" && i.task_id === taskId) { found = i; } });
    return found;
  }

  function queue(kind, survey, body) {
    body.key = OfflineSync.newKey();
    body.version = survey.version;
    return OfflineForms.enqueue({kind: kind, task_id: survey.task_id, body: body}).then(A.refresh);
  }

  function confirmHousehold(survey, household) {
    queue("survey_confirm", survey, {household_id: household.household_id,
                                     label: household.household_number + " · " + A.T("confirmed"),
                                     data: {household_id: household.household_id}})
      .then(function () { location.hash = "survey/" + survey.task_id; return A.trySync(); });
  }

  function renderChange(taskId, hIndex, mIndex) {
    var survey = surveyById(taskId), household = survey && survey.households[hIndex];
    var member = household && household.members[mIndex];
    if (!member) { return A.renderHome(); }
    current = {task: survey, household: household, member: member};
    var form = $("change-form");
    form.reset();
    A.clearErrors(form);
    $("change-person").textContent = household.household_number + " · " + member.name;
    A.show("survey-change");
  }

  $("change-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, data = A.collect(form), member = current.member, household = current.household;
    A.clearErrors(form);
    var kind = data["change-kind"], field = kind === "correction" || kind === "scheme" ? data["change-field"] : "status";
    var bad = false;
    if (!data["change-reason"]) { A.markError(form, "change-reason", A.T("required")); bad = true; }
    if (kind === "correction" && (!data["change-field"] || !data["change-text_value"])) {
      A.markError(form, "change-text_value", A.T("required"));
      bad = true;
    }
    if (bad) { return; }
    data.household_id = household.household_id;
    data.person_id = member.person_id;
    // What the phone showed: the server refuses to overwrite a value that changed since.
    data.seen_value = member.values[field] !== undefined ? member.values[field] : null;
    queue("survey_change", current.task, {household_id: household.household_id, label: member.name + " · " +
                                           form.elements["change-kind"].selectedOptions[0].textContent, data: data})
      .then(function () { location.hash = "survey/" + current.task.task_id; return A.trySync(); });
  });

  $("survey-done-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, taskId = parseInt(form.dataset.task, 10), survey = surveyById(taskId);
    var left = survey.households.filter(function (h) { return !householdDone(taskId, h); });
    var box = $("survey-error");
    if (left.length) {
      box.textContent = A.T("surveyMissing", {n: left.length});
      box.hidden = false;
      return;
    }
    queue("survey_done", survey, {label: survey.title, data: A.collect(form)}).then(A.trySync);
  });
  $("back-survey").addEventListener("click", function (e) {
    e.preventDefault();
    location.hash = "survey/" + current.task.task_id;
  });
  $("back-home-survey").addEventListener("click", function (e) { e.preventDefault(); location.hash = ""; });

  self.OfflineSurvey = {renderList: renderList, renderSurvey: renderSurvey, renderChange: renderChange};
})();
