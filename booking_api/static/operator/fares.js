// 運賃・券 (fares and tickets) at the counter and in the office: find a member, their
// wallet (tickets and passes, rides left, valid until, history), a cash sale with its
// receipt (change, printable through window.print and the print stylesheet); the day's
// ledger, where a wrong row is corrected by a new opposite row (confirm + reason, audited);
// the day's takings by product, channel and method, and the drivers' cash counts per
// vehicle with differences flagged; the takings as CSV.
import { t, tf, th, lang } from "/static/common/i18n.js";
import { esc, ymd, now, hm, toast, TZ } from "/static/common/api.js";

const yen = (n) => tf("fare.yen", { n: Math.round(Number(n) || 0).toLocaleString("en-US") });
const word = (prefix, code) => { const s = t(`${prefix}.${code}`); return s.startsWith(prefix) ? code : s; };
const dateText = (iso) => new Date(`${iso}T00:00:00+09:00`).toLocaleDateString(lang() === "en" ? "en-GB" : "ja-JP", { timeZone: TZ, year: "numeric", month: "numeric", day: "numeric" });
const when = (iso) => `${new Date(iso).toLocaleDateString(lang() === "en" ? "en-GB" : "ja-JP", { timeZone: TZ, month: "numeric", day: "numeric" })} ${hm(iso)}`;

let products = [];
let member = null;
let api = null;
let root = null;
const $ = (s) => root.querySelector(s);
const productName = (id) => { const p = products.find((x) => x.id === id); return p ? (lang() === "en" ? p.name_en : p.name_ja) : (id ? id : t("op.fares.fare")); };

function fieldError(input, box, msg) {
  box.textContent = msg || "";
  if (msg) { input.setAttribute("aria-invalid", "true"); input.focus(); } else input.removeAttribute("aria-invalid");
}

export async function showFares(theApi, el) {
  api = theApi;
  root = el;
  const day = $("#fa-day")?.value || ymd(now());
  el.innerHTML = `<h1>${th("op.fares.title")}</h1>
    <div class="fares-grid">
    <section class="card" aria-labelledby="fa-member-h"><h2 id="fa-member-h">${th("op.fares.member")}</h2>
      <form id="fa-find" class="row" role="search" novalidate>
        <label for="fa-q">${th("op.fares.find")}</label>
        <input id="fa-q" type="search" autocomplete="off" aria-describedby="fa-q-error">
        <button class="btn small" type="submit">${th("op.fares.find.go")}</button></form>
      <p id="fa-q-error" class="field-error"></p>
      <ul id="fa-found" class="fa-found"></ul>
      <div id="fa-wallet" aria-live="polite"></div>
    </section>
    <section class="card" aria-labelledby="fa-day-h"><h2 id="fa-day-h">${th("op.fares.day")}</h2>
      <form id="fa-day-form" class="row" novalidate><label for="fa-day">${th("op.fares.date")}</label>
        <input id="fa-day" type="date" value="${esc(day)}" required>
        <button class="btn small" type="submit">${th("op.fares.show")}</button>
        <button class="btn secondary small" type="button" id="fa-csv">${th("op.fares.csv")}</button></form>
      <div id="fa-takings" aria-live="polite"></div>
      <h3>${th("op.fares.cash.title")}</h3><div id="fa-cash"></div>
      <h3>${th("op.fares.ledger")}</h3><div id="fa-ledger"></div>
    </section></div>
    <dialog id="fa-fix" aria-labelledby="fa-fix-h"><form id="fa-fix-form" novalidate>
      <h2 id="fa-fix-h">${th("op.fares.fix.title")}</h2><p id="fa-fix-what"></p>
      <div class="field"><label for="fa-fix-reason">${th("op.fares.fix.reason")}</label>
        <textarea id="fa-fix-reason" rows="3" maxlength="300" required aria-describedby="fa-fix-error"></textarea>
        <p id="fa-fix-error" class="field-error"></p></div>
      <div class="row"><button class="btn secondary" type="button" id="fa-fix-no">${th("common.cancel")}</button>
        <button class="btn danger" type="submit">${th("op.fares.fix.yes")}</button></div></form></dialog>`;
  try { products = await api.get("/api/v1/fares/products"); } catch { products = []; }
  $("#fa-find").addEventListener("submit", (e) => { e.preventDefault(); find(); });
  $("#fa-day-form").addEventListener("submit", (e) => { e.preventDefault(); loadDay(); });
  $("#fa-csv").addEventListener("click", csv);
  $("#fa-fix-no").addEventListener("click", () => $("#fa-fix").close());
  if (member) loadWallet(member);
  loadDay();
}

async function find() {
  const input = $("#fa-q");
  const q = input.value.trim();
  fieldError(input, $("#fa-q-error"), q ? "" : t("op.fares.find.empty"));
  if (!q) return;
  let rows = [];
  try { rows = await api.get(`/api/v1/members?q=${encodeURIComponent(q)}&status=approved&limit=10`); } catch (ex) { fieldError(input, $("#fa-q-error"), ex.message); return; }
  if (!rows.length) fieldError(input, $("#fa-q-error"), t("op.fares.find.none"));
  $("#fa-found").innerHTML = rows.map((m, i) => `<li><button type="button" class="btn tertiary small" data-i="${i}">${esc(m.name)}（${esc(m.kana)}） ${esc(m.member_number || "")} ${esc(m.phone)}</button></li>`).join("");
  for (const b of root.querySelectorAll("#fa-found button")) b.addEventListener("click", () => { $("#fa-found").innerHTML = ""; loadWallet(rows[Number(b.dataset.i)]); });
}

const holdingState = (h) => t(h.expired ? "op.fares.h.expired" : h.usable ? "op.fares.h.usable" : "op.fares.h.used_up");

function historyRows(rows) {
  if (!rows.length) return `<p class="muted">${th("op.fares.none")}</p>`;
  return `<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${th("op.fares.col.at")}</th><th scope="col">${th("op.fares.col.kind")}</th>
    <th scope="col">${th("op.fares.col.product")}</th><th scope="col">${th("op.fares.col.method")}</th><th scope="col" class="num">${th("op.fares.col.yen")}</th><th scope="col" class="num">${th("op.fares.col.rides")}</th></tr></thead>
    <tbody>${rows.map((e) => `<tr><td>${esc(when(e.at))}</td><td>${esc(word("op.fares.kind", e.kind))}${e.corrected ? ` <span class="tag">${th("op.fares.corrected")}</span>` : ""}</td><td>${esc(productName(e.product_id))}</td>
      <td>${esc(word("op.fares.method", e.method))}</td><td class="num">${esc(yen(e.yen_in - e.yen_out))}</td><td class="num">${e.rides_in - e.rides_out}</td></tr>`).join("")}</tbody></table></div>`;
}

async function loadWallet(m) {
  member = m;
  const box = $("#fa-wallet");
  let w;
  try { w = await api.get(`/api/v1/members/${encodeURIComponent(m.id)}/wallet`); } catch (ex) { box.innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
  box.innerHTML = `<h3 id="fa-who">${esc(tf("op.fares.wallet_of", { name: m.name }))} <small>${esc(m.member_number || "")}</small></h3>
    ${w.holdings.length ? `<div class="table-wrap"><table class="data" aria-labelledby="fa-who"><thead><tr><th scope="col">${th("op.fares.col.product")}</th><th scope="col" class="num">${th("op.fares.col.left")}</th>
      <th scope="col">${th("op.fares.col.until")}</th><th scope="col">${th("op.fares.col.state")}</th></tr></thead>
      <tbody>${w.holdings.map((h) => `<tr><td>${esc(lang() === "en" ? h.name_en : h.name_ja)}</td><td class="num">${h.rides_left === null ? th("op.fares.unlimited") : h.rides_left}</td><td>${esc(dateText(h.valid_until))}</td><td>${esc(holdingState(h))}</td></tr>`).join("")}</tbody></table></div>`
      : `<p class="muted">${th("op.fares.no_holdings")}</p>`}
    <form id="fa-sale" class="fa-sale" novalidate><h3>${th("op.fares.sale")}</h3>
      <div class="field"><label for="fa-product">${th("op.fares.product")}</label>
        <select id="fa-product" aria-describedby="fa-product-error">${products.map((p) => `<option value="${esc(p.id)}" data-price="${p.price_yen}">${esc(lang() === "en" ? p.name_en : p.name_ja)} — ${esc(yen(p.price_yen))}</option>`).join("")}</select>
        <p id="fa-product-error" class="field-error"></p></div>
      <div class="field"><label for="fa-received">${th("op.fares.received")}</label>
        <input id="fa-received" type="number" inputmode="numeric" min="0" step="1" aria-describedby="fa-change fa-received-error">
        <p id="fa-change" class="muted" aria-live="polite"></p><p id="fa-received-error" class="field-error"></p></div>
      <button class="btn" type="submit">${th("op.fares.sell")}</button></form>
    <div id="fa-receipt"></div>
    <h3>${th("op.fares.history")}</h3>${historyRows(w.history)}`;
  const price = () => Number($("#fa-product").selectedOptions[0]?.dataset.price || 0);
  const change = () => {
    const v = $("#fa-received").value;
    $("#fa-change").textContent = v === "" ? tf("op.fares.price", { yen: yen(price()) }) : Number(v) >= price() ? tf("op.fares.change", { yen: yen(Number(v) - price()) }) : tf("op.fares.short", { yen: yen(price()) });
  };
  $("#fa-received").value = String(price());
  change();
  $("#fa-product").addEventListener("change", () => { $("#fa-received").value = String(price()); change(); });
  $("#fa-received").addEventListener("input", () => { fieldError($("#fa-received"), $("#fa-received-error"), ""); change(); });
  $("#fa-sale").addEventListener("submit", (e) => { e.preventDefault(); sell(); });
}

async function sell() {
  const input = $("#fa-received");
  const box = $("#fa-received-error");
  if (!/^[0-9]+$/.test(input.value)) { fieldError(input, box, t("op.fares.received.bad")); return; }
  let r;
  try {
    r = await api.post(`/api/v1/members/${encodeURIComponent(member.id)}/sales`, { product_id: $("#fa-product").value, received_yen: Number(input.value) });
  } catch (ex) {
    const field = ex.detail && ex.detail.field === "product_id" ? [$("#fa-product"), $("#fa-product-error")] : [input, box];
    fieldError(field[0], field[1], ex.message);
    return;
  }
  const keep = member;
  await loadWallet(keep);
  $("#fa-receipt").innerHTML = receipt(r);
  $("#fa-print").addEventListener("click", () => window.print());
  $("#fa-receipt h3").focus();
  toast(t("op.fares.sold"));
  loadDay();
}

function receipt(r) {
  const row = (k, v) => `<tr><th scope="row">${th(k)}</th><td>${esc(v)}</td></tr>`;
  return `<div class="receipt" id="fa-receipt-card"><h3 tabindex="-1">${th("op.fares.receipt")}</h3>
    <table class="receipt-table"><tbody>${row("op.fares.r.number", r.number)}${row("op.fares.col.at", when(r.at))}
    ${row("op.fares.r.member", `${r.member_name} ${r.member_number || ""}`)}${row("op.fares.col.product", lang() === "en" ? r.name_en : r.name_ja)}
    ${row("op.fares.r.price", yen(r.price_yen))}${row("op.fares.r.received", yen(r.received_yen))}${row("op.fares.r.change", yen(r.change_yen))}
    ${row("op.fares.col.until", dateText(r.valid_until))}${row("op.fares.r.staff", r.operator)}</tbody></table>
    <button type="button" class="btn secondary small no-print" id="fa-print">${th("op.fares.print")}</button></div>`;
}

async function loadDay() {
  const day = $("#fa-day").value || ymd(now());
  const [rev, cash, ledger] = await Promise.all([
    api.get(`/api/v1/reports/revenue?from=${day}&to=${day}`).catch((ex) => ex),
    api.get(`/api/v1/fares/cash?date=${day}`).catch((ex) => ex),
    api.get(`/api/v1/ledger?date=${day}`).catch((ex) => ex),
  ]);
  const fail = (ex) => `<p class="notice error">${esc(ex.message)}</p>`;
  $("#fa-takings").innerHTML = rev instanceof Error ? fail(rev) : `<p class="fa-total" id="fa-total">${esc(tf("op.fares.total", { yen: yen(rev.total_yen) }))}</p>
    ${rev.unpaid_rides ? `<p class="notice warning">${esc(tf("op.fares.unpaid", { n: rev.unpaid_rides, yen: yen(rev.unpaid_yen) }))}</p>` : ""}
    ${rev.rows.length ? `<div class="table-wrap"><table class="data"><caption>${th("op.fares.takings")}</caption><thead><tr><th scope="col">${th("op.fares.col.product")}</th><th scope="col">${th("op.fares.col.channel")}</th><th scope="col">${th("op.fares.col.method")}</th><th scope="col" class="num">${th("op.fares.col.yen")}</th></tr></thead>
      <tbody>${rev.rows.map((r) => `<tr><td>${esc(productName(r.product_id))}</td><td>${esc(word("op.fares.channel", r.channel))}</td><td>${esc(word("op.fares.method", r.method))}</td><td class="num">${esc(yen(r.yen))}</td></tr>`).join("")}</tbody></table></div>` : ""}`;
  $("#fa-cash").innerHTML = cash instanceof Error ? fail(cash) : !cash.length ? `<p class="muted">${th("op.fares.none")}</p>` : `<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${th("op.fares.col.vehicle")}</th><th scope="col">${th("op.fares.col.driver")}</th>
    <th scope="col" class="num">${th("op.fares.col.expected")}</th><th scope="col" class="num">${th("op.fares.col.declared")}</th><th scope="col" class="num">${th("op.fares.col.diff")}</th><th scope="col">${th("op.fares.col.state")}</th></tr></thead>
    <tbody>${cash.map((c) => `<tr class="${c.flagged ? "flagged" : ""}"><td>${esc(c.vehicle_id)}</td><td>${esc(c.driver_id || "—")}</td><td class="num">${esc(yen(c.expected_yen))}</td>
      <td class="num">${c.declared_yen === null ? "—" : esc(yen(c.declared_yen))}</td><td class="num">${c.difference_yen === null ? "—" : esc(yen(c.difference_yen))}</td>
      <td>${c.flagged ? `<strong class="warn-text">${th(c.declared_yen === null ? "op.fares.cash.missing" : "op.fares.cash.diff")}</strong>` : th("op.fares.cash.ok")}${c.note ? ` <small>${esc(c.note)}</small>` : ""}</td></tr>`).join("")}</tbody></table></div>`;
  $("#fa-ledger").innerHTML = ledger instanceof Error ? fail(ledger) : !ledger.length ? `<p class="muted">${th("op.fares.none")}</p>` : `<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${th("op.fares.col.at")}</th><th scope="col">${th("op.fares.col.kind")}</th><th scope="col">${th("op.fares.col.product")}</th>
    <th scope="col">${th("op.fares.col.channel")}</th><th scope="col">${th("op.fares.col.method")}</th><th scope="col" class="num">${th("op.fares.col.yen")}</th><th scope="col" class="num">${th("op.fares.col.rides")}</th><th scope="col">${th("op.fares.col.fix")}</th></tr></thead>
    <tbody>${ledger.map((e) => `<tr><td>${esc(when(e.at))}</td><td>${esc(word("op.fares.kind", e.kind))}${e.reason ? ` <small>${esc(e.reason)}</small>` : ""}</td><td>${esc(productName(e.product_id))}</td><td>${esc(word("op.fares.channel", e.channel))}</td>
      <td>${esc(word("op.fares.method", e.method))}</td><td class="num">${esc(yen(e.yen_in - e.yen_out))}</td><td class="num">${e.rides_in - e.rides_out}</td>
      <td>${e.corrected ? th("op.fares.corrected") : e.corrects_id !== null ? esc(tf("op.fares.corrects", { id: e.corrects_id })) : `<button type="button" class="btn secondary small" data-fix="${e.id}">${th("op.fares.fix")}<span class="visually-hidden"> #${e.id}</span></button>`}</td></tr>`).join("")}</tbody></table></div>`;
  for (const b of root.querySelectorAll("[data-fix]")) b.addEventListener("click", () => askFix(ledger.find((e) => String(e.id) === b.dataset.fix)));
}

// A correction cancels a row with its opposite; it can hurt (a rider's ride back, money
// out), so it asks first and needs a reason, which goes to the audit log.
function askFix(e) {
  const dlg = $("#fa-fix");
  $("#fa-fix-what").textContent = tf("op.fares.fix.what", { when: when(e.at), kind: word("op.fares.kind", e.kind), product: productName(e.product_id), yen: yen(e.yen_in - e.yen_out), rides: e.rides_in - e.rides_out });
  const reason = $("#fa-fix-reason");
  reason.value = "";
  fieldError(reason, $("#fa-fix-error"), "");
  $("#fa-fix-form").onsubmit = async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) { fieldError(reason, $("#fa-fix-error"), t("op.fares.fix.need_reason")); return; }
    try { await api.post(`/api/v1/ledger/${e.id}/correct`, { reason: reason.value.trim() }); } catch (ex) { fieldError(reason, $("#fa-fix-error"), ex.message); return; }
    dlg.close();
    toast(t("op.fares.fixed"));
    loadDay();
    if (member && e.member_id === member.id) loadWallet(member);
  };
  dlg.showModal();
  reason.focus();
}

async function csv() {
  const day = $("#fa-day").value || ymd(now());
  try {
    const res = await fetch(`/api/v1/reports/revenue.csv?from=${day}&to=${day}`, { headers: { Authorization: `Bearer ${api.token()}` } });
    if (!res.ok) throw new Error(t("error.generic"));
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = `noriai-revenue-${day}.csv`;
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (ex) { toast(ex.message, "error"); }
}
