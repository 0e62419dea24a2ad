/* The hotspot map (高发地点): H3 hexagons coloured by their report count over an optional basemap.
   The page embeds the first hexagons; when the resolution follows the zoom, zooming asks the statistics API
   for the hexagons of the new zoom (same period and filters). No basemap unless CITYOPS_TILE_URL is set. */
(function () {
  "use strict";
  var COLOURS = ["#f5f7fa", "#fff3cd", "#ffd98a", "#ffb347", "#f57c00", "#c62828"];

  function style(feature) {
    var level = feature.properties.level || 0;
    return { color: "#7a4b00", weight: 0.6, fillColor: COLOURS[level], fillOpacity: 0.15 + 0.13 * level };
  }

  function bind(feature, layer) {
    var p = feature.properties;
    layer.bindTooltip("#" + p.rank + " · " + p.count + " (" + p.share + "%)");
  }

  function init(el) {
    if (!window.L || el.dataset.ready) return;
    el.dataset.ready = "1";
    var data = JSON.parse(document.getElementById(el.dataset.hotspots).textContent);
    var outline = JSON.parse(document.getElementById(el.dataset.outline).textContent);
    var map = L.map(el, { attributionControl: Boolean(el.dataset.tiles) });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    var hexes = L.geoJSON(data, { style: style, onEachFeature: bind });
    var frame = L.geoJSON(outline, { style: { color: "#0b6bcb", weight: 2, fillOpacity: 0 } });
    var bounds = frame.getBounds().isValid() ? frame.getBounds() : hexes.getBounds();
    // The view must be set before vector layers join the map (Leaflet measures the map when adding).
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
    else map.setView([30.66, 104.06], 12);
    frame.addTo(map);
    hexes.addTo(map);
    if (el.dataset.api) {
      var asked = 0;  // only the answer to the latest zoom is drawn (answers may arrive out of order)
      map.on("zoomend", function () {
        var mine = ++asked;
        fetch(el.dataset.api + "&zoom=" + map.getZoom(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (fresh) {
            if (!fresh || mine !== asked) return;
            hexes.clearLayers();
            hexes.addData(fresh);
            var note = document.getElementById(el.dataset.resolutionLabel);
            if (note) note.textContent = fresh.resolution;
          });
      });
    }
  }

  function initAll() { document.querySelectorAll("[data-hotspots]").forEach(init); }
  document.addEventListener("DOMContentLoaded", initAll);
})();
