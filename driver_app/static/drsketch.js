// The tablet map's first frame: the way to the next stop, the stops of the hour, the next
// stop's name and note and the car, drawn as SVG in the map's box the moment the tablet
// knows them, while MapLibre (about 280 KB, seconds on a weak signal) and the basemap's
// tiles are still on their way. No library and no tiles: a Web Mercator projection of
// the route's own points, fitted to the box. drmap.js takes it away once the basemap (or
// the Leaflet map) has drawn the same marks.
import { t } from "/static/common/i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const BLUE = "#0017c1";
const GREEN = "#197a4b";
const PAD_PX = 60;
const WORLD_PX = 512;  // MapLibre's world size at zoom 0: the same zoom reads the same scale
const MAX_ZOOM = 16;

const mercator = ([lon, lat]) => {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
};

function node(tag, attrs, parent) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent.append(el);
  return el;
}

// Where the map looks to show `pts` in a w × h box: their middle, at the zoom that fits
// them with a margin (at most MAX_ZOOM), as MapLibre's cameraForBounds does. The basemap
// opens on the same camera (drmap.js), so the tiles it fetches first are those of the
// view it keeps, and the sketch and the map show the same frame.
export function camera(pts, w, h) {
  const xy = pts.map(mercator);
  const xs = xy.map((p) => p[0]);
  const ys = xy.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const room = (n) => Math.max(n - 2 * PAD_PX, 40);
  const scale = Math.min(room(w) / Math.max(x1 - x0, 1e-12), room(h) / Math.max(y1 - y0, 1e-12));
  const zoom = Math.min(MAX_ZOOM, Math.log2(scale / WORLD_PX));
  return { centre: [(x0 + x1) / 2, (y0 + y1) / 2], zoom };
}

// Web Mercator (0..1 across the world) back to lon/lat.
export const unmercator = ([x, y]) => [x * 360 - 180, (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI];

// lon/lat to the box's pixels for a camera.
const projection = ({ centre: [cx, cy], zoom }, w, h) => {
  const scale = WORLD_PX * 2 ** zoom;
  return (ll) => { const [x, y] = mercator(ll); return [w / 2 + (x - cx) * scale, h / 2 + (y - cy) * scale]; };
};

// The points to frame (lon, lat): the route, the next stop and the car, as the basemap
// frames them (drmap.js follow()).
export function framed(view, car) {
  const pts = [...((view && view.route && view.route.coordinates) || [])];
  if (car) pts.push(car);
  if (view && view.next) pts.push([view.next.lon, view.next.lat]);
  return pts;
}

export function sketch(el) {
  const box = document.createElement("div");
  box.className = "dr-sketch";
  box.dataset.sketch = "";
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("aria-hidden", "true");
  const marks = document.createElement("div");
  const caption = document.createElement("p");
  caption.className = "dr-sketch-note";
  const credit = document.createElement("p");
  credit.className = "dr-sketch-credit";
  credit.textContent = "© OpenStreetMap contributors";  // the route follows OSM's roads
  box.append(svg, marks, caption, credit);
  let last = { view: null, car: null };

  function draw(view, car) {
    last = { view, car };
    caption.textContent = t("dr.map.loading");
    const [w, h] = [el.clientWidth, el.clientHeight];
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.replaceChildren();
    marks.replaceChildren();
    const pts = framed(view, car);
    if (!pts.length || !w || !h) return;
    const at = projection(camera(pts, w, h), w, h);
    const line = view.route && view.route.coordinates && view.route.coordinates.length > 1
      ? view.route.coordinates.map((c) => at(c).map((v) => v.toFixed(1)).join(",")).join(" ") : "";
    if (line) {
      const common = { points: line, fill: "none", "stroke-linecap": "round", "stroke-linejoin": "round" };
      node("polyline", { ...common, stroke: "#ffffff", "stroke-width": 11 }, svg);
      node("polyline", { ...common, class: "route", stroke: BLUE, "stroke-width": 6, "stroke-opacity": 0.9 }, svg);
    }
    view.stops.forEach((s, i) => {
      const [x, y] = at([s.lon, s.lat]);
      node("circle", { cx: x, cy: y, r: i ? 6 : 11, fill: s.pickup ? BLUE : GREEN, stroke: "#ffffff", "stroke-width": 3 }, svg);
    });
    // text only, never HTML: names and notes come from riders and staff
    const tag = (cls, [x, y], parts, label) => {
      const div = document.createElement("div");
      div.className = cls;
      div.setAttribute("role", "note");
      div.setAttribute("aria-label", label);
      for (const [kind, text] of parts) {
        const part = document.createElement(kind);
        part.textContent = text;
        div.append(part);
      }
      div.style.left = `${x}px`;
      div.style.top = `${y}px`;
      marks.append(div);
    };
    if (view.next) {
      const parts = [["strong", view.next.name || ""]];
      if (view.next.note) parts.push(["span", view.next.note]);
      tag("stop-tag", at([view.next.lon, view.next.lat]), parts, [view.next.name, view.next.note].filter(Boolean).join(" "));
    }
    if (car) tag("car-tag", at(car), [["span", view.here || ""]], view.here || "");
  }

  const resized = new ResizeObserver(() => { if (last.view) draw(last.view, last.car); });
  return {
    show() { if (!box.isConnected) { el.append(box); resized.observe(el); } },
    draw(view, car) { this.show(); draw(view, car); },
    remove() { resized.disconnect(); box.remove(); },
  };
}
