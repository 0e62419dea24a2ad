/* Service worker of the inspector app: keeps the app shell for offline use. The API is never cached. */
"use strict";
var CACHE = "cityops-inspector-v1";
var SHELL = [
  "/m/", "/m/report/",
  "/static/cityops/inspector/app.js", "/static/cityops/inspector/app.css",
  "/static/cityops/inspector/icon.svg", "/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css"
];

self.addEventListener("install", function (event) {
  // Each entry on its own: one missing file must not leave the whole shell uncached.
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (resp) {
        if (resp.ok && !resp.redirected) return cache.put(url, resp);
      }).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  // Only GETs of our own pages and static files; the API goes straight to the network (the page queues reports).
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate" && url.pathname.indexOf("/m/") === 0) {
    // Pages: the network first (fresh tasks and tokens), the cached shell when offline.
    event.respondWith(fetch(request).then(function (resp) {
      if (resp.ok && !resp.redirected) {
        var copy = resp.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return resp;
    }).catch(function () {
      return caches.match(url.pathname).then(function (hit) { return hit || caches.match("/m/"); });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (resp) {
        if (resp.ok) { var copy = resp.clone(); caches.open(CACHE).then(function (c) { c.put(request, copy); }); }
        return resp;
      });
    }));
  }
});
