// The residents' booking flow: from → to → when → who → offer (with its hold
// countdown) → confirm; a return trip can be asked in the same flow.
import { lang, t, tf, th } from "/static/common/i18n.js";
import { hm, dayLabel, esc, ymd, toast, now, nowMs, placeLabel, TZ } from "/static/common/api.js";
import { placeMap } from "/static/common/placemap.js";
import { carHtml } from "/static/common/car.js";
import { callUs } from "/static/resident/rules.js";

export { callUs };

const ICONS = {
  hospital: '<path d="M24 6h16v18h18v16H40v18H24V40H6V24h18z"/>',
  shopping: '<path d="M8 10h8l6 30h30l6-22H20" fill="none" stroke-width="6" stroke="currentColor" stroke-linejoin="round"/><circle cx="26" cy="52" r="5"/><circle cx="48" cy="52" r="5"/>',
  city_hall: '<path d="M32 4 4 20v6h56v-6zM10 30h8v20h-8zm14 0h8v20h-8zm14 0h8v20h-8zm14 0h6v20h-6zM4 54h56v6H4z"/>',
  bank_post: '<path d="M6 8h52v8H6zm8 14h36v8H14zm14 8h8v28h-8z"/>',
  public: '<path d="M32 6 6 22h52zM10 26h44v26H10zm14 8v18h16V34zM6 54h52v6H6z"/>',
};
ICONS.medical = ICONS.hospital;
ICONS.city_office = ICONS.city_hall;
ICONS.dentist = '<path d="M18 6c-8 0-12 6-12 14 0 10 6 14 8 26 1 8 3 12 6 12s4-6 5-12 3-10 7-10 6 4 7 10 2 12 5 12 5-4 6-12c2-12 8-16 8-26 0-8-4-14-12-14-6 0-9 4-14 4S24 6 18 6z"/>';
ICONS.pharmacy = '<path d="M20 4h24v10H20zM12 18h40v42H12zm16 8v8h-8v8h8v8h8v-8h8v-8h-8v-8z"/>';
ICONS.other = ICONS.public;
// The groups come from the API (GET /places/groups, derived from the places data:
// 病院・クリニック, 歯科, 薬局, 買い物 ...); each has a large icon.
const ERROR_STEP = { time_passed: "when", too_late_to_book: "when", outside_hours: "when", closed_day: "when", too_early_to_book: "when", areas_not_connected: "to", party_too_large: "who" };
const STEPS = ["from", "to", "when", "who", "offer"];
let api = null;
let me = null;
let st = null;
let holdTimer = null;
let cats = null;
let rules = {};
// A refusal shown at the step it belongs to: { step, html }.
let stepNotice = null;

function fresh() {
  const tomorrow = new Date(nowMs() + 86400e3);
  return { step: "from", from: null, to: null, date: ymd(tomorrow), time: "10:00", mode: "depart_at", roundTrip: false, returnTime: "13:00", party: 1, wheelchair: !!(me && me.wheelchair), notes: "", offer: null, returnOffer: null, done: null, changing: null };
}
export function startBooking(theApi, member, theRules) {
  api = theApi;
  if (!me || me.account_id !== member.account_id) me = member;
  rules = theRules || rules;
  stepNotice = null; // re-derived in the chosen language when the step is done again
  if (!st || st.done) st = fresh();
  render();
}

// ---- Changing a booking: the same steps, filled in from the booking, quoted through
// POST /bookings/{id}/modify and booked through /modify/confirm (the old booking stays
// until the new one is confirmed).
let pendingChange = null;
export function startChange(booking) {
  pendingChange = booking;
  st = null;
}
function near(aLat, aLon, bLat, bLon) { return Math.abs(aLat - bLat) < 1e-5 && Math.abs(aLon - bLon) < 1e-5; }
async function refFor(label, lat, lon) {
  if (me.home_lat != null && near(lat, lon, me.home_lat, me.home_lon)) return { ref: { home: true }, label: t("book.from.home"), lat, lon };
  try {
    const saved = await api.get("/api/v1/me/places");
    const s = saved.find((p) => near(lat, lon, p.lat, p.lon));
    if (s) return { ref: { saved_place_id: s.id }, label: s.label, lat, lon };
    const found = await api.get(`/api/v1/places?q=${encodeURIComponent(label)}&limit=20`);
    const p = found.find((x) => near(lat, lon, x.lat, x.lon));
    if (p) return { ref: { place_id: p.id }, label: p.name, lat, lon, category: p.category };
  } catch { /* a point works as well */ }
  return { ref: { lat, lon, label }, label, lat, lon };
}
async function beginChange(b) {
  await loadMe();
  const local = new Date(b.pickup_window_start);
  st = fresh();
  st.changing = b;
  st.from = await refFor(b.from_label, b.from_lat, b.from_lon);
  st.to = await refFor(b.to_label, b.to_lat, b.to_lon);
  st.date = ymd(local);
  st.time = hm(b.pickup_window_start);
  st.party = b.party_size;
  st.carers = b.carers || 0; // kept on the change, so carers are not charged as companions
  st.wheelchair = !!b.wheelchair;
  st.notes = b.notes || "";
  st.step = "when";
}
function changeBanner() {
  const b = st && st.changing;
  if (!b) return "";
  return `<div class="notice change-of"><p><strong>${esc(tf("book.change.of", { d: dayLabel(b.pickup_window_start), a: hm(b.pickup_window_start), b: hm(b.pickup_window_end), r: `${placeLabel(b.from_label)} → ${placeLabel(b.to_label)}` }))}</strong></p>
    <p>${esc(t("book.change.keep"))}</p><p><button type="button" class="btn tertiary small stop-change">${esc(t("book.change.stop"))}</button></p></div>`;
}
async function loadMe() {
  if (me.address !== undefined) return;
  // /auth/me has no address; the member record has it (home point, wheelchair need, no-shows).
  try {
    const m = await api.get("/api/v1/me");
    me = { ...me, address: m.address, home_lat: m.home_lat, home_lon: m.home_lon, home_area: m.home_area, wheelchair: m.wheelchair, noShows: m.no_shows };
    if (st) st.wheelchair = st.wheelchair || !!m.wheelchair;
  } catch { me = { ...me, address: "" }; }
}
function noticeFor(step) {
  return stepNotice && stepNotice.step === step ? `<div class="step-notice" role="alert">${stepNotice.html}</div>` : "";
}
const box = () => document.getElementById("book-step");
function go(step) { st.step = step; render(); const h = box().querySelector("h2"); if (h) { h.tabIndex = -1; h.focus(); } }

function progress() {
  const i = STEPS.indexOf(st.step);
  document.getElementById("book-progress").innerHTML = STEPS.map((s, k) =>
    `<li class="${k < i ? "done" : k === i ? "current" : ""}" ${k === i ? 'aria-current="step"' : ""}><span class="visually-hidden">${t("book.step")} </span>${k + 1}</li>`).join("");
}
function nav(back, nextLabel = "common.next", nextDisabled = false) {
  return `<div class="row nav">${back ? `<button type="button" class="btn secondary" data-go="${back}">${t("common.back")}</button>` : ""}
    ${nextLabel ? `<button type="button" class="btn next" ${nextDisabled ? "disabled" : ""}>${t(nextLabel)}</button>` : ""}</div>`;
}
const HOME_SVG = '<svg class="pl-icon" viewBox="0 0 64 64" aria-hidden="true" fill="currentColor"><path d="M32 6 4 30h8v28h16V42h8v16h16V30h8z"/></svg>';
const STAR_SVG = '<svg class="pl-icon" viewBox="0 0 64 64" aria-hidden="true" fill="currentColor"><path d="m32 4 8.6 18.6L60 25l-14.6 13.4L49.4 58 32 48 14.6 58l4-19.6L4 25l19.4-2.4z"/></svg>';
function placeButton(p, kind) {
  const icon = p.ref.home ? HOME_SVG : p.ref.saved_place_id ? STAR_SVG : "";
  const extra = { lat: p.lat ?? null, lon: p.lon ?? null, category: p.category || "" };
  return `<button type="button" class="place-btn${icon ? " with-icon" : ""}" data-kind="${kind}" data-ref='${esc(JSON.stringify(p.ref))}' data-at='${esc(JSON.stringify(extra))}' data-label="${esc(p.label)}">
    ${icon}<span class="pl-name">${esc(p.label)}</span>${p.sub ? `<span class="pl-sub">${esc(p.sub)}</span>` : ""}</button>`;
}
// What a destination button says under the name: the address (or the town it is in,
// for the chain stores the data has without one) and how far from home.
function placeSub(r) {
  const where = r.address || (r.locality ? tf("book.place.near", { town: r.locality }) : "");
  const km = r.distance_m != null ? tf("book.place.km", { km: (r.distance_m / 1000).toFixed(1) }) : "";
  return [where, km].filter(Boolean).join(" · ");
}
function placeOf(r) {
  return { ref: { place_id: r.id }, label: r.name, sub: placeSub(r), lat: r.lat, lon: r.lon, category: r.category };
}
function bindPlaces(kind, next, root = box()) {
  for (const b of root.querySelectorAll(".place-btn")) {
    b.addEventListener("click", () => {
      const at = JSON.parse(b.dataset.at || "{}");
      choose(kind, { ref: JSON.parse(b.dataset.ref), label: b.dataset.label, lat: at.lat, lon: at.lon, category: at.category }, next);
    });
  }
}
async function choose(kind, place, next) {
  st[kind] = place;
  stepNotice = null;
  if (kind === "to" && !(await areasOk())) return;
  go(next);
}
async function searchInto(input, list, kind, next, url) {
  const q = input.value.trim();
  if (!q) return;
  list.innerHTML = `<p class="muted">${t("common.loading")}</p>`;
  try {
    const rows = await api.get(url(q));
    list.innerHTML = rows.map((r) => placeButton(r.id ? placeOf(r) : { ref: { lat: r.lat, lon: r.lon, label: r.name }, label: r.name, sub: r.address || r.kana || "", lat: r.lat, lon: r.lon }, kind)).join("") || `<p class="muted">${t("op.noresult")}</p>`;
    bindPlaces(kind, next, list);
  } catch (ex) { list.innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; }
}
function searchBlock(id) {
  return `<form class="search" id="${id}-form" role="search"><label for="${id}" class="label">${t("book.search")}</label>
    <div class="row"><input id="${id}" type="search" autocomplete="off"><button class="btn" type="submit">${t("common.search")}</button></div></form>
    <div id="${id}-results" class="place-list" aria-live="polite"></div>`;
}

async function stepFrom() {
  await loadMe();
  // A no-show warning or suspension is said before the rider starts (the API refuses a suspended member's quotes too).
  const ns = me.noShows;
  const nsText = ns && (lang() === "en" ? ns.message_en : ns.message_ja);
  const nsNotice = nsText ? `<p class="notice ${ns.state === "suspended" ? "error" : "warning"}" role="alert" data-no-show="${esc(ns.state)}">${esc(nsText)} ${callUs(rules)}</p>` : "";
  let saved = [];
  try { saved = await api.get("/api/v1/me/places"); } catch { saved = []; }
  const places = [{ ref: { home: true }, label: t("book.from.home"), sub: me.address || "", lat: me.home_lat, lon: me.home_lon },
    ...saved.map((s) => ({ ref: { saved_place_id: s.id }, label: s.label, lat: s.lat, lon: s.lon }))];
  box().innerHTML = `<h2>${t("book.from")}</h2>${changeBanner()}${nsNotice}<div class="place-list">${places.map((p) => placeButton(p, "from")).join("")}</div>
    ${searchBlock("from-q")}${nav(null, null)}`;
  bindPlaces("from", "to");
  box().querySelector("#from-q-form").addEventListener("submit", (e) => { e.preventDefault(); searchInto(box().querySelector("#from-q"), box().querySelector("#from-q-results"), "from", "to", (q) => `/api/v1/towns?q=${encodeURIComponent(q)}&limit=8`); });
}

// Whether the service runs between the two ends' areas; if not, the refusal names both
// areas and shows them on a map, at the destination step (before date and time).
async function areasOk() {
  const a = st.from, b = st.to;
  if (!a || !b || a.lat == null || b.lat == null) return true;
  const q = new URLSearchParams({ from_lat: a.lat, from_lon: a.lon, to_lat: b.lat, to_lon: b.lon });
  if (a.ref.place_id) q.set("from_place_id", a.ref.place_id);
  if (b.ref.place_id) q.set("to_place_id", b.ref.place_id);
  let res;
  try { res = await api.get(`/api/v1/areas/check?${q}`); } catch { return true; } // the quote checks again
  if (res.ok) return true;
  const msg = lang() === "en" ? res.message_en : res.message_ja;
  stepNotice = { step: "to", to: b, areas: [res.from_area.id, res.to_area.id], html: `<div class="notice error areas-refused"><p>${esc(msg)}</p>
    <div id="areas-map" class="map" aria-label="${esc(t("book.areas.map"))}"></div><p>${callUs(rules)}</p></div>` };
  st.to = null;
  go("to");
  return false;
}
// The residents' maps draw their labels large (common/placemap.js, over the basemap).
const TEXT_SCALE = 1.4;
const FROM_COLOUR = "#0017c1";
const TO_COLOUR = "#c74700";
function drawAreas(el, ids, from, to) {
  if (!el) return;
  const m = placeMap(el, { center: from && from.lat != null ? [from.lat, from.lon] : null, zoom: 12, textScale: TEXT_SCALE });
  m.ready.catch(() => { el.hidden = true; });
  m.areas(ids, [FROM_COLOUR, TO_COLOUR]);
  if (from && from.lat != null) m.pin(from.lat, from.lon, from.label, { id: "from", color: FROM_COLOUR });
  if (to && to.lat != null) m.pin(to.lat, to.lon, to.label, { id: "to", color: TO_COLOUR });
}

async function stepTo() {
  await loadMe();
  if (!cats) {
    try { cats = await api.get("/api/v1/places/groups"); } catch { cats = []; }
  }
  const refused = stepNotice && stepNotice.step === "to" ? stepNotice : null;
  // Search first; then the groups residents think in, each listing the nearest to home first.
  box().innerHTML = `<h2>${t("book.to")}</h2>${changeBanner()}<p class="muted">${esc(st.from.label)} →</p>
    ${noticeFor("to")}
    ${searchBlock("to-q")}
    <h3 class="h3">${t("book.to.groups")}</h3>
    <div class="cat-grid">${cats.map((c) => `<button type="button" class="cat" data-cat="${esc(c.id)}" aria-pressed="false">
      <svg viewBox="0 0 64 64" aria-hidden="true" fill="currentColor">${ICONS[c.id] || ICONS.public}</svg>
      <span>${esc(t(`cat.${c.id}`))}</span></button>`).join("")}</div>
    <div id="cat-results" class="place-list" aria-live="polite"></div>
    <details class="map-pick"><summary>${t("book.to.map")}</summary><p class="muted">${t("book.to.map.hint")}</p><div id="to-map" class="map" aria-label="${t("book.to.map")}"></div></details>
    ${nav("from", null)}`;
  if (refused) drawAreas(box().querySelector("#areas-map"), refused.areas, st.from, refused.to);
  for (const b of box().querySelectorAll(".cat")) {
    b.addEventListener("click", async () => {
      for (const o of box().querySelectorAll(".cat")) o.setAttribute("aria-pressed", String(o === b));
      const list = box().querySelector("#cat-results");
      const q = new URLSearchParams({ group: b.dataset.cat, limit: "100" });
      if (me.home_lat != null) { q.set("near_lat", me.home_lat); q.set("near_lon", me.home_lon); }
      let rows = [];
      try { rows = await api.get(`/api/v1/places?${q}`); } catch { rows = []; }
      list.innerHTML = (rows.length && me.home_lat != null ? `<p class="muted">${t("book.to.near")}</p>` : "")
        + (rows.map((r) => placeButton(placeOf(r), "to")).join("") || `<p class="muted">${t("op.noresult")}</p>`);
      bindPlaces("to", "when", list);
      list.querySelector("button")?.focus();
    });
  }
  box().querySelector("#to-q-form").addEventListener("submit", (e) => { e.preventDefault(); searchInto(box().querySelector("#to-q"), box().querySelector("#to-q-results"), "to", "when", (q) => `/api/v1/places?q=${encodeURIComponent(q)}&limit=10${me.home_lat != null ? `&near_lat=${me.home_lat}&near_lon=${me.home_lon}` : ""}`); });
  const det = box().querySelector(".map-pick");
  det.addEventListener("toggle", () => {
    if (!det.open || det.dataset.ready) return;
    det.dataset.ready = "1";
    const at = st.from && st.from.lat != null ? [st.from.lat, st.from.lon] : null;
    const m = placeMap(box().querySelector("#to-map"), { center: at, zoom: 13, places: true, textScale: TEXT_SCALE });
    m.ready.catch(() => { delete det.dataset.ready; });
    m.onClick((lat, lon) => {
      const label = t("book.to.mappoint");
      m.pin(lat, lon, label, { color: TO_COLOUR });
      setTimeout(() => choose("to", { ref: { lat, lon, label }, label, lat, lon }, "when"), 300);
    });
  });
}

// The date and time are checked here, by the service's clock and the city's rules, so
// a past time says it has passed at this step (not after the party size).
function localParts(ms) {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}
function whenProblem(date, time) {
  if (!date || !time) return t("book.missing");
  const cur = localParts(nowMs());
  const shown = `${date.slice(5).replace("-", "/")}`;
  if (`${date} ${time}` <= `${cur.date} ${cur.time}`) return tf("book.time.passed", { d: shown, t: time });
  const notice = Number(rules.min_notice_min || 0);
  const earliest = localParts(nowMs() + notice * 60e3);
  if (notice && `${date} ${time}` < `${earliest.date} ${earliest.time}`) return tf("book.time.soon", { m: notice, t: earliest.date === date ? earliest.time : `${earliest.date} ${earliest.time}` });
  if (rules.service_start && (time < rules.service_start || time > rules.service_end)) return tf("book.time.hours", { a: rules.service_start, b: rules.service_end });
  return "";
}
function stepWhen() {
  const today = ymd(now());
  const tomorrow = ymd(new Date(nowMs() + 86400e3));
  box().innerHTML = `<h2>${t("book.when")}</h2>${changeBanner()}
    <fieldset><legend>${t("book.date")}</legend><div class="row">
      <button type="button" class="btn secondary day" data-d="${today}" aria-pressed="${st.date === today}">${t("book.today")}</button>
      <button type="button" class="btn secondary day" data-d="${tomorrow}" aria-pressed="${st.date === tomorrow}">${t("book.tomorrow")}</button></div>
      <label for="b-date" class="visually-hidden">${t("book.date")}</label><input id="b-date" type="date" value="${st.date}" min="${today}" aria-describedby="b-when-error"></fieldset>
    <div class="field"><label for="b-time">${t("book.time")}</label><input id="b-time" type="time" value="${st.time}" step="300" aria-describedby="b-when-error"></div>
    <div id="b-when-error" class="when-error">${noticeFor("when")}</div>
    <fieldset><legend class="visually-hidden">${t("book.time")}</legend>
      <label class="choice"><input type="radio" name="mode" value="depart_at" ${st.mode === "depart_at" ? "checked" : ""}><span>${t("book.mode.depart")}</span></label>
      <label class="choice"><input type="radio" name="mode" value="arrive_by" ${st.mode === "arrive_by" ? "checked" : ""}><span>${t("book.mode.arrive")}</span></label></fieldset>
    <label class="choice" ${st.changing ? "hidden" : ""}><input type="checkbox" id="b-rt" ${st.roundTrip ? "checked" : ""}><span>${t("book.return")}</span></label>
    <div class="field" id="b-rt-box" ${st.roundTrip ? "" : "hidden"}><label for="b-rtime">${t("book.return.time")}</label><input id="b-rtime" type="time" value="${st.returnTime}" step="300"></div>
    ${nav("to")}`;
  const q = (s) => box().querySelector(s);
  for (const b of box().querySelectorAll(".day")) b.addEventListener("click", () => { st.date = b.dataset.d; q("#b-date").value = st.date; for (const o of box().querySelectorAll(".day")) o.setAttribute("aria-pressed", String(o === b)); });
  q("#b-rt").addEventListener("change", () => { q("#b-rt-box").hidden = !q("#b-rt").checked; });
  q(".next").addEventListener("click", () => {
    st.date = q("#b-date").value; st.time = q("#b-time").value;
    st.mode = box().querySelector("input[name=mode]:checked").value;
    st.roundTrip = !st.changing && q("#b-rt").checked; st.returnTime = q("#b-rtime").value;
    const problem = whenProblem(st.date, st.time);
    for (const id of ["#b-date", "#b-time"]) if (problem) q(id).setAttribute("aria-invalid", "true"); else q(id).removeAttribute("aria-invalid");
    if (problem) {
      q("#b-when-error").innerHTML = `<p class="notice error" role="alert">${esc(problem)}</p>`;
      q("#b-date").focus();
      return;
    }
    stepNotice = null;
    go("who");
  });
}

function stepWho() {
  const max = Number(rules.max_party_size || 6);
  st.party = Math.min(st.party, max);
  box().innerHTML = `<h2>${t("book.who")}</h2>${changeBanner()}
    <div class="field"><span class="label" id="party-label">${t("book.party")}</span>
      <span class="hint" id="party-hint">${esc(tf("book.party.max", { n: max }))}</span>
      <div class="stepper" role="group" aria-labelledby="party-label" aria-describedby="party-hint">
        <button type="button" class="btn secondary" id="p-minus" aria-label="${t("book.minus")}">−</button>
        <output id="p-count" aria-live="polite">${st.party}</output><span>${t("common.people")}</span>
        <button type="button" class="btn secondary" id="p-plus" aria-label="${t("book.plus")}">＋</button></div></div>
    <label class="choice"><input type="checkbox" id="b-wc" ${st.wheelchair ? "checked" : ""}><span>${t("book.wheelchair")}</span></label>
    <div class="field"><label for="b-notes">${t("book.notes")}</label><textarea id="b-notes">${esc(st.notes)}</textarea></div>
    <div id="quote-error" role="alert">${noticeFor("who")}</div>
    ${nav("when", "book.quote")}`;
  const q = (s) => box().querySelector(s);
  // The stepper stops at the rule's limits: the buttons say so by being disabled.
  const upd = (d) => {
    st.party = Math.max(1, Math.min(max, st.party + d));
    q("#p-count").textContent = st.party;
    q("#p-minus").disabled = st.party <= 1;
    q("#p-plus").disabled = st.party >= max;
  };
  upd(0);
  q("#p-minus").addEventListener("click", () => upd(-1));
  q("#p-plus").addEventListener("click", () => upd(1));
  q(".next").addEventListener("click", async () => {
    st.wheelchair = q("#b-wc").checked; st.notes = q("#b-notes").value;
    q(".next").disabled = true;
    await quote(q("#quote-error"));
    const n = q(".next"); if (n) n.disabled = false;
  });
}

function quoteBody(override) {
  const body = { from: st.from.ref, to: st.to.ref, date: st.date, time: st.time, time_mode: st.mode, party_size: st.party, companions: st.party - 1, carers: Math.max(0, Math.min(st.carers || 0, st.party - 1)), wheelchair: st.wheelchair, notes: st.notes, ...(override || {}) };
  if (st.roundTrip) body.return_time = st.returnTime;
  return body;
}
async function quote(errBox, override) {
  const url = st.changing ? `/api/v1/bookings/${encodeURIComponent(st.changing.id)}/modify` : "/api/v1/quotes";
  try {
    const body = quoteBody(override);
    const res = await api.post(url, body);
    st.offer = res.offer; st.returnOffer = res.return_offer || null;
    st.asked = { date: body.date, time: body.time, mode: body.time_mode, back: body.return_time || null };
    stepNotice = null;
    go("offer");
  } catch (ex) {
    // A refusal about the time, the areas or the party goes back to that step.
    const step = ERROR_STEP[ex.code];
    if (step && step !== st.step) {
      stepNotice = { step, html: `<p class="notice error">${esc(ex.message)}</p>` };
      if (step === "to") { await areasOk() && go("to"); return; }
      go(step);
      return;
    }
    const alts = (ex.detail && ex.detail.alternatives) || [];
    errBox.innerHTML = `<div class="notice error"><p>${esc(ex.message)}</p>${alts.length ? `<p>${t("book.full")}</p><div class="row">${alts.map((a) => `<button type="button" class="btn secondary alt" data-t="${hm(a.pickup_window_start)}">${esc(tf("book.alt", { a: hm(a.pickup_window_start), b: hm(a.pickup_window_end) }))}</button>`).join("")}</div>` : ""}</div>`;
    for (const b of errBox.querySelectorAll(".alt")) b.addEventListener("click", () => { st.time = b.dataset.t; st.mode = "depart_at"; quote(errBox); });
    errBox.querySelector("button, .notice")?.focus?.();
  }
}

// An offer that moved this far from the asked time says so, as the call screen does (a
// pickup window starting 10 min or more away; an arrival later than asked, or 30+ min early).
const MOVED_DEPART_MIN = 10;
const MOVED_ARRIVE_EARLY_MIN = 30;
function movedHtml(o, time, mode) {
  if (!st.asked || !time) return "";
  // Compared as the city's clock times of the asked day (the offer is for that day).
  const min = (iso) => { const [h, m] = hm(iso).split(":").map(Number); return (ymd(new Date(iso)) > st.asked.date ? 1440 : 0) + h * 60 + m; };
  const [wh, wm] = time.split(":").map(Number);
  const want = wh * 60 + wm;
  const moved = mode === "depart_at"
    ? Math.abs(min(o.pickup_window_start) - want) >= MOVED_DEPART_MIN
    : min(o.estimated_dropoff) > want || want - min(o.estimated_dropoff) >= MOVED_ARRIVE_EARLY_MIN;
  if (!moved) return "";
  const text = mode === "depart_at"
    ? th("book.offer.moved.depart", { t: time, a: hm(o.pickup_window_start), b: hm(o.pickup_window_end) })
    : th("book.offer.moved.arrive", { t: time, e: hm(o.estimated_dropoff) });
  return `<p class="notice warning moved" data-moved="1">${text}</p>`;
}

function offerBlock(o, label, moved = "") {
  return `<div class="offer card"><p class="offer-leg">${label} · ${esc(dayLabel(o.pickup_window_start))}</p>${moved}
    <p class="offer-big">${esc(tf("book.offer.pickup", { a: hm(o.pickup_window_start), b: hm(o.pickup_window_end) }))}</p>
    <p class="offer-route">${esc(placeLabel(o.from_label))} → ${esc(placeLabel(o.to_label))}</p>
    <p>${esc(tf("book.offer.arrive", { t: hm(o.estimated_dropoff) }))}</p>
    ${o.fare_yen != null ? `<p>${esc(tf("book.offer.fare", { y: o.fare_yen }))}</p>` : ""}</div>`;
}
function stepOffer() {
  const o = st.offer;
  box().innerHTML = `<h2>${t("book.offer.title")}</h2>${changeBanner()}${offerBlock(o, t("book.offer.go"), movedHtml(o, st.asked && st.asked.time, st.asked && st.asked.mode))}
    ${st.returnOffer ? offerBlock(st.returnOffer, t("book.offer.return"), movedHtml(st.returnOffer, st.asked && st.asked.back, "depart_at")) : ""}
    <p class="hold" id="hold" role="timer" aria-live="off"></p>
    <div id="confirm-error" role="alert"></div>
    <div class="row nav"><button type="button" class="btn secondary" data-go="who">${t("common.back")}</button>
    <button type="button" class="btn big confirm">${t(st.changing ? "book.change.confirm" : "book.confirm")}</button></div>`;
  const hold = box().querySelector("#hold");
  const key = (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
  const tick = () => {
    const left = Math.max(0, Math.floor((new Date(o.expires_at) - nowMs()) / 1000));
    hold.textContent = left > 0 ? tf("book.offer.hold", { m: Math.floor(left / 60), s: left % 60 }) : t("book.offer.expired");
    if (!left) { clearInterval(holdTimer); hold.classList.add("expired"); box().querySelector(".confirm").textContent = t("book.quote"); box().querySelector(".confirm").dataset.requote = "1"; }
  };
  clearInterval(holdTimer);
  tick();
  holdTimer = setInterval(tick, 1000);
  box().querySelector(".confirm").addEventListener("click", async (e) => {
    if (e.currentTarget.dataset.requote) { quote(box().querySelector("#confirm-error")); return; }
    e.currentTarget.disabled = true;
    try {
      let res;
      if (st.changing) {
        const booking = await api.post(`/api/v1/bookings/${encodeURIComponent(st.changing.id)}/modify/confirm`, { offer_id: o.offer_id }, { "Idempotency-Key": key });
        res = { booking, changed: true };
      } else {
        const body = { offer_id: o.offer_id };
        if (st.returnOffer) body.return_offer_id = st.returnOffer.offer_id;
        res = await api.post("/api/v1/bookings", body, { "Idempotency-Key": key });
      }
      clearInterval(holdTimer);
      st.done = res;
      renderDone();
    } catch (ex) {
      e.currentTarget.disabled = false;
      box().querySelector("#confirm-error").innerHTML = `<p class="notice error">${esc(ex.message)}</p>`;
    }
  });
}

function renderDone() {
  const b = st.done.booking;
  box().innerHTML = `<div class="notice success done"><h2>${t(st.done.changed ? "book.change.done" : "book.done.title")}</h2>
    <p class="offer-big">${esc(dayLabel(b.pickup_window_start))} ${esc(tf("book.offer.pickup", { a: hm(b.pickup_window_start), b: hm(b.pickup_window_end) }))}</p>
    <p>${esc(placeLabel(b.from_label))} → ${esc(placeLabel(b.to_label))}</p>
    ${st.done.return_booking ? `<p>${t("book.offer.return")}: ${hm(st.done.return_booking.pickup_window_start)}〜${hm(st.done.return_booking.pickup_window_end)}</p>` : ""}
    ${carHtml(b)}
    <p>${t("book.done.body")}</p></div>
    ${st.to && !st.to.ref.home && !st.to.ref.saved_place_id ? `<p><button type="button" class="btn tertiary save-place">${esc(tf("book.save", { p: st.to.label }))}</button></p>` : ""}
    <div class="row nav"><a class="btn secondary" href="#/bookings">${t("nav.bookings")}</a><button type="button" class="btn again">${t("book.again")}</button></div>`;
  box().querySelector(".again").addEventListener("click", () => { st = fresh(); render(); });
  box().querySelector(".save-place")?.addEventListener("click", async (e) => {
    const ref = st.to.ref;
    const body = ref.place_id ? { label: st.to.label, place_id: ref.place_id } : { label: st.to.label, lat: ref.lat, lon: ref.lon };
    try { await api.post("/api/v1/me/places", body); toast(t("book.saved")); e.target.remove(); } catch (ex) { toast(ex.message, "error"); }
  });
  const h = box().querySelector("h2"); h.tabIndex = -1; h.focus();
}

async function render() {
  clearInterval(holdTimer);
  if (pendingChange) {
    const b = pendingChange;
    pendingChange = null;
    stepNotice = null;
    await beginChange(b);
  }
  if (st.done) { progress(); renderDone(); return; }
  progress();
  if (!box().dataset.wired) {
    box().dataset.wired = "1";
    box().addEventListener("click", (e) => {
      const b = e.target.closest("[data-go]");
      if (b) go(b.dataset.go);
      if (e.target.closest(".stop-change")) { st = fresh(); stepNotice = null; location.hash = "#/bookings"; }
    });
  }
  ({ from: stepFrom, to: stepTo, when: stepWhen, who: stepWho, offer: stepOffer })[st.step]();
}
