// Maps of places, for the operator console (the day board's vehicles, the applicant's
// home on the approvals, the home picked on a phone registration) and the residents'
// app (the home picked at registration, a destination picked on the map, the two
// areas a refused trip would join): the city's vector basemap (MapLibre, fetched only
// when a view first shows a map), or, in a browser without WebGL or one that cannot
// load MapLibre, the plain Leaflet map of the bundled layers (common/map.js), with the
// same marks and the same clicks. Either way "© OpenStreetMap contributors" is shown.
//
// placeMap(el, { center: [lat, lon], zoom, places, textScale }) returns at once an
// object whose calls are kept until the map is ready and then drawn:
//   vehicle(id, lat, lon, label)      a labelled vehicle tag (.veh-icon), moved on each call
//   pin(lat, lon, label, { id, color }) one pin per id (default "pin"); a new call moves it
//   areas(ids, colors)                outline these service areas, named, and look at them
//   view(lat, lon, zoom)              look there
//   onClick(fn)                       fn(lat, lon) on a click on the map
// `places: true` shows the designated destinations (named on a tap or hover); without
// a centre the map opens on the middle of the city's boundary.
import { maplibre, showBasemap, webglAvailable } from "/static/common/basemap.js";
import { cityCentre, leaflet, loadLayers, makeMap, pin as leafletPin } from "/static/common/map.js";
import { t } from "/static/common/i18n.js";

const BLUE = "#0017c1";
// Browsers keep about 16 WebGL contexts a page; the approvals list can hold more
// applicants than that, so past this many live basemaps a map is drawn with Leaflet.
const MAX_BASEMAPS = 6;
const live = new Set();

// Maps whose view was left (their element is gone) give their WebGL context back.
function sweep() {
  for (const m of live) if (!m.getContainer().isConnected) { m.remove(); live.delete(m); }
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

// The service areas with these ids (as strings), from the bundled layers.
async function areaFeatures(ids) {
  const layers = await loadLayers();
  return ((layers && layers.areas && layers.areas.features) || []).filter((f) => ids.includes(String((f.properties || {}).id)));
}

function basemapBackend(map, gl) {
  const vehicles = {};
  const pins = {};
  return {
    kind: "basemap",
    vehicle(id, lat, lon, label) {
      if (!vehicles[id]) vehicles[id] = new gl.Marker({ element: tagElement("veh-icon", label) }).setLngLat([lon, lat]).addTo(map);
      else vehicles[id].setLngLat([lon, lat]);
    },
    pin(lat, lon, label, { id = "pin", color = BLUE } = {}) {
      if (pins[id]) pins[id].remove();
      const el = tagElement("map-pin", label);
      el.title = label;
      el.style.setProperty("--pin", color);
      pins[id] = new gl.Marker({ element: el }).setLngLat([lon, lat]).addTo(map);
    },
    async areas(ids, colors) {
      const feats = await areaFeatures(ids);
      if (!feats.length) return;
      const data = { type: "FeatureCollection", features: feats.map((f) => ({ ...f, properties: { ...f.properties, colour: colors[ids.indexOf(String(f.properties.id))] || BLUE } })) };
      map.addSource("pm-areas", { type: "geojson", data });
      map.addLayer({ id: "pm-areas", type: "fill", source: "pm-areas", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.25 } });
      map.addLayer({ id: "pm-areas-line", type: "line", source: "pm-areas", paint: { "line-color": ["get", "colour"], "line-width": 3 } });
      const bounds = new gl.LngLatBounds();
      const walk = (c) => { if (typeof c[0] === "number") bounds.extend(c); else c.forEach(walk); };
      for (const f of feats) {
        walk(f.geometry.coordinates);
        // the name at the area's middle, as a mark (text, never HTML)
        const b = new gl.LngLatBounds();
        const one = (c) => { if (typeof c[0] === "number") b.extend(c); else c.forEach(one); };
        one(f.geometry.coordinates);
        new gl.Marker({ element: tagElement("area-tag", `${f.properties.name} (${f.properties.id})`) }).setLngLat(b.getCenter()).addTo(map);
      }
      map.fitBounds(bounds, { padding: 16, animate: false });
    },
    view(lat, lon, zoom) { map.jumpTo({ center: [lon, lat], zoom: Math.max(zoom, map.getMinZoom()) }); },
    onClick(fn) { map.on("click", (e) => fn(e.lngLat.lat, e.lngLat.lng)); },
  };
}

// The designated destinations over the basemap, named on a tap.
async function addPlaces(map, gl) {
  const layers = await loadLayers();
  if (!layers || !layers.places) return;
  map.addSource("pm-places", { type: "geojson", data: layers.places });
  map.addLayer({ id: "pm-places", type: "circle", source: "pm-places", paint: { "circle-radius": 6, "circle-color": BLUE, "circle-opacity": 0.8, "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  map.on("click", "pm-places", (e) => {
    const f = e.features && e.features[0];
    if (!f) return;
    const p = document.createElement("p");
    p.textContent = f.properties.name;  // text, never HTML: names come from map data
    new gl.Popup().setLngLat(f.geometry.coordinates).setDOMContent(p).addTo(map);
  });
}

function leafletBackend(el, center, zoom, places) {
  const L = window.L;
  if (center) el.dataset.fit = "no";
  const map = makeMap(el, center ? { center, zoom, places } : { places });
  const vehicles = {};
  const pins = {};
  return {
    kind: "leaflet",
    vehicle(id, lat, lon, label) {
      if (!vehicles[id]) {
        vehicles[id] = L.marker([lat, lon], { icon: L.divIcon({ className: "veh-icon", html: "<span></span>", iconSize: null }), keyboard: false }).addTo(map);
        vehicles[id].getElement().querySelector("span").textContent = label;
      } else vehicles[id].setLatLng([lat, lon]);
    },
    pin(lat, lon, label, { id = "pin", color = BLUE } = {}) {
      if (pins[id]) pins[id].remove();
      pins[id] = leafletPin(map, lat, lon, label, color);
    },
    async areas(ids, colors) {
      el.dataset.fit = "no";
      const feats = await areaFeatures(ids);
      if (!feats.length) return;
      const layer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
        style: (f) => ({ color: colors[ids.indexOf(String(f.properties.id))] || BLUE, weight: 3, fillOpacity: 0.25 }),
        onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name} (${f.properties.id})`, { permanent: true, direction: "center" }),
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    },
    view(lat, lon, zoom) { map.setView([lat, lon], zoom); },
    onClick(fn) { map.on("click", (e) => fn(e.latlng.lat, e.latlng.lng)); },
  };
}

export function placeMap(el, { center = null, zoom = 14, places = false, textScale = 1 } = {}) {
  const calls = [];
  let backend = null;
  // named at once: a labelled box with no role is an ARIA error while the map loads
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", el.getAttribute("aria-label") || t("map.label"));
  const ready = (async () => {
    sweep();
    if (live.size < MAX_BASEMAPS && webglAvailable()) {
      try {
        const [gl, at] = await Promise.all([maplibre(), center ? center : cityCentre()]);
        if (!at) throw new Error("no centre");
        const map = await showBasemap(el, { lat: at[0], lon: at[1], zoom, textScale });
        live.add(map);
        if (places) await addPlaces(map, gl);
        el.dataset.map = "basemap";
        el.noriaiMap = map;  // for the browser tests' queries
        return basemapBackend(map, gl);
      } catch { el.replaceChildren(); el.className = el.className.split(" ").filter((c) => !c.startsWith("maplibregl")).join(" "); /* no WebGL context or no MapLibre: Leaflet */ }
    }
    await leaflet();
    el.dataset.map = "leaflet";
    return leafletBackend(el, center, zoom, places);
  })();
  ready.then((b) => {
    backend = b;
    for (const [name, args] of calls.splice(0)) b[name](...args);
  }).catch(() => { /* no map library at all: the rest of the view still works */ });
  const call = (name) => (...args) => { if (backend) backend[name](...args); else calls.push([name, args]); };
  return { ready, vehicle: call("vehicle"), pin: call("pin"), areas: call("areas"), view: call("view"), onClick: call("onClick") };
}
