// Drivers' tablet: the next stop big, the rest of the day, the route on the
// basemap (drmap.js), one tap per event. The manifest arrives on the vehicle websocket
// (full replacement each time); taps are queued in localStorage and sent over HTTP
// with a stable tap_id, so a tap made offline is sent once on reconnect. The car's GPS
// position goes up the same socket. The city's tap rules come with the manifest:
// 到着 away from the stop asks for a reason, 不在 counts down the waiting time with
// 「電話する」 first, the last tap can be undone for a while; a tap the server refuses
// is shown in words (Japanese first) and dropped, never retried. A service worker
// keeps the app shell, and the last manifest is kept here, so the tablet opens
// without a signal.
import { applyI18n, initLangSwitch, lang, t, tf } from "/static/common/i18n.js";
import { makeApi, esc, hm, ymd, now, placeLabel, startClock, toast } from "/static/common/api.js";
import { prefetchMap, routeMap } from "/driver/static/drmap.js";
import { askPayment, cashCount } from "/driver/static/pay.js";

const api = makeApi("noriai.driver.token");
const $ = (s) => document.querySelector(s);
const QUEUE = "noriai.driver.queue";
const KEPT = "noriai.driver.manifest";  // the last manifest, shown when the tablet opens offline
const ME = "noriai.driver.me";
let me = null;
let ws = null;
let lastSeq = 0;
let stops = [];
let prevIds = null;
let map = null;  // drmap.js: the basemap (or Leaflet without WebGL) with the route
let audio = null;
let online = true;
let rules = {};  // the city's tap rules (dispatch TapRules.as_json), from the manifest
let undoable = null;  // { tap_id, tap, ride_id, until, prev? }: the tap 「取り消す」 undoes

// A tel: link dials digits: the stored number is written with hyphens (090-1234-5678).
const telDigits = (phone) => String(phone).replace(/[^0-9+]/g, "");
const queue = () => JSON.parse(localStorage.getItem(QUEUE) || "[]");
const saveQueue = (q) => { localStorage.setItem(QUEUE, JSON.stringify(q)); showOffline(); };
const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

function showOffline() {
  const n = queue().length;
  $("#offline").hidden = online && n === 0;
  $("#queued").textContent = n ? tf("dr.queued", { n }) : "";
}

function beep() {
  // A short two-tone chime; WebAudio needs a user gesture first (the login tap).
  window.noriaiChimes = (window.noriaiChimes || 0) + 1;
  try {
    audio = audio || new AudioContext();
    const now = audio.currentTime;
    for (const [i, f] of [[0, 880], [1, 1320]]) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.25, now + i * 0.18);
      g.gain.exponentialRampToValueAtTime(0.001, now + i * 0.18 + 0.16);
      o.connect(g).connect(audio.destination);
      o.start(now + i * 0.18);
      o.stop(now + i * 0.18 + 0.17);
    }
  } catch { /* no sound device: the highlight still shows */ }
}

function actions(s) {
  if (s.kind === "pickup") {
    if (s.ride_status === "arrived") return [["boarded", "dr.boarded", ""], ["call"], ["no_show", "dr.noshow", "danger secondary"]];
    return [["arrived", "dr.arrived", ""]];
  }
  if (s.kind === "dropoff") return [["dropped_off", "dr.dropped", ""]];
  return [];
}

// Seconds until 不在 may be tapped for an arrived pickup (0: now).
function waitLeft(s) {
  if (!s || !s.no_show_from) return 0;
  return Math.max(0, Math.ceil((Date.parse(s.no_show_from) - now().getTime()) / 1000));
}
const mmss = (n) => `${Math.floor(n / 60)}:${String(n % 60).padStart(2, "0")}`;

function tapButton(s, [tap, key, cls]) {
  if (tap === "call") {
    // 電話する comes before 不在: the rider may be just inside
    return s.rider_phone ? `<a class="btn tap secondary" id="call-btn" href="tel:${esc(telDigits(s.rider_phone))}">${t("dr.callnow")}</a>` : "";
  }
  const left = tap === "no_show" ? waitLeft(s) : 0;
  if (left) return `<button type="button" class="btn tap ${cls}" data-tap="${tap}" data-ride="${esc(s.ride_id)}" disabled aria-describedby="nwait"><span class="countdown">${esc(tf("dr.noshow.wait", { t: mmss(left) }))}</span></button>`;
  return `<button type="button" class="btn tap ${cls}" data-tap="${tap}" data-ride="${esc(s.ride_id)}">${t(key)}</button>`;
}

// What a stop is, in words: a ride's pickup or drop-off, or the car's own (break, depot).
const KIND = { pickup: "dr.pickup", dropoff: "dr.dropoff", break: "dr.kind.break", start: "dr.kind.start", end: "dr.kind.end" };
const kindText = (kind) => t(KIND[kind] || "dr.kind.other");

function needsTags(s) {
  if (!s.ride_id) return "";  // a break or the depot carries nobody
  const out = [`<span class="tag blue">${esc(tf("dr.party", { n: s.party_size || 1 }))}</span>`];
  if (s.wheelchairs) out.push(`<span class="tag orange">${t("dr.wheelchair")}</span>`);
  if (s.needs_extra_time) out.push(`<span class="tag orange">${t("dr.help")}</span>`);
  return out.join(" ");
}

// The device's navigation app at the stop (the setting picks the link's kind).
function navUrl(s) {
  const at = `${Number(s.lat).toFixed(6)},${Number(s.lon).toFixed(6)}`;
  const kind = (me && me.navigation) || "geo";
  if (kind === "google") return `https://www.google.com/maps/dir/?api=1&destination=${at}&travelmode=driving`;
  if (kind === "apple") return `https://maps.apple.com/?daddr=${at}&dirflg=d`;
  return `geo:${at}?q=${at}(${encodeURIComponent(placeLabel(s.label) || "")})`;
}

function render(changed = new Set()) {
  const next = stops[0];
  const nextBox = $("#next");
  if (!next) {
    nextBox.innerHTML = `<p class="done-all">${t("dr.none")}</p>`;
  } else {
    const kindLabel = esc(kindText(next.kind));
    nextBox.className = `next-card ${next.kind}${changed.has(next.stop_id) ? " flash" : ""}`;
    nextBox.innerHTML = `<p class="nk"><span class="kind">${kindLabel}</span> <span class="status">${next.ride_status ? esc(t(`status.${next.ride_status}`)) : ""}</span></p>
      <p class="ntime">${hm(next.eta)} <small>(${esc(tf("dr.window", { a: hm(next.window_start), b: hm(next.window_end) }))})</small></p>
      ${next.kind === "pickup" && next.leave_at && new Date(next.leave_at) > now() ? `<p class="nleave">${esc(tf("dr.leave", { t: hm(next.leave_at) }))}</p>` : ""}
      <p class="nname">${esc(next.rider_name || "")} <span class="nlabel">${esc(placeLabel(next.label))}</span></p>
      <p class="ntags">${needsTags(next)}</p>
      ${next.notes ? `<p class="nnotes">${esc(next.notes)}</p>` : ""}
      ${next.lat != null && next.lon != null ? `<p><a class="btn secondary small nav-link" id="nav-link" href="${esc(navUrl(next))}" target="_blank" rel="noopener" aria-label="${esc(tf("dr.nav.aria", { place: placeLabel(next.label) || t("dr.nav") }))}">${t("dr.nav")}</a></p>` : ""}
      ${next.rider_phone && next.ride_status !== "arrived" ? `<p><a class="btn secondary small" href="tel:${esc(telDigits(next.rider_phone))}">${t("dr.call")} ${esc(next.rider_phone)}</a></p>` : ""}
      ${waitLeft(next) ? `<p class="nwait" id="nwait">${esc(tf("dr.noshow.hint", { t: hm(next.no_show_from) }))}</p>` : ""}
      <div class="taps">${actions(next).map((a) => tapButton(next, a)).join("")}</div>`;
    for (const b of nextBox.querySelectorAll("button.tap")) b.addEventListener("click", () => onTap(b.dataset.ride, b.dataset.tap, next));
  }
  renderUndo();
  $("#rest").innerHTML = stops.slice(1).map((s) => `<li class="${s.kind}${changed.has(s.stop_id) ? " flash" : ""}">
    <span class="rt">${hm(s.eta)}</span><span class="rk">${esc(kindText(s.kind))}</span>
    <span class="rn">${esc([s.rider_name, placeLabel(s.label)].filter(Boolean).join(" · "))}</span><span>${needsTags(s)}</span></li>`).join("");
  drawRoute(next);
}

// The map: the way to the next stop, its name and note, the stops of the hour, the car.
function drawRoute(next) {
  if (!map) return;
  const placed = (s) => s && s.lat != null && s.lon != null;
  const where = (s) => (s.ride_id ? placeLabel(s.label) : kindText(s.kind));
  map.update({
    stops: stops.slice(0, 8).filter(placed).map((s) => ({ lat: s.lat, lon: s.lon, pickup: s.kind === "pickup", title: `${hm(s.eta)} ${where(s)}` })),
    next: placed(next) ? { lat: next.lat, lon: next.lon, name: where(next), note: next.notes || "" } : null,
    route: next && next.route && next.route.coordinates ? next.route : null,
    here: t("dr.here"),
  });
}

// Keep what the tablet needs to open without a signal: the manifest, its rules, the vehicle.
function keep(extra = {}) {
  if (!me) return;
  const old = JSON.parse(localStorage.getItem(KEPT) || "null") || {};
  localStorage.setItem(KEPT, JSON.stringify({ ...old, vehicle_id: me.vehicle_id, day: ymd(now()), stops, tap_rules: rules, ...extra }));
}

function applyManifest(newStops) {
  const ids = new Set(newStops.map((s) => s.stop_id));
  const changed = new Set();
  if (prevIds) for (const s of newStops) if (!prevIds.has(s.stop_id)) changed.add(s.stop_id);
  const dropped = prevIds ? [...prevIds].some((id) => !ids.has(id) && !stops.find((s) => s.stop_id === id && s.kind === "dropoff")) : false;
  if (changed.size || (prevIds && dropped && stops.length !== newStops.length)) beep();
  prevIds = ids;
  stops = newStops;
  keep();
  render(changed);
}

// HTTP manifest: a first view before the websocket answers, and a fallback.
async function loadManifest() {
  try {
    const m = await api.get(`/api/v1/driver/manifest?date=${ymd(now())}`);
    if (stops.length) return;
    const s = [];
    for (const b of m.bookings || []) {
      if (["completed", "cancelled", "no_show", "rejected"].includes(b.status)) continue;
      const base = { ride_id: b.id, ride_status: b.status, rider_name: b.member_name, rider_phone: b.rider_phone, party_size: b.party_size, wheelchairs: b.wheelchair ? 1 : 0, needs_extra_time: b.needs_help_boarding, notes: b.notes };
      if (b.status !== "on_board") s.push({ ...base, stop_id: `${b.id}:pickup`, kind: "pickup", eta: b.estimated_pickup || b.pickup_window_start, window_start: b.pickup_window_start, window_end: b.pickup_window_end, lat: b.from_lat, lon: b.from_lon, label: b.from_label });
      s.push({ ...base, stop_id: `${b.id}:dropoff`, kind: "dropoff", eta: b.estimated_dropoff || b.latest_dropoff, window_start: b.estimated_dropoff, window_end: b.latest_dropoff, lat: b.to_lat, lon: b.to_lon, label: b.to_label });
    }
    s.sort((a, b) => a.eta.localeCompare(b.eta));
    applyManifest(s);
  } catch { /* the websocket will bring the manifest */ }
}

// The tablet's GPS goes to the engine over the socket: every 30 s, at once when the car
// has moved 100 m, and when the socket (re)opens. The board shows the car, riders see
// how far away it is, and a re-plan starts from where the car really is. Nothing is
// queued offline: an old position is of no use.
const GPS_EVERY_MS = 30000;
const GPS_MOVED_M = 100;
let gpsWatch = null;
let gpsTimer = null;
let fix = null;
let sent = null;
function metres(a, b) {
  const k = Math.PI / 180;
  const x = (b.lon - a.lon) * k * Math.cos(((a.lat + b.lat) / 2) * k);
  return Math.hypot(x, (b.lat - a.lat) * k) * 6371000;
}
function sendFix() {
  if (!fix || !ws || ws.readyState !== WebSocket.OPEN) return;
  ws.send(JSON.stringify({ type: "position", lat: fix.lat, lon: fix.lon }));
  sent = { ...fix, at: Date.now() };
}
function startGps() {
  if (gpsWatch !== null || !("geolocation" in navigator)) return;
  gpsWatch = navigator.geolocation.watchPosition((pos) => {
    fix = { lat: pos.coords.latitude, lon: pos.coords.longitude };
    if (map) map.car(fix);  // the map follows the car
    if (!sent || metres(sent, fix) >= GPS_MOVED_M) sendFix();
  }, () => { /* no permission or no signal: taps still place the car */ },
  { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
  gpsTimer = setInterval(() => { if (!sent || Date.now() - sent.at >= GPS_EVERY_MS) sendFix(); }, 5000);
}
function stopGps() {
  if (gpsWatch !== null) navigator.geolocation.clearWatch(gpsWatch);
  clearInterval(gpsTimer);
  gpsWatch = gpsTimer = fix = sent = null;
}

function connect() {
  if (!me) return;
  const proto = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${proto}://${location.host}/ws/vehicle/${encodeURIComponent(me.vehicle_id)}?token=${encodeURIComponent(api.token())}${lastSeq ? `&since=${lastSeq}` : ""}`);
  ws.onopen = () => { online = true; showOffline(); flush(); sendFix(); };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.seq) { if (m.seq <= lastSeq) return; lastSeq = m.seq; }
    if (m.type === "manifest") {
      if (m.vehicle && m.vehicle.name) { $("#vehicle").textContent = m.vehicle.name; keep({ vehicle_name: m.vehicle.name }); }
      if (m.tap_rules) rules = m.tap_rules;
      // the server's word on what may be undone, unless an undo is waiting in the queue
      if (!queue().some((x) => x.undo)) undoable = m.undo || null;
      applyManifest(m.stops || []);
    }
    else if (m.type === "ride") { const s = stops.filter((x) => x.ride_id === m.ride_id); for (const x of s) x.ride_status = m.status; if (s.length) render(); }
    else if (m.type === "alert") beep();
  };
  ws.onclose = (ev) => {
    ws = null;
    if (ev.code === 4401 || ev.code === 4403) { logout(); return; }
    if (resyncing) { resyncing = false; connect(); return; }
    online = false;
    showOffline();
    if (me) setTimeout(connect, 2000);
  };
}

// Sends the queue in order, each item once (the server ignores a tap_id it has seen).
let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    let q = queue();
    while (q.length) {
      const item = q[0];
      try {
        if (item.undo) await api.post(`/api/v1/driver/taps/${encodeURIComponent(item.undo)}/undo`);
        else if (item.shift) { shift = await api.post("/api/v1/driver/shift", { action: item.shift, event_id: item.tap_id }); renderShift(); }
        else {
          const { at, ...body } = item;
          const b = await api.post("/api/v1/driver/taps", body);
          for (const x of stops) if (x.ride_id === b.id && x.ride_status !== b.status) x.ride_status = b.status;
        }
      } catch (ex) {
        if (ex.status === 0 || ex.status >= 500) { online = false; showOffline(); setTimeout(flush, 3000); return; }
        // Refused (a rule, already done, not this vehicle): retrying cannot help. Say why,
        // and take the server's manifest again instead of the tablet's guess.
        refused(ex, item);
      }
      q = queue().filter((x) => x.tap_id !== item.tap_id);
      saveQueue(q);
    }
    online = !!ws || navigator.onLine;
    showOffline();
  } finally { flushing = false; }
}

function say(ja, en) {
  const box = $("#tap-msg");
  box.innerHTML = `${esc(ja)}${en ? `<small lang="en">${esc(en)}</small>` : ""}`;
  box.hidden = false;
}

function refused(ex, item) {
  const d = ex.detail || {};
  say(d.message_ja || ex.message || t("dr.refused", "ja"), d.message_en || t("dr.refused", "en"));
  if (item.shift) loadShift();  // show the shift as the server has it
  if (undoable && undoable.tap_id === item.tap_id) undoable = null;
  resync();
  if (d.needs_reason && item.tap === "arrived") {
    const stop = stops.find((s) => s.ride_id === item.ride_id && s.kind === "pickup");
    if (stop) askReason(stop, d.distance_m);
  }
}

// 出庫・帰庫: the driver signs on and off. The server keeps the times (the hours operated,
// which the city pays for) and refuses what cannot be (no shift today, rides to serve);
// the event is queued like a tap, so a sign-off without a signal is sent once, later.
let shift = null;  // GET /driver/shift: status, started_at, ended_at of today's shift
function renderShift() {
  const on = !!shift && !["off_shift", "out_of_service"].includes(shift.status);
  $("#shift-bar").hidden = !shift || on;
  $("#shift-start").hidden = !shift || on;
  $("#shift-end").hidden = !on;
  $("#shift-text").textContent = !shift || on ? "" : t(shift.ended_at ? "dr.shift.ended" : "dr.shift.off");
}
async function loadShift() {
  try { shift = await api.get("/api/v1/driver/shift"); } catch { /* offline: as it was */ }
  renderShift();
}
function signShift(action) {
  saveQueue([...queue(), { shift: action, tap_id: uuid() }]);
  if (shift) shift = action === "start" ? { ...shift, status: "available" } : { ...shift, status: "off_shift", ended_at: now().toISOString() };
  renderShift();
  flush();
}

// A full manifest from the server: reconnect the socket without `since`.
let resyncing = false;
function resync() {
  lastSeq = 0;
  if (ws) { resyncing = true; ws.close(); }
}

function onTap(rideId, tap, stop) {
  const go = (reason) => {
    const item = { ride_id: rideId, tap, tap_id: uuid(), at: now().toISOString() };
    if (reason) item.reason = reason;
    if (fix) { item.lat = fix.lat; item.lon = fix.lon; }  // the geofence checks where the car was
    const prev = JSON.stringify(stops);
    saveQueue([...queue(), item]);
    $("#tap-msg").hidden = true;
    // Show the effect at once; the manifest from the server confirms it.
    if (tap === "arrived") {
      stop.ride_status = "arrived";
      const from = Math.max(now().getTime(), Date.parse(stop.window_start || "") || 0) + (rules.no_show_wait_s || 0) * 1000;
      stop.no_show_from = new Date(from).toISOString();
    } else { stops = stops.filter((s) => s !== stop); if (tap === "boarded") for (const s of stops) if (s.ride_id === rideId) s.ride_status = "on_board"; if (tap === "no_show") stops = stops.filter((s) => s.ride_id !== rideId); }
    if (rules.undo_s) undoable = { tap_id: item.tap_id, tap, ride_id: rideId, until: new Date(now().getTime() + rules.undo_s * 1000).toISOString(), prev };
    prevIds = new Set(stops.map((s) => s.stop_id));
    keep();
    render();
    flush();
  };
  if (tap === "arrived" && rules.arrive_radius_m) {
    const away = fix ? metres(fix, stop) : null;
    if ((away !== null && away > rules.arrive_radius_m) || (away === null && rules.arrive_without_gps === "reason")) {
      askReason(stop, away === null ? null : Math.round(away), go);
      return;
    }
  }
  // 降車: the fare's record first (one tap in the payment dialog), then the tap itself
  if (tap === "dropped_off") { askPayment(api, rideId, () => go()); return; }
  if (tap !== "no_show") { go(); return; }
  const dlg = $("#noshow-dialog");
  $("#noshow-text").textContent = tf("dr.noshow.confirm", { n: stop.rider_name || "" });
  dlg.returnValue = "";
  dlg.onclose = () => { if (dlg.returnValue === "yes") go(); };
  dlg.showModal();
}

// 到着 away from the stop: the driver picks why from the city's list (or cancels).
function askReason(stop, distance, go) {
  const dlg = $("#reason-dialog");
  const reasons = rules.arrive_reasons || [];
  $("#reason-text").textContent = distance === null || distance === undefined ? t("dr.reason.nogps") : tf("dr.reason.far", { m: distance });
  $("#reason-list").innerHTML = reasons.map((r) => `<button class="btn secondary" value="${esc(r.code)}">${esc(lang() === "en" ? r.label_en : r.label_ja)}</button>`).join("");
  dlg.returnValue = "";
  dlg.onclose = () => {
    const code = dlg.returnValue;
    if (!code) return;
    if (go) go(code);
    else onTapWithReason(stop, code);
  };
  dlg.showModal();
}
function onTapWithReason(stop, code) {
  // after the server refused: the same tap again, now with the reason
  const item = { ride_id: stop.ride_id, tap: "arrived", tap_id: uuid(), reason: code, at: now().toISOString() };
  if (fix) { item.lat = fix.lat; item.lon = fix.lon; }
  saveQueue([...queue(), item]);
  $("#tap-msg").hidden = true;
  flush();
}

// 「取り消す」 for the last tap, while its time lasts: a tap still in the queue is simply
// taken out; a sent one is undone by the server (queued too, so it keeps its order).
function renderUndo() {
  const bar = $("#undo-bar");
  const left = undoable ? Math.ceil((Date.parse(undoable.until) - now().getTime()) / 1000) : 0;
  if (left <= 0) { bar.hidden = true; if (undoable) undoable = null; return; }
  const names = { arrived: "dr.arrived", boarded: "dr.boarded", no_show: "dr.noshow", dropped_off: "dr.dropped" };
  $("#undo-text").textContent = tf("dr.undo.what", { tap: t(names[undoable.tap] || ""), n: left });
  bar.hidden = false;
}
function undo() {
  const u = undoable;
  if (!u) return;
  undoable = null;
  const q = queue();
  if (q.some((x) => x.tap_id === u.tap_id)) {
    saveQueue(q.filter((x) => x.tap_id !== u.tap_id));
    if (u.prev) { stops = JSON.parse(u.prev); prevIds = new Set(stops.map((s) => s.stop_id)); keep(); }
  } else {
    saveQueue([...q, { undo: u.tap_id, tap_id: uuid() }]);
    flush();
  }
  toast(t("dr.undone"));
  render();
}

// Once a second: the countdown to 不在 and the undo bar; re-render when one runs out.
setInterval(() => {
  if (!me) return;
  const next = stops[0];
  const box = document.querySelector("#next .countdown");
  if (box) {
    const left = waitLeft(next);
    if (left) box.textContent = tf("dr.noshow.wait", { t: mmss(left) });
    else render();
  }
  renderUndo();
}, 1000);

function show(view) {
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== `view-${view}`;
  $("#logout").hidden = view === "login";
}

async function start() {
  show("run");
  $("#vehicle").textContent = me.vehicle_id || "";
  if (!map) map = routeMap($("#dr-map"));  // MapLibre (or Leaflet) loads now, not at login
  const kept = JSON.parse(localStorage.getItem(KEPT) || "null");
  if (kept && kept.vehicle_id === me.vehicle_id && kept.day === ymd(now()) && !stops.length) {
    rules = kept.tap_rules || {};
    if (kept.vehicle_name) $("#vehicle").textContent = kept.vehicle_name;
    stops = kept.stops || [];
    prevIds = new Set(stops.map((s) => s.stop_id));
  }
  render();
  loadManifest();
  loadShift();
  connect();
  if (me.report_gps !== false) startGps();  // off where a simulated fleet drives the cars
}

function logout() {
  me = null;
  api.setToken("");
  localStorage.removeItem(ME);
  localStorage.removeItem(KEPT);
  stops = [];
  prevIds = null;
  undoable = null;
  shift = null;
  renderShift();
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
  stopGps();
  if (map) map.car(null);
  show("login");
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const err = $("#login-error");
  err.hidden = true;
  beep();
  try {
    const res = await api.post("/api/v1/auth/login", { login: $("#dr-user").value.trim(), password: $("#dr-pw").value });
    if (res.role !== "driver" || !res.vehicle_id) throw new Error(t("error.invalid"));
    api.setToken(res.token);
    me = res;
    localStorage.setItem(ME, JSON.stringify(res));
    start();
  } catch (ex) { err.textContent = ex.message; err.hidden = false; }
});
$("#undo-btn").addEventListener("click", undo);
$("#cash-btn").addEventListener("click", () => cashCount(api));
$("#shift-start").addEventListener("click", () => signShift("start"));
$("#shift-end").addEventListener("click", () => {
  const dlg = $("#shift-dialog");
  dlg.returnValue = "";
  dlg.onclose = () => { if (dlg.returnValue === "yes") signShift("end"); };
  dlg.showModal();
});
$("#logout").addEventListener("click", async () => { try { await api.post("/api/v1/auth/logout"); } catch { /* local logout anyway */ } logout(); });
window.addEventListener("online", () => { online = true; flush(); });
window.addEventListener("offline", () => { online = false; showOffline(); });
const showClock = () => { $("#clock").textContent = hm(now().toISOString()); };
setInterval(showClock, 1000);
initLangSwitch($("#lang"));
applyI18n();
document.addEventListener("langchange", () => render());

(async () => {
  // a signed-in tablet asks who it is, reads the clock and fetches its map side by side
  const who = api.token() ? api.get("/api/v1/auth/me").then((ok) => ({ ok }), (ex) => ({ ex })) : null;
  if (who) prefetchMap();
  await startClock();
  showClock();
  if (who) {
    // without a signal the tablet opens with the driver it last knew (the server checks later)
    const { ok, ex } = await who;
    if (ok) { me = ok; localStorage.setItem(ME, JSON.stringify(me)); } else me = ex.status === 0 ? JSON.parse(localStorage.getItem(ME) || "null") : null;
  }
  if (me && me.vehicle_id) start(); else show("login");
  showOffline();
})();
// The app shell from the tablet's own cache, so it opens without a signal (scope /driver).
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/driver/sw.js", { scope: "/driver" }).catch(() => {});
