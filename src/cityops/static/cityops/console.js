/* Operator console maps: the case point and its grid (or the scope's districts), drawn with Leaflet.
   No basemap unless the server names a tile URL (CITYOPS_TILE_URL), so the maps work offline. */
(function () {
  "use strict";

  function initMap(el) {
    if (!window.L || el.dataset.ready) return;
    el.dataset.ready = "1";
    var data = JSON.parse(document.getElementById(el.dataset.map).textContent);
    var map = L.map(el, { attributionControl: Boolean(el.dataset.tiles) });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    var regions = L.geoJSON(data.regions, {
      style: { color: "#0b6bcb", weight: 2, fillOpacity: 0.06 },
      onEachFeature: function (feature, layer) {
        if (feature.properties && feature.properties.name) layer.bindTooltip(feature.properties.name);
      },
    });
    // The view must be set before any vector layer joins the map (Leaflet measures the map when adding).
    var bounds = regions.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
    else map.setView(data.point ? [data.point[1], data.point[0]] : [30.66, 104.06], 15);
    regions.addTo(map);
    var marker = null;
    function place(lon, lat) {
      if (marker) marker.setLatLng([lat, lon]);
      else marker = L.circleMarker([lat, lon], { radius: 8, color: "#c62828", fillOpacity: 0.8 }).addTo(map);
    }
    if (data.point) place(data.point[0], data.point[1]);
    if (el.dataset.pick) pickInto(map, el.dataset.pick.split(","), place);
  }

  function pickInto(map, ids, place) {
    var lon = document.getElementById(ids[0]), lat = document.getElementById(ids[1]);
    map.getContainer().style.cursor = "crosshair";
    map.on("click", function (e) {
      lon.value = e.latlng.lng.toFixed(6);
      lat.value = e.latlng.lat.toFixed(6);
      place(e.latlng.lng, e.latlng.lat);
    });
    function typed() {
      var x = parseFloat(lon.value), y = parseFloat(lat.value);
      if (isFinite(x) && isFinite(y)) place(x, y);
    }
    lon.addEventListener("change", typed);
    lat.addEventListener("change", typed);
    typed();
  }

  function initAll() { document.querySelectorAll("[data-map]").forEach(initMap); }
  document.addEventListener("DOMContentLoaded", initAll);
  document.addEventListener("htmx:afterSettle", initAll);
})();
