// Drivers' tablet service worker (scope /driver): the tablet opens from its own cache,
// with no round trip, and without a signal; the last manifest and the queued taps live
// in localStorage. API calls and the socket always go to the network (a tap is never
// answered from a cache); only the bundled map layers and the basemap's tiles and glyphs
// are kept besides the shell, for a map drawn at once and offline.
//
// Updates: the server rewrites every "/static/" below to this build's versioned prefix
// (booking_api/assets.py), so each release changes this file's bytes; the browser then
// installs the new worker, which caches the new shell whole, takes over and drops the
// old shell. The map's cache outlives builds: tiles and glyphs do not change with the
// app, and they are answered from it at once and refreshed behind (stale-while-revalidate).
const BUILD = "/static/"; // "/static/v/<build>/" as served
// Unversioned (the page benchmark's baseline): no build to tell releases apart, so the
// network comes first and the cache answers only offline, as before, map data included.
const VERSIONED = BUILD !== "/static" + "/";
const CACHE = `noriai-driver-${BUILD}`;
const MAP_CACHE = "noriai-driver-map";
const SHELL = [
  "/driver", "/driver/static/driver.js", "/driver/static/pay.js", "/driver/static/drmap.js",
  "/driver/static/drsketch.js", "/driver/static/driver.css",
  "/static/common/tokens.css", "/static/common/base.css", "/static/common/i18n.js",
  "/static/common/lang/languages.json", "/static/common/lang/ja.json", "/static/common/lang/en.json",
  "/static/common/api.js", "/static/common/map.js",
  "/static/common/basemap.js", "/static/common/basemap-style.json",
  "/static/vendor/maplibre/maplibre-gl.js", "/static/vendor/maplibre/maplibre-gl.css",
  "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  "/static/resident/icons/icon-192.png",
];
const LAYERS = "/api/v1/map/layers";
const BASEMAP = /^\/(tiles|glyphs)\//;
// Every catalogue languages.json lists, so a language added later works offline too.
const LANG = "/static/common/lang/";
const catalogues = (c) => fetch(`${LANG}languages.json`).then((r) => r.json())
  .then((ls) => c.addAll(ls.map((l) => `${LANG}${l.code}.json`))).catch(() => {});
const inShell = (path) => SHELL.includes(path) || path.startsWith(LANG);
const forMap = (path) => path === LAYERS || BASEMAP.test(path);
self.addEventListener("install", (e) => {
  // the map layers too, but a tablet that cannot get them now still gets its shell
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL).then(() => catalogues(c)))
    .then(() => caches.open(MAP_CACHE)).then((m) => m.add(LAYERS).catch(() => {}))
    .then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k.startsWith("noriai-driver-") && k !== CACHE && k !== MAP_CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
// Offline and not kept: no map layers, and a basemap tile or glyph range not seen yet is
// "not here" (the map leaves it blank) rather than a failed request.
const missing = (path) => {
  if (path === LAYERS) return new Response("{}", { headers: { "Content-Type": "application/json" } });
  return BASEMAP.test(path) ? new Response(null, { status: 404 }) : Response.error();
};
const put = (name, key, r) => {
  if (r.ok && r.status === 200) { const copy = r.clone(); caches.open(name).then((c) => c.put(key, copy)); }
  return r;
};
// "/driver?x" is the same page; Vary (gzip's Accept-Encoding) does not split a cache.
const match = (name, path) => caches.open(name).then((c) => c.match(path, { ignoreSearch: path === "/driver", ignoreVary: true }));
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  const path = url.pathname;
  const name = inShell(path) ? CACHE : forMap(path) ? MAP_CACHE : null;
  if (!name) return;
  const network = () => fetch(e.request).then((r) => put(name, path, r));
  const offline = () => match(name, path).then((hit) => hit || missing(path));
  if (!VERSIONED) {
    e.respondWith(network().catch(offline));
    return;
  }
  if (name === CACHE) {  // this build's shell: what is kept is what the build serves
    e.respondWith(match(name, path).then((hit) => hit || network().catch(offline)));
    return;
  }
  // The map's data: kept, it is drawn at once and fetched again behind (the HTTP cache
  // answers that for a day, so it costs no traffic); not kept, from the network.
  e.respondWith(match(name, path).then((hit) => {
    if (!hit) return network().catch(offline);
    e.waitUntil(network().catch(() => {}));
    return hit;
  }));
});
