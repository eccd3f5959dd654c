// Service calendar: for four weeks from a Monday, whether the service runs each day
// and why not (weekday, national holiday, the city's closed days), with the capacity
// the day's shifts give (vehicles, vehicle-hours, seats); below it the shift settings
// (shifts.js: weekly templates, day overrides, copy a week; admins edit), after whose
// changes the capacity is read again.
import { t, lang } from "/static/common/i18n.js";
import { esc, ymd, now, dayLabel } from "/static/common/api.js";
import { showShifts } from "/static/operator/shifts.js";

const DAY_MS = 86400e3;
const WEEKS = 4;
const iso = (d) => d.toISOString().slice(0, 10);
const addDays = (day, n) => iso(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));

function mondayOf(day) {
  const d = new Date(`${day}T00:00:00Z`);
  return addDays(day, -((d.getUTCDay() + 6) % 7));
}

export async function showCalendar(api, el, me) {
  if (!el.dataset.ready) {
    el.dataset.ready = "1";
    el.dataset.start = mondayOf(ymd(now()));
    el.innerHTML = `<div class="board-head"><h1 id="cal-title"></h1>
      <div class="row"><button class="btn secondary small" type="button" id="cal-prev"></button>
      <span id="cal-range" aria-live="polite"></span>
      <button class="btn secondary small" type="button" id="cal-next"></button></div></div>
      <p class="muted" id="cal-note"></p><div id="cal-body"></div>
      <section id="cal-shifts" aria-labelledby="sh-title"></section>`;
    el.querySelector("#cal-prev").addEventListener("click", () => move(-7 * WEEKS));
    el.querySelector("#cal-next").addEventListener("click", () => move(7 * WEEKS));
  }
  el.querySelector("#cal-title").textContent = t("op.nav.calendar");
  el.querySelector("#cal-prev").textContent = t("op.cal.prev");
  el.querySelector("#cal-next").textContent = t("op.cal.next");
  el.querySelector("#cal-note").textContent = t("op.cal.note");

  function move(days) {
    el.dataset.start = addDays(el.dataset.start, days);
    load();
    shifts();
  }
  function shifts() {
    const first = el.dataset.start;
    return showShifts(api, el.querySelector("#cal-shifts"), me, { first, last: addDays(first, 7 * WEEKS - 1) }, load);
  }
  async function load() {
    const first = el.dataset.start;
    const last = addDays(first, 7 * WEEKS - 1);
    el.querySelector("#cal-range").textContent = `${first} 〜 ${last}`;
    const body = el.querySelector("#cal-body");
    let days;
    let caps;
    try {
      [days, caps] = await Promise.all([
        api.get(`/api/v1/service-calendar?from=${first}&to=${last}`),
        api.get(`/api/v1/capacity?from=${first}&to=${last}`),
      ]);
    } catch (ex) {
      body.innerHTML = `<p class="notice error" role="alert">${esc(ex.message)}</p>`;
      return;
    }
    const cap = Object.fromEntries(caps.map((c) => [c.date, c]));
    const en = lang() === "en";
    const rows = days.map((d) => {
      const c = cap[d.date] || {};
      const reason = en ? d.reason_en : d.reason_ja;
      return `<tr class="${d.service ? "" : "muted"}" data-date="${esc(d.date)}"><th scope="row">${esc(dayLabel(d.date))}</th>
        <td>${d.service ? t("op.cal.runs") : `<strong>${t("op.cal.closed")}</strong>`}</td><td>${esc(reason)}</td>
        <td>${esc(c.vehicles ?? 0)}</td><td>${((c.vehicle_min ?? 0) / 60).toFixed(1)}</td>
        <td>${esc(c.seats ?? 0)}</td><td>${esc(c.wheelchairs ?? 0)}</td></tr>`;
    }).join("");
    body.innerHTML = `<table class="day-table" id="cal-table"><caption class="visually-hidden">${t("op.nav.calendar")} ${esc(first)} 〜 ${esc(last)}</caption>
      <thead><tr><th scope="col">${t("op.cal.date")}</th><th scope="col">${t("op.cal.service")}</th><th scope="col">${t("op.cal.reason")}</th>
      <th scope="col">${t("op.cal.vehicles")}</th><th scope="col">${t("op.cal.hours")}</th><th scope="col">${t("op.cal.seats")}</th><th scope="col">${t("op.cal.wheelchairs")}</th></tr></thead>
      <tbody>${rows}</tbody></table>`;
  }
  load();
  shifts();
}
