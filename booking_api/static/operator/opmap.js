// The operator console's maps (the day board's vehicles, the applicant's home on the
// approvals, the home picked on a phone registration) over the city's vector basemap
// (MapLibre, fetched only when a view first shows a map). A browser without WebGL, or
// one that cannot load MapLibre, gets the plain Leaflet map of the bundled layers
// (common/map.js), with the same markers and the same clicks.
//
// opMap(el, { center: [lat, lon], zoom }) returns at once an object whose calls are
// kept until the map is ready and then drawn:
//   vehicle(id, lat, lon, label)  a labelled vehicle tag (.veh-icon), moved on each call
//   pin(lat, lon, label)          the one pin of this map (a new call moves it)
//   view(lat, lon, zoom)          look there
//   onClick(fn)                   fn(lat, lon) on a click on the map
// Without a centre the map opens on the middle of the city's boundary.
import { maplibre, showBasemap } from "/static/common/basemap.js";
import { leaflet, loadLayers, makeMap, pin as leafletPin } from "/static/common/map.js";
import { t } from "/static/common/i18n.js";

const BLUE = "#0017c1";
// Browsers keep about 16 WebGL contexts a page; the approvals list can hold more
// applicants than that, so past this many live basemaps a map is drawn with Leaflet.
const MAX_BASEMAPS = 6;
const live = new Set();

function webglAvailable() {
  try {
    const c = document.createElement("canvas");
    return !!(c.getContext("webgl2") || c.getContext("webgl"));
  } catch { return false; }
}

// Maps whose view was left (their element is gone) give their WebGL context back.
function sweep() {
  for (const m of live) if (!m.getContainer().isConnected) { m.remove(); live.delete(m); }
}

async function cityCentre() {
  const layers = await loadLayers();
  const pts = [];
  const walk = (c) => { if (typeof c[0] === "number") pts.push(c); else c.forEach(walk); };
  for (const f of ((layers && layers.boundary && layers.boundary.features) || [])) walk(f.geometry.coordinates);
  if (!pts.length) return null;
  const lons = pts.map((p) => p[0]);
  const lats = pts.map((p) => p[1]);
  return [(Math.min(...lats) + Math.max(...lats)) / 2, (Math.min(...lons) + Math.max(...lons)) / 2];
}

function tagElement(className, label) {
  const el = document.createElement("div");
  el.className = className;
  const span = document.createElement("span");
  span.textContent = label;  // text, never HTML: names come from staff and riders
  el.append(span);
  el.setAttribute("role", "img");  // a mark, not a button (MapLibre makes markers buttons)
  el.setAttribute("aria-label", label);
  return el;
}

function basemapBackend(map, gl) {
  const omt = map.getSource("omt");
  // the tiles start at their least zoom (14): below it the map would be blank
  map.setMinZoom(Math.max(map.getMinZoom(), (omt && omt.minzoom) || 0));
  const vehicles = {};
  let pinMarker = null;
  return {
    kind: "basemap",
    vehicle(id, lat, lon, label) {
      if (!vehicles[id]) vehicles[id] = new gl.Marker({ element: tagElement("veh-icon", label) }).setLngLat([lon, lat]).addTo(map);
      else vehicles[id].setLngLat([lon, lat]);
    },
    pin(lat, lon, label) {
      if (pinMarker) pinMarker.remove();
      const el = tagElement("op-pin", label);
      el.title = label;
      pinMarker = new gl.Marker({ element: el }).setLngLat([lon, lat]).addTo(map);
    },
    view(lat, lon, zoom) { map.jumpTo({ center: [lon, lat], zoom: Math.max(zoom, map.getMinZoom()) }); },
    onClick(fn) { map.on("click", (e) => fn(e.lngLat.lat, e.lngLat.lng)); },
  };
}

function leafletBackend(el, center, zoom) {
  const L = window.L;
  if (center) el.dataset.fit = "no";
  const map = makeMap(el, center ? { center, zoom } : {});
  const vehicles = {};
  let pinLayer = null;
  return {
    kind: "leaflet",
    vehicle(id, lat, lon, label) {
      if (!vehicles[id]) {
        vehicles[id] = L.marker([lat, lon], { icon: L.divIcon({ className: "veh-icon", html: "<span></span>", iconSize: null }), keyboard: false }).addTo(map);
        vehicles[id].getElement().querySelector("span").textContent = label;
      } else vehicles[id].setLatLng([lat, lon]);
    },
    pin(lat, lon, label) {
      if (pinLayer) pinLayer.remove();
      pinLayer = leafletPin(map, lat, lon, label, BLUE);
    },
    view(lat, lon, zoom) { map.setView([lat, lon], zoom); },
    onClick(fn) { map.on("click", (e) => fn(e.latlng.lat, e.latlng.lng)); },
  };
}

export function opMap(el, { center = null, zoom = 14 } = {}) {
  const calls = [];
  let backend = null;
  // named at once: a labelled box with no role is an ARIA error while the map loads
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", el.getAttribute("aria-label") || t("map.label"));
  const ready = (async () => {
    sweep();
    if (live.size < MAX_BASEMAPS && webglAvailable()) {
      try {
        const [, at] = await Promise.all([maplibre(), center ? center : cityCentre()]);
        if (!at) throw new Error("no centre");
        const map = await showBasemap(el, { lat: at[0], lon: at[1], zoom });
        live.add(map);
        el.dataset.map = "basemap";
        el.noriaiMap = map;  // for the browser tests' queries
        return basemapBackend(map, await maplibre());
      } catch { el.replaceChildren(); el.className = el.className.split(" ").filter((c) => !c.startsWith("maplibregl")).join(" "); /* no WebGL context or no MapLibre: Leaflet */ }
    }
    await leaflet();
    el.dataset.map = "leaflet";
    return leafletBackend(el, center, zoom);
  })();
  ready.then((b) => {
    backend = b;
    for (const [name, args] of calls.splice(0)) b[name](...args);
  }).catch(() => { /* no map library at all: the rest of the view still works */ });
  const call = (name) => (...args) => { if (backend) backend[name](...args); else calls.push([name, args]); };
  return { ready, vehicle: call("vehicle"), pin: call("pin"), view: call("view"), onClick: call("onClick") };
}
