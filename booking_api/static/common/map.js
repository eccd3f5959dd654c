// Leaflet maps drawn from the bundled GeoJSON layers (no tile server: there is no network).
import { t } from "./i18n.js";

const STYLE = {
  // The city is drawn as white land on a pale-blue ground (no tiles: there is no network).
  boundary: { color: "#4d4d4d", weight: 2, fillColor: "#ffffff", fillOpacity: 1, dashArray: "6 4" },
  areas: { color: "#0017c1", weight: 1, fillColor: "#9db7f9", fillOpacity: 0.12 },
  roads: { color: "#b3b3b3", weight: 1 },
};
let layersPromise = null;
let leafletPromise = null;

// Leaflet (about 40 KB compressed) is fetched when a page first shows a map, so a
// page without one (the residents' welcome and login) loads without it.
export function leaflet() {
  if (window.L) return Promise.resolve(window.L);
  if (!leafletPromise) {
    leafletPromise = new Promise((resolve, reject) => {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = new URL("../vendor/leaflet/leaflet.css", import.meta.url).href;
      document.head.append(css);
      const js = document.createElement("script");
      js.src = new URL("../vendor/leaflet/leaflet.js", import.meta.url).href;
      js.onload = () => resolve(window.L);
      js.onerror = () => { leafletPromise = null; js.remove(); reject(new Error("leaflet")); };
      document.head.append(js);
    });
  }
  return leafletPromise;
}

export function loadLayers() {
  if (!layersPromise) {
    layersPromise = fetch("/api/v1/map/layers")
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}));
  }
  return layersPromise;
}

// The middle of the city's boundary as [lat, lon] (no city is hard-coded), or null.
export async function cityCentre() {
  const layers = await loadLayers();
  const pts = [];
  const walk = (c) => { if (typeof c[0] === "number") pts.push(c); else c.forEach(walk); };
  for (const f of ((layers && layers.boundary && layers.boundary.features) || [])) walk(f.geometry.coordinates);
  if (!pts.length) return null;
  const lons = pts.map((p) => p[0]);
  const lats = pts.map((p) => p[1]);
  return [(Math.min(...lats) + Math.max(...lats)) / 2, (Math.min(...lons) + Math.max(...lons)) / 2];
}

// Without a centre the map waits for the city's boundary and fits it (no city is hard-coded).
export function makeMap(el, { center = [0, 0], zoom = 2, places = false } = {}) {
  const L = window.L;
  // No animations: calmer for older eyes, and cheap on low-end phones and tablets.
  const map = L.map(el, { zoomControl: true, attributionControl: true, preferCanvas: true, zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false }).setView(center, zoom);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(`© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>`);
  // Banners, zoom and rotation change the box without a window resize: keep Leaflet in step.
  if (window.ResizeObserver) new ResizeObserver(() => map.invalidateSize()).observe(el);
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", el.getAttribute("aria-label") || t("map.label"));
  // The city layers go in their own pane under the markers and routes, drawn on their own canvas.
  const base = map.createPane("base");
  base.style.zIndex = 350;
  const renderer = L.canvas({ pane: "base" });
  loadLayers().then((layers) => {
    let bounds = null;
    for (const name of ["boundary", "areas", "roads"]) {
      const gj = layers && layers[name];
      if (!gj || !gj.features) continue;
      const layer = L.geoJSON(gj, { style: STYLE[name], interactive: false, pane: "base", renderer });
      layer.addTo(map);
      if (name === "boundary") bounds = layer.getBounds();
    }
    if (places && layers && layers.places && layers.places.features) {
      L.geoJSON(layers.places, {
        pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 4, color: "#0017c1", weight: 1, fillOpacity: 0.7 }),
        onEachFeature: (f, l) => l.bindTooltip(String((f.properties || {}).name || "")),
      }).addTo(map);
    }
    if (bounds && bounds.isValid() && el.dataset.fit !== "no") map.fitBounds(bounds, { padding: [8, 8] });
  });
  return map;
}

export function pin(map, lat, lon, label, color = "#0017c1") {
  const L = window.L;
  return L.circleMarker([lat, lon], { radius: 9, color: "#fff", weight: 3, fillColor: color, fillOpacity: 1 })
    .bindTooltip(label, { permanent: false })
    .addTo(map);
}
