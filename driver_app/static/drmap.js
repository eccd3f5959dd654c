// The tablet's map: the way to the next stop over the city's vector basemap (MapLibre,
// fetched only once the run view shows a map), the stops of the hour, the next stop's
// name and note at the stop, and the car, which the map follows. A tablet without WebGL,
// or one that cannot load MapLibre (offline before it was ever cached), gets the plain
// Leaflet map of the bundled layers instead, with the same route and stops.
//
// Until the map is drawn, its box shows the same marks as a sketch (drsketch.js), so the
// way to the next stop is on screen at once, not after MapLibre and the tiles arrive.
//
// routeMap(el) returns { update(view), car(fix) } at once; calls made before the map is
// ready are kept and drawn when it is. `view` is what driver.js knows:
//   { stops: [{ lat, lon, pickup, title }], next: { lat, lon, name, note } | null,
//     route: GeoJSON LineString | null, here: "現在地" }
import { maplibre, showBasemap, webglAvailable } from "/static/common/basemap.js";
import { leaflet, loadLayers, makeMap } from "/static/common/map.js";
import { esc } from "/static/common/api.js";
import { camera, framed, sketch, unmercator } from "/driver/static/drsketch.js";

const BLUE = "#0017c1";
const GREEN = "#197a4b";
const FOLLOW_PAUSE_MS = 30000;  // after the driver moves the map by hand, follow again later

// Where the map opens: on the camera it will keep (the way to the next stop and the car,
// as follow() frames them), so the first tiles it fetches and draws are those it shows;
// with nothing to show, the middle of the city's boundary.
async function startView(el, view, fix) {
  const car = carAt(view, fix);
  const shown = framed(view, car);
  if (shown.length) {
    // (a way too long for the tiles' least zoom is clamped there by the map itself, and
    // follow() then centres it on the car)
    const cam = camera(shown, el.clientWidth, el.clientHeight);
    const [lon, lat] = unmercator(cam.centre);
    return { lat, lon, zoom: cam.zoom };
  }
  const layers = await loadLayers();
  const pts = [];
  const walk = (c) => { if (typeof c[0] === "number") pts.push(c); else c.forEach(walk); };
  for (const f of ((layers && layers.boundary && layers.boundary.features) || [])) walk(f.geometry.coordinates);
  if (!pts.length) return { lat: 0, lon: 0, zoom: 2 };
  const lons = pts.map((p) => p[0]);
  const lats = pts.map((p) => p[1]);
  return { lat: (Math.min(...lats) + Math.max(...lats)) / 2, lon: (Math.min(...lons) + Math.max(...lons)) / 2, zoom: 13 };
}

// The car: the GPS fix when the tablet has one, else where the engine placed it (the
// route's first point).
function carAt(view, fix) {
  if (fix) return [fix.lon, fix.lat];
  const c = view && view.route && view.route.coordinates;
  return c && c.length ? c[0] : null;
}

function basemapBackend(map, gl) {
  const empty = { type: "FeatureCollection", features: [] };
  map.addSource("dr-route", { type: "geojson", data: empty });
  map.addSource("dr-stops", { type: "geojson", data: empty });
  map.addLayer({ id: "dr-route-casing", type: "line", source: "dr-route", layout: { "line-cap": "round", "line-join": "round" }, paint: { "line-color": "#ffffff", "line-width": 11 } });
  map.addLayer({ id: "dr-route", type: "line", source: "dr-route", layout: { "line-cap": "round", "line-join": "round" }, paint: { "line-color": BLUE, "line-width": 6, "line-opacity": 0.9 } });
  map.addLayer({ id: "dr-stops", type: "circle", source: "dr-stops", paint: {
    "circle-radius": ["case", ["get", "next"], 11, 6], "circle-color": ["case", ["get", "pickup"], BLUE, GREEN],
    "circle-stroke-color": "#ffffff", "circle-stroke-width": 3 } });
  // Marks, not buttons: MapLibre names a marker "Map marker" and makes it a button
  // unless it has its own role and name (its visible text).
  const tag = document.createElement("div");
  tag.className = "stop-tag";
  tag.setAttribute("role", "note");
  const stopMarker = new gl.Marker({ element: tag, anchor: "bottom", offset: [0, -16] });
  const carEl = document.createElement("div");
  carEl.className = "car-tag";
  carEl.setAttribute("role", "note");
  const carMarker = new gl.Marker({ element: carEl });
  const omt = map.getSource("omt");
  const minZoom = Math.max(map.getMinZoom(), (omt && omt.minzoom) || 0);
  map.setMinZoom(minZoom);
  let pausedUntil = 0;
  map.on("dragstart", () => { pausedUntil = Date.now() + FOLLOW_PAUSE_MS; });
  let last = null;
  let lastFix = null;

  // Keep the car and the next stop in view (the whole way there); only when the car
  // leaves the middle of the map on a GPS fix, so the map does not jump at every metre.
  function follow(force) {
    if (Date.now() < pausedUntil) return;
    const car = carAt(last, lastFix);
    const pts = [...((last && last.route && last.route.coordinates) || [])];
    if (car) pts.push(car);
    if (last && last.next) pts.push([last.next.lon, last.next.lat]);
    if (!pts.length) return;
    if (!force && car) {
      const b = map.getBounds();
      const w = b.getEast() - b.getWest();
      const h = b.getNorth() - b.getSouth();
      const inner = car[0] > b.getWest() + w * 0.15 && car[0] < b.getEast() - w * 0.15 && car[1] > b.getSouth() + h * 0.15 && car[1] < b.getNorth() - h * 0.15;
      if (inner) return;
    }
    const bounds = pts.reduce((bb, p) => bb.extend(p), new gl.LngLatBounds(pts[0], pts[0]));
    const cam = map.cameraForBounds(bounds, { padding: 60, maxZoom: 16 });
    if (!cam) return;
    // The tiles start at their least zoom (14 for the bundled city): a longer way than
    // fits there is shown around the car instead of as a blank map.
    if (cam.zoom < minZoom) map.jumpTo({ center: car || cam.center, zoom: minZoom });
    else map.jumpTo(cam);
  }

  function placeCar() {
    const car = carAt(last, lastFix);
    if (!car) { carMarker.remove(); return; }
    carEl.textContent = (last && last.here) || "";
    carEl.setAttribute("aria-label", carEl.textContent);
    carMarker.setLngLat(car).addTo(map);
  }

  return {
    kind: "basemap",
    update(view) {
      last = view;
      const route = view.route && view.route.coordinates && view.route.coordinates.length > 1;
      map.getSource("dr-route").setData(route ? { type: "Feature", properties: {}, geometry: view.route } : empty);
      map.getSource("dr-stops").setData({ type: "FeatureCollection", features: view.stops.map((s, i) => ({
        type: "Feature", geometry: { type: "Point", coordinates: [s.lon, s.lat] },
        properties: { next: i === 0, pickup: !!s.pickup, title: s.title } })) });
      if (view.next) {
        // text only, never HTML: names and notes come from riders and staff
        const name = document.createElement("strong");
        name.textContent = view.next.name || "";
        tag.replaceChildren(name);
        if (view.next.note) {
          const note = document.createElement("span");
          note.textContent = view.next.note;
          tag.append(note);
        }
        tag.setAttribute("aria-label", [view.next.name, view.next.note].filter(Boolean).join(" "));
        stopMarker.setLngLat([view.next.lon, view.next.lat]).addTo(map);
      } else stopMarker.remove();
      placeCar();
      follow(true);
    },
    car(fix) {
      lastFix = fix;
      placeCar();
      follow(false);
    },
  };
}

// The fallback: Leaflet over the bundled boundary, areas and roads (map.js).
function leafletBackend(el) {
  const L = window.L;
  const map = makeMap(el);
  let layer = null;
  let carLayer = null;
  let last = null;
  let lastFix = null;
  const placeCar = () => {
    if (carLayer) carLayer.remove();
    const car = carAt(last, lastFix);
    carLayer = car ? L.marker([car[1], car[0]], { keyboard: false, icon: L.divIcon({ className: "here-icon", html: `<span></span>`, iconSize: null }) }).addTo(map) : null;
    if (carLayer) carLayer.getElement().querySelector("span").textContent = (last && last.here) || "";
  };
  return {
    kind: "leaflet",
    update(view) {
      last = view;
      // Once there is a stop to show, the city outline no longer decides the view.
      if (view.next) el.dataset.fit = "no";
      if (layer) layer.remove();
      const marks = view.stops.map((s, i) => L.circleMarker([s.lat, s.lon], { radius: i ? 6 : 11, color: "#fff", weight: 3, fillColor: s.pickup ? BLUE : GREEN, fillOpacity: 1 }).bindTooltip(esc(s.title)));
      const route = view.route && view.route.coordinates && view.route.coordinates.length > 1;
      if (route) marks.push(L.geoJSON(view.route, { style: { color: BLUE, weight: 6, opacity: 0.85 } }));
      layer = L.layerGroup(marks).addTo(map);
      if (view.next && marks[0]) {
        const words = [view.next.name, view.next.note].filter(Boolean).join(" — ");
        if (words) marks[0].bindTooltip(esc(words), { permanent: true, direction: "top", offset: [0, -10] }).openTooltip();
      }
      placeCar();
      if (route) map.fitBounds(L.geoJSON(view.route).getBounds(), { padding: [40, 40], maxZoom: 16 });
      else if (view.next) map.setView([view.next.lat, view.next.lon], 15);
    },
    car(fix) {
      lastFix = fix;
      placeCar();
    },
  };
}

// Fetch MapLibre while the tablet signs the driver in, so the map's first frame does not
// wait for it after the sign-in's round trips. The service's layers (60 KB) only where
// Leaflet will draw them: the basemap needs them only to open on a day with no stop, and
// on a weak signal they would hold up MapLibre.
export function prefetchMap() {
  if (webglAvailable()) maplibre().catch(() => { /* drawn with Leaflet then */ });
  else loadLayers().catch(() => { /* fetched again when the map opens */ });
}

// Once the map has drawn the marks it was handed: the basemap's first frame after its
// route and stop sources are loaded (not its next idle, which also waits for the labels'
// fade-in), Leaflet's at once (its layers are SVG, drawn as they are added).
function drawn(b) {
  if (b.kind !== "basemap") return Promise.resolve();
  const map = window.noriaiDriverMap;
  return new Promise((resolve) => {
    const check = () => {
      if (!map.isSourceLoaded("dr-route") || !map.isSourceLoaded("dr-stops")) return;
      map.off("render", check);
      map.once("render", resolve);
      map.triggerRepaint();
    };
    map.on("render", check);
    map.triggerRepaint();
  });
}

export function routeMap(el) {
  let backend = null;
  let view = null;
  let fix = null;
  const first = sketch(el);
  first.show();
  const ready = (async () => {
    if (webglAvailable()) {
      try {
        const gl = await maplibre();
        const start = await startView(el, view, fix);
        const map = await showBasemap(el, start);
        el.dataset.map = "basemap";
        window.noriaiDriverMap = map;  // for the browser tests' queries
        return basemapBackend(map, gl);
      } catch {  // no WebGL context or no MapLibre: Leaflet
        el.replaceChildren();
        el.className = "map";
        first.show();
        if (view) first.draw(view, carAt(view, fix));
      }
    }
    await leaflet();
    const plain = leafletBackend(el);
    el.dataset.map = "leaflet";
    return plain;
  })();
  ready.then((b) => {
    backend = b;
    if (view) b.update(view);
    if (fix) b.car(fix);
    return drawn(b);
  }).catch(() => { /* no map library at all: the sketch and the next-stop card stay */ })
    .then(() => { if (backend) first.remove(); });
  return {
    update(v) { view = v; if (backend) backend.update(v); else first.draw(v, carAt(v, fix)); },
    car(f) { fix = f; if (backend) backend.car(f); else if (view) first.draw(view, carAt(view, f)); },
  };
}
