/* Command one map (一张图): clustered open cases, regions coloured by load, inspectors and their tracks,
   components at close zoom, a case card whose actions post to the console's own action forms.
   Every layer is read from /api/v1/command/… for the current view and filters; the feed and the headline
   numbers are htmx partials polled by the page. No basemap unless CITYOPS_TILE_URL names one. */
(function () {
  "use strict";

  var STATE_COLOURS = {
    reported: "#e09f00", verifying: "#e09f00", accepted: "#3d7bd9", registered: "#3d7bd9",
    dispatched: "#0b8fcf", handled: "#7e57c2", checking: "#7e57c2", checked: "#7e57c2", suspended: "#78909c",
  };
  var OVERDUE = "#c62828";
  var RAMP = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603"];

  function $(id) { return document.getElementById(id); }

  function params(extra) {
    var form = $("command-filters");
    var query = new URLSearchParams();
    if (form) {
      new FormData(form).forEach(function (value, key) {
        if (key !== "screen" && value !== "") query.append(key, value);
      });
    }
    Object.keys(extra || {}).forEach(function (key) { query.set(key, extra[key]); });
    return query;
  }

  function status(text) { var el = $("command-status"); if (el) el.textContent = text || ""; }

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* One JSON layer: a newer request for the same layer makes an older answer irrelevant. */
  function loader(name) {
    var controller = null;
    return function (url, query) {
      if (controller) controller.abort();
      controller = new AbortController();
      return fetch(url + "?" + query.toString(), { credentials: "same-origin", signal: controller.signal,
                                                     headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) throw new Error(body.detail || response.statusText);
            return body;
          });
        })
        .catch(function (error) {
          if (error.name === "AbortError") return null;
          status(name + ": " + error.message);
          return null;
        });
    };
  }

  function init() {
    var el = $("command-map");
    if (!el || !window.L || el.dataset.ready) return;
    el.dataset.ready = "1";
    var cfg = JSON.parse($("command-config").textContent);
    var outline = JSON.parse($("command-outline").textContent);
    var map = L.map(el, { attributionControl: Boolean(el.dataset.tiles), minZoom: 3, maxZoom: 20,
                          preferCanvas: true });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 20, maxNativeZoom: 19 }).addTo(map);
    var outlines = L.geoJSON(outline, { style: { color: "#0b6bcb", weight: 2, fill: false }, interactive: false });
    // The view must be set before any vector layer joins the map (Leaflet measures the map when adding).
    var bounds = outlines.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
    else map.setView([30.66, 104.06], 12);
    outlines.addTo(map);

    var layers = {
      load: L.layerGroup().addTo(map), cases: L.layerGroup().addTo(map), components: L.layerGroup().addTo(map),
      inspectors: L.layerGroup().addTo(map), track: L.layerGroup().addTo(map),
    };
    var fetchers = { cases: loader("cases"), load: loader("load"), inspectors: loader("inspectors"),
                     components: loader("components"), track: loader("track") };
    var command = { map: map, cfg: cfg, layers: layers };
    window.cityopsCommand = command;  // for the browser test and the console

    function view() {
      var b = map.getBounds();
      var clamp = function (v, lo, hi) { return Math.min(Math.max(v, lo), hi); };
      var bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -85, 85), clamp(b.getEast(), -180, 180),
                  clamp(b.getNorth(), -85, 85)].map(function (v) { return v.toFixed(6); }).join(",");
      return { bbox: bbox, zoom: String(Math.round(map.getZoom())) };
    }

    function drawCases(data) {
      layers.cases.clearLayers();
      if (!data) return;
      data.clusters.forEach(function (c) {
        var size = Math.round(26 + 10 * Math.log10(c.count));
        var colour = STATE_COLOURS[c.dominant_state] || "#555";
        var icon = L.divIcon({
          className: "command-cluster" + (c.overdue ? " has-overdue" : ""), iconSize: [size, size],
          html: '<span style="background:' + colour + '">' + c.count + "</span>" +
                (c.overdue ? '<b class="od">' + c.overdue + "</b>" : ""),
        });
        var marker = L.marker([c.lat, c.lon], { icon: icon, keyboard: false });
        var states = Object.keys(c.states).map(function (s) { return s + " " + c.states[s]; }).join(" · ");
        marker.bindTooltip(c.count + " · " + states);
        marker.on("click", function () {
          var box = L.latLngBounds([c.bbox[1], c.bbox[0]], [c.bbox[3], c.bbox[2]]);
          if (box.getNorthEast().equals(box.getSouthWest())) map.setView(box.getCenter(), map.getZoom() + 2);
          else map.fitBounds(box.pad(0.2), { maxZoom: Math.max(map.getZoom() + 1, 1) });
        });
        layers.cases.addLayer(marker);
      });
      data.points.forEach(function (p) {
        var marker = L.circleMarker([p.lat, p.lon], {
          radius: 7, weight: p.overdue ? 3 : 1, color: p.overdue ? OVERDUE : "#333",
          fillColor: STATE_COLOURS[p.state] || "#555", fillOpacity: 0.9,
        });
        marker.bindTooltip(p.number + " · " + p["class"].name + " · " + p.state_label + (p.overdue ? " ⚠" : ""));
        marker.on("click", function () { openCard(p.number); });
        layers.cases.addLayer(marker);
      });
      status("");
      var summary = $("command-summary");
      if (summary) summary.textContent = data.total + " / " + data.overdue;
    }

    function refreshCases() {
      if (!$("command-layer-cases").checked) { layers.cases.clearLayers(); return Promise.resolve(); }
      var v = view();
      return fetchers.cases(cfg.clusters, params(v)).then(function (data) {
        if (data) { drawCases(data); $("command-filter-error").textContent = ""; el.dataset.loaded = "1"; }
      });
    }

    function refreshLoad() {
      var metric = $("command-load").value;
      if (!metric) { layers.load.clearLayers(); return; }
      var v = view();
      fetchers.load(cfg.load, params(v)).then(function (data) {
        layers.load.clearLayers();
        if (!data) return;
        var max = data["max_" + metric] || 0;
        layers.load.addLayer(L.geoJSON(data, {
          style: function (f) {
            var value = f.properties[metric];
            var step = max ? Math.min(RAMP.length - 1, Math.floor((value / max) * (RAMP.length - 1) + 0.0001)) : 0;
            return { color: "#8a5a2b", weight: 1, fillColor: RAMP[value ? Math.max(step, 1) : 0], fillOpacity: 0.45 };
          },
          onEachFeature: function (f, layer) {
            layer.bindTooltip(escapeHtml(f.properties.name) + " · " + f.properties.open + " / " +
                              f.properties.overdue);
          },
        }));
      });
    }

    function refreshInspectors() {
      if (!$("command-layer-inspectors").checked) { layers.inspectors.clearLayers(); layers.track.clearLayers(); return; }
      fetchers.inspectors(cfg.inspectors, new URLSearchParams()).then(function (data) {
        layers.inspectors.clearLayers();
        if (!data) return;
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var marker = L.circleMarker([c[1], c[0]], { radius: 6, color: "#1b5e20", fillColor: "#43a047",
                                                       fillOpacity: 0.95, weight: 2 });
          marker.bindTooltip(escapeHtml(f.properties.name) + " · " + String(f.properties.at).slice(11, 16));
          marker.on("click", function () { showTrack(f.properties.username); });
          layers.inspectors.addLayer(marker);
        });
      });
    }

    function showTrack(username) {
      fetchers.track(cfg.track.replace("__user__", encodeURIComponent(username)), new URLSearchParams())
        .then(function (data) {
          layers.track.clearLayers();
          if (!data || !data.geometry.coordinates.length) { status(username + ": —"); return; }
          var line = data.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
          layers.track.addLayer(L.polyline(line, { color: "#2e7d32", weight: 3, dashArray: "6 4" }));
          status(data.properties.name + " · " + data.properties.day + " · " + data.properties.points);
        });
    }

    function refreshComponents() {
      if (!$("command-layer-components").checked) { layers.components.clearLayers(); return; }
      fetchers.components(cfg.components, new URLSearchParams(view())).then(function (data) {
        layers.components.clearLayers();
        if (!data) return;
        if (data.zoom_in) { status($("command-layer-components").parentNode.textContent.trim() + " ↘ " +
                                   cfg.component_zoom); return; }
        layers.components.addLayer(L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 4, color: "#455a64", weight: 1, fillOpacity: 0.7 });
          },
          onEachFeature: function (f, layer) {
            layer.bindTooltip(escapeHtml(f.properties.class_name) + " · " + escapeHtml(f.properties.ident || f.id));
          },
        }));
      });
    }

    function refreshAll() { refreshCases(); refreshLoad(); refreshComponents(); }
    command.refresh = refreshAll;

    function openCard(number) {
      return htmx.ajax("GET", cfg.card.replace("__number__", encodeURIComponent(number)),
                       { target: "#command-card", swap: "innerHTML" });
    }
    command.openCard = openCard;

    map.on("moveend", refreshAll);
    refreshAll();  // the first view was set before the listener existed
    $("command-layer-cases").addEventListener("change", refreshCases);
    $("command-load").addEventListener("change", refreshLoad);
    $("command-layer-inspectors").addEventListener("change", refreshInspectors);
    $("command-layer-components").addEventListener("change", refreshComponents);
    setInterval(refreshCases, 30000);
    setInterval(refreshInspectors, 60000);

    var form = $("command-filters");
    function applyFilters(event) {
      if (event) event.preventDefault();
      var query = params();
      if (document.body.classList.contains("command-screen")) query.set("screen", "1");
      history.replaceState(null, "", location.pathname + (query.toString() ? "?" + query.toString() : ""));
      refreshAll();
      document.body.dispatchEvent(new CustomEvent("command-filters"));
    }
    form.addEventListener("submit", applyFilters);
    form.addEventListener("change", applyFilters);

    /* Feed: a plain click on a row shows the case on the map and its card (modified clicks open the page). */
    $("command-feed").addEventListener("click", function (event) {
      var row = event.target.closest(".feed-row");
      if (!row || event.ctrlKey || event.metaKey || event.shiftKey || event.button) return;
      event.preventDefault();
      map.setView([parseFloat(row.dataset.lat), parseFloat(row.dataset.lon)], Math.max(map.getZoom(), cfg.point_zoom));
      openCard(row.dataset.number);
    });

    /* The card: its forms are the console's action forms; post them here and show the outcome in the card. */
    var slot = $("command-card");
    slot.addEventListener("click", function (event) {
      if (event.target.closest(".card-close")) slot.innerHTML = "";
    });
    slot.addEventListener("submit", function (event) {
      var actionForm = event.target.closest("form.action");
      if (!actionForm) return;
      event.preventDefault();
      var card = actionForm.closest(".command-card");
      var data;
      try { data = new FormData(actionForm, event.submitter || null); } catch (e) { data = new FormData(actionForm); }
      if (event.submitter && event.submitter.name && !data.has(event.submitter.name)) {
        data.append(event.submitter.name, event.submitter.value);
      }
      Array.prototype.forEach.call(actionForm.querySelectorAll("button"), function (b) { b.disabled = true; });
      fetch(actionForm.action, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          return response.text().then(function (html) { return outcome(response, html, actionForm.dataset.action); });
        })
        .then(function (result) {
          return openCard(card.dataset.number).then(function () {
            var box = slot.querySelector(".card-result");
            if (box) {
              box.className = "card-result " + (result.ok ? "ok" : "error");
              box.innerHTML = result.lines.map(function (l) { return "<p>" + escapeHtml(l) + "</p>"; }).join("");
            }
            refreshCases();
            document.body.dispatchEvent(new CustomEvent("command-refresh"));
          });
        });
    });
  }

  /* What the console's action endpoint answered: its messages and form errors, read from the page it returned. */
  function outcome(response, html, action) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var lines = [];
    doc.querySelectorAll(".messages li, main .card p.error").forEach(function (li) { lines.push(li.textContent.trim()); });
    var form = doc.querySelector('form.action[data-action="' + action + '"]');
    if (form) form.querySelectorAll(".errorlist li").forEach(function (li) { lines.push(li.textContent.trim()); });
    var failed = !response.ok || doc.querySelector(".messages li.error");
    if (!lines.length) lines.push(response.ok ? "OK" : String(response.status));
    return { ok: !failed, lines: lines };
  }

  /* A 422 from a polled partial (a bad filter) goes to the filter's error line, not into the feed. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 422 && event.detail.target && event.detail.target.closest("#command")) {
      event.detail.shouldSwap = false;
      var box = $("command-filter-error");
      if (box) box.innerHTML = xhr.responseText;
    }
  });

  /* Keep the feed short: the newest 100 rows. */
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "command-feed") {
      var rows = event.detail.target.querySelectorAll("li");
      for (var i = 100; i < rows.length; i++) rows[i].remove();
      var empty = event.detail.target.querySelector(".feed-empty");
      if (empty && rows.length > 1) empty.remove();
    }
  });

  document.addEventListener("DOMContentLoaded", init);
})();
