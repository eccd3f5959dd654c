// The reports screen's fare reports for the city (issue 13 §5), for the period chosen
// there: completed rides and people carried by fare category, the rides not paid (the
// driver's "not paid" with its reason, or no payment record) for the office to settle,
// and the subsidy picture (operating cost = cost per vehicle-hour × the hours operated,
// per passenger, fare revenue, the subsidy need, the farebox ratio). Each chart is an
// SVG (role="img") with its figures in a table beside it; each report downloads as CSV.
import { t, tf, lang } from "/static/common/i18n.js";
import { esc, toast, TZ } from "/static/common/api.js";

const yen = (n) => (n === null || n === undefined ? "—" : tf("fare.yen", { n: Math.round(Number(n)).toLocaleString("en-US") }));
const count = (n) => tf("op.reports.unit.count_v", { v: n });
const people = (n) => tf("op.fr.people_v", { v: n });
const word = (prefix, code) => { const s = t(`${prefix}.${code}`); return s.startsWith(prefix) ? code : s; };
const COLOURS = ["#0017c1", "#197a4b"];

function periodLabel(p) {
  if (p === "total") return t("op.fr.total");
  const loc = lang() === "en" ? "en-GB" : "ja-JP";
  if (p.length === 7) return new Date(`${p}-01T00:00:00+09:00`).toLocaleDateString(loc, { timeZone: TZ, year: "numeric", month: "long" });
  return new Date(`${p}T00:00:00+09:00`).toLocaleDateString(loc, { timeZone: TZ, month: "numeric", day: "numeric", weekday: "short" });
}

// The axis' top: a round number at or above the largest value, at least 4 (whole ticks).
function niceMax(max) {
  if (max <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

// Vertical bars: one group per label, one bar per series; a y axis with its unit.
function bars(id, title, unit, labels, series, values, tableId) {
  const w = 600; const h = 240; const left = 72; const bottom = 40; const top = 16; const right = 8;
  const max = niceMax(Math.max(0, ...values.flat()));
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  const bw = (w - left - right) / Math.max(1, labels.length);
  const sw = Math.max(2, (bw - 8) / series.length);
  const every = Math.ceil(labels.length / 10);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max).map((v) => `<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#d8d8db"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="12">${esc((max < 100 ? Math.round(v * 100) / 100 : Math.round(v)).toLocaleString("en-US"))}</text>`).join("");
  const rects = labels.map((label, i) => series.map((s, j) => {
    const v = Number(values[i][j]) || 0;
    return `<rect x="${left + i * bw + 4 + j * sw}" y="${y(v)}" width="${Math.max(1, sw - 1)}" height="${Math.max(0, y(0) - y(v))}" fill="${COLOURS[j]}"><title>${esc(`${label} ${s}: ${v.toLocaleString("en-US")}`)}</title></rect>`;
  }).join("")).join("");
  const xl = labels.map((label, i) => (i % every ? "" : `<text x="${left + i * bw + bw / 2}" y="${h - bottom + 16}" text-anchor="middle" font-size="12">${esc(label)}</text>`)).join("");
  const legend = series.length > 1 ? series.map((s, j) => `<rect x="${left + j * 160}" y="${h - 14}" width="10" height="10" fill="${COLOURS[j]}"/><text x="${left + j * 160 + 14}" y="${h - 5}" font-size="12">${esc(s)}</text>`).join("") : "";
  return `<svg viewBox="0 0 ${w} ${h}" class="chart" id="${id}" role="img" aria-label="${esc(tf("op.fr.chart_alt", { c: `${title}（${unit}）` }))}" aria-describedby="${tableId}">
    ${grid}<line x1="${left}" y1="${top}" x2="${left}" y2="${y(0)}" stroke="#4d4d4d"/><line x1="${left}" y1="${y(0)}" x2="${w - right}" y2="${y(0)}" stroke="#4d4d4d"/>
    <text x="12" y="${top + (h - top - bottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 ${top + (h - top - bottom) / 2})">${esc(unit)}</text>
    ${rects}${xl}${legend}</svg>`;
}

function table(id, caption, head, rows) {
  return `<div class="table-wrap"><table class="data" id="${id}"><caption>${esc(caption)}</caption>
    <thead><tr>${head.map((h, i) => `<th scope="col"${i ? ' class="num"' : ""}>${esc(h)}</th>`).join("")}</tr></thead>
    <tbody>${rows.map((r) => `<tr><th scope="row">${esc(r[0])}</th>${r.slice(1).map((c) => `<td class="num">${esc(c)}</td>`).join("")}</tr>`).join("")}</tbody></table></div>`;
}

function categories(r) {
  const cols = [t("op.fr.col.category"), t("op.fr.col.rides"), t("op.fr.col.passengers"), t("op.fr.col.companions"), t("op.fr.col.carers"), t("op.fr.col.fare")];
  const rows = r.totals.map((c) => [word("op.fr.cat", c.category), count(c.rides), people(c.passengers), people(c.companions), people(c.carers), yen(c.fare_yen)]);
  const labels = r.totals.map((c) => word("op.fr.cat", c.category));
  const chart = bars("fr-cat-chart", t("op.fr.categories"), t("op.reports.unit.people"), labels, [t("op.fr.col.passengers")], r.totals.map((c) => [c.passengers]), "fr-cat-table");
  return `<h3 id="fr-cat-h">${esc(t("op.fr.categories"))}</h3>
    <div class="charts"><figure data-chart="fr-categories"><figcaption>${esc(t("op.fr.categories.chart"))}</figcaption>${chart}</figure>
    ${table("fr-cat-table", t("op.fr.categories"), cols, rows)}</div>
    <button class="btn secondary small" type="button" id="fr-csv-categories">${esc(t("op.fr.csv.categories"))}</button>`;
}

function unpaid(r) {
  const when = (iso) => (iso ? new Date(iso).toLocaleString(lang() === "en" ? "en-GB" : "ja-JP", { timeZone: TZ, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }) : "—");
  const reason = (u) => (lang() === "en" ? u.reason_en : u.reason_ja) || u.reason || "—";
  const head = [t("op.fr.col.day"), t("op.fr.col.member"), t("op.fares.col.vehicle"), t("op.fr.col.fare"), t("op.fr.col.kind"), t("op.fr.col.reason"), t("op.fr.col.dropped")];
  const body = r.rides.map((u) => `<tr data-ride="${esc(u.ride_id)}"><th scope="row">${esc(periodLabel(u.service_date))}</th><td>${esc(u.member_number || "—")}</td><td>${esc(u.vehicle_id || "—")}</td>
    <td class="num">${esc(yen(u.fare_yen))}</td><td>${esc(t(`op.fr.kind.${u.kind}`))}</td><td>${esc(reason(u))}</td><td>${esc(when(u.dropped_off_at))}</td></tr>`).join("");
  return `<h3 id="fr-unpaid-h">${esc(t("op.fr.unpaid"))}</h3>
    <p id="fr-unpaid-sum">${esc(tf("op.fr.unpaid.sum", { n: r.count, yen: yen(r.fare_yen) }))}</p>
    ${r.count ? `<div class="table-wrap"><table class="data" id="fr-unpaid-table"><caption class="visually-hidden">${esc(t("op.fr.unpaid"))}</caption>
      <thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table></div>` : ""}
    <button class="btn secondary small" type="button" id="fr-csv-unpaid">${esc(t("op.fr.csv.unpaid"))}</button>`;
}

function subsidy(r) {
  const s = r.total;
  const kpi = (key, value) => `<div class="kpi" data-kpi="${key}"><span>${esc(t(`op.fr.s.${key}`))}</span><strong>${esc(value)}</strong></div>`;
  const ratio = s.farebox_ratio === null ? "—" : tf("op.reports.unit.pct_v", { v: Math.round(s.farebox_ratio * 1000) / 10 });
  const hours = tf("op.fr.hours_v", { v: s.vehicle_hours });
  const rows = r.rows.map((p) => [periodLabel(p.period), tf("op.fr.hours_v", { v: p.vehicle_hours }), people(p.passengers), yen(p.cost_yen), yen(p.revenue_yen), yen(p.subsidy_yen), yen(p.cost_per_passenger_yen)]);
  const cols = [t("op.fr.col.period"), t("op.fr.s.hours"), t("op.fr.s.passengers"), t("op.fr.s.cost"), t("op.fr.s.revenue"), t("op.fr.s.subsidy"), t("op.fr.s.per_passenger")];
  const series = [t("op.fr.s.cost"), t("op.fr.s.revenue")];
  const chart = bars("fr-sub-chart", t("op.fr.subsidy.chart"), t("op.fr.unit.yen"), r.rows.map((p) => periodLabel(p.period)), series, r.rows.map((p) => [p.cost_yen, p.revenue_yen]), "fr-sub-table");
  return `<h3 id="fr-sub-h">${esc(t("op.fr.subsidy"))}</h3>
    <div class="kpis" id="fr-sub-kpis">${kpi("hours", hours)}${kpi("passengers", people(s.passengers))}${kpi("cost", yen(s.cost_yen))}${kpi("per_passenger", yen(s.cost_per_passenger_yen))}
      ${kpi("revenue", yen(s.revenue_yen))}${kpi("subsidy", yen(s.subsidy_yen))}${kpi("ratio", ratio)}</div>
    <p class="muted small" id="fr-sub-basis">${esc(tf("op.fr.subsidy.basis", { yen: yen(r.cost_per_vehicle_hour_yen) }))}</p>
    <p class="small" id="fr-sub-days">${esc(tf("op.fr.subsidy.days", { a: s.vehicle_days_actual, p: s.vehicle_days - s.vehicle_days_actual - s.vehicle_days_scheduled, s: s.vehicle_days_scheduled }))}</p>
    ${r.rows.length ? `<div class="charts"><figure data-chart="fr-subsidy"><figcaption>${esc(t("op.fr.subsidy.chart"))}</figcaption>${chart}</figure>
      ${table("fr-sub-table", t("op.fr.subsidy"), cols, rows)}</div>` : ""}
    <button class="btn secondary small" type="button" id="fr-csv-subsidy">${esc(t("op.fr.csv.subsidy"))}</button>
    <button class="btn secondary small" type="button" id="fr-csv-vehicle-days">${esc(t("op.fr.csv.vehicle_days"))}</button>`;
}

async function download(api, path, name) {
  try {
    const res = await fetch(`/api/v1/reports/${path}`, { headers: { Authorization: `Bearer ${api.token()}` } });
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail?.message || t("error.generic"));
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (ex) { toast(ex.message, "error"); }
}

// Fill `box` with the fare reports for start..end (YYYY-MM-DD), by day or month as chosen
// in the box (kept across reloads); a refused period is said in the box.
export async function fareReports(api, box, start, end) {
  const group = box.querySelector("#fr-group")?.value || "day";
  const q = `from=${encodeURIComponent(start)}&to=${encodeURIComponent(end)}`;
  const head = `<h2 id="fr-title">${esc(t("op.fr.title"))}</h2>
    <div class="row fr-group"><label for="fr-group">${esc(t("op.fr.group"))}</label><select id="fr-group">${["day", "month"].map((g) => `<option value="${g}"${g === group ? " selected" : ""}>${esc(t(`op.fr.group.${g}`))}</option>`).join("")}</select></div>`;
  let cat; let unp; let sub;
  try {
    [cat, unp, sub] = await Promise.all([
      api.get(`/api/v1/reports/rides-by-category?${q}&group=${group}`),
      api.get(`/api/v1/reports/unpaid-rides?${q}`),
      api.get(`/api/v1/reports/subsidy?${q}&group=${group}`),
    ]);
  } catch (ex) {
    box.innerHTML = `${head}<p class="notice error" role="alert">${esc(ex.message)}</p>`;
    box.querySelector("#fr-group").addEventListener("change", () => fareReports(api, box, start, end));
    return;
  }
  box.innerHTML = `${head}${categories(cat)}${unpaid(unp)}${subsidy(sub)}`;
  box.querySelector("#fr-group").addEventListener("change", () => fareReports(api, box, start, end));
  const span = `${start}_${end}`;
  box.querySelector("#fr-csv-categories").addEventListener("click", () => download(api, `rides-by-category.csv?${q}&group=${group}`, `noriai-rides-by-category-${group}-${span}.csv`));
  box.querySelector("#fr-csv-unpaid").addEventListener("click", () => download(api, `unpaid-rides.csv?${q}`, `noriai-unpaid-rides-${span}.csv`));
  box.querySelector("#fr-csv-subsidy").addEventListener("click", () => download(api, `subsidy.csv?${q}&group=${group}`, `noriai-subsidy-${group}-${span}.csv`));
  box.querySelector("#fr-csv-vehicle-days").addEventListener("click", () => download(api, `subsidy-vehicle-days.csv?${q}`, `noriai-subsidy-vehicle-days-${span}.csv`));
}
