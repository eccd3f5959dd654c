// The reports screen's daily notification count (issue 12 §3): for the period chosen
// there, per Tokyo day and channel, how many notifications were queued and where they
// stand now (GET /api/v1/reports/deliveries). One table, a row per day and channel, the
// period's totals per channel at its foot. "Sent" is what a provider took, "delivered"
// what the SMS gateway's receipts confirmed; on a channel without receipts "delivered"
// is shown as — with a note, as a count we do not have is not drawn as 0.
import { t, tf, lang } from "/static/common/i18n.js";
import { esc, TZ } from "/static/common/api.js";

const COLUMNS = ["queued", "sent", "delivered", "failed", "given_up", "cancelled", "total"];

function dayLabel(iso) {
  const d = new Date(`${iso}T00:00:00+09:00`);
  return d.toLocaleDateString(lang() === "en" ? "en-GB" : "ja-JP", { timeZone: TZ, month: "numeric", day: "numeric", weekday: "short" });
}

const cell = (v) => (v === null || v === undefined ? "—" : tf("op.reports.unit.count_v", { v }));
const cells = (row) => COLUMNS.map((c) => `<td data-col="${c}">${esc(cell(row[c]))}</td>`).join("");

// Fill `box` with the counts for start..end (YYYY-MM-DD); a refusal is said in the box.
export async function deliveryReport(api, box, start, end) {
  let r;
  try {
    r = await api.get(`/api/v1/reports/deliveries?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`);
  } catch (ex) {
    box.innerHTML = `<h2 id="dr-title">${esc(t("op.reports.dl.title"))}</h2><p class="notice error" role="alert">${esc(ex.message)}</p>`;
    return;
  }
  const head = `<tr><th scope="col">${esc(t("op.reports.dl.day"))}</th><th scope="col">${esc(t("op.reports.dl.channel"))}</th>${COLUMNS.map((c) => `<th scope="col">${esc(t(`op.reports.dl.${c}`))}</th>`).join("")}</tr>`;
  const byDay = new Map();
  for (const d of r.days) byDay.set(d.date, [...(byDay.get(d.date) || []), d]);
  // A day with nothing queued is one line, so a quiet fortnight does not run to 56 rows.
  const body = [...byDay].map(([day, rows]) => (rows.every((d) => !d.total)
    ? `<tr data-date="${esc(day)}" data-empty="1"><th scope="row" class="nowrap">${esc(dayLabel(day))}</th><td colspan="${COLUMNS.length + 1}" class="muted">${esc(t("op.reports.dl.none_day"))}</td></tr>`
    : rows.map((d, i) => `<tr data-date="${esc(day)}" data-channel="${esc(d.channel)}">
    ${i ? "" : `<th scope="rowgroup" rowspan="${rows.length}" class="nowrap">${esc(dayLabel(day))}</th>`}<th scope="row">${esc(t(`op.dl.ch.${d.channel}`))}</th>${cells(d)}</tr>`).join(""))).join("");
  const foot = r.totals.map((d, i) => `<tr data-total="${esc(d.channel)}">
    ${i ? "" : `<th scope="rowgroup" rowspan="${r.totals.length}">${esc(t("op.reports.dl.period_total"))}</th>`}<th scope="row">${esc(t(`op.dl.ch.${d.channel}`))}</th>${cells(d)}</tr>`).join("");
  const any = r.totals.some((d) => d.total > 0);
  box.innerHTML = `<h2 id="dr-title">${esc(t("op.reports.dl.title"))}</h2>
    <p class="muted" id="dr-lead">${esc(t("op.reports.dl.lead"))}</p>
    ${any ? "" : `<p id="dr-empty">${esc(t("op.reports.dl.empty"))}</p>`}
    <div class="table-scroll" role="region" tabindex="0" aria-labelledby="dr-title"><table class="day-table" id="dr-table" aria-describedby="dr-lead dr-note"><caption class="visually-hidden">${esc(t("op.reports.dl.title"))}</caption>
    <thead>${head}</thead><tbody>${body}</tbody><tfoot>${foot}</tfoot></table></div>
    <p class="muted small" id="dr-note">${esc(t("op.reports.dl.no_receipts"))}</p>`;
}
