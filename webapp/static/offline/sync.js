/* The offline queue and its sync: each entry is sent once with its idempotency key; a retry
   (a lost answer, a second tab) gets the stored result and changes nothing on the server. */
(function (root) {
  "use strict";
  var running = null;
  var BATCH = 25;  // the server's limit per sync request (webapp/offline/routes.py)

  function newKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(16)), out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] + 256).toString(16).slice(1); }
    return out;
  }

  /* Store an entry: plain id/order/state, everything else encrypted (the photo bytes apart). */
  function save(key, item) {
    return Vault.encrypt(key, item.body).then(function (box) {
      var row = {id: item.id, seq: item.seq, kind: item.kind, task_id: item.task_id, state: item.state, box: box};
      if (item.blobBox) { row.blob = item.blobBox; }
      return Vault.put("queue", row);
    });
  }

  function load(key) {
    return Vault.all("queue").then(function (rows) {
      return Promise.all(rows.map(function (row) {
        return Vault.decrypt(key, row.box).then(function (body) {
          return {id: row.id, seq: row.seq, kind: row.kind, task_id: row.task_id, state: row.state,
                  body: body, blobBox: row.blob};
        });
      }));
    }).then(function (items) { return items.sort(function (a, b) { return a.seq - b.seq; }); });
  }

  function pending(items) { return items.filter(function (i) { return i.state === "pending"; }); }

  function post(url, csrf, body, json) {
    var headers = {"X-CSRFToken": csrf};
    if (json) { headers["Content-Type"] = "application/json"; }
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers,
                       body: json ? JSON.stringify(body) : body})
      .then(function (r) {
        if (r.status === 401) { throw {login: true}; }
        return r.json().then(function (answer) { return {status: r.status, answer: answer}; });
      });
  }

  function session() {
    return fetch("/offline/api/session", {credentials: "same-origin"}).then(function (r) {
      if (r.status === 401) { throw {login: true}; }
      return r.json();
    });
  }

  function sendPhoto(key, item, csrf) {
    return Vault.decryptBytes(key, item.blobBox).then(function (bytes) {
      var data = new FormData();
      data.append("key", item.body.key);
      data.append("task_id", item.task_id);
      data.append("id_number", item.body.id_number);
      data.append("kind", item.body.photo_kind);
      data.append("file", new Blob([bytes], {type: "image/jpeg"}), "photo.jpg");
      return post("/offline/api/photo", csrf, data, false);
    }).then(function (reply) { return [reply.answer || {}]; });
  }

  function sendBatch(batch, csrf, left) {
    var items = batch.map(function (item) {
      return {key: item.body.key, kind: item.kind, task_id: item.task_id, version: item.body.version,
              data: item.body.data, entered_at: item.body.entered_at};
    });
    return post("/offline/api/sync", csrf, {items: items, queue_length: left}, true)
      .then(function (reply) { return (reply.answer && reply.answer.results) || []; });
  }

  /* Photos first (one request each), then forms and visit results in order, BATCH a request;
     each entry is committed on its own by the server, so a cut connection loses nothing. */
  function rounds(todo) {
    var photos = todo.filter(function (i) { return i.kind === "photo"; });
    var rest = todo.filter(function (i) { return i.kind !== "photo"; });
    var out = photos.map(function (p) { return [p]; });
    for (var i = 0; i < rest.length; i += BATCH) { out.push(rest.slice(i, i + BATCH)); }
    return out;
  }

  /* Send every pending entry; stop at the first network failure (the rest waits). */
  function syncAll(key, onChange) {
    if (running) { return running; }
    running = session().then(function (session) {
      return load(key).then(function (items) {
        var todo = pending(items), groups = rounds(todo), g = 0, left = todo.length;
        function next() {
          if (g >= groups.length) { return null; }
          var group = groups[g++];
          var send = group[0].kind === "photo" ? sendPhoto(key, group[0], session.csrf_token)
            : sendBatch(group, session.csrf_token, left);
          return send.then(function (answers) {
            return Promise.all(answers.map(function (answer, n) {
              var item = group[n];
              item.state = answer.status === "done" ? "done" : (answer.status === "conflict" ? "conflict" : "refused");
              item.body.result = answer;
              if (item.kind === "photo" && item.state === "done") { item.blobBox = null; }  // the server has it now
              left -= 1;
              return save(key, item);
            })).then(function () { onChange(); return answers.length === group.length ? next() : null; });
          });
        }
        return next();
      }).then(function () {
        return load(key).then(function (items) {
          return post("/offline/api/report", session.csrf_token, {queue_length: pending(items).length}, true);
        });
      });
    }).then(function () { return {ok: true}; }, function (err) {
      return {ok: false, login: !!(err && err.login)};
    }).then(function (result) { running = null; onChange(); return result; });
    return running;
  }

  root.OfflineSync = {session: session, newKey: newKey, save: save, load: load, pending: pending, syncAll: syncAll};
})(self);
