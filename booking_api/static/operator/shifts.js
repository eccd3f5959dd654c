// Shift settings under the service calendar (勤務の設定): per vehicle, its weekly template
// (start, end and break per weekday), its per-day overrides (a car in the garage, other
// hours; with the reason) and copying one week's shifts to another. Admins edit;
// operators read. After each change the calendar's capacity is reloaded (onChange).
import { t, th, tf, lang } from "/static/common/i18n.js";
import { esc, ymd, now, dayLabel } from "/static/common/api.js";

const KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_MS = 86400e3;
const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const isMonday = (day) => new Date(`${day}T00:00:00Z`).getUTCDay() === 1;
const serverText = (d) => (lang() === "en" ? d.message_en : d.message_ja) || "";
const errP = (id) => `<p class="field-error" id="${id}" hidden></p>`;

function showError(root, id, inputs, message) {
  const p = root.querySelector(`#${id}`);
  p.innerHTML = `<span class="visually-hidden">${th("op.call.error.prefix")}</span>${esc(message)}`;
  p.hidden = false;
  for (const i of inputs) if (i) i.setAttribute("aria-invalid", "true");
}
function clearErrors(root) {
  for (const p of root.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
  for (const i of root.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}
const minutes = (hhmm) => { const [h, m] = hhmm.split(":").map(Number); return h * 60 + m; };

// A sentence for what a change did to the shifts, plus the days left alone and why.
function resultHtml(report) {
  const left = (report.unchanged || []).map((u) => `<li>${esc(serverText(u))}</li>`).join("");
  return `<div class="notice ${left ? "warning" : "success"}"><p>${esc(tf("op.shift.result", { c: report.created, u: report.updated, r: report.removed }))}</p>
    ${left ? `<p>${th("op.shift.left")}</p><ul>${left}</ul>` : ""}</div>`;
}

export async function showShifts(api, el, me, range, onChange) {
  const admin = me && me.role === "admin";
  let vehicles = [];
  try { vehicles = (await api.get("/api/v1/vehicles")).filter((v) => !v.retired); } catch { vehicles = []; }
  if (!vehicles.length) { el.innerHTML = ""; return; }
  if (!vehicles.some((v) => v.id === el.dataset.vehicle)) el.dataset.vehicle = vehicles[0].id;
  const opts = vehicles.map((v) => `<option value="${esc(v.id)}" ${v.id === el.dataset.vehicle ? "selected" : ""}>${esc(`${v.id} ${v.name}`)}</option>`).join("");
  el.innerHTML = `<h2 id="sh-title">${th("op.shift.title")}</h2>
    <p class="muted">${th(admin ? "op.shift.note.admin" : "op.shift.note.read")}</p>
    <div class="field"><label for="sh-vehicle">${th("op.shift.vehicle")}</label><select id="sh-vehicle">${opts}</select></div>
    <div id="sh-status" role="status" aria-live="polite"></div>
    <section aria-labelledby="sh-week-title"><h3 id="sh-week-title">${th("op.shift.week")}</h3><div id="sh-week"></div></section>
    <section aria-labelledby="sh-ov-title"><h3 id="sh-ov-title">${th("op.shift.overrides")}</h3><div id="sh-ov"></div></section>
    ${admin ? `<section aria-labelledby="sh-copy-title"><h3 id="sh-copy-title">${th("op.shift.copy")}</h3><div id="sh-copy"></div></section>` : ""}`;
  const $ = (s) => el.querySelector(s);
  const status = (html) => { $("#sh-status").innerHTML = html; };
  $("#sh-vehicle").addEventListener("change", () => { el.dataset.vehicle = $("#sh-vehicle").value; status(""); loadAll(); });

  async function loadAll() {
    const vid = el.dataset.vehicle;
    await Promise.all([loadWeek(vid), loadOverrides(vid)]);
  }

  // -- the weekly template ----------------------------------------------------
  async function loadWeek(vid) {
    const box = $("#sh-week");
    let week;
    try { week = await api.get(`/api/v1/vehicles/${encodeURIComponent(vid)}/shift-template`); } catch (ex) {
      box.innerHTML = `<p class="notice error" role="alert">${esc(ex.message)}</p>`; return;
    }
    const head = `<thead><tr><th scope="col">${th("op.shift.weekday")}</th><th scope="col">${th("op.shift.works")}</th><th scope="col">${th("op.shift.start")}</th>
      <th scope="col">${th("op.shift.end")}</th><th scope="col">${th("op.shift.break_from")}</th><th scope="col">${th("op.shift.break_to")}</th><th scope="col">${th("op.shift.break_min")}</th></tr></thead>`;
    const rows = KEYS.map((k, i) => {
      const h = week[k];
      const b = h && h.break_window;
      const name = t(`op.shift.wd.${i}`);
      if (!admin) {
        return `<tr data-day="${k}"><th scope="row">${esc(name)}</th><td>${h ? th("op.shift.yes") : th("op.shift.no")}</td><td>${esc(h ? h.start : "—")}</td><td>${esc(h ? h.end : "—")}</td>
          <td>${esc(b ? b.earliest : "—")}</td><td>${esc(b ? b.latest : "—")}</td><td>${esc(b ? b.duration_min : "—")}</td></tr>`;
      }
      const lbl = (col) => esc(`${name} ${t(col)}`);
      const desc = `aria-describedby="sh-${k}-error"`;
      return `<tr data-day="${k}"><th scope="row">${esc(name)}</th>
        <td><input type="checkbox" id="sh-${k}-on" ${h ? "checked" : ""} aria-label="${lbl("op.shift.works")}"></td>
        <td><input type="time" id="sh-${k}-start" value="${esc(h ? h.start : "08:00")}" aria-label="${lbl("op.shift.start")}" ${desc}>${errP(`sh-${k}-error`)}</td>
        <td><input type="time" id="sh-${k}-end" value="${esc(h ? h.end : "17:00")}" aria-label="${lbl("op.shift.end")}" ${desc}></td>
        <td><input type="time" id="sh-${k}-b0" value="${esc(b ? b.earliest : "")}" aria-label="${lbl("op.shift.break_from")}" ${desc}></td>
        <td><input type="time" id="sh-${k}-b1" value="${esc(b ? b.latest : "")}" aria-label="${lbl("op.shift.break_to")}" ${desc}></td>
        <td><input type="number" id="sh-${k}-bm" min="0" max="240" value="${esc(b ? b.duration_min : "")}" aria-label="${lbl("op.shift.break_min")}" ${desc}></td></tr>`;
    }).join("");
    box.innerHTML = `<form id="sh-week-form" novalidate><table class="day-table" id="sh-week-table"><caption class="visually-hidden">${esc(tf("op.shift.week.caption", { v: vid }))}</caption>${head}<tbody>${rows}</tbody></table>
      ${admin ? `<p class="hint" id="sh-week-hint">${th("op.shift.week.hint")}</p><div id="sh-week-error" role="alert"></div><button class="btn" type="submit" id="sh-week-save">${th("op.shift.week.save")}</button>` : ""}</form>`;
    if (admin) $("#sh-week-form").addEventListener("submit", (e) => { e.preventDefault(); saveWeek(vid); });
  }

  function readDay(k) {
    const v = (s) => $(`#sh-${k}-${s}`).value.trim();
    if (!$(`#sh-${k}-on`).checked) return { hours: null };
    const start = v("start"), end = v("end"), b0 = v("b0"), b1 = v("b1"), bm = v("bm");
    if (!start || !end) return { error: t("op.shift.error.times") };
    if (minutes(end) <= minutes(start)) return { error: t("op.shift.error.order") };
    const hours = { start, end };
    if (b0 || b1 || bm) {
      const dur = Number(bm);
      if (!b0 || !b1 || !Number.isInteger(dur) || dur < 1) return { error: t("op.shift.error.break") };
      if (minutes(b0) < minutes(start) || minutes(b1) < minutes(b0) || minutes(b1) + dur > minutes(end)) return { error: t("op.shift.error.break_inside") };
      hours.break_window = { earliest: b0, latest: b1, duration_min: dur };
    }
    return { hours };
  }

  async function saveWeek(vid) {
    const form = $("#sh-week-form");
    clearErrors(form);
    $("#sh-week-error").innerHTML = "";
    const body = {};
    let first = null;
    for (const k of KEYS) {
      const r = readDay(k);
      if (r.error) {
        showError(form, `sh-${k}-error`, ["start", "end", "b0", "b1", "bm"].map((s) => $(`#sh-${k}-${s}`)), r.error);
        first = first || $(`#sh-${k}-start`);
      } else body[k] = r.hours;
    }
    if (first) { first.focus(); return; }
    try {
      const res = await api.put(`/api/v1/vehicles/${encodeURIComponent(vid)}/shift-template`, body);
      status(resultHtml(res.shifts));
      await onChange();
    } catch (ex) {
      $("#sh-week-error").innerHTML = `<p class="notice error">${esc(ex.message)}</p>`;
      $("#sh-week-save").focus();
    }
  }

  // -- per-day overrides --------------------------------------------------------
  async function loadOverrides(vid) {
    const box = $("#sh-ov");
    const today = ymd(now());
    const from = range.first < today ? today : range.first;
    let list = [];
    try { list = await api.get(`/api/v1/shift-overrides?from=${from}&to=${range.last}&vehicle_id=${encodeURIComponent(vid)}`); } catch (ex) {
      box.innerHTML = `<p class="notice error" role="alert">${esc(ex.message)}</p>`; return;
    }
    const rows = list.map((o) => `<tr data-date="${esc(o.date)}"><th scope="row">${esc(dayLabel(`${o.date}T12:00:00+09:00`))}</th>
      <td>${o.off ? th("op.shift.ov.off") : esc(`${o.hours.start}〜${o.hours.end}`)}</td><td>${esc(o.note || "—")}</td>
      ${admin ? `<td><button type="button" class="btn secondary small sh-ov-del" data-date="${esc(o.date)}">${th("op.shift.ov.delete")}<span class="visually-hidden"> ${esc(dayLabel(`${o.date}T12:00:00+09:00`))}</span></button></td>` : ""}</tr>`).join("");
    const table = list.length ? `<table class="day-table" id="sh-ov-table"><caption class="visually-hidden">${esc(tf("op.shift.ov.caption", { v: vid }))}</caption>
      <thead><tr><th scope="col">${th("op.cal.date")}</th><th scope="col">${th("op.shift.ov.what")}</th><th scope="col">${th("op.shift.ov.reason")}</th>${admin ? `<th scope="col">${th("op.fleet.actions")}</th>` : ""}</tr></thead>
      <tbody>${rows}</tbody></table>` : `<p class="muted" id="sh-ov-none">${th("op.shift.ov.none")}</p>`;
    const form = !admin ? "" : `<form id="sh-ov-form" class="card" novalidate aria-labelledby="sh-ov-form-title"><h4 id="sh-ov-form-title">${th("op.shift.ov.new")}</h4>
      <div class="field"><label for="sh-ov-date">${th("op.cal.date")}<span class="req">${th("common.required")}</span></label>
        <input type="date" id="sh-ov-date" min="${esc(today)}" value="${esc(from)}" required aria-describedby="sh-ov-date-error">${errP("sh-ov-date-error")}</div>
      <fieldset class="field"><legend>${th("op.shift.ov.what")}</legend>
        <label class="choice"><input type="radio" name="sh-ov-kind" id="sh-ov-off" value="off" checked> ${th("op.shift.ov.off")}</label>
        <label class="choice"><input type="radio" name="sh-ov-kind" id="sh-ov-hours" value="hours"> ${th("op.shift.ov.hours")}</label></fieldset>
      <div class="row"><div class="field"><label for="sh-ov-start">${th("op.shift.start")}</label><input type="time" id="sh-ov-start" value="09:00" aria-describedby="sh-ov-time-error"></div>
        <div class="field"><label for="sh-ov-end">${th("op.shift.end")}</label><input type="time" id="sh-ov-end" value="12:00" aria-describedby="sh-ov-time-error"></div></div>
      ${errP("sh-ov-time-error")}
      <div class="field"><label for="sh-ov-note">${th("op.shift.ov.reason")}<span class="req">${th("common.required")}</span></label>
        <input type="text" id="sh-ov-note" maxlength="200" autocomplete="off" required aria-describedby="sh-ov-note-hint sh-ov-note-error">
        <p class="hint" id="sh-ov-note-hint">${th("op.shift.ov.reason.hint")}</p>${errP("sh-ov-note-error")}</div>
      <div id="sh-ov-error" role="alert"></div>
      <button class="btn" type="submit" id="sh-ov-save">${th("op.shift.ov.save")}</button></form>`;
    box.innerHTML = table + form;
    for (const b of box.querySelectorAll(".sh-ov-del")) b.addEventListener("click", () => deleteOverride(vid, b.dataset.date));
    if (!admin) return;
    const syncKind = () => { const off = $("#sh-ov-off").checked; $("#sh-ov-start").disabled = off; $("#sh-ov-end").disabled = off; };
    for (const r of box.querySelectorAll("input[name=sh-ov-kind]")) r.addEventListener("change", syncKind);
    syncKind();
    $("#sh-ov-form").addEventListener("submit", (e) => { e.preventDefault(); saveOverride(vid); });
  }

  async function saveOverride(vid) {
    const form = $("#sh-ov-form");
    clearErrors(form);
    $("#sh-ov-error").innerHTML = "";
    const date = $("#sh-ov-date").value;
    const note = $("#sh-ov-note").value.trim();
    const off = $("#sh-ov-off").checked;
    const start = $("#sh-ov-start").value, end = $("#sh-ov-end").value;
    if (!date) showError(form, "sh-ov-date-error", [$("#sh-ov-date")], t("op.shift.error.date"));
    if (!off && (!start || !end || minutes(end) <= minutes(start))) showError(form, "sh-ov-time-error", [$("#sh-ov-start"), $("#sh-ov-end")], t("op.shift.error.order"));
    if (!note) showError(form, "sh-ov-note-error", [$("#sh-ov-note")], t("op.shift.error.reason"));
    const bad = form.querySelector("[aria-invalid=true]");
    if (bad) { bad.focus(); return; }
    const body = off ? { off: true, note } : { hours: { start, end }, note };
    try {
      const res = await api.put(`/api/v1/shift-overrides/${encodeURIComponent(vid)}/${date}`, body);
      status(resultHtml(res.shifts));
      await Promise.all([loadOverrides(vid), onChange()]);
    } catch (ex) {
      const d = ex.detail || {};
      if (String(d.code).startsWith("date") || (d.errors || []).some((e) => String(e.field).includes("service_date"))) {
        showError(form, "sh-ov-date-error", [$("#sh-ov-date")], ex.message);
        $("#sh-ov-date").focus();
      } else {
        $("#sh-ov-error").innerHTML = `<p class="notice error">${esc(ex.message)}</p>`;
        $("#sh-ov-save").focus();
      }
    }
  }

  async function deleteOverride(vid, date) {
    try {
      const res = await api.del(`/api/v1/shift-overrides/${encodeURIComponent(vid)}/${date}`);
      status(resultHtml(res));
      await Promise.all([loadOverrides(vid), onChange()]);
      $("#sh-vehicle").focus();
    } catch (ex) { status(`<p class="notice error">${esc(ex.message)}</p>`); }
  }

  // -- copy a week -----------------------------------------------------------------
  function copyForm() {
    const box = $("#sh-copy");
    if (!box) return;
    const monday = addDays(ymd(now()), -((new Date(`${ymd(now())}T00:00:00Z`).getUTCDay() + 6) % 7));
    box.innerHTML = `<form id="sh-copy-form" novalidate><p class="hint">${th("op.shift.copy.hint")}</p><div class="row">
      <div class="field"><label for="sh-copy-from">${th("op.shift.copy.from")}</label><input type="date" id="sh-copy-from" value="${monday}" step="7" aria-describedby="sh-copy-from-error">${errP("sh-copy-from-error")}</div>
      <div class="field"><label for="sh-copy-to">${th("op.shift.copy.to")}</label><input type="date" id="sh-copy-to" value="${addDays(monday, 7)}" step="7" aria-describedby="sh-copy-to-error">${errP("sh-copy-to-error")}</div></div>
      <div id="sh-copy-error" role="alert"></div><button class="btn secondary" type="submit" id="sh-copy-go">${th("op.shift.copy.go")}</button></form>`;
    $("#sh-copy-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const form = $("#sh-copy-form");
      clearErrors(form);
      $("#sh-copy-error").innerHTML = "";
      const source = $("#sh-copy-from").value, target = $("#sh-copy-to").value;
      if (!source || !isMonday(source)) showError(form, "sh-copy-from-error", [$("#sh-copy-from")], t("op.shift.error.monday"));
      if (!target || !isMonday(target)) showError(form, "sh-copy-to-error", [$("#sh-copy-to")], t("op.shift.error.monday"));
      else if (target === source) showError(form, "sh-copy-to-error", [$("#sh-copy-to")], t("op.shift.error.same_week"));
      const bad = form.querySelector("[aria-invalid=true]");
      if (bad) { bad.focus(); return; }
      try {
        const res = await api.post("/api/v1/shifts/copy-week", { source, target });
        status(resultHtml(res));
        await onChange();
      } catch (ex) {
        $("#sh-copy-error").innerHTML = `<p class="notice error">${esc(ex.message)}</p>`;
        $("#sh-copy-go").focus();
      }
    });
  }

  copyForm();
  await loadAll();
}
