// Operators' console shell: login, tabs (Alt+1..5), and the five views.
import { applyI18n, initLangSwitch, t } from "/static/common/i18n.js";
import { makeApi, startClock } from "/static/common/api.js";
import { showCall } from "/static/operator/call.js";
import { showApprovals, countPending } from "/static/operator/approvals.js";
import { showBoard, stopBoard } from "/static/operator/board.js";
import { showReports } from "/static/operator/reports.js";
import { showFleet } from "/static/operator/fleet.js";
import { showCalendar } from "/static/operator/calendar.js";
import { showSeries } from "/static/operator/series.js";
import { showAccounts } from "/static/operator/accounts.js";
import { showAudit } from "/static/operator/audit.js";
import { showFares } from "/static/operator/fares.js";
import { showDeliveries } from "/static/operator/deliveries.js";

const api = makeApi("noriai.operator.token");
const $ = (s) => document.querySelector(s);
const VIEWS = { call: showCall, approvals: showApprovals, board: showBoard, reports: showReports, calendar: showCalendar };
Object.assign(VIEWS, { series: showSeries, accounts: showAccounts, audit: showAudit }); // Alt+7..9; accounts and audit: admins
let me = null;
VIEWS.fleet = showFleet; // Alt+6: vehicles (admins edit, operators read)
VIEWS.fares = showFares; // 運賃・券 (no Alt key: Alt+1..9 are taken)
VIEWS.deliveries = showDeliveries; // no Alt key: broadcasts, the delivery log, the demo outbox

async function route() {
  if (!me && api.token()) {
    try { me = await api.get("/api/v1/auth/me"); } catch { api.setToken(""); me = null; }
  }
  const name = location.hash.replace(/^#\/?/, "") || "call";
  const view = me && VIEWS[name] ? name : "login";
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== `view-${view}`;
  $("#tabs").hidden = !me;
  $("#logout").hidden = !me;
  for (const a of document.querySelectorAll("#tabs [data-admin]")) a.hidden = !me || me.role !== "admin";
  $("#who").textContent = me ? me.display_name || "" : "";
  for (const a of document.querySelectorAll("#tabs a")) {
    if (a.id === `tab-${view}`) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  if (view !== "board") stopBoard();
  if (view === "login") { $("#op-user").focus(); return; }
  countPending(api);
  VIEWS[view](api, $(`#view-${view}`), me);
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const err = $("#login-error");
  err.hidden = true;
  try {
    const res = await api.post("/api/v1/auth/login", { login: $("#op-user").value.trim(), password: $("#op-pw").value });
    if (!["operator", "admin"].includes(res.role)) throw new Error(t("error.invalid"));
    api.setToken(res.token);
    me = res;
    route();
  } catch (ex) { err.textContent = ex.message; err.hidden = false; }
});
$("#logout").addEventListener("click", async () => {
  try { await api.post("/api/v1/auth/logout"); } catch { /* dropped locally anyway */ }
  api.setToken(""); me = null; location.hash = "#/call"; route();
});
document.addEventListener("keydown", (e) => {
  if (!me || !e.altKey || e.ctrlKey || e.metaKey) return;
  const name = { 1: "call", 2: "approvals", 3: "board", 4: "reports", 5: "calendar", 6: "fleet" }[e.key];
  if (name) { e.preventDefault(); location.hash = `#/${name}`; }
});
document.addEventListener("keydown", (e) => { // Alt+7..9 (8 and 9 for admins)
  if (!me || !e.altKey || e.ctrlKey || e.metaKey) return;
  const name = { 7: "series", 8: "accounts", 9: "audit" }[e.key];
  if (name && (name === "series" || me.role === "admin")) { e.preventDefault(); location.hash = `#/${name}`; }
});
initLangSwitch($("#lang"));
applyI18n();
document.addEventListener("langchange", route);
window.addEventListener("hashchange", route);
startClock().then(route);
