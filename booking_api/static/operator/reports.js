// Reports for the city: punctuality, waits, ride times, refusals, no-shows,
// sharing and occupancy, grouped by day, area, vehicle or booking channel.
// Each chart is an SVG with axes and units (role="img") and the same figures
// as a table beside it; the summary and the rides download as CSV.
import { t, tf, lang } from "/static/common/i18n.js";
import { esc, ymd, toast, now, nowMs, TZ, ApiError } from "/static/common/api.js";
import { deliveryReport } from "/static/operator/deliveryreport.js";
import { fareReports } from "/static/operator/farereports.js";

const GROUPS = ["day", "area", "vehicle", "channel"];
// What each chart shows: the figure(s), their unit and how a value reads.
const CHARTS = [
  { id: "ontime", series: ["on_time_share"], unit: "pct" },
  { id: "deviation", series: ["deviation_p95_min"], unit: "min" },
  { id: "wait", series: ["wait_median_min", "wait_p95_min"], unit: "min" },
  { id: "ride", series: ["ride_median_min", "ride_p95_min"], unit: "min" },
  { id: "refusals", series: ["refusals"], unit: "count" },
  { id: "noshows", series: ["no_shows"], unit: "count" },
  { id: "shared", series: ["shared_share"], unit: "pct" },
  { id: "occupancy", series: ["occupancy"], unit: "people" },
];
const COLOURS = ["#0017c1", "#197a4b", "#ce0000", "#6b4bb5"];

function fmt(v, unit) {
  if (v === null || v === undefined) return "—";
  const n = Number(v);
  if (unit === "pct") return tf("op.reports.unit.pct_v", { v: Math.round(n * 1000) / 10 });
  if (unit === "min") return tf("op.reports.unit.min_v", { v: n.toFixed(1) });
  if (unit === "people") return tf("op.reports.unit.people_v", { v: n.toFixed(2) });
  return tf("op.reports.unit.count_v", { v: n });
}

function groupLabel(by, key) {
  if (by === "day") {
    const d = new Date(`${key}T00:00:00+09:00`);
    return d.toLocaleDateString(lang() === "en" ? "en-GB" : "ja-JP", { timeZone: TZ, month: "numeric", day: "numeric", weekday: "short" });
  }
  if (!key) return t(`op.reports.none.${by}`);
  if (by === "area") return tf("op.reports.area_v", { a: key });
  if (by === "channel") { const s = t(`op.reports.channel.${key}`); return s.startsWith("op.") ? key : s; }
  return key;
}

export function reasonLabel(code) {
  const s = t(`op.reports.reason.${code}`);
  return s.startsWith("op.reports.reason.") ? t("op.reports.reason.other") : s;
}

function niceMax(max, unit) {
  if (unit === "pct") return 1;
  if (max <= 0) return unit === "people" ? 1 : 4;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

function tick(v, unit) {
  if (unit === "pct") return `${Math.round(v * 100)}`;
  return String(Math.round(v * 100) / 100);
}

// One bar chart: a y axis with ticks and its unit, the groups along x, one bar per series.
function chart(c, by, groups, tableId) {
  const w = 600; const h = 240; const left = 56; const bottom = 44; const top = 16; const right = 8;
  const vals = groups.flatMap((g) => c.series.map((s) => Number(g[s]) || 0));
  const max = niceMax(Math.max(0, ...vals), c.unit);
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const bw = (w - left - right) / Math.max(1, groups.length);
  const sw = Math.max(2, (bw - 6) / c.series.length);
  const every = Math.ceil(groups.length / 12);
  const grid = ticks.map((v) => `<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#d8d8db"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="12">${tick(v, c.unit)}</text>`).join("");
  const bars = groups.map((g, i) => c.series.map((s, j) => {
    const raw = g[s];
    if (raw === null || raw === undefined) return "";
    const v = Number(raw);
    const x = left + i * bw + 3 + j * sw;
    return `<rect x="${x}" y="${y(v)}" width="${Math.max(1, sw - 1)}" height="${Math.max(0, y(0) - y(v))}" fill="${COLOURS[j]}"><title>${esc(`${groupLabel(by, g.key)} ${t(`op.reports.s.${s}`)}: ${fmt(raw, c.unit)}`)}</title></rect>`;
  }).join("")).join("");
  const xl = groups.map((g, i) => (i % every ? "" : `<text x="${left + i * bw + bw / 2}" y="${h - bottom + 16}" text-anchor="middle" font-size="12">${esc(groupLabel(by, g.key))}</text>`)).join("");
  const legend = c.series.length > 1 ? c.series.map((s, j) => `<rect x="${left + j * 150}" y="${h - 14}" width="10" height="10" fill="${COLOURS[j]}"/><text x="${left + j * 150 + 14}" y="${h - 5}" font-size="12">${esc(t(`op.reports.s.${s}`))}</text>`).join("") : "";
  const title = `${t(`op.reports.c.${c.id}`)}（${t(`op.reports.unit.${c.unit}`)}）`;
  return `<svg viewBox="0 0 ${w} ${h}" class="chart" role="img" aria-label="${esc(tf("op.reports.chart_alt", { c: title }))}" aria-describedby="${tableId}">
    ${grid}<line x1="${left}" y1="${top}" x2="${left}" y2="${y(0)}" stroke="#4d4d4d"/><line x1="${left}" y1="${y(0)}" x2="${w - right}" y2="${y(0)}" stroke="#4d4d4d"/>
    <text x="12" y="${top + (h - top - bottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 ${top + (h - top - bottom) / 2})">${esc(t(`op.reports.unit.${c.unit}`))}</text>
    ${bars}${xl}${legend}</svg>`;
}

function chartTable(c, by, groups, id) {
  return `<table id="${id}" class="chart-table"><caption>${esc(t(`op.reports.c.${c.id}`))}</caption><thead><tr><th scope="col">${t(`op.reports.by.${by}`)}</th>${c.series.map((s) => `<th scope="col">${esc(t(`op.reports.s.${s}`))}</th>`).join("")}</tr></thead>
    <tbody>${groups.map((g) => `<tr><th scope="row">${esc(groupLabel(by, g.key))}</th>${c.series.map((s) => `<td>${esc(fmt(g[s], c.unit))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

// The month before the service's today (the latest month open data can be made for).
function lastMonth() {
  const [y, m] = ymd(now()).split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

export async function showReports(api, el) {
  // Built once per language; a change of language keeps the period and grouping chosen.
  const kept = (id, fallback) => el.querySelector(id)?.value || fallback;
  const end = kept("#r-end", ymd(now()));
  const start = kept("#r-start", ymd(new Date(nowMs() - 13 * 86400e3)));
  const by0 = kept("#r-by", "day");
  if (el.dataset.ready !== lang()) {
    el.dataset.ready = lang();
    el.innerHTML = `<div class="board-head"><h1>${t("op.nav.reports")}</h1>
      <form id="r-form" class="row"><label for="r-start">${t("op.reports.range")}</label><input id="r-start" type="date" value="${start}">
      <span aria-hidden="true">〜</span><label for="r-end" class="visually-hidden">${t("op.reports.range_end")}</label><input id="r-end" type="date" value="${end}">
      <label for="r-by">${t("op.reports.by")}</label><select id="r-by">${GROUPS.map((g) => `<option value="${g}"${g === by0 ? " selected" : ""}>${t(`op.reports.by.${g}`)}</option>`).join("")}</select>
      <button class="btn small" type="submit">${t("op.reports.show")}</button></form>
      <div class="row"><button class="btn secondary small" type="button" id="csv-summary">${t("op.reports.csv_summary")}</button>
      <button class="btn secondary small" type="button" id="csv-rides">${t("op.reports.csv_rides")}</button></div>
      <form id="od-form" class="row" novalidate><label for="od-month">${t("op.reports.od.month")}</label>
      <input id="od-month" type="month" value="${lastMonth()}" required aria-describedby="od-month-hint od-month-error">
      <button class="btn secondary small" type="submit" id="od-get">${t("op.reports.od.download")}</button>
      <p class="muted small" id="od-month-hint">${t("op.reports.od.hint")}
      <a href="/gtfs/flex.zip">${t("op.reports.od.gtfs")}</a> · <a href="/gofs/gofs.json">${t("op.reports.od.gofs")}</a></p>
      <p class="ns-error" id="od-month-error"></p></form></div>
      <div id="r-msg" role="status" aria-live="polite"></div><div id="r-body"></div>
      <section id="r-deliveries" aria-labelledby="dr-title"></section>
      <section id="r-fares" aria-labelledby="fr-title"></section>`;
    el.querySelector("#r-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
    el.querySelector("#r-by").addEventListener("change", () => load());
    el.querySelector("#csv-summary").addEventListener("click", () => download("summary.csv", true));
    el.querySelector("#csv-rides").addEventListener("click", () => download("rides.csv", false));
    el.querySelector("#od-form").addEventListener("submit", (e) => { e.preventDefault(); openData(); });
  }
  const v = (id) => el.querySelector(id).value;
  const range = () => `start=${encodeURIComponent(v("#r-start"))}&end=${encodeURIComponent(v("#r-end"))}`;
  async function download(file, grouped) {
    const query = `${range()}${grouped ? `&by=${v("#r-by")}` : ""}`;
    try {
      const res = await fetch(`/api/v1/reports/${file}?${query}`, { headers: { Authorization: `Bearer ${api.token()}` } });
      if (!res.ok) throw new Error(t("error.generic"));
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `noriai-${file.replace(".csv", "")}${grouped ? `-${v("#r-by")}` : ""}-${v("#r-start")}_${v("#r-end")}.csv`;
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (ex) { toast(ex.message, "error"); }
  }
  // The month's open data (CSV tables, dictionary, licence) as a zip; the error sits by the month.
  async function openData() {
    const input = el.querySelector("#od-month");
    const box = el.querySelector("#od-month-error");
    box.textContent = "";
    input.removeAttribute("aria-invalid");
    const month = input.value;
    try {
      if (!/^[0-9]{4}-[0-9]{2}$/.test(month)) throw new Error(t("op.reports.od.bad_month"));
      const res = await fetch(`/api/v1/open-data/${month}.zip`, { headers: { Authorization: `Bearer ${api.token()}` } });
      if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => ({}))).detail || t("error.generic"));
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `noriai-open-data-${month}.zip`;
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (ex) {
      box.textContent = ex.message;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }
  async function load() {
    const body = el.querySelector("#r-body");
    const by = v("#r-by");
    deliveryReport(api, el.querySelector("#r-deliveries"), v("#r-start"), v("#r-end"));
    fareReports(api, el.querySelector("#r-fares"), v("#r-start"), v("#r-end"));
    let r;
    try { r = await api.get(`/api/v1/reports/summary?${range()}&by=${by}`); } catch (ex) { body.innerHTML = `<p class="notice error" role="alert">${esc(ex.message)}</p>`; return; }
    const tot = r.totals || {};
    const mem = r.members || {};
    const kpi = (label, value) => `<div class="kpi"><span>${label}</span><strong>${esc(value)}</strong></div>`;
    const reasons = Object.entries(tot.refusal_reasons || {}).sort((a, b) => b[1] - a[1]);
    const skipped = r.skipped_days || [];
    body.innerHTML = `<h2 class="visually-hidden">${t("op.reports.totals")}</h2><div class="kpis">
      ${kpi(t("op.reports.total"), fmt(tot.rides, "count"))}
      ${kpi(t("op.reports.c.ontime"), fmt(tot.on_time_share, "pct"))}
      ${kpi(t("op.reports.s.wait_median_min"), fmt(tot.wait_median_min, "min"))}
      ${kpi(t("op.reports.c.refusals"), fmt(tot.refusals, "count"))}
      ${kpi(t("op.reports.c.noshows"), fmt(tot.no_shows, "count"))}
      ${kpi(t("op.reports.c.shared"), fmt(tot.shared_share, "pct"))}
      ${kpi(t("op.reports.c.occupancy"), fmt(tot.occupancy, "people"))}
      <div class="kpi"><span>${t("op.reports.online")}</span><strong>${esc(fmt(mem.online_share, "pct"))}</strong><small>${esc(tf("op.reports.target", { v: fmt(mem.online_target, "pct") }))}</small></div></div>
      ${skipped.length ? `<p class="muted">${esc(tf("op.reports.skipped", { n: skipped.length }))}</p>` : ""}
      <h2>${esc(tf("op.reports.charts_by", { by: t(`op.reports.by.${by}`) }))}</h2>
      ${r.groups.length ? `<div class="charts">${CHARTS.map((c) => `<figure data-chart="${c.id}"><figcaption>${esc(t(`op.reports.c.${c.id}`))}（${esc(t(`op.reports.unit.${c.unit}`))}）</figcaption>${chart(c, by, r.groups, `tbl-${c.id}`)}
        <details><summary>${t("op.reports.as_table")}</summary>${chartTable(c, by, r.groups, `tbl-${c.id}`)}</details></figure>`).join("")}</div>` : `<p>${t("op.reports.empty")}</p>`}
      <h2>${t("op.reports.reasons")}</h2>
      ${reasons.length ? `<table class="reasons"><caption class="visually-hidden">${t("op.reports.reasons")}</caption><thead><tr><th scope="col">${t("op.reports.reason")}</th><th scope="col">${t("op.reports.unit.count")}</th></tr></thead>
        <tbody>${reasons.map(([code, n]) => `<tr><td>${esc(reasonLabel(code))}</td><td>${esc(n)}</td></tr>`).join("")}</tbody></table>` : `<p>${t("op.reports.no_refusals")}</p>`}`;
    el.querySelector("#r-msg").textContent = tf("op.reports.loaded", { by: t(`op.reports.by.${by}`) });
  }
  load();
}
