// Reports: rides per day, shared-ride share, occupancy, no-shows and the
// online-registration share, as plain SVG charts, a table and a CSV download.
import { t } from "/static/common/i18n.js";
import { esc, ymd, toast, now, nowMs } from "/static/common/api.js";

function bars(days, key, { pct = false, color = "#0017c1" } = {}) {
  const w = 560;
  const h = 180;
  const pad = 32;
  const vals = days.map((d) => Number(d[key]) || 0);
  const max = Math.max(pct ? 1 : 1, ...vals);
  const bw = (w - pad) / Math.max(1, days.length);
  const items = days.map((d, i) => {
    const v = vals[i];
    const bh = ((h - pad) * v) / max;
    const label = pct ? `${Math.round(v * 100)}%` : String(Math.round(v * 10) / 10);
    return `<g><rect x="${pad + i * bw + 2}" y="${h - pad - bh}" width="${Math.max(2, bw - 4)}" height="${bh}" fill="${color}"><title>${esc(d.date)}: ${label}</title></rect>
      ${days.length <= 16 ? `<text x="${pad + i * bw + bw / 2}" y="${h - pad - bh - 4}" text-anchor="middle" font-size="11">${label}</text><text x="${pad + i * bw + bw / 2}" y="${h - 12}" text-anchor="middle" font-size="11">${esc(d.date.slice(5))}</text>` : ""}</g>`;
  }).join("");
  return `<svg viewBox="0 0 ${w} ${h}" class="chart" role="img" aria-label="${esc(t(`op.reports.${key === "rides" ? "rides" : key === "shared_share" ? "shared" : key === "occupancy" ? "occ" : "noshow"}`))}">
    <line x1="${pad}" y1="${h - pad}" x2="${w}" y2="${h - pad}" stroke="#4d4d4d"/>${items}</svg>`;
}

export async function showReports(api, el) {
  const end = ymd(now());
  const start = ymd(new Date(nowMs() - 13 * 86400e3));
  if (!el.dataset.ready) {
    el.dataset.ready = "1";
    el.innerHTML = `<div class="board-head"><h1>${t("op.nav.reports")}</h1>
      <form id="r-form" class="row"><label for="r-start">${t("op.reports.range")}</label><input id="r-start" type="date" value="${start}">
      <span aria-hidden="true">〜</span><label for="r-end" class="visually-hidden">${t("op.reports.range")}</label><input id="r-end" type="date" value="${end}">
      <button class="btn small" type="submit">${t("common.search")}</button>
      <button class="btn secondary small" type="button" id="csv">${t("op.reports.csv")}</button></form></div><div id="r-body"></div>`;
    el.querySelector("#r-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
    el.querySelector("#csv").addEventListener("click", download);
  }
  const range = () => `start=${el.querySelector("#r-start").value}&end=${el.querySelector("#r-end").value}`;
  async function download() {
    try {
      const res = await fetch(`/api/v1/reports/rides.csv?${range()}`, { headers: { Authorization: `Bearer ${api.token()}` } });
      if (!res.ok) throw new Error(t("error.generic"));
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url; a.download = `noriai-rides-${el.querySelector("#r-start").value}_${el.querySelector("#r-end").value}.csv`;
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (ex) { toast(ex.message, "error"); }
  }
  async function load() {
    const body = el.querySelector("#r-body");
    let r;
    try { r = await api.get(`/api/v1/reports/summary?${range()}`); } catch (ex) { body.innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
    const tot = r.totals || {};
    const mem = r.members || {};
    const pc = (x) => `${Math.round((Number(x) || 0) * 100)}%`;
    body.innerHTML = `<div class="kpis">
      <div class="kpi"><span>${t("op.reports.total")}</span><strong>${esc(tot.rides ?? 0)}</strong></div>
      <div class="kpi"><span>${t("op.reports.shared")}</span><strong>${pc(tot.shared_share)}</strong></div>
      <div class="kpi"><span>${t("op.reports.occ")}</span><strong>${(Number(tot.occupancy) || 0).toFixed(2)}</strong></div>
      <div class="kpi"><span>${t("op.reports.noshow")}</span><strong>${esc(tot.no_shows ?? 0)}</strong></div>
      <div class="kpi"><span>${t("op.reports.online")}</span><strong>${pc(mem.online_share)}</strong><small>/ ${pc(mem.online_target)}</small></div></div>
      <div class="charts"><figure><figcaption>${t("op.reports.rides")}</figcaption>${bars(r.days, "rides")}</figure>
      <figure><figcaption>${t("op.reports.shared")}</figcaption>${bars(r.days, "shared_share", { pct: true, color: "#197a4b" })}</figure>
      <figure><figcaption>${t("op.reports.occ")}</figcaption>${bars(r.days, "occupancy", { color: "#0066be" })}</figure>
      <figure><figcaption>${t("op.reports.noshow")}</figcaption>${bars(r.days, "no_shows", { color: "#ce0000" })}</figure></div>
      <table><caption class="visually-hidden">${t("op.nav.reports")}</caption><thead><tr><th scope="col">${t("book.date")}</th><th scope="col">${t("op.reports.rides")}</th><th scope="col">${t("status.completed")}</th><th scope="col">${t("status.cancelled")}</th><th scope="col">${t("op.reports.noshow")}</th><th scope="col">${t("op.reports.shared")}</th><th scope="col">${t("op.reports.occ")}</th></tr></thead>
      <tbody>${r.days.map((d) => `<tr><td>${esc(d.date)}</td><td>${d.rides}</td><td>${d.completed}</td><td>${d.cancelled}</td><td>${d.no_shows}</td><td>${pc(d.shared_share)}</td><td>${(Number(d.occupancy) || 0).toFixed(2)}</td></tr>`).join("")}</tbody></table>`;
  }
  load();
}
