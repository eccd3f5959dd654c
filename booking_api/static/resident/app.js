// Residents' app: routing between views, login, registration (draft kept in
// localStorage), my bookings with cancel and live status (ride socket, polling as fallback).
import { applyI18n, initLangSwitch, lang, t, tf, th } from "/static/common/i18n.js";
import { makeApi, hm, dayLabel, esc, toast, nowMs, placeLabel, startClock, ymd } from "/static/common/api.js";
import { callUs, fresh as freshRules, known as knownRules } from "/static/resident/rules.js";

// Only what the first screen (welcome, login) needs is imported above; the screens
// behind the login and the map come when first shown (and are fetched once the first
// screen is up, see the end): on a 400 ms line every kilobyte before it counts.
const later = {
  book: () => import("/static/resident/book.js"),
  wallet: () => import("/static/resident/wallet.js"),
  settings: () => import("/static/resident/settings.js"),
  car: () => import("/static/common/car.js"),
  map: () => import("/static/common/placemap.js"),
};
let carHtml = () => "";

export const api = makeApi("noriai.resident.token");
const $ = (s) => document.querySelector(s);
const ACTIVE = new Set(["requested", "offered", "booked", "assigned", "en_route", "arrived", "on_board"]);
const DRAFT = "noriai.registration.draft";
let me = null;
let liveTimer = null;
// The city's rules (resident/rules.js); the reservation centre's number goes wherever
// the app says "call us" (お電話で), as a tel: link: the last visit's number at once,
// this visit's as soon as it is read.
const callUsHtml = () => callUs(knownRules());
function fillCallUs(root = document) {
  for (const el of root.querySelectorAll("[data-call-us]")) el.innerHTML = callUsHtml();
}

function show(name) {
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== `view-${name}`;
  $("#tabs").hidden = !me;
  for (const a of document.querySelectorAll("#tabs a")) {
    if (a.id === `tab-${name}`) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  clearInterval(liveTimer);
  if (name !== "bookings") closeAllRides();
  const h1 = document.querySelector(`#view-${name} h1`);
  if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
  window.scrollTo(0, 0);
}

async function route() {
  const r = location.hash.replace(/^#\/?/, "").split("?")[0] || ""; // the wallet's return from the payment page has a query
  fillCallUs();
  if (!me && api.token()) {
    // Only the server's refusal of the session (401/403) ends it: opened without a signal
    // or while the service is busy (503), the rider stays signed in for the next try.
    try { me = await api.get("/api/v1/auth/me"); } catch (ex) { if ([401, 403].includes(ex.status)) api.setToken(""); me = null; }
  }
  if (r === "register") { show("register"); initRegistration(); return; }
  if (r === "registered") { show("registered"); return; }
  if (r === "login") { show("login"); return; }
  if (!me) { show("welcome"); return; }
  // Behind the login: times by the service's clock and this visit's rules.
  const [rules] = await Promise.all([rulesReady, clockReady]);
  if (r === "wallet") {
    show("wallet");
    const { showWallet } = await later.wallet();
    await showWallet(api, $("#view-wallet"), rules);
    show("wallet");
    return;
  }
  if (r === "bookings") { show("bookings"); loadBookings(); return; }
  if (r === "settings") {
    show("settings");
    const { showSettings } = await later.settings();
    showSettings(api, $("#view-settings"));
    return;
  }
  show("book");
  const { startBooking } = await later.book();
  startBooking(api, me, rules);
}

// ---- Login ----
$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const err = $("#login-error");
  err.hidden = true;
  try {
    const res = await api.post("/api/v1/auth/login", { login: $("#login-id").value.trim(), password: $("#login-pw").value });
    if (res.role !== "resident") throw new Error(t("error.invalid"));
    api.setToken(res.token);
    me = res;
    location.hash = "#/book";
  } catch (ex) {
    err.textContent = ex.message;
    err.hidden = false;
  }
});
$("#logout").addEventListener("click", async () => {
  try { await api.post("/api/v1/auth/logout"); } catch { /* the token is dropped locally anyway */ }
  api.setToken("");
  me = null;
  location.hash = "#/";
});

// ---- Registration ----
let regMap = null; // common/placemap.js's map, once the registration shows it
function regForm() { return $("#reg-form"); }
function saveDraft() {
  const f = regForm();
  const data = {};
  for (const el of f.elements) {
    if (!el.name || el.name === "password") continue;
    data[el.name] = el.type === "checkbox" ? el.checked : el.value;
  }
  data.home_lat = f.dataset.lat || "";
  data.home_lon = f.dataset.lon || "";
  localStorage.setItem(DRAFT, JSON.stringify(data));
  $("#reg-saved").textContent = t("reg.saved");
}
function setHome(lat, lon) {
  const f = regForm();
  f.dataset.lat = lat;
  f.dataset.lon = lon;
  if (regMap) regMap.pin(Number(lat), Number(lon), t("reg.home"));
  $("#reg-home-status").textContent = `${t("reg.home.set")} (${Number(lat).toFixed(5)}, ${Number(lon).toFixed(5)})`;
}
function initRegistration() {
  const f = regForm();
  const draft = JSON.parse(localStorage.getItem(DRAFT) || "{}");
  for (const el of f.elements) {
    if (!el.name || !(el.name in draft)) continue;
    if (el.type === "checkbox") el.checked = !!draft[el.name]; else el.value = draft[el.name];
  }
  if (draft.home_lat) setHome(draft.home_lat, draft.home_lon);
  if (!regMap) {
    // MapLibre (or Leaflet) is fetched now, with the first map shown, not with the page.
    later.map().then(({ placeMap }) => {
      if (regMap) return;
      const f = regForm();
      const home = f.dataset.lat ? [Number(f.dataset.lat), Number(f.dataset.lon)] : null;
      regMap = placeMap($("#reg-map"), { center: home, zoom: home ? 15 : 12, textScale: 1.4 });
      regMap.onClick((lat, lon) => { setHome(lat, lon); saveDraft(); });
      if (home) setHome(f.dataset.lat, f.dataset.lon);
    }).catch(() => { /* no map: the address still finds the home */ });
  }
}
regForm().addEventListener("input", saveDraft);
// Typing an address and asking for it moves the pin to the town's centre; a tap on the map refines it.
$("#reg-locate").addEventListener("click", async () => {
  const status = $("#reg-home-status");
  const full = $("#reg-address").value.replace(/[0-9０-９\-－ー−番地号丁目の\s]+$/, "").trim();
  if (!full) { $("#reg-address").focus(); return; }
  // Try the address as typed, then without the prefecture, then without the city.
  const noPref = full.replace(/^.{2,4}?[都道府県]/, "");
  const noCity = noPref.replace(/^.+?[市郡]/, "");
  try {
    for (const q of [...new Set([noCity, noPref, full])].filter(Boolean)) {
      const rows = await api.get(`/api/v1/towns?q=${encodeURIComponent(q)}&limit=1`);
      if (rows.length) {
        setHome(rows[0].lat, rows[0].lon);
        if (regMap) regMap.view(rows[0].lat, rows[0].lon, 15);
        saveDraft();
        return;
      }
    }
    status.textContent = t("reg.locate.none");
  } catch (ex) { status.textContent = ex.message; }
});
// Each error goes next to its field (aria-describedby names the slot), and the summary
// at the top links to the fields; a field path such as "body.phone" is never shown.
function clearFieldErrors(f) {
  for (const el of f.elements) if (el.name) el.removeAttribute("aria-invalid");
  for (const fe of f.querySelectorAll(".field-error")) { fe.textContent = ""; fe.hidden = true; }
}
function fieldLabel(el) {
  const lab = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
  const main = lab && (lab.querySelector("span[data-i18n]") || lab);
  return main ? main.textContent.trim() : el.name;
}
function showFieldErrors(f, errs) {
  const items = [];
  for (const { el, message } of errs) {
    const target = el || $("#reg-map");
    if (el) el.setAttribute("aria-invalid", "true");
    const slot = document.getElementById(`${target.id}-error`);
    if (slot) {
      slot.textContent = `${t("reg.error.prefix")}${message}`;
      slot.hidden = false;
      const ids = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (!ids.includes(slot.id)) target.setAttribute("aria-describedby", [...ids, slot.id].join(" "));
    }
    items.push(`<li><a href="#${esc(target.id)}" data-field="${esc(target.id)}">${esc(el ? fieldLabel(el) : t("reg.home"))}: ${esc(message)}</a></li>`);
  }
  const err = $("#reg-error");
  err.innerHTML = `<p>${th("reg.errors")}</p><ul>${items.join("")}</ul>`;
  err.hidden = false;
  for (const a of err.querySelectorAll("a[data-field]")) {
    a.addEventListener("click", (ev) => { ev.preventDefault(); document.getElementById(a.dataset.field)?.focus(); });
  }
  err.tabIndex = -1;
  err.focus();
}
function serverFieldErrors(f, ex) {
  const english = lang() === "en";
  const errs = (ex.detail && ex.detail.errors) || [];
  const out = [];
  for (const fe of errs) {
    const name = String(fe.field || "").split(".").pop();
    const el = name === "home_lat" || name === "home_lon" ? null : f.elements[name];
    if (!el && name !== "home_lat" && name !== "home_lon") continue;
    out.push({ el, message: (english ? fe.message_en : fe.message_ja) || fe.message || ex.message });
  }
  return out;
}
// How to be told: ticked by what the applicant gave (a mobile SMS, another number a
// call, email once an address is typed) until they change a box themselves.
let regChannelsTouched = false;
function regChannelDefaults() {
  if (regChannelsTouched) return;
  const phone = String($("#reg-phone").value).normalize("NFKC").replace(/[^\d+]/g, "");
  const mobile = /^(?:\+?81|0)[789]0/.test(phone);
  $("#reg-ch-sms").checked = Boolean(phone) && mobile;
  $("#reg-ch-voice").checked = Boolean(phone) && !mobile;
  $("#reg-ch-email").checked = Boolean($("#reg-email").value.trim());
}
$("#reg-phone").addEventListener("input", regChannelDefaults);
$("#reg-email").addEventListener("input", regChannelDefaults);
for (const b of document.querySelectorAll("#reg-notify input[data-ch]")) b.addEventListener("change", () => { regChannelsTouched = true; });
regForm().addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = regForm();
  const err = $("#reg-error");
  err.hidden = true;
  clearFieldErrors(f);
  const missing = [...f.elements].filter((el) => el.required && (el.type === "checkbox" ? !el.checked : !el.value.trim()));
  if (missing.length || !f.dataset.lat) {
    const errs = missing.map((el) => ({ el, message: t("reg.error.required") }));
    if (!f.dataset.lat) errs.push({ el: null, message: t("reg.error.home") });
    showFieldErrors(f, errs);
    return;
  }
  const body = {};
  for (const el of f.elements) {
    if (!el.name) continue;
    body[el.name] = el.type === "checkbox" ? el.checked : el.value.trim();
  }
  // Phone numbers go as typed (full-width digits and hyphens too): the API normalises
  // them, so no digit is ever lost here.
  const regChannels = [...f.querySelectorAll("input[data-ch]:checked")].map((el) => el.dataset.ch);
  if (regChannels.length) body.notify_channels = regChannels;
  body.home_lat = Number(f.dataset.lat);
  body.home_lon = Number(f.dataset.lon);
  try {
    await api.post("/api/v1/registrations", body);
    localStorage.removeItem(DRAFT);
    f.reset();
    location.hash = "#/registered";
  } catch (ex) {
    const errs = serverFieldErrors(f, ex);
    if (errs.length) { showFieldErrors(f, errs); return; }
    err.innerHTML = `<p>${esc(ex.message)}</p><p>${callUsHtml()}</p>`;
    err.hidden = false;
    err.tabIndex = -1;
    err.focus();
  }
});

// ---- My bookings ----
// Statuses whose car can still be followed live on the day (docs/stream.md, /ws/ride).
const LIVE = new Set(["booked", "assigned", "en_route", "arrived", "on_board"]);
const rideSockets = new Map(); // ride id -> { ws, open, state, retry, timer, refused }
function minutesText(status, min, live = false) {
  if (!["booked", "assigned", "en_route"].includes(status) || min == null) return "";
  // A polled estimate is shown only close to pickup; the socket's ETA follows the car all day.
  if (!live && status !== "en_route" && (min > 30 || min < -30)) return "";
  if (min <= 1) return t("my.live.soon");
  // hours ahead, "約291分" is hard to read at a glance
  return min < 60 ? tf("my.live.min", { m: min }) : tf("my.live.hm", { h: Math.floor(min / 60), m: min % 60 });
}
// Today's rides still to come are followed over their socket (openRide).
const followed = (b, now) => LIVE.has(b.status) && ymd(new Date(b.pickup_window_start)) === ymd(new Date(now));
// A followed ride's line keeps its place while it is empty ("quiet": invisible, one line
// high): the socket's first message fills it a moment after the card is drawn, and a
// line appearing then pushed the buttons under the rider's finger (a tap on 変更 landed
// on the text above it).
function liveLine(b) {
  const min = b.estimated_pickup ? Math.round((new Date(b.estimated_pickup) - nowMs()) / 60000) : null;
  const text = minutesText(b.status, min);
  if (followed(b, nowMs())) return `<p class="live${text ? "" : " quiet"}" role="status">${text ? esc(text) : "&nbsp;"}</p>`;
  return `<p class="live" role="status"${text ? "" : " hidden"}>${esc(text)}</p>`;
}
function bookingCard(b, upcoming) {
  const tagClass = { completed: "green", cancelled: "gray", no_show: "red", rejected: "red" }[b.status] || "blue";
  return `<article class="card booking" data-id="${esc(b.id)}" data-status="${esc(b.status)}">
    <p class="when"><strong>${esc(dayLabel(b.pickup_window_start))}</strong>
      <span class="big-time">${hm(b.pickup_window_start)}〜${hm(b.pickup_window_end)}</span></p>
    <p class="route">${esc(placeLabel(b.from_label))} <span aria-hidden="true">→</span><span class="visually-hidden">→</span> ${esc(placeLabel(b.to_label))}</p>
    <p><span class="tag ${tagClass} status">${esc(t(`status.${b.status}`))}</span>
      <span class="muted">${esc(b.fare_yen != null ? tf("my.party.fare", { n: b.party_size, y: b.fare_yen }) : tf("my.party", { n: b.party_size }))}</span></p>
    ${upcoming ? liveLine(b) : ""}
    ${upcoming ? carHtml(b) : ""}
    ${upcoming && ["booked", "assigned"].includes(b.status) ? `<div class="row"><button type="button" class="btn secondary change" data-id="${esc(b.id)}">${esc(t("my.change"))}</button>
      <button type="button" class="btn danger secondary cancel" data-id="${esc(b.id)}">${esc(t("my.cancel"))}</button></div>` : ""}
  </article>`;
}
// A round trip is two rides the same day, the second from where the first goes back to
// where it started: shown together, outward then return.
const samePoint = (aLat, aLon, bLat, bLon) => Math.abs(aLat - bLat) < 1e-5 && Math.abs(aLon - bLon) < 1e-5;
function pairLegs(rides) {
  const used = new Set();
  const out = [];
  for (const a of rides) {
    if (used.has(a.id)) continue;
    used.add(a.id);
    const day = ymd(new Date(a.pickup_window_start));
    const back = rides.find((b) => !used.has(b.id) && ymd(new Date(b.pickup_window_start)) === day
      && b.pickup_window_start > a.pickup_window_start
      && samePoint(a.from_lat, a.from_lon, b.to_lat, b.to_lon) && samePoint(a.to_lat, a.to_lon, b.from_lat, b.from_lon));
    if (back) used.add(back.id);
    out.push(back ? [a, back] : [a]);
  }
  return out;
}
function tripHtml(legs, upcoming) {
  if (legs.length === 1) return bookingCard(legs[0], upcoming);
  return `<section class="trip" aria-label="${esc(t("my.roundtrip"))}"><p class="trip-label">${esc(t("my.roundtrip"))}</p>
    <p class="leg-label">${esc(t("my.leg.go"))}</p>${bookingCard(legs[0], upcoming)}
    <p class="leg-label">${esc(t("my.leg.return"))}</p>${bookingCard(legs[1], upcoming)}</section>`;
}
// A notification's link (#/bookings?ride=ID, notify.outbox.ride_url) names its ride: the
// card is brought into view and focused once per link, not again at each refresh.
const onBookings = () => location.hash.replace(/^#\/?/, "").split("?")[0] === "bookings";
let linkedShown = "";
window.addEventListener("hashchange", () => { linkedShown = ""; });
function showLinkedRide() {
  const id = new URLSearchParams(location.hash.split("?")[1] || "").get("ride");
  if (!id || linkedShown === location.hash) return;
  const card = [...document.querySelectorAll("#view-bookings article.booking")].find((c) => c.dataset.id === id);
  if (!card) return;
  linkedShown = location.hash;
  for (const c of document.querySelectorAll("article.booking[aria-current]")) c.removeAttribute("aria-current");
  card.setAttribute("aria-current", "true");
  card.tabIndex = -1;
  card.scrollIntoView({ block: "center" });
  card.focus({ preventScroll: true });
}
async function loadBookings() {
  let list = [];
  try {
    [list, { carHtml }] = await Promise.all([api.get("/api/v1/bookings"), later.car()]);
  } catch (ex) { toast(ex.message, "error"); return; }
  const now = nowMs();
  const up = list.filter((b) => ACTIVE.has(b.status) && new Date(b.latest_dropoff || b.pickup_window_end) > now - 3600e3);
  // A ride cancelled before its day never happened: it is not a past ride.
  const cancelledAhead = list.filter((b) => b.status === "cancelled" && new Date(b.pickup_window_start) > now);
  const past = list.filter((b) => !up.includes(b) && !cancelledAhead.includes(b)).reverse();
  up.sort((a, b) => a.pickup_window_start.localeCompare(b.pickup_window_start));
  cancelledAhead.sort((a, b) => a.pickup_window_start.localeCompare(b.pickup_window_start));
  $("#my-upcoming").innerHTML = pairLegs(up).map((legs) => tripHtml(legs, true)).join("") || `<p class="muted">${t("my.none")}</p>`;
  $("#my-past").innerHTML = past.map((b) => bookingCard(b, false)).join("") || `<p class="muted">${t("my.none")}</p>`;
  $("#my-cancelled").innerHTML = cancelledAhead.map((b) => bookingCard(b, false)).join("");
  $("#my-cancelled-box").hidden = !cancelledAhead.length;
  for (const btn of document.querySelectorAll("#my-upcoming .change")) {
    btn.addEventListener("click", async () => {
      (await later.book()).startChange(up.find((b) => b.id === btn.dataset.id));
      location.hash = "#/book";
    });
  }
  for (const btn of document.querySelectorAll("#my-upcoming .cancel")) {
    btn.addEventListener("click", () => cancelBooking(up.find((b) => b.id === btn.dataset.id)));
  }
  // Today's rides are followed over their socket; the others (and any ride whose socket
  // is down) are re-read every 15 s as before.
  const want = up.filter((b) => followed(b, now)).map((b) => b.id);
  for (const id of [...rideSockets.keys()]) if (!want.includes(id)) closeRide(id);
  for (const id of want) { openRide(id); applyRide(id); }
  showLinkedRide();
  clearInterval(liveTimer);
  if (up.length) {
    liveTimer = setInterval(() => {
      if (document.hidden || !onBookings()) return;
      if (want.length && want.every((id) => rideSockets.get(id)?.open)) return;
      loadBookings();
    }, 15000);
  }
}
function applyRide(id) {
  const s = rideSockets.get(id)?.state;
  const card = [...document.querySelectorAll("#my-upcoming .booking")].find((c) => c.dataset.id === id);
  if (!s || !card) return;
  card.dataset.status = s.status;
  const tag = card.querySelector(".status");
  const label = t(`status.${s.status}`);
  if (tag && tag.textContent !== label) tag.textContent = label;
  const live = card.querySelector(".live");
  const text = minutesText(s.status, s.minutes_away, true);
  // Only touch the status line when its words change, so screen readers are not flooded;
  // an empty line keeps its height (see liveLine), so nothing below it moves.
  const shown = text || "\u00a0";
  if (live && live.textContent !== shown) live.textContent = shown;
  if (live) { live.hidden = false; live.classList.toggle("quiet", !text); }
  if (!["booked", "assigned"].includes(s.status)) card.querySelector(".cancel")?.remove();
}
function openRide(id) {
  const token = api.token();
  let entry = rideSockets.get(id);
  if (!token || (entry && (entry.ws || entry.refused))) return;
  if (!entry) { entry = { ws: null, open: false, state: null, retry: 0, timer: null, refused: false }; rideSockets.set(id, entry); }
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/ws/ride/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`);
  entry.ws = ws;
  ws.onmessage = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch { return; }
    if (m.type !== "ride_status") return;
    entry.open = true;
    entry.retry = 0;
    entry.state = m;
    applyRide(id);
    // Finished, cancelled or no-show: move it to the past list.
    if (!LIVE.has(m.status)) { closeRide(id); loadBookings(); }
  };
  ws.onclose = (ev) => {
    if (entry.ws === ws) { entry.ws = null; entry.open = false; }
    if (rideSockets.get(id) !== entry) return; // closed on purpose
    // Refused (token, not ours, unknown): polling shows the status; anything else: retry.
    if ([4401, 4403, 4404].includes(ev.code)) { entry.refused = true; return; }
    entry.retry = Math.min(entry.retry + 1, 5);
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => openRide(id), 1000 * 2 ** entry.retry);
  };
}
function closeRide(id) {
  const entry = rideSockets.get(id);
  rideSockets.delete(id);
  if (!entry) return;
  clearTimeout(entry.timer);
  entry.ws?.close();
}
function closeAllRides() { for (const id of [...rideSockets.keys()]) closeRide(id); }
function cancelBooking(b) {
  const dlg = $("#confirm-dialog");
  $("#confirm-text").textContent = tf("my.cancel.confirm", { d: dayLabel(b.pickup_window_start), t: hm(b.pickup_window_start) });
  dlg.returnValue = "";
  dlg.onclose = async () => {
    if (dlg.returnValue !== "yes") return;
    try {
      await api.post(`/api/v1/bookings/${encodeURIComponent(b.id)}/cancel`, { reason: "resident" });
      toast(t("my.cancelled"));
    } catch (ex) { toast(ex.message, "error"); }
    loadBookings();
  };
  dlg.showModal();
}

// ---- Start ----
initLangSwitch($("#lang"));
applyI18n();
document.addEventListener("langchange", route);
window.addEventListener("hashchange", route);
// The clock and the rules are read side by side and awaited only by the screens that
// need them, so the welcome screen is not two round trips behind the catalogue.
const clockReady = startClock();
const rulesReady = freshRules(api).then((r) => { fillCallUs(); return r; });
route().finally(() => {
  // After the first screen: the other screens' modules, then the service worker (its
  // install caches the shell, the same files, from the HTTP cache), so neither
  // competes with the first screen for a thin line. Loading the modules now also keeps
  // this page on one build's files if a release's worker takes over while it is open.
  const modules = Promise.allSettled(Object.values(later).map((load) => load()));
  if (!("serviceWorker" in navigator)) return;
  // A worker already running this page answered it from its cache: ask the server
  // whether a release came (a changed /sw.js installs it for the next load).
  const update = Boolean(navigator.serviceWorker.controller);
  modules.then(() => navigator.serviceWorker.register("/sw.js"))
    .then((reg) => (update ? reg.update() : reg)).catch(() => {});
});
