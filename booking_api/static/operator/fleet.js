// Vehicles (車両): the fleet with what riders look for (plate, colour), places, areas and
// depot. Admins add and edit a vehicle (errors next to their fields) and retire one
// (a confirm step with a reason; refused while rides are booked ahead, which the
// server's message names by day) or bring it back; operators read.
import { t, th, tf, lang } from "/static/common/i18n.js";
import { esc } from "/static/common/api.js";
import { COLOURS, colourName } from "/static/common/car.js";

const FIELDS = ["id", "name", "plate", "colour", "seats", "wheelchairs", "areas", "depot_name", "depot_lat", "depot_lon"];
const msg = (ex) => ex.message;
const serverText = (d, en, ja) => (lang() === "en" ? d[en] : d[ja]) || "";

export async function showFleet(api, el, me) {
  const admin = me && me.role === "admin";
  el.innerHTML = `<div class="board-head"><h1 id="fl-title">${th("op.fleet.title")}</h1>
      ${admin ? `<button class="btn small" type="button" id="fl-add">${th("op.fleet.add")}</button>` : ""}</div>
    <p class="muted">${th(admin ? "op.fleet.note.admin" : "op.fleet.note.read")}</p>
    <div id="fl-status" role="status" aria-live="polite"></div>
    <div id="fl-panel"></div><div id="fl-list"></div>`;
  const $ = (s) => el.querySelector(s);
  let vehicles = [];
  let areas = [];
  try {
    areas = await api.get("/api/v1/areas");
  } catch { areas = []; }

  function say(text, kind = "success") {
    $("#fl-status").innerHTML = text ? `<p class="notice ${kind}">${esc(text)}</p>` : "";
  }

  async function load() {
    try {
      vehicles = await api.get("/api/v1/vehicles");
    } catch (ex) {
      $("#fl-list").innerHTML = `<p class="notice error" role="alert">${esc(msg(ex))}</p>`;
      return;
    }
    const areaName = Object.fromEntries(areas.map((a) => [a.id, a.name]));
    const rows = vehicles.map((v) => {
      const served = v.areas ? v.areas.map((a) => `${a} ${areaName[a] || ""}`.trim()).join("、") : t("op.fleet.areas.all");
      const state = v.retired
        ? `<span class="tag gray">${th("op.fleet.retired")}</span> <span class="muted">${esc(v.retired_reason)}</span>`
        : `<span class="tag blue">${th("op.fleet.active")}</span>`;
      const actions = !admin ? "" : `<td>${v.retired
        ? `<button class="btn secondary small fl-unretire" type="button" data-id="${esc(v.id)}">${th("op.fleet.unretire")}<span class="visually-hidden"> ${esc(v.id)}</span></button>`
        : `<div class="row"><button class="btn secondary small fl-edit" type="button" data-id="${esc(v.id)}">${th("op.fleet.edit")}<span class="visually-hidden"> ${esc(v.id)}</span></button>
           <button class="btn danger secondary small fl-retire" type="button" data-id="${esc(v.id)}">${th("op.fleet.retire")}<span class="visually-hidden"> ${esc(v.id)}</span></button></div>`}</td>`;
      return `<tr data-id="${esc(v.id)}" class="${v.retired ? "muted" : ""}"><th scope="row">${esc(v.id)}</th><td>${esc(v.name)}</td>
        <td>${esc(v.plate || "—")}</td><td>${esc(colourName(v.colour) || "—")}</td><td>${esc(v.seats)}</td><td>${esc(v.wheelchairs)}</td>
        <td>${esc(served)}</td><td>${esc(v.depot_name || "—")}</td><td>${state}</td>${actions}</tr>`;
    }).join("");
    $("#fl-list").innerHTML = `<table class="day-table" id="fleet-table"><caption class="visually-hidden">${th("op.fleet.title")}</caption>
      <thead><tr><th scope="col">${th("op.fleet.id")}</th><th scope="col">${th("op.fleet.name")}</th><th scope="col">${th("op.fleet.plate")}</th>
      <th scope="col">${th("op.fleet.colour")}</th><th scope="col">${th("op.fleet.seats")}</th><th scope="col">${th("op.fleet.wheelchairs")}</th>
      <th scope="col">${th("op.fleet.areas")}</th><th scope="col">${th("op.fleet.depot")}</th><th scope="col">${th("op.fleet.state")}</th>
      ${admin ? `<th scope="col">${th("op.fleet.actions")}</th>` : ""}</tr></thead><tbody>${rows}</tbody></table>`;
    for (const b of el.querySelectorAll(".fl-edit")) b.addEventListener("click", () => openForm(vehicles.find((v) => v.id === b.dataset.id)));
    for (const b of el.querySelectorAll(".fl-retire")) b.addEventListener("click", () => openRetire(vehicles.find((v) => v.id === b.dataset.id)));
    for (const b of el.querySelectorAll(".fl-unretire")) b.addEventListener("click", () => unretire(b.dataset.id));
  }

  function field(name, label, input, hint = "") {
    const hintHtml = hint ? `<p class="hint" id="fl-${name}-hint">${th(hint)}</p>` : "";
    return `<div class="field">${label}${hintHtml}${input}<p class="field-error" id="fl-${name}-error" hidden></p></div>`;
  }
  const describedBy = (name, hint) => `aria-describedby="${hint ? `fl-${name}-hint ` : ""}fl-${name}-error"`;
  function text(name, key, value, { req = false, hint = "", type = "text", extra = "" } = {}) {
    const label = `<label for="fl-${name}">${th(key)}${req ? `<span class="req">${th("common.required")}</span>` : ""}</label>`;
    return field(name, label, `<input id="fl-${name}" name="${name}" type="${type}" value="${esc(value ?? "")}" ${req ? "required" : ""} ${extra} ${describedBy(name, hint)}>`, hint);
  }

  function openForm(v) {
    const creating = !v;
    const base = v || vehicles.find((x) => !x.retired) || {};
    const colourOpts = [`<option value="">${th("op.fleet.colour.none")}</option>`,
      ...COLOURS.map((c) => `<option value="${c}" ${v && v.colour === c ? "selected" : ""}>${esc(colourName(c))}</option>`)].join("");
    const all = !v || v.areas === null;
    const areaBoxes = areas.map((a) => `<label class="choice"><input type="checkbox" class="fl-area" value="${esc(a.id)}" ${!all && v.areas.includes(a.id) ? "checked" : ""}> ${esc(a.id)} ${esc(a.name)}</label>`).join("");
    $("#fl-panel").innerHTML = `<form class="card" id="fl-form" novalidate aria-labelledby="fl-form-title">
      <h2 id="fl-form-title">${creating ? th("op.fleet.form.new") : esc(tf("op.fleet.form.edit", { v: v.id }))}</h2>
      <div id="fl-form-error" role="alert"></div>
      ${creating ? text("id", "op.fleet.id", "", { req: true, hint: "op.fleet.id.hint", extra: 'maxlength="40" autocomplete="off"' }) : ""}
      ${text("name", "op.fleet.name", v ? v.name : "", { extra: 'maxlength="100"' })}
      ${text("plate", "op.fleet.plate", v ? v.plate : "", { hint: "op.fleet.plate.hint", extra: 'maxlength="40" autocomplete="off"' })}
      ${field("colour", `<label for="fl-colour">${th("op.fleet.colour")}</label>`, `<select id="fl-colour" ${describedBy("colour", "op.fleet.colour.hint")}>${colourOpts}</select>`, "op.fleet.colour.hint")}
      ${text("seats", "op.fleet.seats", v ? v.seats : 4, { req: true, type: "number", extra: 'min="0" max="20"' })}
      ${text("wheelchairs", "op.fleet.wheelchairs", v ? v.wheelchairs : 0, { req: true, type: "number", extra: 'min="0" max="4"' })}
      <fieldset class="field" id="fl-areas" aria-describedby="fl-areas-hint fl-areas-error"><legend>${th("op.fleet.areas")}</legend>
        <p class="hint" id="fl-areas-hint">${th("op.fleet.areas.hint")}</p>
        <label class="choice"><input type="checkbox" id="fl-areas-all" ${all ? "checked" : ""}> ${th("op.fleet.areas.all")}</label>
        ${areaBoxes}<p class="field-error" id="fl-areas-error" hidden></p></fieldset>
      ${text("depot_name", "op.fleet.depot", v ? v.depot_name : base.depot_name || "", { extra: 'maxlength="100"' })}
      ${text("depot_lat", "op.fleet.depot_lat", base.depot_lat ?? "", { req: true, type: "number", hint: "op.fleet.depot.hint", extra: 'step="any" min="-90" max="90"' })}
      ${text("depot_lon", "op.fleet.depot_lon", base.depot_lon ?? "", { req: true, type: "number", extra: 'step="any" min="-180" max="180"' })}
      <div class="row"><button class="btn" type="submit" id="fl-save">${th("op.fleet.save")}</button>
      <button class="btn secondary" type="button" id="fl-cancel">${th("common.cancel")}</button></div></form>`;
    const form = $("#fl-form");
    const syncAreas = () => { for (const b of form.querySelectorAll(".fl-area")) b.disabled = $("#fl-areas-all").checked; };
    $("#fl-areas-all").addEventListener("change", syncAreas);
    syncAreas();
    $("#fl-cancel").addEventListener("click", () => { $("#fl-panel").innerHTML = ""; say(""); });
    form.addEventListener("submit", (e) => { e.preventDefault(); save(v); });
    (form.querySelector("input") || form).focus();
  }

  function clearErrors(form) {
    $("#fl-form-error").innerHTML = "";
    for (const p of form.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
    for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  }
  function fieldError(name, message) {
    const p = $(`#fl-${name}-error`);
    if (!p) return false;
    p.innerHTML = `<span class="visually-hidden">${th("op.call.error.prefix")}</span>${esc(message)}`;
    p.hidden = false;
    const input = name === "areas" ? $("#fl-areas-all") : $(`#fl-${name}`);
    if (input) input.setAttribute("aria-invalid", "true");
    return true;
  }
  function focusFirstError(form) {
    const first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
  }

  async function save(v) {
    const form = $("#fl-form");
    clearErrors(form);
    const val = (n) => ($(`#fl-${n}`) ? $(`#fl-${n}`).value.trim() : "");
    const num = (n) => (val(n) === "" ? NaN : Number(val(n)));
    const body = { name: val("name"), plate: val("plate"), colour: $("#fl-colour").value, depot_name: val("depot_name") };
    let bad = false;
    for (const n of ["seats", "wheelchairs", "depot_lat", "depot_lon"]) {
      body[n] = num(n);
      if (!Number.isFinite(body[n])) bad = fieldError(n, t("op.fleet.error.number")) || bad;
    }
    for (const n of ["seats", "wheelchairs"]) {
      if (Number.isFinite(body[n]) && !Number.isInteger(body[n])) bad = fieldError(n, t("op.fleet.error.number")) || bad;
    }
    body.areas = $("#fl-areas-all").checked ? null : [...form.querySelectorAll(".fl-area:checked")].map((b) => b.value);
    if (body.areas && body.areas.length === 0) bad = fieldError("areas", t("op.fleet.error.areas")) || bad;
    if (!v) {
      body.id = val("id");
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(body.id)) bad = fieldError("id", t("op.fleet.error.id")) || bad;
      else if (vehicles.some((x) => x.id === body.id)) bad = fieldError("id", tf("op.fleet.error.exists", { v: body.id })) || bad;
    }
    if (bad) { focusFirstError(form); return; }
    try {
      const out = v ? await api.patch(`/api/v1/vehicles/${encodeURIComponent(v.id)}`, body) : await api.post("/api/v1/vehicles", body);
      $("#fl-panel").innerHTML = "";
      await load();
      say(tf(v ? "op.fleet.saved" : "op.fleet.created", { v: out.id }));
      el.querySelector(`tr[data-id="${CSS.escape(out.id)}"] th`)?.focus?.();
    } catch (ex) {
      const d = ex.detail || {};
      let placed = false;
      for (const e of d.errors || []) {
        const name = String(e.field || "").split(".").pop();
        if (FIELDS.includes(name)) placed = fieldError(name, serverText(e, "message_en", "message_ja")) || placed;
      }
      if (d.field && FIELDS.includes(d.field)) placed = fieldError(d.field, msg(ex)) || placed;
      if (["outside_boundary", "too_far_from_road"].includes(d.code)) placed = fieldError("depot_lat", msg(ex)) || placed;
      if (!placed) $("#fl-form-error").innerHTML = `<p class="notice error">${esc(msg(ex))}</p>`;
      focusFirstError(form);
    }
  }

  function openRetire(v) {
    $("#fl-panel").innerHTML = `<form class="card" id="fl-retire-form" novalidate aria-labelledby="fl-retire-title">
      <h2 id="fl-retire-title">${esc(tf("op.fleet.retire.title", { v: v.id }))}</h2>
      <p>${esc(tf("op.fleet.retire.body", { v: `${v.id} ${v.name}` }))}</p>
      <div id="fl-retire-error" role="alert"></div>
      <div class="field"><label for="fl-reason">${th("op.fleet.retire.reason")}<span class="req">${th("common.required")}</span></label>
        <input id="fl-reason" type="text" maxlength="200" autocomplete="off" required aria-describedby="fl-reason-error">
        <p class="field-error" id="fl-reason-error" hidden></p></div>
      <div class="row"><button class="btn danger" type="submit" id="fl-retire-yes">${th("op.fleet.retire.confirm")}</button>
      <button class="btn secondary" type="button" id="fl-retire-no">${th("common.cancel")}</button></div></form>`;
    const form = $("#fl-retire-form");
    const reason = $("#fl-reason");
    const err = $("#fl-reason-error");
    $("#fl-retire-no").addEventListener("click", () => { $("#fl-panel").innerHTML = ""; });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      err.hidden = true; reason.removeAttribute("aria-invalid"); $("#fl-retire-error").innerHTML = "";
      const fail = (m) => { err.innerHTML = `<span class="visually-hidden">${th("op.call.error.prefix")}</span>${esc(m)}`; err.hidden = false; reason.setAttribute("aria-invalid", "true"); reason.focus(); };
      if (!reason.value.trim()) { fail(t("op.fleet.error.reason")); return; }
      try {
        await api.post(`/api/v1/vehicles/${encodeURIComponent(v.id)}/retire`, { reason: reason.value.trim() });
        $("#fl-panel").innerHTML = "";
        await load();
        say(tf("op.fleet.retired.done", { v: v.id }));
      } catch (ex) {
        if ((ex.detail || {}).field === "reason") { fail(msg(ex)); return; }
        $("#fl-retire-error").innerHTML = `<p class="notice error">${esc(msg(ex))}</p>`;
        $("#fl-retire-yes").focus();
      }
    });
    reason.focus();
  }

  async function unretire(id) {
    try {
      await api.post(`/api/v1/vehicles/${encodeURIComponent(id)}/unretire`);
      await load();
      say(tf("op.fleet.unretired", { v: id }));
    } catch (ex) { say(msg(ex), "error"); }
  }

  if (admin) $("#fl-add").addEventListener("click", () => openForm(null));
  await load();
}
