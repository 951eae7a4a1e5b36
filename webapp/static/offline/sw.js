/* The offline app's service worker (hand-written, no library): the app shell and its static
   files are cached so the app opens without a connection; the JSON API always goes to the
   network (the phone's data lives encrypted in IndexedDB, never in this cache). */
"use strict";
var CACHE = "offline-app-v3";
var SHELL = "/offline/";
var FILES = [SHELL, "/offline/manifest.webmanifest", "/static/app.css", "/static/app.js",
  "/static/offline/offline.css", "/static/offline/idcheck.js", "/static/offline/vault.js",
  "/static/offline/photos.js", "/static/offline/sync.js", "/static/offline/app.js", "/static/offline/forms.js",
  "/static/offline/survey.js", "/static/offline/icon-192.png", "/static/offline/icon-512.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(FILES.map(function (url) { return new Request(url, {credentials: "same-origin"}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/offline/api/") === 0 || url.pathname === "/offline/salt") { return; }
  if (url.pathname === SHELL) {
    // Network first (a fresh page and session when online), the cached shell when not; a
    // redirect to the log-in page is not cached as the shell.
    event.respondWith(fetch(event.request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(SHELL, copy); });
        return response;
      }
      return caches.match(SHELL).then(function (cached) { return cached || response; });
    }, function () { return caches.match(SHELL); }));
    return;
  }
  if (FILES.indexOf(url.pathname) >= 0) {
    // Static files: the network when it answers (stays current), the cache without one.
    event.respondWith(fetch(event.request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }, function () { return caches.match(url.pathname); }));
  }
});
