/* The console's maps, drawn with Leaflet (static/vendor/leaflet, installed from npm by ./dev; no CDN).
 *
 * Each map is an element with data-map="points" (search results, clustered), "path" (a timeline: reads joined in
 * time order), "picker" (the search form's area and cameras), "point" (a camera's position in admin, written into
 * the inputs that data-map-lat / data-map-lon name) or "cameras" (admin's camera map, each camera coloured and
 * labelled by its health, linking to its page). Its data comes from json_script elements named by
 * data-map-points / data-map-cameras, and the tile server from #map-config: no inline script, so the
 * Content-Security-Policy stays strict. Text from outside systems (plates, camera names) is set as textContent,
 * never as HTML. When no tiles are configured or none can be loaded, the map says so and still shows the points
 * and a scale on a plain background.
 */
(function () {
  "use strict";

  function data(id) {
    var node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var config = {};
  var CALIFORNIA = [36.7, -119.4];

  function textNode(lines) {
    var box = document.createElement("span");
    lines.forEach(function (line, index) {
      if (index) {
        box.appendChild(document.createElement("br"));
      }
      box.appendChild(document.createTextNode(line));
    });
    return box;
  }

  function baseMap(el) {
    var map = L.map(el, { scrollWheelZoom: false, zoomSnap: 0.5 });
    L.control.scale({ metric: true, imperial: true }).addTo(map);
    var note = el.parentNode.querySelector(".map-note");
    var loaded = false;
    function offline() {
      if (!loaded) {
        el.classList.add("map-offline");
        if (note) {
          note.hidden = false;
        }
      }
    }
    if (config.tiles) {
      var layer = L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution || "" });
      layer.on("tileload", function () {
        loaded = true;
        el.classList.remove("map-offline");
        if (note) {
          note.hidden = true;
        }
      });
      layer.on("tileerror", offline);
      layer.addTo(map);
    } else {
      offline();
    }
    el.leafletMap = map;
    return map;
  }

  function fit(map, latlngs) {
    if (latlngs.length) {
      map.fitBounds(L.latLngBounds(latlngs).pad(0.25), { maxZoom: 16 });
    } else {
      map.setView(CALIFORNIA, 6);
    }
  }

  // Search results: one marker per read, clustered where they crowd.
  function pointsMap(el) {
    var points = data(el.getAttribute("data-map-points")) || [];
    var map = baseMap(el);
    var group = L.markerClusterGroup
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 36 })
      : L.featureGroup();
    var latlngs = points.map(function (point) {
      var latlng = [point.lat, point.lon];
      var marker = L.circleMarker(latlng, { radius: 7, weight: 2, className: "map-read" });
      marker.bindTooltip(textNode([point.plate, point.time, point.camera].filter(Boolean)));
      group.addLayer(marker);
      return latlng;
    });
    map.addLayer(group);
    fit(map, latlngs);
  }

  // A timeline: the places in time order, each labelled with the numbers of its reads in the table.
  function pathMap(el) {
    var points = data(el.getAttribute("data-map-points")) || [];
    var map = baseMap(el);
    var places = {};
    var order = [];
    var latlngs = points.map(function (point) {
      var key = point.lat + "," + point.lon;
      if (!places[key]) {
        places[key] = { latlng: [point.lat, point.lon], camera: point.camera, visits: [] };
        order.push(key);
      }
      places[key].visits.push(point);
      return [point.lat, point.lon];
    });
    if (latlngs.length > 1) {
      L.polyline(latlngs, { className: "map-path", weight: 3 }).addTo(map);
    }
    var permanent = order.length <= 12;
    order.forEach(function (key) {
      var place = places[key];
      var numbers = place.visits.map(function (point) { return "#" + point.n; }).join(", ");
      var marker = L.circleMarker(place.latlng, { radius: 8, weight: 2, className: "map-camera" }).addTo(map);
      var lines = [place.camera || "No camera", numbers].concat(place.visits.map(function (point) {
        return "#" + point.n + " " + point.time;
      }));
      marker.bindTooltip(textNode(permanent ? [numbers] : lines), {
        permanent: permanent, direction: "right", className: "map-label",
      });
      if (permanent) {
        marker.bindPopup(textNode(lines));
      }
    });
    fit(map, latlngs);
  }

  // The search form: click to set the area's centre, drag the centre or the edge handle, or type the numbers;
  // click a camera to add it to (or take it from) the cameras chosen.
  function pickerMap(el) {
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    var radius = document.getElementById("id_radius_m");
    var select = document.getElementById("id_cameras");
    var cameras = data(el.getAttribute("data-map-cameras")) || [];
    var map = baseMap(el);
    var centre = null;
    var circle = null;
    var handle = null;

    function number(input) {
      var value = parseFloat(input.value);
      return isNaN(value) ? null : value;
    }

    function option(id) {
      return select ? select.querySelector('option[value="' + id + '"]') : null;
    }

    function draw() {
      var la = number(lat);
      var lo = number(lon);
      var r = number(radius);
      if (la === null || lo === null) {
        [centre, circle, handle].forEach(function (layer) { if (layer) { map.removeLayer(layer); } });
        centre = circle = handle = null;
        return;
      }
      if (!centre) {
        centre = L.marker([la, lo], { draggable: true, title: "Centre of the area (drag to move)" }).addTo(map);
        centre.on("drag", function () {
          var at = centre.getLatLng();
          lat.value = at.lat.toFixed(6);
          lon.value = at.lng.toFixed(6);
          draw();
        });
      } else {
        centre.setLatLng([la, lo]);
      }
      if (r && r > 0) {
        if (!circle) {
          circle = L.circle([la, lo], { radius: r, className: "map-area", interactive: false }).addTo(map);
          handle = L.marker([la, lo], {
            draggable: true,
            title: "Edge of the area (drag to change the radius)",
            icon: L.divIcon({ className: "map-radius-handle", iconSize: [16, 16] }),
          }).addTo(map);
          handle.on("drag", function () {
            radius.value = Math.max(1, Math.round(centre.getLatLng().distanceTo(handle.getLatLng())));
            circle.setRadius(parseFloat(radius.value));
          });
        }
        circle.setLatLng([la, lo]);
        circle.setRadius(r);
        var edge = circle.getBounds().getEast();
        handle.setLatLng([la, edge]);
      }
    }

    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      if (!number(radius)) {
        radius.value = 500;
      }
      draw();
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    });
    [lat, lon, radius].forEach(function (input) { input.addEventListener("input", draw); });

    var latlngs = cameras.map(function (camera) {
      var marker = L.circleMarker([camera.lat, camera.lon], { radius: 7, weight: 2, className: "map-camera" });
      var chosen = option(camera.id);
      function paint() {
        marker.setStyle({ fillOpacity: chosen && chosen.selected ? 0.9 : 0.3 });
      }
      marker.bindTooltip(textNode([camera.name, "Click to choose or un-choose this camera"]));
      marker.on("click", function (event) {
        L.DomEvent.stopPropagation(event);
        if (chosen) {
          chosen.selected = !chosen.selected;
          paint();
        }
      });
      paint();
      marker.addTo(map);
      return [camera.lat, camera.lon];
    });
    draw();
    if (centre) {
      latlngs.push(centre.getLatLng());
    }
    fit(map, latlngs);
    var details = el.closest("details");
    if (details) {
      details.addEventListener("toggle", function () {
        map.invalidateSize();
        fit(map, latlngs);
      });
    }
  }

  // A camera's position (admin): click the map or drag the marker, and the latitude and longitude inputs follow;
  // type in them, and the marker follows. The inputs are the value: the map only writes into them.
  function pointMap(el) {
    var lat = document.getElementById(el.getAttribute("data-map-lat"));
    var lon = document.getElementById(el.getAttribute("data-map-lon"));
    if (!lat || !lon) {
      return;
    }
    var map = baseMap(el);
    var marker = null;

    function number(input, limit) {
      var value = parseFloat(input.value);
      return isNaN(value) || Math.abs(value) > limit ? null : value;
    }

    function place() {
      var la = number(lat, 90);
      var lo = number(lon, 180);
      if (la === null || lo === null) {
        if (marker) {
          map.removeLayer(marker);
          marker = null;
        }
        return null;
      }
      if (!marker) {
        marker = L.marker([la, lo], { draggable: true, title: "The camera (drag to move it)", alt: "The camera" });
        marker.on("dragend", function () {
          write(marker.getLatLng());
        });
        marker.addTo(map);
      } else {
        marker.setLatLng([la, lo]);
      }
      return marker.getLatLng();
    }

    function write(latlng) {
      var at = latlng.wrap();
      lat.value = at.lat.toFixed(6);
      lon.value = at.lng.toFixed(6);
      place();
      [lat, lon].forEach(function (input) { input.dispatchEvent(new Event("change", { bubbles: true })); });
    }

    map.on("click", function (event) {
      write(event.latlng);
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("input", function () {
        var at = place();
        if (at && !map.getBounds().contains(at)) {
          map.panTo(at);
        }
      });
    });
    var at = place();
    if (at) {
      map.setView(at, 15);
    } else {
      fit(map, []);
    }
  }

  // Admin's camera map: each camera a marker coloured and dashed by its health, with its name and health in words
  // (tooltip; the page's legend and table say the same), and a link to its page.
  function camerasMap(el) {
    var cameras = data(el.getAttribute("data-map-cameras")) || [];
    var map = baseMap(el);
    var latlngs = cameras.map(function (camera) {
      var latlng = [camera.lat, camera.lon];
      var marker = L.circleMarker(latlng, {
        radius: 8, weight: 3, className: "map-camera map-health-" + camera.health,
        dashArray: camera.health === "offline" ? "4 3" : null,
      });
      marker.bindTooltip(textNode([camera.name, camera.health_label]));
      var box = document.createElement("span");
      var link = document.createElement("a");
      link.href = camera.url;
      link.textContent = camera.name;
      box.appendChild(link);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(camera.health_label));
      marker.bindPopup(box);
      marker.addTo(map);
      return latlng;
    });
    fit(map, latlngs);
  }

  function start() {
    if (typeof L === "undefined") {
      return;
    }
    config = data("map-config") || {};
    var kinds = { points: pointsMap, path: pathMap, picker: pickerMap, point: pointMap, cameras: camerasMap };
    document.querySelectorAll("[data-map]").forEach(function (el) {
      var draw = kinds[el.getAttribute("data-map")];
      if (draw) {
        draw(el);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
