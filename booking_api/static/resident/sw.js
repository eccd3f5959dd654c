// Residents' service worker: the app shell (this build's page, scripts, styles and
// catalogues) is answered from its cache first, so a repeat visit starts without a
// round trip and a weak signal or none still gets the app. API calls always go to the
// network (never cached), so a booking is never shown from a stale copy.
//
// Updates: the server rewrites every "/static/" below to this build's versioned prefix
// (booking_api/assets.py), so each release changes this file's bytes. The browser
// compares them on each visit (a navigation, or the page's register() after its first
// screen): a new worker caches the new shell whole, takes over and drops the old cache,
// and the next load is the new version, page and assets from one build.
const BUILD = "/static/"; // "/static/v/<build>/" as served
// Unversioned (the page benchmark's baseline): no build to tell releases apart, so
// the network comes first and the cache answers only offline, as before.
const VERSIONED = BUILD !== "/static" + "/";
const CACHE = `noriai-shell-${BUILD}`;
const SHELL = [
  "/", "/manifest.webmanifest",
  "/static/common/tokens.css", "/static/common/base.css", "/static/common/i18n.js",
  "/static/common/lang/languages.json", "/static/common/lang/resident/ja.json", "/static/common/lang/resident/en.json",
  "/static/common/api.js", "/static/common/map.js", "/static/common/car.js",
  "/static/common/placemap.js", "/static/common/basemap.js",
  "/static/resident/resident.css", "/static/resident/app.js", "/static/resident/book.js", "/static/resident/settings.js",
  "/static/resident/rules.js",
  "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  "/static/resident/icons/icon-192.png",
  "/static/resident/wallet.js",
];
// The residents' catalogue (lang/resident/, booking_api/catalogues.py) of every language
// languages.json lists, so a language added later works offline too.
const LANG = "/static/common/lang/";
const catalogues = (c) => fetch(`${LANG}languages.json`).then((r) => r.json())
  .then((ls) => c.addAll(ls.map((l) => `${LANG}resident/${l.code}.json`))).catch(() => {});
self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL).then(() => catalogues(c))).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k.startsWith("noriai-shell-") && k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
const keep = (req, r) => { if (r.ok) { const copy = r.clone(); caches.open(CACHE).then((c) => c.put(req, copy)); } return r; };
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  // Only the shell is ours; other pages under this scope (/operator, /map), their
  // assets, tiles, the API and sockets go to the network untouched.
  if (!SHELL.includes(url.pathname) && !url.pathname.startsWith(LANG)) return;
  // "/?from=…" is the same page; Vary (gzip's Accept-Encoding) does not split the shell.
  const match = () => caches.match(e.request, { ignoreSearch: url.pathname === "/", ignoreVary: true });
  if (!VERSIONED) {
    e.respondWith(fetch(e.request).then((r) => keep(e.request, r)).catch(() => match()));
    return;
  }
  e.respondWith(match().then((hit) => hit || fetch(e.request).then((r) => keep(e.request, r))));
});

// Web Push (notify/channels/push.py sends {"title", "body", "url", "tag", "lang"}): the
// tag is the delivery id, so a message pushed twice replaces itself instead of stacking.
function showPush(text) {
  let m = {};
  try { m = JSON.parse(text || "{}"); } catch { m = { body: String(text || "") }; }
  const url = new URL(m.url || "/", self.location.origin);
  // Only our own pages are opened from a notification.
  const target = url.origin === self.location.origin ? url.href : new URL("/", self.location.origin).href;
  return self.registration.showNotification(m.title || "", {
    body: m.body || "", tag: m.tag || undefined, lang: m.lang === "en" ? "en" : "ja",
    icon: "/static/resident/icons/icon-192.png", badge: "/static/resident/icons/icon-192.png",
    data: { url: target }, renotify: Boolean(m.tag),
  });
}
self.addEventListener("push", (e) => e.waitUntil(showPush(e.data ? e.data.text() : "")));
// A tap opens the ride: an open window of the app is focused and moved there, else a new one.
function openRide(url) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
    const win = list.find((c) => new URL(c.url).origin === self.location.origin);
    // focus() may be refused (no user activation); the window is still moved to the ride.
    if (win) return win.focus().catch(() => win).then((w) => (w || win).navigate(url)).catch(() => self.clients.openWindow(url));
    return self.clients.openWindow(url);
  });
}
self.addEventListener("notificationclick", (e) => {
  e.notification.close();
  e.waitUntil(openRide((e.notification.data && e.notification.data.url) || "/"));
});
