// The audit log (admins only): every staff write, newest first, filtered by who, what,
// member, ride and a time range typed in the city's zone (sent with its UTC offset),
// a page at a time ("older" continues before the last line shown).
import { t, tf } from "/static/common/i18n.js";
import { esc, TZ } from "/static/common/api.js";

const GROUPS = ["account.", "member.", "booking.", "ride.", "series.", "driver.", "vehicle."];
const PAGE = 50;

// "2026-12-02T09:00" read in the city's zone -> an ISO instant with its offset.
export function zonedIso(local, tz = TZ) {
  if (!local) return "";
  const guess = new Date(`${local}:00Z`);
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
    .formatToParts(guess).map((p) => [p.type, p.value]));
  const wall = Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00Z`);
  return new Date(guess.getTime() - (wall - guess.getTime())).toISOString();
}

function when(iso) {
  return new Date(iso).toLocaleString("sv-SE", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function summary(e) {
  const after = e.after && typeof e.after === "object" ? e.after : {};
  const bits = [];
  for (const k of ["reason", "tap", "vehicle_id", "status", "start_date", "end_date"]) if (after[k] != null && after[k] !== "") bits.push(`${k}: ${after[k]}`);
  return bits.join(" · ");
}

export async function showAudit(api, el, me) {
  if (!me || me.role !== "admin") {
    el.innerHTML = `<h1>${t("op.nav.audit")}</h1><p class="notice">${t("op.audit.admin_only")}</p>`;
    return;
  }
  let accounts = [];
  try { accounts = await api.get("/api/v1/accounts"); } catch { accounts = []; }
  const who = accounts.map((a) => `<option value="${esc(a.id)}">${esc(a.display_name || a.username)} (${esc(a.username)})</option>`).join("");
  const what = GROUPS.map((g) => `<option value="${esc(g)}">${esc(t(`op.audit.group.${g.replace(".", "")}`))}</option>`).join("");
  el.innerHTML = `<h1>${t("op.nav.audit")}</h1><p class="muted">${tf("op.audit.note", { tz: TZ })}</p>
    <form id="au-form" class="col" novalidate><div class="grid4">
      <div class="field"><label for="au-actor">${t("op.audit.actor")}</label><select id="au-actor"><option value="">${t("op.audit.any")}</option>${who}</select></div>
      <div class="field"><label for="au-action">${t("op.audit.action")}</label><select id="au-action"><option value="">${t("op.audit.any")}</option>${what}</select></div>
      <div class="field"><label for="au-member">${t("op.audit.member")}</label><input id="au-member" type="text" autocomplete="off" aria-describedby="au-member-hint"><p class="muted small" id="au-member-hint">${t("op.audit.member.hint")}</p></div>
      <div class="field"><label for="au-ride">${t("op.audit.ride")}</label><input id="au-ride" type="text" autocomplete="off"></div>
      <div class="field"><label for="au-from">${t("op.audit.from")}</label><input id="au-from" type="datetime-local" aria-describedby="au-error"></div>
      <div class="field"><label for="au-to">${t("op.audit.to")}</label><input id="au-to" type="datetime-local" aria-describedby="au-error"></div>
    </div><p class="ns-error" id="au-error" role="alert"></p>
    <div class="row"><button type="submit" class="btn" id="au-search">${t("op.audit.search")}</button>
    <button type="reset" class="btn tertiary" id="au-clear">${t("op.audit.clear")}</button></div></form>
    <p id="au-count" role="status"></p>
    <table class="day-table" id="au-table"><caption class="visually-hidden">${t("op.nav.audit")}</caption>
    <thead><tr><th scope="col">${t("op.audit.at")}</th><th scope="col">${t("op.audit.actor")}</th><th scope="col">${t("op.audit.action")}</th>
    <th scope="col">${t("op.audit.target")}</th><th scope="col">${t("op.audit.detail")}</th></tr></thead><tbody></tbody></table>
    <button type="button" class="btn secondary" id="au-more" hidden>${t("op.audit.more")}</button>`;
  const form = el.querySelector("#au-form");
  const body = el.querySelector("#au-table tbody");
  const more = el.querySelector("#au-more");
  let last = null;
  let query = "";
  function params() {
    const q = new URLSearchParams();
    const set = (k, v) => { if (v) q.set(k, v); };
    set("actor", form.querySelector("#au-actor").value);
    set("action", form.querySelector("#au-action").value);
    set("member", form.querySelector("#au-member").value.trim());
    set("ride", form.querySelector("#au-ride").value.trim());
    set("from", zonedIso(form.querySelector("#au-from").value));
    set("to", zonedIso(form.querySelector("#au-to").value));
    q.set("limit", String(PAGE));
    return q.toString();
  }
  async function load(append) {
    const error = el.querySelector("#au-error");
    error.textContent = "";
    let rows;
    try {
      rows = await api.get(`/api/v1/audit?${query}${append && last ? `&before=${last}` : ""}`);
    } catch (ex) {
      error.textContent = ex.message;
      form.querySelector(ex.code === "bad_period" ? "#au-to" : "#au-actor").focus();
      return;
    }
    const html = rows.map((e) => `<tr data-action="${esc(e.action)}" data-entity="${esc(e.entity_id)}"><td class="nowrap">${esc(when(e.at))}</td>
      <td>${esc(e.actor_name || e.actor)}</td><td><code>${esc(e.action)}</code></td>
      <td>${esc(e.entity)} <code>${esc(e.entity_id)}</code></td><td>${esc(summary(e))}</td></tr>`).join("");
    if (append) body.insertAdjacentHTML("beforeend", html); else body.innerHTML = html;
    if (rows.length) last = rows[rows.length - 1].id;
    more.hidden = rows.length < PAGE;
    el.querySelector("#au-count").textContent = tf("op.audit.count", { n: body.rows.length });
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); query = params(); last = null; load(false); });
  form.addEventListener("reset", () => setTimeout(() => { query = params(); last = null; load(false); }));
  more.addEventListener("click", () => load(true));
  query = params();
  load(false);
}
