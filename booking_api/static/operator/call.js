// Phone booking, keyboard first: search (phone digits or kana) → member card →
// from → to → day/time → quote → confirm. Enter always moves on; numbers pick
// from the numbered lists; Esc steps back. A caller nobody matches is registered
// on the spot (callreg.js); the member card lists their upcoming rides (change,
// cancel with a reason), standing orders and no-show record.
import { lang, t, tf } from "/static/common/i18n.js";
import { hm, dayLabel, esc, ymd, toast, nowMs } from "/static/common/api.js";
import { noShowHtml, voidHtml, wireNoShow, wireVoid } from "/static/operator/noshow.js";
import { parseDay } from "/static/operator/dates.js";
import { showRegistration } from "/static/operator/callreg.js";
import { memberCardHtml, wireCard } from "/static/operator/callcard.js";
import { carHtml } from "/static/common/car.js";

let api = null;
let root = null;
let st = null;
let rules = null;
// An offer that moved this far from the asked time says so (a depart-at pickup window
// starting 10 min or more away; an arrival later than asked, or 30 min or more early).
const MOVED_DEPART_MIN = 10;
const MOVED_ARRIVE_EARLY_MIN = 30;

function fresh() { return { results: [], member: null, detail: null, from: null, to: null, options: { from: [], to: [] }, offer: null, modifying: null, asked: null, query: "" }; }

export function showCall(theApi, el) {
  api = theApi;
  root = el;
  if (!st) st = fresh();
  if (!rules) api.get("/api/v1/rules").then((r) => { rules = r; }).catch(() => { /* the server applies its rules anyway */ });
  // Built again when the language changed, so the whole screen is in the chosen one.
  if (el.dataset.lang !== lang()) {
    el.dataset.lang = lang();
    el.innerHTML = layout();
    wire();
    if (st.member) { choose(st.member, undefined, { keepTrip: true }).then(() => q("#from").focus()); return; }
  }
  q(st.member ? "#from" : "#q").focus();
}

const today = () => ymd(new Date(nowMs()));
const isoNoon = (day) => `${day}T03:00:00Z`; // noon in Japan: the label shows that date

function layout() {
  const tomorrow = ymd(new Date(nowMs() + 86400e3));
  return `<div class="call-grid">
  <div class="col">
    <h1>${esc(t("op.nav.call"))}</h1>
    <form id="q-form" role="search"><label for="q" class="label">${esc(t("op.search"))}</label>
      <input id="q" type="search" autocomplete="off" aria-describedby="q-hint" value="${esc(st.query)}"><p id="q-hint" class="hint muted">${esc(t("op.search.hint"))}</p></form>
    <div id="results" class="results" aria-label="${esc(t("op.results"))}" role="region" aria-live="polite"></div>
    <div id="card"></div>
  </div>
  <div class="col">
    <div id="modify-box"></div>
    <form id="trip" class="trip" novalidate>
      <div class="field"><label for="from">${esc(t("op.from"))} <span class="muted small">${esc(t("op.place.hint"))}</span></label>
        <input id="from" type="text" autocomplete="off" aria-describedby="from-chosen"><p id="from-chosen" class="chosen" aria-live="polite"></p>
        <ol id="from-opts" class="opts"></ol></div>
      <div class="field"><label for="to">${esc(t("op.to"))}</label>
        <input id="to" type="text" autocomplete="off" aria-describedby="to-chosen"><p id="to-chosen" class="chosen" aria-live="polite"></p>
        <ol id="to-opts" class="opts"></ol></div>
      <div class="grid4">
        <div class="field"><label for="date">${esc(t("book.date"))}</label><input id="date" type="text" value="${tomorrow}" autocomplete="off" aria-describedby="date-hint date-parsed date-error">
          <span id="date-hint" class="hint muted small">${esc(t("op.call.date.hint"))}</span>
          <p id="date-parsed" class="chosen" aria-live="polite">${esc(dayLabel(isoNoon(tomorrow)))}</p><p id="date-error" class="field-error" hidden></p></div>
        <div class="field"><label for="time">${esc(t("book.time"))}</label><input id="time" type="text" inputmode="numeric" autocomplete="off" placeholder="${esc(t("op.call.time.placeholder"))}" aria-describedby="time-hint time-error"><span id="time-hint" class="hint muted small">${esc(t("op.arrive.hint"))}</span>
          <p id="time-error" class="field-error" hidden></p></div>
        <div class="field"><label for="party">${esc(t("op.party"))}</label><input id="party" type="number" min="1" max="9" value="1" aria-describedby="party-hint"></div>
        <label class="choice"><input type="checkbox" id="wc"><span>${esc(t("book.wheelchair"))}</span></label>
      </div>
      <div class="grid4">
        <div class="field"><label for="carers">${esc(t("op.call.carers"))}</label><input id="carers" type="number" min="0" max="8" value="0" aria-describedby="party-hint carers-error"><p id="carers-error" class="field-error" hidden></p></div>
        <div class="field"><label for="rtime">${esc(t("book.return.time"))}</label><input id="rtime" type="text" inputmode="numeric" autocomplete="off" placeholder="1500"></div>
      </div>
      <p id="party-hint" class="hint muted small">${esc(t("op.call.carers.hint"))}</p>
      <div class="field"><label for="notes">${esc(t("op.call.notes"))}</label><input id="notes" type="text" autocomplete="off" aria-describedby="notes-hint"><span id="notes-hint" class="hint muted small">${esc(t("op.call.notes.hint"))}</span></div>
      <button type="submit" class="btn" id="quote-btn">${esc(t("op.quote"))} <kbd>Enter</kbd></button>
    </form>
    <div id="offer" aria-live="polite"></div>
    <p class="muted small">${esc(t("op.keys"))}: <kbd>Enter</kbd> ${esc(t("common.next"))} · <kbd>Esc</kbd> ${esc(t("common.back"))} · <kbd>Alt+N</kbd> ${esc(t("op.new"))} · <kbd>Alt+R</kbd> ${esc(t("op.call.register"))}</p>
  </div></div>`;
}

const q = (s) => root.querySelector(s);

function fieldError(id, message) {
  const slot = q(`#${id}-error`);
  slot.hidden = !message;
  slot.innerHTML = message ? `<span class="visually-hidden">${esc(t("op.call.error.prefix"))}</span>${esc(message)}` : "";
  if (message) q(`#${id}`).setAttribute("aria-invalid", "true"); else q(`#${id}`).removeAttribute("aria-invalid");
}

// Reads the day field; shows the day with its weekday beside it, or why it cannot be read.
function readDay({ rewrite = false } = {}) {
  const got = parseDay(q("#date").value, today());
  if (got.date) {
    fieldError("date", "");
    q("#date-parsed").textContent = dayLabel(isoNoon(got.date));
    if (rewrite) q("#date").value = got.date;
    return got.date;
  }
  q("#date-parsed").textContent = "";
  const msg = got.error === "nonexistent" ? tf("op.call.date.nonexistent", { m: got.month, d: got.days }) : t(`op.call.date.${got.error}`);
  fieldError("date", msg);
  return null;
}

function wire() {
  q("#q-form").addEventListener("submit", (e) => { e.preventDefault(); search(); });
  q("#results").addEventListener("keydown", (e) => {
    const items = [...root.querySelectorAll("#results button")];
    const i = items.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && i < items.length - 1) { e.preventDefault(); items[i + 1].focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? items[i - 1] : q("#q")).focus(); }
  });
  q("#q").addEventListener("keydown", (e) => { if (e.key === "ArrowDown") { e.preventDefault(); root.querySelector("#results button")?.focus(); } });
  for (const end of ["from", "to"]) {
    q(`#${end}`).addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); pickPlace(end); }
      if (e.key === "Escape") { e.preventDefault(); (end === "from" ? q("#q") : q("#from")).focus(); }
    });
  }
  q("#date").addEventListener("input", () => readDay());
  q("#date").addEventListener("blur", () => readDay({ rewrite: true }));
  q("#date").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    if (readDay({ rewrite: true })) q("#time").focus();
  });
  q("#trip").addEventListener("submit", (e) => { e.preventDefault(); doQuote(); });
  // Typing over a prefilled field replaces it, as in a phone-booking form it should.
  for (const id of ["#date", "#time", "#party", "#carers", "#rtime"]) q(id).addEventListener("focus", (e) => e.target.select());
  root.addEventListener("keydown", (e) => {
    if (e.altKey && (e.key === "n" || e.key === "N")) { e.preventDefault(); reset(); }
    if (e.altKey && (e.key === "r" || e.key === "R")) { e.preventDefault(); register(); }
    if (e.key === "Escape" && st.offer) { e.preventDefault(); q("#offer").innerHTML = ""; st.offer = null; q("#time").focus(); }
  });
}

function reset() {
  st = fresh();
  root.dataset.lang = lang();
  root.innerHTML = layout();
  wire();
  q("#q").focus();
}

function register() {
  const text = (q("#q").value || st.query || "").trim();
  const digits = text.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[^0-9]/g, "");
  const prefill = /^[\d０-９\-－ー()（） ]+$/.test(text) ? { phone: digits } : { kana: text };
  q("#results").innerHTML = "";
  showRegistration(api, q("#card"), prefill, rules, (member) => {
    if (!member) { q("#q").focus(); return; }
    if (member.status === "approved") choose(member, tf("op.call.register.done", { n: member.name, m: member.member_number }));
    else {
      q("#card").innerHTML = `<p class="notice warning" role="status">${esc(tf("op.call.register.queued", { n: member.name }))}</p>`;
      q("#q").focus();
    }
  });
}

async function search() {
  const text = q("#q").value.trim();
  st.query = text;
  if (!text) return;
  const box = q("#results");
  try { st.results = await api.get(`/api/v1/members?q=${encodeURIComponent(text)}&status=approved&limit=10`); } catch (ex) { box.innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
  if (!st.results.length) {
    box.innerHTML = `<p class="notice warning">${esc(t("op.noresult"))}</p><p class="hint">${esc(t("op.call.register.lead"))}</p>
      <button type="button" class="btn secondary" id="reg-open">${esc(t("op.call.register"))} <kbd>Alt+R</kbd></button>`;
    q("#reg-open").addEventListener("click", register);
    q("#reg-open").focus();
    return;
  }
  box.innerHTML = `<ul class="res-list">${st.results.map((m, i) => `<li><button type="button" class="res" data-i="${i}">
    <strong>${esc(m.name)}</strong> <span class="muted">${esc(m.kana)}</span> · ${esc(m.phone)} · ${esc(m.member_number || "")}</button></li>`).join("")}</ul>`;
  for (const b of box.querySelectorAll("button")) b.addEventListener("click", () => choose(st.results[Number(b.dataset.i)]));
  if (st.results.length === 1) choose(st.results[0]); else box.querySelector("button").focus();
}

async function choose(m, note, { keepTrip = false } = {}) {
  st.member = m;
  let d = m;
  try { d = await api.get(`/api/v1/members/${encodeURIComponent(m.id)}`); } catch { /* the search row is enough to go on */ }
  st.detail = d;
  const [upcoming, series] = await Promise.all([
    api.get(`/api/v1/bookings?member_id=${encodeURIComponent(d.id)}&upcoming=true`).catch(() => []),
    api.get(`/api/v1/series?member=${encodeURIComponent(d.id)}`).catch(() => []),
  ]);
  const recent = d.recent_bookings || [];
  upcoming.sort((a, b) => a.pickup_window_start.localeCompare(b.pickup_window_start));
  q("#results").innerHTML = "";
  q("#card").innerHTML = memberCardHtml(d, {
    note,
    noShow: `${noShowHtml(d.no_shows)}${voidHtml(recent)}`,
    upcoming,
    series: series.filter((s) => s.member_id === d.id && s.active),
  });
  wireCard(q("#card"), api, d, {
    upcoming,
    refresh: (done) => choose(m, done, { keepTrip: true }),
    change: (booking) => startModify(booking),
  });
  wireNoShow(q("#card"), api, d.id, (done) => choose(m, done));
  wireVoid(q("#card"), api, d.id, (done) => choose(m, done));
  const saved = d.saved_places || [];
  const home = { ref: { home: true }, label: tf("op.call.home.label", { a: d.address || "" }) };
  const savedOpts = saved.map((s) => ({ ref: { saved_place_id: s.id }, label: s.label }));
  const seen = new Set();
  const recentTo = recent.filter((b) => b.to_lat != null && !seen.has(b.to_label) && seen.add(b.to_label)).map((b) => ({ ref: { lat: b.to_lat, lon: b.to_lon, label: b.to_label }, label: b.to_label }));
  setOptions("from", [home, ...savedOpts]);
  setOptions("to", [...savedOpts, ...recentTo, home]);
  if (keepTrip) { showChosen(); showModify(); } else q("#wc").checked = !!d.wheelchair;
  if (!keepTrip || !st.from) q("#from").focus();
}

function showChosen() {
  for (const end of ["from", "to"]) q(`#${end}-chosen`).textContent = st[end] ? tf("op.call.chosen", { p: st[end].label }) : "";
}

// Changing a booking: its places, day, time and party fill the form; the quote goes to
// /modify, and confirming (with the reason) replaces the old booking.
// A booked end as the place it was booked to: home, or a designated place (whose category
// the area rules look at: a hospital is reachable from every area), else the point itself.
async function endRef(label, lat, lon) {
  const near = (a, b) => Math.abs(a - b) < 1e-5;
  const d = st.detail || {};
  if (near(lat, d.home_lat) && near(lon, d.home_lon)) return { ref: { home: true, label }, label };
  const places = await api.get(`/api/v1/places?q=${encodeURIComponent(label)}&limit=9`).catch(() => []);
  const p = places.find((x) => x.name === label && near(x.lat, lat) && near(x.lon, lon));
  return { ref: p ? { place_id: p.id } : { lat, lon, label }, label };
}

async function startModify(b) {
  st.modifying = b;
  st.offer = null;
  q("#offer").innerHTML = "";
  [st.from, st.to] = await Promise.all([endRef(b.from_label, b.from_lat, b.from_lon), endRef(b.to_label, b.to_lat, b.to_lon)]);
  showChosen();
  q("#date").value = ymd(new Date(b.pickup_window_start));
  readDay();
  q("#time").value = hm(b.pickup_window_start).replace(":", "");
  q("#party").value = b.party_size;
  q("#carers").value = b.carers || 0;
  q("#wc").checked = !!b.wheelchair;
  q("#notes").value = b.notes || "";
  showModify();
  q("#date").focus();
}

function rideLine(b) {
  return `${dayLabel(b.pickup_window_start)} ${tf("op.call.window", { a: hm(b.pickup_window_start), b: hm(b.pickup_window_end) })} ${tf("op.call.route", { a: b.from_label, b: b.to_label })}`;
}

function showModify() {
  const box = q("#modify-box");
  const b = st.modifying;
  if (!b) { box.innerHTML = ""; return; }
  box.innerHTML = `<section class="card modify" aria-labelledby="mod-title"><h2 id="mod-title">${esc(tf("op.call.modify.title", { r: rideLine(b) }))}</h2>
    <p>${esc(t("op.call.modify.hint"))}</p>
    <div class="field"><label for="mod-reason">${esc(t("op.call.modify.reason"))} <span class="req">${esc(t("common.required"))}</span></label>
      <input id="mod-reason" type="text" autocomplete="off" aria-describedby="mod-reason-error"><p id="mod-reason-error" class="field-error" hidden></p></div>
    <button type="button" class="btn tertiary small" id="mod-stop">${esc(t("op.call.modify.stop"))}</button></section>`;
  q("#mod-stop").addEventListener("click", () => { st.modifying = null; st.offer = null; q("#offer").innerHTML = ""; showModify(); q("#from").focus(); });
}

function setOptions(end, opts) {
  st.options[end] = opts;
  q(`#${end}-opts`).innerHTML = opts.map((o, i) => `<li><kbd>${i + 1}</kbd> ${esc(o.label)}</li>`).join("");
}

async function pickPlace(end) {
  const input = q(`#${end}`);
  const v = input.value.trim();
  const opts = st.options[end];
  let chosen = null;
  if (v === "" && st[end]) { (end === "from" ? q("#to") : q("#date")).focus(); return; }
  if (/^[hH]$/.test(v)) chosen = { ref: { home: true }, label: t("book.from.home") };
  else if (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= opts.length) chosen = opts[Number(v) - 1];
  if (!chosen) {
    if (!v) return;
    const [places, towns] = await Promise.all([
      api.get(`/api/v1/places?q=${encodeURIComponent(v)}&limit=9`).catch(() => []),
      api.get(`/api/v1/towns?q=${encodeURIComponent(v)}&limit=5`).catch(() => []),
    ]);
    const found = [...places.map((p) => ({ ref: { place_id: p.id }, label: p.name })), ...towns.map((tw) => ({ ref: { lat: tw.lat, lon: tw.lon, label: tw.name }, label: tw.name }))];
    input.value = "";
    if (found.length) setOptions(end, found); else q(`#${end}-opts`).innerHTML = `<li class="muted">${esc(t("op.noresult"))}</li>`;
    q(`#${end}-opts`).dataset.search = v;
    return;
  }
  st[end] = chosen;
  input.value = "";
  showChosen();
  (end === "from" ? q("#to") : q("#date")).focus();
}

function parseTime(raw) {
  let v = raw.trim().replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  let mode = "depart_at";
  if (/^[aA着]/.test(v)) { mode = "arrive_by"; v = v.slice(1); }
  v = v.replace(/[^0-9]/g, "");
  if (v.length === 3) v = `0${v}`;
  if (v.length !== 4 || Number(v.slice(0, 2)) > 23 || Number(v.slice(2)) > 59) return null;
  return { time: `${v.slice(0, 2)}:${v.slice(2)}`, mode };
}

// What the caller asked, next to what is offered, when the two differ (the operator says so).
function movedHtml(o) {
  const asked = st.asked;
  if (!asked) return "";
  // Compared as the city's clock times of the asked day (the offer is for that day).
  const min = (iso) => { const [h, m] = hm(iso).split(":").map(Number); return (ymd(new Date(iso)) > asked.date ? 1440 : 0) + h * 60 + m; };
  const [wh, wm] = asked.time.split(":").map(Number);
  const want = wh * 60 + wm;
  let moved = false;
  if (asked.mode === "depart_at") moved = Math.abs(min(o.pickup_window_start) - want) >= MOVED_DEPART_MIN;
  else moved = min(o.estimated_dropoff) > want || want - min(o.estimated_dropoff) >= MOVED_ARRIVE_EARLY_MIN;
  if (!moved) return "";
  const a = tf(asked.mode === "depart_at" ? "op.call.asked.depart" : "op.call.asked.arrive", { t: asked.time });
  const b = asked.mode === "depart_at" ? tf("op.call.moved.pickup", { a: hm(o.pickup_window_start), b: hm(o.pickup_window_end) }) : tf("op.call.moved.arrive", { t: hm(o.estimated_dropoff) });
  return `<p class="notice warning moved" data-moved="1">${esc(tf("op.call.moved", { a, b }))}</p>`;
}

function fareText(o, carers) {
  const free = carers > 0 && rules && rules.carers_ride_free ? tf("op.call.carers.free", { n: carers }) : "";
  return o.fare_yen != null ? `${tf("op.call.fare", { y: o.fare_yen })}${free}` : "";
}

async function doQuote(override) {
  const box = q("#offer");
  const day = readDay({ rewrite: true });
  const tm = override || parseTime(q("#time").value);
  fieldError("time", q("#time").value.trim() && !tm ? t("op.call.time.bad") : "");
  const party = Math.max(1, Number(q("#party").value) || 1);
  const carers = Math.max(0, Number(q("#carers").value) || 0);
  fieldError("carers", carers > party - 1 ? t("op.call.carers.hint") : "");
  if (!st.member || !st.from || !st.to || !tm || !day || carers > party - 1) {
    box.innerHTML = `<p class="notice error" role="alert">${esc(t("book.missing"))}</p>`;
    (!st.member ? q("#q") : !st.from ? q("#from") : !st.to ? q("#to") : !day ? q("#date") : !tm ? q("#time") : q("#carers")).focus();
    return;
  }
  st.asked = { date: day, time: tm.time, mode: tm.mode };
  const body = { member_id: st.member.id, from: st.from.ref, to: st.to.ref, date: day, time: tm.time, time_mode: tm.mode, party_size: party, carers, wheelchair: q("#wc").checked, notes: q("#notes").value };
  const rt = parseTime(q("#rtime").value);
  if (rt && !st.modifying) body.return_time = rt.time;
  box.innerHTML = `<p class="muted">${esc(t("common.loading"))}</p>`;
  try {
    const res = st.modifying ? await api.post(`/api/v1/bookings/${encodeURIComponent(st.modifying.id)}/modify`, body) : await api.post("/api/v1/quotes", body);
    st.offer = res;
    const o = res.offer;
    const r = res.return_offer;
    const fare = fareText(o, carers);
    box.innerHTML = `<div class="card offer"><p class="offer-big">${esc(dayLabel(o.pickup_window_start))} ${esc(tf("book.offer.pickup", { a: hm(o.pickup_window_start), b: hm(o.pickup_window_end) }))}</p>
      ${movedHtml(o)}
      <p>${esc(tf("op.call.route", { a: o.from_label, b: o.to_label }))} · ${esc(tf("book.offer.arrive", { t: hm(o.estimated_dropoff) }))} · ${esc(tf("op.call.party.line", { n: party }))}${fare ? ` · ${esc(fare)}` : ""}</p>
      ${r ? `<p>${esc(t("book.offer.return"))}: ${esc(tf("book.offer.pickup", { a: hm(r.pickup_window_start), b: hm(r.pickup_window_end) }))}</p>` : ""}
      <p class="muted" id="op-hold"></p>
      <button type="button" class="btn" id="confirm">${esc(t(st.modifying ? "op.call.modify.confirm" : "op.confirm"))} <kbd>Enter</kbd></button></div>`;
    const hold = q("#op-hold");
    const tick = () => { const s = Math.max(0, Math.floor((new Date(o.expires_at) - nowMs()) / 1000)); if (hold.isConnected) { hold.textContent = tf("book.offer.hold", { m: Math.floor(s / 60), s: s % 60 }); setTimeout(tick, 1000); } };
    tick();
    q("#confirm").addEventListener("click", confirm);
    q("#confirm").focus();
  } catch (ex) {
    const alts = (ex.detail && ex.detail.alternatives) || [];
    // A suspension is said in words, with where to lift it; the card may predate it, so show it there too.
    const suspended = ex.code === "member_suspended";
    if (suspended && !q("#ns-box")) choose(st.member, undefined, { keepTrip: true }).then(() => q("#time").focus());
    box.innerHTML = `<div class="notice error" role="alert" ${suspended ? 'data-code="member_suspended"' : ""}><p>${esc(ex.message)}</p>${suspended ? `<p>${esc(t("op.ns.quote"))}</p>` : ""}${alts.length ? `<p>${esc(t("op.alts"))}</p><ol class="alts">${alts.map((a, i) => `<li><button type="button" class="btn secondary small alt" data-t="${hm(a.pickup_window_start)}"><kbd>${i + 1}</kbd> ${esc(tf("book.alt", { a: hm(a.pickup_window_start), b: hm(a.pickup_window_end) }))}${esc(tf("op.call.alt.arrive", { t: hm(a.estimated_dropoff) }))}</button></li>`).join("")}</ol>` : ""}</div>`;
    for (const b of box.querySelectorAll(".alt")) b.addEventListener("click", () => { q("#time").value = b.dataset.t.replace(":", ""); doQuote({ time: b.dataset.t, mode: "depart_at" }); });
    // A digit picks that alternative, like the numbered place lists.
    box.onkeydown = (e) => { const b = box.querySelectorAll(".alt")[Number(e.key) - 1]; if (b) { e.preventDefault(); b.click(); } };
    (box.querySelector(".alt") || q("#time")).focus();
  }
}

async function confirm(e) {
  const btn = e.currentTarget;
  if (st.modifying) { confirmModify(btn); return; }
  btn.disabled = true;
  const body = { offer_id: st.offer.offer.offer_id };
  if (st.offer.return_offer) body.return_offer_id = st.offer.return_offer.offer_id;
  try {
    const res = await api.post("/api/v1/bookings", body, { "Idempotency-Key": `${st.offer.offer.offer_id}-op` });
    const b = res.booking;
    q("#offer").innerHTML = `<div class="notice success booked" role="status"><p class="offer-big">${esc(t("op.booked"))}</p>
      <p>${esc(st.member.name)} · ${esc(rideLine(b))}</p>
      ${carHtml(b)}
      <button type="button" class="btn" id="next-call">${esc(t("op.new"))} <kbd>Enter</kbd></button></div>`;
    q("#next-call").addEventListener("click", reset);
    q("#next-call").focus();
    refreshCard();
  } catch (ex) {
    btn.disabled = false;
    q("#offer").insertAdjacentHTML("beforeend", `<p class="notice error" role="alert">${esc(ex.message)}</p>`);
    btn.focus();
  }
}

async function confirmModify(btn) {
  const reason = q("#mod-reason").value.trim();
  if (!reason) { fieldError("mod-reason", t("op.call.reason.missing")); q("#mod-reason").focus(); return; }
  fieldError("mod-reason", "");
  btn.disabled = true;
  try {
    const b = await api.post(`/api/v1/bookings/${encodeURIComponent(st.modifying.id)}/modify/confirm`, { offer_id: st.offer.offer.offer_id, reason });
    st.modifying = null;
    st.offer = null;
    showModify();
    q("#offer").innerHTML = `<div class="notice success booked" role="status"><p class="offer-big">${esc(t("op.call.modify.done"))}</p>
      <p>${esc(st.member.name)} · ${esc(rideLine(b))}</p>
      ${carHtml(b)}
      <button type="button" class="btn" id="next-call">${esc(t("op.new"))} <kbd>Enter</kbd></button></div>`;
    q("#next-call").addEventListener("click", reset);
    q("#next-call").focus();
    refreshCard();
  } catch (ex) {
    btn.disabled = false;
    const fe = ((ex.detail && ex.detail.errors) || []).length === 0 && ex.code === "reason_required";
    if (fe) { fieldError("mod-reason", ex.message); q("#mod-reason").focus(); return; }
    q("#offer").insertAdjacentHTML("beforeend", `<p class="notice error" role="alert">${esc(ex.message)}</p>`);
    btn.focus();
  }
}

// The card's lists follow a booking made or changed in this call (focus stays where it is).
function refreshCard() {
  const focused = document.activeElement;
  choose(st.member, undefined, { keepTrip: true }).then(() => focused?.isConnected && focused.focus());
}
