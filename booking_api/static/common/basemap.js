// The offline vector basemap (MapLibre GL JS, tiles from our own /tiles route).
// MapLibre (about 280 KB compressed) is fetched only when a page first shows a map.
// Label text: ideographs and kana are drawn from the device's own fonts; digits, Latin
// and fullwidth forms come from the glyph ranges our /glyphs route serves (drawn from
// Noto Sans CJK JP by web/make_glyphs.py). The tiles carry names as name:latin (in
// Japanese), so the style's labels read name:ja, then name, then name:latin.
let maplibrePromise = null;

// Whether this browser can draw the basemap (WebGL); without it the apps draw the plain
// Leaflet map of the bundled layers (common/map.js).
export function webglAvailable() {
  try {
    const c = document.createElement("canvas");
    return !!(c.getContext("webgl2") || c.getContext("webgl"));
  } catch { return false; }
}

export function maplibre() {
  if (window.maplibregl) return Promise.resolve(window.maplibregl);
  if (!maplibrePromise) {
    maplibrePromise = new Promise((resolve, reject) => {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = new URL("../vendor/maplibre/maplibre-gl.css", import.meta.url).href;
      document.head.append(css);
      const js = document.createElement("script");
      js.src = new URL("../vendor/maplibre/maplibre-gl.js", import.meta.url).href;
      js.onload = () => resolve(window.maplibregl);
      js.onerror = () => { maplibrePromise = null; js.remove(); reject(new Error("maplibre")); };
      document.head.append(js);
    });
  }
  return maplibrePromise;
}

// The style kept in the repository, with its tile and glyph URLs made absolute
// (MapLibre's workers fetch them and need full URLs).
async function style() {
  const url = new URL("./basemap-style.json", import.meta.url);
  const doc = await (await fetch(url)).json();
  const origin = window.location.origin;
  for (const src of Object.values(doc.sources)) {
    src.tiles = src.tiles.map((t) => new URL(t, origin).href.replaceAll("%7B", "{").replaceAll("%7D", "}"));
  }
  doc.glyphs = origin + doc.glyphs;
  return doc;
}

// Labels `scale` times the style's size (the residents' maps: large text); the style's
// sizes do not depend on the zoom, so a product of the size stays a valid expression.
function scaleText(doc, scale) {
  if (scale === 1) return;
  for (const layer of doc.layers) {
    const size = layer.layout && layer.layout["text-size"];
    if (size === undefined) continue;
    layer.layout["text-size"] = typeof size === "number" ? Math.round(size * scale) : ["*", scale, size];
  }
}

// Draw the basemap in `container` centred on [lat, lon]; resolves to the map once
// its first frame with tiles is drawn. The least zoom is the tiles' own (the style's
// source minzoom): below it there would be nothing to draw.
export async function showBasemap(container, { lat, lon, zoom = 14.5, textScale = 1 }) {
  const [gl, doc] = await Promise.all([maplibre(), style()]);
  scaleText(doc, textScale);
  const map = new gl.Map({
    container,
    style: doc,
    center: [lon, lat],
    zoom,
    minZoom: doc.sources.omt.minzoom || 0,
    localIdeographFontFamily: "'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', 'Meiryo', sans-serif",
    attributionControl: { compact: false },
  });
  map.addControl(new gl.NavigationControl({ showCompass: false }));
  // A tile that cannot be fetched (no signal) leaves that square blank until the map
  // moves again; said as a warning, not MapLibre's default console error.
  map.on("error", (e) => console.warn("basemap:", (e.error && e.error.message) || e));
  await new Promise((resolve) => map.once("idle", resolve));
  return map;
}

// The service's own layers over the basemap (GET /api/v1/map/layers: the city boundary,
// the service areas, the designated destinations); a tap on a destination names it.
export async function addServiceLayers(map) {
  const layers = await (await fetch("/api/v1/map/layers")).json();
  for (const key of ["boundary", "areas", "places"]) map.addSource(`svc-${key}`, { type: "geojson", data: layers[key] });
  map.addLayer({ id: "svc-areas", type: "fill", source: "svc-areas", paint: { "fill-color": "#0031d8", "fill-opacity": 0.06 } });
  map.addLayer({ id: "svc-areas-line", type: "line", source: "svc-areas", paint: { "line-color": "#0031d8", "line-width": 1.5, "line-dasharray": [2, 2] } });
  map.addLayer({ id: "svc-boundary", type: "line", source: "svc-boundary", paint: { "line-color": "#1a1a1c", "line-width": 2 } });
  map.addLayer({ id: "svc-places", type: "circle", source: "svc-places", paint: { "circle-radius": 6, "circle-color": "#d62d2d", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  const gl = window.maplibregl;
  map.on("click", "svc-places", (e) => {
    const f = e.features && e.features[0];
    if (!f) return;
    const p = document.createElement("p");
    p.textContent = f.properties.name;  // text, never HTML: names come from map data
    new gl.Popup().setLngLat(f.geometry.coordinates).setDOMContent(p).addTo(map);
  });
  return map;
}
