/* The phone's encrypted store: a tiny IndexedDB wrapper and AES-GCM under a key derived from the
   password (PBKDF2-SHA256, the server's per-user salt). Only ids, order and states are plain;
   every household, person, form and photo is encrypted. The key never leaves the browser: it is
   kept in this tab's sessionStorage (gone when the app is closed) and asked for again on reopening. */
(function (root) {
  "use strict";
  var DB_NAME = "offline-visits";
  var SESSION_KEY = "offline-key";
  var enc = new TextEncoder(), dec = new TextDecoder();

  function hexBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }
  function toB64(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s);
  }
  function fromB64(text) {
    var s = atob(text), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { out[i] = s.charCodeAt(i); }
    return out;
  }

  function deriveKey(password, saltHex, iterations) {
    return crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveKey"])
      .then(function (base) {
        return crypto.subtle.deriveKey({name: "PBKDF2", hash: "SHA-256", salt: hexBytes(saltHex), iterations: iterations},
          base, {name: "AES-GCM", length: 256}, true, ["encrypt", "decrypt"]);
      });
  }
  function keepSessionKey(key) {
    return crypto.subtle.exportKey("raw", key).then(function (raw) {
      sessionStorage.setItem(SESSION_KEY, toB64(raw));
      return key;
    });
  }
  function sessionKey() {
    var stored = sessionStorage.getItem(SESSION_KEY);
    if (!stored) { return Promise.resolve(null); }
    return crypto.subtle.importKey("raw", fromB64(stored), {name: "AES-GCM"}, true, ["encrypt", "decrypt"])
      .catch(function () { return null; });
  }
  function forgetSessionKey() { sessionStorage.removeItem(SESSION_KEY); }

  function encryptBytes(key, bytes) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.encrypt({name: "AES-GCM", iv: iv}, key, bytes)
      .then(function (ct) { return {iv: iv, ct: ct}; });
  }
  function decryptBytes(key, box) { return crypto.subtle.decrypt({name: "AES-GCM", iv: box.iv}, key, box.ct); }
  function encrypt(key, value) { return encryptBytes(key, enc.encode(JSON.stringify(value))); }
  function decrypt(key, box) {
    return decryptBytes(key, box).then(function (plain) { return JSON.parse(dec.decode(plain)); });
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("meta");
        db.createObjectStore("vault");
        db.createObjectStore("queue", {keyPath: "id"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode), result;
        var request = work(tx.objectStore(store));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function get(store, key) { return run(store, "readonly", function (s) { return s.get(key); }); }
  function put(store, value, key) {
    return run(store, "readwrite", function (s) { return key === undefined ? s.put(value) : s.put(value, key); });
  }
  function remove(store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); }
  function all(store) { return run(store, "readonly", function (s) { return s.getAll(); }); }
  function wipe() {
    forgetSessionKey();
    return new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  root.Vault = {deriveKey: deriveKey, keepSessionKey: keepSessionKey, sessionKey: sessionKey,
                forgetSessionKey: forgetSessionKey, encrypt: encrypt, decrypt: decrypt,
                encryptBytes: encryptBytes, decryptBytes: decryptBytes,
                get: get, put: put, remove: remove, all: all, wipe: wipe};
})(self);
