/* Inspector app (城管通): plain JS, no framework. Pages: home (grids, tasks), report (offline queue), task. */
(function () {
  "use strict";
  var body = document.body;
  var API = body.dataset.api;
  var DB_NAME = "cityops-inspector";
  var STORE = "reports";
  var PING_EVERY_MS = 60000;
  var MAX_SIDE = 1600;
  var MAX_PHOTOS = 6;

  // --- helpers ------------------------------------------------------------------------------------------
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function api(path, options) {
    options = options || {};
    var headers = Object.assign({ "X-CSRFToken": csrfToken(), Accept: "application/json" }, options.headers || {});
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.json);
    }
    return fetch(API + path, { method: options.method || "GET", headers: headers, body: options.body,
                               credentials: "same-origin" });
  }
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function makeMap(id, center, zoom) {
    var node = document.getElementById(id);
    if (!node || !window.L) return null;
    var map = L.map(node, { zoomControl: true }).setView(center || [30.66, 104.06], zoom || 15);
    if (body.dataset.tiles) L.tileLayer(body.dataset.tiles, { maxZoom: 19 }).addTo(map);
    return map;
  }

  // --- network state --------------------------------------------------------------------------------------
  function showNet() {
    var net = document.getElementById("net");
    if (!net) return;
    net.textContent = navigator.onLine ? net.dataset.online : net.dataset.offline;
    net.className = "net " + (navigator.onLine ? "on" : "off");
  }

  // --- the offline queue (IndexedDB) ----------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  function queuePut(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function queueDelete(key) { return tx("readwrite", function (s) { return s.delete(key); }); }
  function queueAll() { return tx("readonly", function (s) { return s.getAll(); }); }

  function showQueue(sentNumber) {
    var bar = document.getElementById("queue-bar");
    if (!bar) return Promise.resolve();
    return queueAll().then(function (items) {
      bar.dataset.count = String(items.length);
      if (items.length) {
        bar.textContent = fmt(bar.dataset.label, { n: items.length });
        bar.hidden = false;
      } else if (sentNumber) {
        bar.textContent = fmt(bar.dataset.sent, { number: sentNumber });
        bar.hidden = false;
      } else {
        bar.hidden = true;
      }
    });
  }

  var flushing = false;
  // Send every queued report; each keeps its idempotency key, so a resend never makes a second case.
  function flushQueue() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    var last = null;
    return queueAll().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          return sendReport(item).then(function (outcome) {
            if (outcome.done) { last = outcome.number || last; return queueDelete(item.key); }
            if (outcome.error) { item.error = outcome.error; return queuePut(item); }
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* offline again: the next trigger retries */ })
      .then(function () { flushing = false; return showQueue(last); });
  }

  // done: the server answered for good (created, already there, or refused as bad input); else retry later.
  function sendReport(item) {
    return api("/reports", { method: "POST", json: item.payload, headers: { "Idempotency-Key": item.key } })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          if (resp.status === 200 || resp.status === 201) return { done: true, number: data.number };
          if (resp.status === 422 || resp.status === 413 || resp.status === 415) return { done: false, error: data.detail };
          return { done: false };
        });
      }, function () { return { done: false }; });
  }

  // --- on-duty position pings -----------------------------------------------------------------------------
  var pingTimer = null;
  function ping() {
    if (!navigator.geolocation || !navigator.onLine) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      api("/pings", { method: "POST", json: { lon: pos.coords.longitude, lat: pos.coords.latitude,
                                               accuracy: pos.coords.accuracy } }).catch(function () {});
    }, function () {}, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
  }
  function setDuty(on) {
    localStorage.setItem("cityops.onDuty", on ? "1" : "");
    if (pingTimer) { clearInterval(pingTimer); pingTimer = null; }
    if (on) { ping(); pingTimer = setInterval(ping, PING_EVERY_MS); }
  }
  function initDuty() {
    var box = document.getElementById("on-duty");
    if (!box) return;
    box.checked = !!localStorage.getItem("cityops.onDuty");
    box.addEventListener("change", function () { setDuty(box.checked); });
    if (box.checked) setDuty(true);
  }

  // --- home ---------------------------------------------------------------------------------------------------
  function initHome() {
    var map = makeMap("grid-map");
    if (map) {
      api("/grids").then(function (r) { return r.ok ? r.json() : null; }).then(function (fc) {
        if (!fc || !fc.features.length) return;
        var layer = L.geoJSON(fc, {
          style: function (f) { return f.properties.mine ? { color: "#1565c0", weight: 3 } : { color: "#999", weight: 1 }; },
          onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); }
        }).addTo(map);
        var mine = fc.features.filter(function (f) { return f.properties.mine; });
        map.fitBounds(mine.length ? L.geoJSON({ type: "FeatureCollection", features: mine }).getBounds() : layer.getBounds());
      }).catch(function () {});
    }
    var list = document.getElementById("tasks");
    api("/tasks").then(function (r) { if (!r.ok) throw new Error(); return r.json(); }).then(function (tasks) {
      list.textContent = "";
      if (!tasks.length) { list.appendChild(el("li", { "class": "empty" }, list.dataset.empty)); return; }
      tasks.forEach(function (t) {
        var li = el("li", { "class": t.is_overdue ? "overdue" : "" });
        var a = el("a", { href: "/m/tasks/" + encodeURIComponent(t.number) + "/" });
        a.appendChild(el("strong", {}, (t.state === "verifying" ? list.dataset.verify : list.dataset.check) + " · " + t.number));
        a.appendChild(el("span", {}, " " + t.class_name));
        if (t.due_at) {
          a.appendChild(el("small", {}, " " + (t.is_overdue ? list.dataset.overdue : list.dataset.due) + " " +
                                             new Date(t.due_at).toLocaleString()));
        }
        li.appendChild(a);
        list.appendChild(li);
      });
    }).catch(function () { list.textContent = list.dataset.failed; });
  }

  // --- task ---------------------------------------------------------------------------------------------------
  function initTask() {
    var node = document.getElementById("task-map");
    if (!node) return;
    var at = [parseFloat(node.dataset.lat), parseFloat(node.dataset.lon)];
    var map = makeMap("task-map", at, 17);
    if (map) L.marker(at).addTo(map);
  }

  // --- report -------------------------------------------------------------------------------------------------
  function compress(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("image")); };
      img.src = url;
    });
  }

  function initReport() {
    var form = document.getElementById("report");
    var status = document.getElementById("report-status");
    var lonInput = document.getElementById("lon"), latInput = document.getElementById("lat");
    var photos = [];
    var map = makeMap("report-map", null, 16);
    var marker = null;

    function place(lat, lon, pan) {
      lonInput.value = lon.toFixed(6);
      latInput.value = lat.toFixed(6);
      document.getElementById("position-text").textContent = lat.toFixed(5) + ", " + lon.toFixed(5);
      if (map) {
        if (!marker) marker = L.marker([lat, lon]).addTo(map); else marker.setLatLng([lat, lon]);
        if (pan) map.setView([lat, lon], Math.max(map.getZoom(), 16));
      }
      loadClasses();
      loadComponents();
    }
    if (map) map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });
    if (map) {
      // Without GPS the map starts on the inspector's grids.
      api("/grids").then(function (r) { return r.ok ? r.json() : null; }).then(function (fc) {
        if (fc && fc.features.length && !lonInput.value) {
          var layer = L.geoJSON(fc, { style: { color: "#1565c0", weight: 1, fill: false }, interactive: false }).addTo(map);
          map.fitBounds(layer.getBounds());
        }
      }).catch(function () {});
    }
    if (navigator.geolocation) {
      status.textContent = form.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        status.textContent = "";
        if (!lonInput.value) place(pos.coords.latitude, pos.coords.longitude, true);
      }, function () { status.textContent = form.dataset.nogps; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    } else {
      status.textContent = form.dataset.nogps;
    }

    // The class picker: recent, nearby, then search. Offline it keeps the last list it had.
    var search = document.getElementById("class-search"), list = document.getElementById("class-list");
    var chosen = document.getElementById("class-chosen"), classInput = document.getElementById("catalog_class");
    var timer = null;
    function loadClasses() {
      var params = new URLSearchParams({ q: search.value.trim() });
      if (lonInput.value) { params.set("lon", lonInput.value); params.set("lat", latInput.value); }
      api("/classes?" + params.toString()).then(function (r) { if (!r.ok) throw new Error(); return r.json(); })
        .then(function (rows) {
          localStorage.setItem("cityops.classes", JSON.stringify(rows.slice(0, 30)));
          drawClasses(rows);
        }).catch(function () { drawClasses(JSON.parse(localStorage.getItem("cityops.classes") || "[]"), true); });
    }
    function drawClasses(rows, offline) {
      var q = search.value.trim().toLowerCase();
      if (offline && q) rows = rows.filter(function (c) { return (c.name + c.code + c.name_en).toLowerCase().indexOf(q) >= 0; });
      list.textContent = "";
      rows.slice(0, 12).forEach(function (c) {
        var li = el("li");
        var b = el("button", { type: "button", "data-ref": c.ref }, c.code + " " + c.name);
        if (c.group === "recent" || c.group === "nearby") b.appendChild(el("em", {}, " " + list.dataset[c.group]));
        b.addEventListener("click", function () {
          classInput.value = c.ref;
          chosen.textContent = c.code + " " + c.name;
          list.querySelectorAll("button").forEach(function (x) { x.classList.toggle("on", x === b); });
        });
        li.appendChild(b);
        list.appendChild(li);
      });
    }
    search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(loadClasses, 250); });
    loadClasses();

    var componentSelect = document.getElementById("component");
    function loadComponents() {
      if (!lonInput.value || !navigator.onLine) return;
      api("/components?lon=" + lonInput.value + "&lat=" + latInput.value)
        .then(function (r) { return r.ok ? r.json() : []; }).then(function (rows) {
          componentSelect.length = 1;
          rows.forEach(function (c) {
            componentSelect.appendChild(el("option", { value: c.ident }, c.class_name + " " + (c.name || c.ident) +
                                                                      " · " + Math.round(c.distance_m) + " m"));
          });
        }).catch(function () {});
    }

    var fileInput = document.getElementById("photos"), thumbs = document.getElementById("thumbs");
    fileInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(fileInput.files);
      if (photos.length + files.length > MAX_PHOTOS) status.textContent = form.dataset.tooMany;
      files = files.slice(0, Math.max(0, MAX_PHOTOS - photos.length));
      Promise.all(files.map(compress)).then(function (urls) {
        urls.forEach(function (u) { photos.push(u); thumbs.appendChild(el("img", { src: u, alt: "" })); });
        fileInput.value = "";
      }).catch(function () {});
    });

    var selfHandled = document.getElementById("self_handled");
    selfHandled.addEventListener("change", function () { document.getElementById("result-box").hidden = !selfHandled.checked; });

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var description = document.getElementById("description").value.trim();
      if (!classInput.value || !lonInput.value || !description) { status.textContent = form.dataset.missing; return; }
      var item = {
        key: crypto.randomUUID(), created: new Date().toISOString(),
        payload: {
          catalog_class: classInput.value, description: description,
          lon: parseFloat(lonInput.value), lat: parseFloat(latInput.value),
          address: document.getElementById("address").value.trim(),
          component: componentSelect.value || null, self_handled: selfHandled.checked,
          result: document.getElementById("result").value.trim(), photos: photos.slice()
        }
      };
      // Store first, send second: a report survives a closed tab, a dead connection or a crash mid-request.
      queuePut(item).then(function () {
        form.reset(); photos = []; thumbs.textContent = ""; classInput.value = ""; chosen.textContent = "";
        status.textContent = navigator.onLine ? form.dataset.sending : form.dataset.queued;
        return showQueue();
      }).then(flushQueue).then(function () {
        return queueAll().then(function (items) {
          var mine = items.filter(function (i) { return i.key === item.key; })[0];
          if (!mine) status.textContent = "";
          else status.textContent = mine.error || form.dataset.queued;
        });
      });
    });
  }

  // --- start --------------------------------------------------------------------------------------------------
  function start() {
    showNet();
    window.addEventListener("online", function () { showNet(); flushQueue(); });
    window.addEventListener("offline", showNet);
    initDuty();
    var page = body.dataset.page;
    if (page === "home") initHome();
    if (page === "report") initReport();
    if (page === "task") initTask();
    showQueue().then(flushQueue);  // retry on load
    // A connection can come back without an `online` event (captive portals, flaky radio): retry now and then.
    setInterval(flushQueue, 30000);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(body.dataset.sw, { scope: "/m/" }).catch(function () {});
    }
  }
  window.cityopsInspector = { flushQueue: flushQueue, queueAll: queueAll, queuePut: queuePut };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
