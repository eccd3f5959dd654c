// Drivers' tablet service worker (scope /driver): keeps the app shell so the tablet
// opens without a signal; the last manifest and the queued taps live in localStorage.
// API calls and the socket always go to the network (a tap is never answered from a
// cache); only the bundled map layers, and the basemap's tiles and glyphs the tablet has
// shown, are kept, for the map drawn offline.
const CACHE = "noriai-driver-v4";
const SHELL = [
  "/driver", "/driver/static/driver.js", "/driver/static/pay.js", "/driver/static/drmap.js",
  "/driver/static/driver.css",
  "/static/common/tokens.css", "/static/common/base.css", "/static/common/i18n.js",
  "/static/common/lang/languages.json", "/static/common/lang/ja.json", "/static/common/lang/en.json",
  "/static/common/api.js", "/static/common/map.js",
  "/static/common/basemap.js", "/static/common/basemap-style.json",
  "/static/vendor/maplibre/maplibre-gl.js", "/static/vendor/maplibre/maplibre-gl.css",
  "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  "/static/resident/icons/icon-192.png",
];
const LAYERS = "/api/v1/map/layers";
const KEEP = new Set([...SHELL, LAYERS]);
const BASEMAP = /^\/(tiles|glyphs)\//;
// Every catalogue languages.json lists, so a language added later works offline too.
const LANG = "/static/common/lang/";
const catalogues = (c) => fetch(`${LANG}languages.json`).then((r) => r.json())
  .then((ls) => c.addAll(ls.map((l) => `${LANG}${l.code}.json`))).catch(() => {});
const kept = (path) => KEEP.has(path) || path.includes("/common/lang/") || BASEMAP.test(path);
self.addEventListener("install", (e) => {
  // the map layers too, but a tablet that cannot get them now still gets its shell
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL).then(() => catalogues(c)).then(() => c.add(LAYERS).catch(() => {}))).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k.startsWith("noriai-driver-") && k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
// Offline and not kept: no map layers, and a basemap tile or glyph range not seen yet is
// "not here" (the map leaves it blank) rather than a failed request.
const missing = (path) => {
  if (path === LAYERS) return new Response("{}", { headers: { "Content-Type": "application/json" } });
  return BASEMAP.test(path) ? new Response(null, { status: 404 }) : Response.error();
};
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin || !kept(url.pathname)) return;
  // Network first so an update shows at once; the cache answers only when offline.
  e.respondWith(fetch(e.request).then((r) => {
    if (r.ok) { const copy = r.clone(); caches.open(CACHE).then((c) => c.put(url.pathname, copy)); }
    return r;
  }).catch(() => caches.match(url.pathname).then((hit) => hit || missing(url.pathname))));
});
