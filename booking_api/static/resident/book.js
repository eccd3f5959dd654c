// The residents' booking flow: from → to → when → who → offer (with its hold
// countdown) → confirm; a return trip can be asked in the same flow.
import { lang, t, tf } from "/static/common/i18n.js";
import { hm, dayLabel, esc, ymd, toast, now, nowMs } from "/static/common/api.js";
import { makeMap, pin } from "/static/common/map.js";

const ICONS = {
  hospital: '<path d="M24 6h16v18h18v16H40v18H24V40H6V24h18z"/>',
  shopping: '<path d="M8 10h8l6 30h30l6-22H20" fill="none" stroke-width="6" stroke="currentColor" stroke-linejoin="round"/><circle cx="26" cy="52" r="5"/><circle cx="48" cy="52" r="5"/>',
  city_hall: '<path d="M32 4 4 20v6h56v-6zM10 30h8v20h-8zm14 0h8v20h-8zm14 0h8v20h-8zm14 0h6v20h-6zM4 54h56v6H4z"/>',
  bank_post: '<path d="M6 8h52v8H6zm8 14h36v8H14zm14 8h8v28h-8z"/>',
  public: '<path d="M32 6 6 22h52zM10 26h44v26H10zm14 8v18h16V34zM6 54h52v6H6z"/>',
};
const CATS = ["hospital", "shopping", "city_hall", "bank_post", "public"];
// The city's data has fine categories (clinic, dentist, supermarket...); residents
// choose among five familiar groups, each with a large icon.
const GROUPS = [
  ["hospital", /hosp|clinic|medic|dent|pharm/],
  ["shopping", /shop|super|store|drug|home_c|mall|market/],
  ["city_hall", /city|town_?hall|government/],
  ["bank_post", /bank|post/],
  ["public", /./],
];
function groupOf(id) {
  return GROUPS.find(([, re]) => re.test(id))[0];
}
const STEPS = ["from", "to", "when", "who", "offer"];
let api = null;
let me = null;
let st = null;
let holdTimer = null;
let cats = null;

function fresh() {
  const tomorrow = new Date(nowMs() + 86400e3);
  return { step: "from", from: null, to: null, date: ymd(tomorrow), time: "10:00", mode: "depart_at", roundTrip: false, returnTime: "13:00", party: 1, wheelchair: !!(me && me.wheelchair), notes: "", offer: null, returnOffer: null, done: null };
}
export function startBooking(theApi, member) {
  api = theApi;
  me = member;
  if (!st || st.done) st = fresh();
  render();
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
  return `<button type="button" class="place-btn${icon ? " with-icon" : ""}" data-kind="${kind}" data-ref='${esc(JSON.stringify(p.ref))}' data-label="${esc(p.label)}">
    ${icon}<span class="pl-name">${esc(p.label)}</span>${p.sub ? `<span class="pl-sub">${esc(p.sub)}</span>` : ""}</button>`;
}
function bindPlaces(kind, next) {
  for (const b of box().querySelectorAll(".place-btn")) {
    b.addEventListener("click", () => { st[kind] = { ref: JSON.parse(b.dataset.ref), label: b.dataset.label }; go(next); });
  }
}
async function searchInto(input, list, kind, next, url) {
  const q = input.value.trim();
  if (!q) return;
  list.innerHTML = `<p class="muted">${t("common.loading")}</p>`;
  try {
    const rows = await api.get(url(q));
    list.innerHTML = rows.map((r) => placeButton({ ref: r.id ? { place_id: r.id } : { lat: r.lat, lon: r.lon, label: r.name }, label: r.name, sub: r.address || r.kana || "" }, kind)).join("") || `<p class="muted">${t("op.noresult")}</p>`;
    bindPlaces(kind, next);
  } catch (ex) { list.innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; }
}
function searchBlock(id) {
  return `<form class="search" id="${id}-form" role="search"><label for="${id}" class="label">${t("book.search")}</label>
    <div class="row"><input id="${id}" type="search" autocomplete="off"><button class="btn" type="submit">${t("common.search")}</button></div></form>
    <div id="${id}-results" class="place-list" aria-live="polite"></div>`;
}

async function stepFrom() {
  if (me.address === undefined) {
    // /auth/me has no address; the member record has it (and the wheelchair need).
    try { const m = await api.get("/api/v1/me"); me = { ...me, address: m.address, wheelchair: m.wheelchair, noShows: m.no_shows }; st.wheelchair = st.wheelchair || !!m.wheelchair; } catch { me = { ...me, address: "" }; }
  }
  // A no-show warning or suspension is said before the rider starts (the API refuses a suspended member's quotes too).
  const ns = me.noShows;
  const nsText = ns && (lang() === "en" ? ns.message_en : ns.message_ja);
  const nsNotice = nsText ? `<p class="notice ${ns.state === "suspended" ? "error" : "warning"}" role="alert" data-no-show="${esc(ns.state)}">${esc(nsText)}</p>` : "";
  let saved = [];
  try { saved = await api.get("/api/v1/me/places"); } catch { saved = []; }
  const places = [{ ref: { home: true }, label: t("book.from.home"), sub: me.address || "" },
    ...saved.map((s) => ({ ref: { saved_place_id: s.id }, label: s.label }))];
  box().innerHTML = `<h2>${t("book.from")}</h2>${nsNotice}<div class="place-list">${places.map((p) => placeButton(p, "from")).join("")}</div>
    ${searchBlock("from-q")}${nav(null, null)}`;
  bindPlaces("from", "to");
  box().querySelector("#from-q-form").addEventListener("submit", (e) => { e.preventDefault(); searchInto(box().querySelector("#from-q"), box().querySelector("#from-q-results"), "from", "to", (q) => `/api/v1/towns?q=${encodeURIComponent(q)}&limit=8`); });
}

async function stepTo() {
  if (!cats) {
    let raw = [];
    try { raw = await api.get("/api/v1/places/categories"); } catch { raw = []; }
    cats = CATS.map((id) => ({ id, members: raw.map((c) => c.id).filter((c) => groupOf(c) === id) })).filter((g) => g.members.length || !raw.length);
  }
  box().innerHTML = `<h2>${t("book.to")}</h2><p class="muted">${esc(st.from.label)} →</p>
    <div class="cat-grid">${cats.map((c) => `<button type="button" class="cat" data-cat="${esc(c.id)}" aria-pressed="false">
      <svg viewBox="0 0 64 64" aria-hidden="true" fill="currentColor">${ICONS[c.id]}</svg>
      <span>${esc(t(`cat.${c.id}`))}</span></button>`).join("")}</div>
    <div id="cat-results" class="place-list" aria-live="polite"></div>
    ${searchBlock("to-q")}
    <details class="map-pick"><summary>${t("book.to.map")}</summary><p class="muted">${t("book.to.map.hint")}</p><div id="to-map" class="map" aria-label="${t("book.to.map")}"></div></details>
    ${nav("from", null)}`;
  for (const b of box().querySelectorAll(".cat")) {
    b.addEventListener("click", async () => {
      for (const o of box().querySelectorAll(".cat")) o.setAttribute("aria-pressed", String(o === b));
      const list = box().querySelector("#cat-results");
      const group = cats.find((c) => c.id === b.dataset.cat);
      const lists = await Promise.all((group.members.length ? group.members : [group.id]).map((c) => api.get(`/api/v1/places?category=${encodeURIComponent(c)}&limit=30`).catch(() => [])));
      const rows = lists.flat().sort((x, y) => x.name.localeCompare(y.name, "ja"));
      list.innerHTML = rows.map((r) => placeButton({ ref: { place_id: r.id }, label: r.name, sub: r.address || "" }, "to")).join("") || `<p class="muted">${t("op.noresult")}</p>`;
      bindPlaces("to", "when");
      list.querySelector("button")?.focus();
    });
  }
  box().querySelector("#to-q-form").addEventListener("submit", (e) => { e.preventDefault(); searchInto(box().querySelector("#to-q"), box().querySelector("#to-q-results"), "to", "when", (q) => `/api/v1/places?q=${encodeURIComponent(q)}&limit=10`); });
  const det = box().querySelector(".map-pick");
  det.addEventListener("toggle", () => {
    if (!det.open || det.dataset.ready) return;
    det.dataset.ready = "1";
    const m = makeMap(box().querySelector("#to-map"), { places: true });
    m.on("click", (ev) => {
      pin(m, ev.latlng.lat, ev.latlng.lng, t("book.to.mappoint"));
      st.to = { ref: { lat: ev.latlng.lat, lon: ev.latlng.lng, label: t("book.to.mappoint") }, label: t("book.to.mappoint") };
      setTimeout(() => go("when"), 300);
    });
  });
  bindPlaces("to", "when");
}

function stepWhen() {
  const today = ymd(now());
  const tomorrow = ymd(new Date(nowMs() + 86400e3));
  box().innerHTML = `<h2>${t("book.when")}</h2>
    <fieldset><legend>${t("book.date")}</legend><div class="row">
      <button type="button" class="btn secondary day" data-d="${today}" aria-pressed="${st.date === today}">${t("book.today")}</button>
      <button type="button" class="btn secondary day" data-d="${tomorrow}" aria-pressed="${st.date === tomorrow}">${t("book.tomorrow")}</button></div>
      <label for="b-date" class="visually-hidden">${t("book.date")}</label><input id="b-date" type="date" value="${st.date}" min="${today}"></fieldset>
    <div class="field"><label for="b-time">${t("book.time")}</label><input id="b-time" type="time" value="${st.time}" step="300"></div>
    <fieldset><legend class="visually-hidden">${t("book.time")}</legend>
      <label class="choice"><input type="radio" name="mode" value="depart_at" ${st.mode === "depart_at" ? "checked" : ""}><span>${t("book.mode.depart")}</span></label>
      <label class="choice"><input type="radio" name="mode" value="arrive_by" ${st.mode === "arrive_by" ? "checked" : ""}><span>${t("book.mode.arrive")}</span></label></fieldset>
    <label class="choice"><input type="checkbox" id="b-rt" ${st.roundTrip ? "checked" : ""}><span>${t("book.return")}</span></label>
    <div class="field" id="b-rt-box" ${st.roundTrip ? "" : "hidden"}><label for="b-rtime">${t("book.return.time")}</label><input id="b-rtime" type="time" value="${st.returnTime}" step="300"></div>
    ${nav("to")}`;
  const q = (s) => box().querySelector(s);
  for (const b of box().querySelectorAll(".day")) b.addEventListener("click", () => { st.date = b.dataset.d; q("#b-date").value = st.date; for (const o of box().querySelectorAll(".day")) o.setAttribute("aria-pressed", String(o === b)); });
  q("#b-rt").addEventListener("change", () => { q("#b-rt-box").hidden = !q("#b-rt").checked; });
  q(".next").addEventListener("click", () => {
    st.date = q("#b-date").value; st.time = q("#b-time").value;
    st.mode = box().querySelector("input[name=mode]:checked").value;
    st.roundTrip = q("#b-rt").checked; st.returnTime = q("#b-rtime").value;
    go("who");
  });
}

function stepWho() {
  box().innerHTML = `<h2>${t("book.who")}</h2>
    <div class="field"><span class="label" id="party-label">${t("book.party")}</span>
      <div class="stepper" role="group" aria-labelledby="party-label">
        <button type="button" class="btn secondary" id="p-minus" aria-label="${t("book.minus")}">−</button>
        <output id="p-count" aria-live="polite">${st.party}</output><span>${t("common.people")}</span>
        <button type="button" class="btn secondary" id="p-plus" aria-label="${t("book.plus")}">＋</button></div></div>
    <label class="choice"><input type="checkbox" id="b-wc" ${st.wheelchair ? "checked" : ""}><span>${t("book.wheelchair")}</span></label>
    <div class="field"><label for="b-notes">${t("book.notes")}</label><textarea id="b-notes">${esc(st.notes)}</textarea></div>
    <div id="quote-error" role="alert"></div>
    ${nav("when", "book.quote")}`;
  const q = (s) => box().querySelector(s);
  const upd = (d) => { st.party = Math.max(1, Math.min(6, st.party + d)); q("#p-count").textContent = st.party; };
  q("#p-minus").addEventListener("click", () => upd(-1));
  q("#p-plus").addEventListener("click", () => upd(1));
  q(".next").addEventListener("click", async () => {
    st.wheelchair = q("#b-wc").checked; st.notes = q("#b-notes").value;
    q(".next").disabled = true;
    await quote(q("#quote-error"));
    const n = q(".next"); if (n) n.disabled = false;
  });
}

async function quote(errBox, override) {
  const body = { from: st.from.ref, to: st.to.ref, date: st.date, time: st.time, time_mode: st.mode, party_size: st.party, companions: st.party - 1, wheelchair: st.wheelchair, notes: st.notes, ...(override || {}) };
  if (st.roundTrip) body.return_time = st.returnTime;
  try {
    const res = await api.post("/api/v1/quotes", body);
    st.offer = res.offer; st.returnOffer = res.return_offer || null;
    go("offer");
  } catch (ex) {
    const alts = (ex.detail && ex.detail.alternatives) || [];
    errBox.innerHTML = `<div class="notice error"><p>${esc(ex.message)}</p>${alts.length ? `<p>${t("book.full")}</p><div class="row">${alts.map((a) => `<button type="button" class="btn secondary alt" data-t="${hm(a.pickup_window_start)}">${esc(tf("book.alt", { a: hm(a.pickup_window_start), b: hm(a.pickup_window_end) }))}</button>`).join("")}</div>` : ""}</div>`;
    for (const b of errBox.querySelectorAll(".alt")) b.addEventListener("click", () => { st.time = b.dataset.t; st.mode = "depart_at"; quote(errBox); });
    errBox.querySelector("button, .notice")?.focus?.();
  }
}

function offerBlock(o, label) {
  return `<div class="offer card"><p class="offer-leg">${label} · ${esc(dayLabel(o.pickup_window_start))}</p>
    <p class="offer-big">${esc(tf("book.offer.pickup", { a: hm(o.pickup_window_start), b: hm(o.pickup_window_end) }))}</p>
    <p class="offer-route">${esc(o.from_label)} → ${esc(o.to_label)}</p>
    <p>${esc(tf("book.offer.arrive", { t: hm(o.estimated_dropoff) }))}</p>
    ${o.fare_yen != null ? `<p>${esc(tf("book.offer.fare", { y: o.fare_yen }))}</p>` : ""}</div>`;
}
function stepOffer() {
  const o = st.offer;
  box().innerHTML = `<h2>${t("book.offer.title")}</h2>${offerBlock(o, t("book.offer.go"))}
    ${st.returnOffer ? offerBlock(st.returnOffer, t("book.offer.return")) : ""}
    <p class="hold" id="hold" role="timer" aria-live="off"></p>
    <div id="confirm-error" role="alert"></div>
    <div class="row nav"><button type="button" class="btn secondary" data-go="who">${t("common.back")}</button>
    <button type="button" class="btn big confirm">${t("book.confirm")}</button></div>`;
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
      const body = { offer_id: o.offer_id };
      if (st.returnOffer) body.return_offer_id = st.returnOffer.offer_id;
      const res = await api.post("/api/v1/bookings", body, { "Idempotency-Key": key });
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
  box().innerHTML = `<div class="notice success done"><h2>${t("book.done.title")}</h2>
    <p class="offer-big">${esc(dayLabel(b.pickup_window_start))} ${esc(tf("book.offer.pickup", { a: hm(b.pickup_window_start), b: hm(b.pickup_window_end) }))}</p>
    <p>${esc(b.from_label)} → ${esc(b.to_label)}</p>
    ${st.done.return_booking ? `<p>${t("book.offer.return")}: ${hm(st.done.return_booking.pickup_window_start)}〜${hm(st.done.return_booking.pickup_window_end)}</p>` : ""}
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

function render() {
  clearInterval(holdTimer);
  if (st.done) { progress(); renderDone(); return; }
  progress();
  if (!box().dataset.wired) {
    box().dataset.wired = "1";
    box().addEventListener("click", (e) => { const b = e.target.closest("[data-go]"); if (b) go(b.dataset.go); });
  }
  ({ from: stepFrom, to: stepTo, when: stepWhen, who: stepWho, offer: stepOffer })[st.step]();
}
