/* The person's registration form and the visit result, offline: checked with the server's rules
   (webapp/inbox/registration_forms.py, webapp/inbox/forms.py), then queued encrypted. */
(function () {
  "use strict";
  var A = self.OfflineApp, $ = function (id) { return document.getElementById(id); };
  var current = {task: null, member: null, photos: {}};

  function renderPerson(taskId, index) {
    var visit = A.visitById(taskId);
    var member = visit && visit.members[index];
    if (!member) { return A.renderHome(); }
    var form = $("registration-form");
    form.reset();
    A.clearErrors(form);
    $("person-error").hidden = true;
    form.dataset.task = taskId;
    current = {task: visit, member: member, photos: {}};
    document.querySelectorAll(".photo-preview").forEach(function (img) { img.hidden = true; img.removeAttribute("src"); });
    var base = {name: member.name, id_number: member.id_number, sex: member.sex, birth_date: member.birth_date,
                relation_to_head: member.relation_to_head, hukou_address: member.hukou_address || visit.address,
                household_type: visit.household_type || "agricultural", person_id: String(member.person_id)};
    var prior = visit.forms.filter(function (f) { return f.id_number === member.id_number; })[0];
    A.fill(form, base);
    if (prior) { A.fill(form, prior.data); }
    var entry = A.latestEntry("form", taskId, member.id_number);
    if (entry) { A.fill(form, entry.body.data); }
    form.elements.id_number.readOnly = true;  // a listed person's number changes only through a change case
    A.show("person");
  }

  /* The server's checks, in the same order and words. */
  function validatePerson(form, data, member) {
    var errors = {};
    function add(name, message) { (errors[name] = errors[name] || []).push(message); }
    if (!data.name) { add("name", A.T("required")); }
    var id = IdCheck.normalizeId(data.id_number);
    if (!data.id_number) { add("id_number", A.T("required")); } else if (!id.ok) {
      add("id_number", A.T("idBad", {problem: id.errors.map(function (e) { return e.message; }).join("；")}));
    } else {
      data.id_number = id.canonical;
      data.birth_date = id.canonical.slice(6, 10) + "-" + id.canonical.slice(10, 12) + "-" + id.canonical.slice(12, 14);
      var derived = parseInt(id.canonical.charAt(16), 10) % 2 ? "M" : "F";
      if (!data.sex) { data.sex = derived; } else if (data.sex !== derived && !data.sex_confirmed) {
        add("sex", A.T("sex", {sex: derived === "M" ? A.T("male") : A.T("female")}));
      }
      if (member && id.canonical !== member.id_number) { add("id_number", A.T("idOther")); }
    }
    if (data.phone && !/^[0-9\-+ ]{5,20}$/.test(data.phone)) { add("phone", A.T("phone")); }
    if (data.pension_scheme && !data.pension_where) { add("pension_where", A.T("pensionWhere")); }
    if (!data.pension_scheme && !data.medical_scheme && !data.uninsured_reason && data.status === "normal") {
      add("uninsured_reason", A.T("uninsured"));
    }
    if (!data.outcome_code) { add("outcome_code", A.T("required")); }
    if (!data.signature) { add("signature", A.T("required")); }
    return errors;
  }

  function enqueue(item) {
    item.id = item.body.key;
    item.seq = Date.now() + Math.random();
    item.state = "pending";
    item.body.entered_at = new Date().toISOString();
    return OfflineSync.save(A.S.key, item);
  }

  function dropPending(kind, taskId, idNumber, photoKind) {
    // A form saved again before it was sent replaces the unsent one (one form per person).
    var gone = A.S.items.filter(function (i) {
      return i.state === "pending" && i.kind === kind && i.task_id === taskId && i.body.id_number === idNumber &&
        (!photoKind || i.body.photo_kind === photoKind);
    });
    return Promise.all(gone.map(function (i) { return Vault.remove("queue", i.id); }));
  }

  $("registration-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, visit = current.task, member = current.member;
    A.clearErrors(form);
    var data = A.collect(form);
    var errors = validatePerson(form, data, member);
    if (Object.keys(errors).length) {
      Object.keys(errors).forEach(function (name) { errors[name].forEach(function (m) { A.markError(form, name, m); }); });
      var first = form.querySelector(".error.client");
      if (first) { first.scrollIntoView(); }
      return;
    }
    var work = Promise.resolve();
    Object.keys(current.photos).forEach(function (photoKind) {
      var blob = current.photos[photoKind];
      work = work.then(function () { return dropPending("photo", visit.task_id, data.id_number, photoKind); })
        .then(function () { return blob.arrayBuffer(); })
        .then(function (bytes) { return Vault.encryptBytes(A.S.key, bytes); })
        .then(function (box) {
          return enqueue({kind: "photo", task_id: visit.task_id, blobBox: box,
                          body: {key: OfflineSync.newKey(), id_number: data.id_number, photo_kind: photoKind,
                                 label: data.name + " · " + document.querySelector('label[for="photo-' + photoKind + '"]').textContent}});
        });
    });
    work.then(function () { return dropPending("form", visit.task_id, data.id_number); })
      .then(function () {
        return enqueue({kind: "form", task_id: visit.task_id,
                        body: {key: OfflineSync.newKey(), version: visit.version, id_number: data.id_number,
                               label: data.name, data: data}});
      })
      .then(A.refresh)
      .then(function () { location.hash = "visit/" + visit.task_id; return A.trySync(); });
  });

  document.querySelectorAll("#photos input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0], field = input.closest(".field");
      var error = field.querySelector("p.error"), preview = field.querySelector(".photo-preview");
      error.hidden = true;
      if (!file) { return; }
      OfflinePhotos.compress(file).then(function (result) {
        current.photos[input.dataset.kind] = result.blob;
        preview.dataset.size = result.blob.size;
        preview.src = result.preview;
        preview.hidden = false;
      }, function () {
        error.textContent = A.T("photoBad");
        error.hidden = false;
        input.value = "";
      });
    });
  });

  $("finish-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, taskId = parseInt(form.dataset.task, 10), visit = A.visitById(taskId);
    var data = {}, box = $("finish-error"), raw = A.collect(form);
    Object.keys(raw).forEach(function (name) { data[name.replace(/^visit-/, "")] = raw[name]; });
    box.hidden = true;
    var problem = null;
    if (!data.visit_result || !data.visit_date) { problem = A.T("required"); } else if (data.visit_result === "completed") {
      var missing = visit.members.filter(function (m) {
        var prior = visit.forms.some(function (f) { return f.id_number === m.id_number; });
        var entry = A.latestEntry("form", taskId, m.id_number);
        return !prior && !(entry && entry.state !== "refused");
      }).map(function (m) { return m.name; });
      if (missing.length) { problem = A.T("missing", {names: missing.join("、")}); }
    }
    if (problem) { box.textContent = problem; box.hidden = false; return; }
    dropPending("visit", taskId, undefined).then(function () {
      return enqueue({kind: "visit", task_id: taskId,
                      body: {key: OfflineSync.newKey(), version: visit.version, label: visit.title, data: data}});
    }).then(A.refresh).then(A.trySync);
  });

  self.OfflineForms = {renderPerson: renderPerson, validatePerson: validatePerson, enqueue: enqueue};
})();
