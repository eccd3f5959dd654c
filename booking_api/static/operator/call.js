// Phone booking, keyboard first: search (phone digits or kana) → member card →
// from → to → day/time → quote → confirm. Enter always moves on; numbers pick
// from the numbered lists; Esc steps back.
import { t, tf } from "/static/common/i18n.js";
import { hm, dayLabel, esc, ymd, toast, nowMs } from "/static/common/api.js";
import { noShowHtml, voidHtml, wireNoShow, wireVoid } from "/static/operator/noshow.js";

let api = null;
let root = null;
let st = null;

function fresh() { return { results: [], member: null, detail: null, from: null, to: null, options: { from: [], to: [] }, offer: null }; }

export function showCall(theApi, el) {
  api = theApi;
  root = el;
  if (!st) st = fresh();
  if (!el.dataset.ready) { el.dataset.ready = "1"; el.innerHTML = layout(); wire(); }
  el.querySelector(st.member ? "#from" : "#q").focus();
}

function layout() {
  const tomorrow = ymd(new Date(nowMs() + 86400e3));
  return `<div class="call-grid">
  <div class="col">
    <h1 data-i18n="op.nav.call">${t("op.nav.call")}</h1>
    <form id="q-form" role="search"><label for="q" class="label">${t("op.search")}</label>
      <input id="q" type="search" autocomplete="off" aria-describedby="q-hint"><p id="q-hint" class="hint muted">${t("op.search.hint")}</p></form>
    <div id="results" class="results" aria-label="${t("op.results")}" role="region" aria-live="polite"></div>
    <div id="card"></div>
  </div>
  <div class="col">
    <form id="trip" class="trip" novalidate>
      <div class="field"><label for="from">${t("op.from")} <span class="muted small">${t("op.place.hint")}</span></label>
        <input id="from" type="text" autocomplete="off" aria-describedby="from-chosen"><p id="from-chosen" class="chosen" aria-live="polite"></p>
        <ol id="from-opts" class="opts"></ol></div>
      <div class="field"><label for="to">${t("op.to")}</label>
        <input id="to" type="text" autocomplete="off" aria-describedby="to-chosen"><p id="to-chosen" class="chosen" aria-live="polite"></p>
        <ol id="to-opts" class="opts"></ol></div>
      <div class="grid4">
        <div class="field"><label for="date">${t("book.date")}</label><input id="date" type="text" value="${tomorrow}" aria-describedby="date-hint"><span id="date-hint" class="hint muted small">0=${t("book.today")} 1=${t("book.tomorrow")}</span></div>
        <div class="field"><label for="time">${t("book.time")}</label><input id="time" type="text" inputmode="numeric" placeholder="1030 / a1030" aria-describedby="time-hint"><span id="time-hint" class="hint muted small">${t("op.arrive.hint")}</span></div>
        <div class="field"><label for="party">${t("op.party")}</label><input id="party" type="number" min="1" max="9" value="1"></div>
        <label class="choice"><input type="checkbox" id="wc"><span>${t("book.wheelchair")}</span></label>
      </div>
      <div class="field"><label for="rtime">${t("book.return.time")}</label><input id="rtime" type="text" inputmode="numeric" placeholder="1500"></div>
      <div class="field"><label for="notes">${t("book.notes")}</label><input id="notes" type="text"></div>
      <button type="submit" class="btn" id="quote-btn">${t("op.quote")} <kbd>Enter</kbd></button>
    </form>
    <div id="offer" aria-live="polite"></div>
    <p class="muted small">${t("op.keys")}: <kbd>Enter</kbd> ${t("common.next")} · <kbd>Esc</kbd> ${t("common.back")} · <kbd>Alt+N</kbd> ${t("op.new")}</p>
  </div></div>`;
}

const q = (s) => root.querySelector(s);

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
  q("#date").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const v = q("#date").value.trim();
    if (/^\+?\d$/.test(v)) q("#date").value = ymd(new Date(nowMs() + Number(v) * 86400e3));
    q("#time").focus();
  });
  q("#trip").addEventListener("submit", (e) => { e.preventDefault(); doQuote(); });
  // Typing over a prefilled field replaces it, as in a phone-booking form it should.
  for (const id of ["#date", "#time", "#party", "#rtime"]) q(id).addEventListener("focus", (e) => e.target.select());
  root.addEventListener("keydown", (e) => {
    if (e.altKey && (e.key === "n" || e.key === "N")) { e.preventDefault(); reset(); }
    if (e.key === "Escape" && st.offer) { e.preventDefault(); q("#offer").innerHTML = ""; st.offer = null; q("#time").focus(); }
  });
}

function reset() {
  st = fresh();
  root.dataset.ready = "";
  root.innerHTML = layout();
  wire();
  root.dataset.ready = "1";
  q("#q").focus();
}

async function search() {
  const text = q("#q").value.trim();
  if (!text) return;
  const box = q("#results");
  try { st.results = await api.get(`/api/v1/members?q=${encodeURIComponent(text)}&status=approved&limit=10`); } catch (ex) { box.innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
  if (!st.results.length) { box.innerHTML = `<p class="notice warning">${t("op.noresult")}</p>`; return; }
  box.innerHTML = `<ul class="res-list">${st.results.map((m, i) => `<li><button type="button" class="res" data-i="${i}">
    <strong>${esc(m.name)}</strong> <span class="muted">${esc(m.kana)}</span> · ${esc(m.phone)} · ${esc(m.member_number || "")}</button></li>`).join("")}</ul>`;
  for (const b of box.querySelectorAll("button")) b.addEventListener("click", () => choose(st.results[Number(b.dataset.i)]));
  if (st.results.length === 1) choose(st.results[0]); else box.querySelector("button").focus();
}

function needs(m) {
  const n = [];
  if (m.wheelchair) n.push(`<span class="tag orange">${t("reg.wheelchair")}</span>`);
  if (m.walking_aid) n.push(`<span class="tag orange">${t("reg.walking")}</span>`);
  if (m.needs_help_boarding) n.push(`<span class="tag orange">${t("reg.help")}</span>`);
  if (m.companion_allowed) n.push(`<span class="tag gray">${t("reg.companion")}</span>`);
  return n.join(" ") || `<span class="muted">—</span>`;
}

async function choose(m, note) {
  st.member = m;
  let d = m;
  try { d = await api.get(`/api/v1/members/${encodeURIComponent(m.id)}`); } catch { /* the search row is enough to go on */ }
  st.detail = d;
  const saved = d.saved_places || [];
  const recent = d.recent_bookings || [];
  q("#results").innerHTML = "";
  q("#card").innerHTML = `<article class="card member" aria-labelledby="m-name">
    <h2 id="m-name">${esc(d.name)} <span class="muted">${esc(d.kana)}</span></h2>
    ${noShowHtml(d.no_shows)}${voidHtml(recent)}${note ? `<p class="notice success" id="ns-result">${esc(note)}</p>` : ""}
    <dl class="kv"><dt>${t("op.number")}</dt><dd>${esc(d.member_number || "")}</dd><dt>${t("reg.phone")}</dt><dd>${esc(d.phone)}</dd>
    <dt>${t("reg.address")}</dt><dd>${esc(d.address)}</dd><dt>${t("op.needs")}</dt><dd>${needs(d)}</dd>
    <dt>${t("reg.emergency")}</dt><dd>${esc(d.emergency_contact_name || "")} ${esc(d.emergency_contact_phone || "")}</dd>
    <dt>${t("op.notes")}</dt><dd>${esc(d.notes || "—")}</dd></dl>
    <h3>${t("op.saved")}</h3><p>${saved.map((s) => esc(s.label)).join("、") || "—"}</p>
    <details class="pw"><summary>${t("op.pw.reset")}</summary><p class="hint" id="pw-hint">${t("op.pw.hint")}</p><form id="pw-form" class="row"><label for="pw-new" class="visually-hidden">${t("op.pw.new")}</label>
      <input id="pw-new" type="text" autocomplete="off" minlength="6" placeholder="${t("op.pw.new")}" aria-describedby="pw-hint pw-new-error"><button class="btn secondary small" type="submit">${t("op.pw.reset")}</button></form>
      <p class="field-error" id="pw-new-error" hidden></p></details>
    <h3>${t("op.recent")}</h3><ul class="recent">${recent.slice(0, 5).map((b) => `<li>${esc(dayLabel(b.pickup_window_start))} ${hm(b.pickup_window_start)} ${esc(b.from_label)} → ${esc(b.to_label)} <span class="tag gray">${esc(t(`status.${b.status}`))}</span></li>`).join("") || "<li>—</li>"}</ul></article>`;
  q("#pw-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = q("#pw-new");
    const slot = q("#pw-new-error");
    slot.hidden = true;
    input.removeAttribute("aria-invalid");
    try {
      await api.post(`/api/v1/members/${encodeURIComponent(d.id)}/password`, { password: input.value });
      toast(t("op.pw.done"));
      input.value = "";
    } catch (ex) {
      // Why the PIN is refused is shown next to the field, in the console's language.
      const fe = ((ex.detail && ex.detail.errors) || []).find((x) => String(x.field).endsWith("password"));
      if (fe) {
        slot.textContent = (document.documentElement.lang === "en" ? fe.message_en : fe.message_ja) || fe.message;
        slot.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
      } else toast(ex.message, "error");
    }
  });
  wireNoShow(q("#card"), api, d.id, (done) => choose(m, done));
  wireVoid(q("#card"), api, d.id, (done) => choose(m, done));
  const home = { ref: { home: true }, label: `${t("book.from.home")}（${d.address || ""}）` };
  const savedOpts = saved.map((s) => ({ ref: { saved_place_id: s.id }, label: s.label }));
  const seen = new Set();
  const recentTo = recent.filter((b) => b.to_lat != null && !seen.has(b.to_label) && seen.add(b.to_label)).map((b) => ({ ref: { lat: b.to_lat, lon: b.to_lon, label: b.to_label }, label: b.to_label }));
  setOptions("from", [home, ...savedOpts]);
  setOptions("to", [...savedOpts, ...recentTo, home]);
  q("#wc").checked = !!d.wheelchair;
  q("#from").focus();
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
    if (found.length) setOptions(end, found); else q(`#${end}-opts`).innerHTML = `<li class="muted">${t("op.noresult")}</li>`;
    q(`#${end}-opts`).dataset.search = v;
    return;
  }
  st[end] = chosen;
  input.value = "";
  q(`#${end}-chosen`).innerHTML = `✔ ${esc(chosen.label)}`;
  (end === "from" ? q("#to") : q("#date")).focus();
}

function parseTime(raw) {
  let v = raw.trim().replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  let mode = "depart_at";
  if (/^[aA着]/.test(v)) { mode = "arrive_by"; v = v.slice(1); }
  v = v.replace(/[^0-9]/g, "");
  if (v.length === 3) v = `0${v}`;
  if (v.length !== 4) return null;
  return { time: `${v.slice(0, 2)}:${v.slice(2)}`, mode };
}

async function doQuote(override) {
  const box = q("#offer");
  const tm = override || parseTime(q("#time").value);
  if (!st.member || !st.from || !st.to || !tm) {
    box.innerHTML = `<p class="notice error" role="alert">${t("book.missing")}</p>`;
    (!st.member ? q("#q") : !st.from ? q("#from") : !st.to ? q("#to") : q("#time")).focus();
    return;
  }
  const party = Math.max(1, Number(q("#party").value) || 1);
  const body = { member_id: st.member.id, from: st.from.ref, to: st.to.ref, date: q("#date").value.trim(), time: tm.time, time_mode: tm.mode, party_size: party, companions: party - 1, wheelchair: q("#wc").checked, notes: q("#notes").value };
  const rt = parseTime(q("#rtime").value);
  if (rt) body.return_time = rt.time;
  box.innerHTML = `<p class="muted">${t("common.loading")}</p>`;
  try {
    const res = await api.post("/api/v1/quotes", body);
    st.offer = res;
    const o = res.offer;
    const r = res.return_offer;
    box.innerHTML = `<div class="card offer"><p class="offer-big">${esc(dayLabel(o.pickup_window_start))} ${esc(tf("book.offer.pickup", { a: hm(o.pickup_window_start), b: hm(o.pickup_window_end) }))}</p>
      <p>${esc(o.from_label)} → ${esc(o.to_label)} · ${esc(tf("book.offer.arrive", { t: hm(o.estimated_dropoff) }))}${o.fare_yen != null ? ` · ${o.fare_yen}${t("common.yen")}` : ""}</p>
      ${r ? `<p>${t("book.offer.return")}: ${esc(tf("book.offer.pickup", { a: hm(r.pickup_window_start), b: hm(r.pickup_window_end) }))}</p>` : ""}
      <p class="muted" id="op-hold"></p>
      <button type="button" class="btn" id="confirm">${t("op.confirm")} <kbd>Enter</kbd></button></div>`;
    const hold = q("#op-hold");
    const tick = () => { const s = Math.max(0, Math.floor((new Date(o.expires_at) - nowMs()) / 1000)); if (hold.isConnected) { hold.textContent = tf("book.offer.hold", { m: Math.floor(s / 60), s: s % 60 }); setTimeout(tick, 1000); } };
    tick();
    q("#confirm").addEventListener("click", confirm);
    q("#confirm").focus();
  } catch (ex) {
    const alts = (ex.detail && ex.detail.alternatives) || [];
    // A suspension is said in words, with where to lift it; the card may predate it, so show it there too.
    const suspended = ex.code === "member_suspended";
    if (suspended && !q("#ns-box")) choose(st.member).then(() => q("#time").focus());
    box.innerHTML = `<div class="notice error" role="alert" ${suspended ? 'data-code="member_suspended"' : ""}><p>${esc(ex.message)}</p>${suspended ? `<p>${t("op.ns.quote")}</p>` : ""}${alts.length ? `<p>${t("op.alts")}</p><ol class="alts">${alts.map((a, i) => `<li><button type="button" class="btn secondary small alt" data-t="${hm(a.pickup_window_start)}"><kbd>${i + 1}</kbd> ${esc(tf("book.alt", { a: hm(a.pickup_window_start), b: hm(a.pickup_window_end) }))}</button></li>`).join("")}</ol>` : ""}</div>`;
    for (const b of box.querySelectorAll(".alt")) b.addEventListener("click", () => { q("#time").value = b.dataset.t.replace(":", ""); doQuote({ time: b.dataset.t, mode: "depart_at" }); });
    // A digit picks that alternative, like the numbered place lists.
    box.onkeydown = (e) => { const b = box.querySelectorAll(".alt")[Number(e.key) - 1]; if (b) { e.preventDefault(); b.click(); } };
    (box.querySelector(".alt") || q("#time")).focus();
  }
}

async function confirm(e) {
  const btn = e.currentTarget;
  btn.disabled = true;
  const body = { offer_id: st.offer.offer.offer_id };
  if (st.offer.return_offer) body.return_offer_id = st.offer.return_offer.offer_id;
  try {
    const res = await api.post("/api/v1/bookings", body, { "Idempotency-Key": `${st.offer.offer.offer_id}-op` });
    const b = res.booking;
    q("#offer").innerHTML = `<div class="notice success booked" role="status"><p class="offer-big">${t("op.booked")}</p>
      <p>${esc(st.member.name)} · ${esc(dayLabel(b.pickup_window_start))} ${hm(b.pickup_window_start)}〜${hm(b.pickup_window_end)} · ${esc(b.from_label)} → ${esc(b.to_label)}</p>
      <button type="button" class="btn" id="next-call">${t("op.new")} <kbd>Enter</kbd></button></div>`;
    q("#next-call").addEventListener("click", reset);
    q("#next-call").focus();
  } catch (ex) {
    btn.disabled = false;
    q("#offer").insertAdjacentHTML("beforeend", `<p class="notice error" role="alert">${esc(ex.message)}</p>`);
    btn.focus();
  }
}
