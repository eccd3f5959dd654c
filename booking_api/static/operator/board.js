// Day board: a timeline per vehicle (Gantt) with a "now" line, a map with
// live vehicle positions from the board websocket, and the alerts (which name
// the rider). A ride is moved to another vehicle with the table's 車両変更
// button (keyboard) or by dragging its bar to that vehicle's row; both open
// the same form, and the server checks the move.
import { t, tf } from "/static/common/i18n.js";
import { esc, hm, ymd, TZ, now } from "/static/common/api.js";
import { placeMap } from "/static/common/placemap.js";

let ws = null;
let map = null;
let lastSeq = 0;
let alive = false;
let fleetVehicles = [];
let nowTimer = null;
// Who each ride is for (id -> rider's name), so an alert can name the rider.
const riders = new Map();
// Rides an operator may still move (the rider is not yet at the door).
const MOVABLE = new Set(["booked", "assigned", "en_route"]);

export function stopBoard() {
  alive = false;
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
  if (nowTimer) { clearInterval(nowTimer); nowTimer = null; }
}

function tokyoHour(iso) {
  const p = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso)).split(":");
  return Number(p[0]) + Number(p[1]) / 60;
}

function gantt(day, isToday) {
  const all = day.vehicles.flatMap((v) => v.bookings);
  let h0 = 8;
  let h1 = 18;
  for (const b of all) { h0 = Math.min(h0, Math.floor(tokyoHour(b.pickup_window_start))); h1 = Math.max(h1, Math.ceil(tokyoHour(b.estimated_dropoff || b.latest_dropoff))); }
  const nowIso = now().toISOString();
  const nowH = tokyoHour(nowIso);
  const showNow = isToday && nowH >= h0 && nowH <= h1;
  const pct = (iso) => ((tokyoHour(iso) - h0) / (h1 - h0)) * 100;
  const nowLine = showNow ? `<div class="g-now" data-left="${pct(nowIso)}" aria-hidden="true"></div>` : "";
  const onShift = new Set(fleetVehicles.map((v) => v.id));
  const hours = [];
  for (let h = h0; h < h1; h++) hours.push(`<span data-left="${((h - h0) / (h1 - h0)) * 100}">${h}:00</span>`);
  const cls = { completed: "done", on_board: "live", arrived: "live", no_show: "bad", cancelled: "off" };
  const rows = day.vehicles.map((v) => `<div class="g-row"><div class="g-label">${esc(v.vehicle_id)}</div><div class="g-track"${onShift.has(v.vehicle_id) ? ` data-drop="${esc(v.vehicle_id)}"` : ""}>${nowLine}
    ${v.bookings.map((b) => { const a = pct(b.estimated_pickup || b.pickup_window_start); const z = pct(b.estimated_dropoff || b.latest_dropoff); const drag = MOVABLE.has(b.status) ? ` draggable="true" data-ride="${esc(b.id)}" data-from="${esc(v.vehicle_id)}" data-label="${esc(`${hm(b.pickup_window_start)} ${b.member_name || ""}`)}"` : ""; return `<div class="g-bar ${cls[b.status] || ""}${drag ? " movable" : ""}" data-left="${a}" data-width="${Math.max(4, z - a)}"${drag} title="${esc(`${hm(b.pickup_window_start)} ${b.member_name} ${b.from_label} → ${b.to_label}`)}" tabindex="0" role="img" aria-label="${esc(`${hm(b.estimated_pickup || b.pickup_window_start)}〜${hm(b.estimated_dropoff || b.latest_dropoff)} ${b.member_name} ${b.from_label} → ${b.to_label} ${t(`status.${b.status}`)}`)}"><span>${esc(b.member_name || "")}</span></div>`; }).join("")}
    </div></div>`).join("");
  const un = day.unassigned || [];
  const rides = day.vehicles.flatMap((v) => v.bookings.map((b) => ({ ...b, vehicle_id: v.vehicle_id }))).sort((x, y) => x.pickup_window_start.localeCompare(y.pickup_window_start));
  const table = rides.length ? `<table class="day-table"><caption class="visually-hidden">${t("op.board.vehicles")}</caption><thead><tr><th scope="col">${t("book.time")}</th><th scope="col">${t("reg.name")}</th><th scope="col">${t("op.from")} → ${t("op.to")}</th><th scope="col">${t("op.party")}</th><th scope="col">${t("op.vehicle")}</th><th scope="col">${t("op.status")}</th><th scope="col">${t("op.move")}</th></tr></thead>
    <tbody>${rides.map((b) => `<tr><td class="nowrap">${hm(b.pickup_window_start)}〜${hm(b.pickup_window_end)}</td><td>${esc(b.member_name || "")}</td><td>${esc(b.from_label)} → ${esc(b.to_label)}</td><td>${esc(b.party_size)}${b.wheelchair ? ` <span class="tag orange">${t("dr.wheelchair")}</span>` : ""}</td><td class="nowrap">${esc(b.vehicle_id)}</td><td><span class="tag ${b.status === "completed" ? "green" : b.status === "no_show" ? "red" : "blue"}">${esc(t(`status.${b.status}`))}</span></td><td>${MOVABLE.has(b.status) ? `<button type="button" class="btn secondary small move-btn" data-move="${esc(b.id)}" data-vehicle="${esc(b.vehicle_id)}" data-label="${esc(`${hm(b.pickup_window_start)} ${b.member_name || ""}`)}" aria-label="${esc(`${t("op.move")}: ${hm(b.pickup_window_start)} ${b.member_name || ""}`)}">${t("op.move")}</button>` : ""}</td></tr>`).join("")}</tbody></table>` : "";
  const nowLabel = showNow ? `<span class="g-now-label" data-left="${pct(nowIso)}">${esc(tf("op.board.now", { t: hm(nowIso) }))}</span>` : "";
  const hint = all.some((b) => MOVABLE.has(b.status)) ? `<p class="muted small" id="drag-hint">${t("op.board.drag_hint")}</p>` : "";
  return `${hint}<div class="gantt" data-h0="${h0}" data-h1="${h1}"><div class="g-row g-axis"><div class="g-label"></div><div class="g-track">${hours.join("")}${nowLabel}</div></div>${rows || `<p class="muted">—</p>`}</div>${table}
    ${un.length ? `<h3>${t("op.board.unassigned")}</h3><ul>${un.map((b) => `<li>${hm(b.pickup_window_start)} ${esc(b.member_name)} ${esc(b.from_label)} → ${esc(b.to_label)}</li>`).join("")}</ul>` : ""}`;
}

function moveNow(box) {
  const g = box.querySelector(".gantt");
  if (!g) return;
  const nowIso = now().toISOString();
  const left = ((tokyoHour(nowIso) - Number(g.dataset.h0)) / (Number(g.dataset.h1) - Number(g.dataset.h0))) * 100;
  for (const n of g.querySelectorAll(".g-now, .g-now-label")) { n.dataset.left = left; n.style.left = `${left}%`; }
  const label = g.querySelector(".g-now-label");
  if (label) label.textContent = tf("op.board.now", { t: hm(nowIso) });
}

// Positions are set through the CSSOM: the Content-Security-Policy refuses style="" attributes.
function placeBars(box) {
  for (const node of box.querySelectorAll("[data-left]")) {
    node.style.left = `${node.dataset.left}%`;
    if (node.dataset.width) node.style.width = `${node.dataset.width}%`;
  }
}

const ALERT_KINDS = ["late", "no_show", "unassigned", "breakdown", "stranded", "tap_undone"];

// An alert in the operator's language, naming the rider (never a ride id or a raw code).
function alertText(a) {
  const kind = ALERT_KINDS.includes(a.kind) ? a.kind : "other";
  const rider = (a.ride_id && riders.get(a.ride_id)) || t("op.alert.rider_unknown");
  return { kind, label: t(`op.alert.k.${kind}`), text: tf(`op.alert.${kind}`, { rider, v: a.vehicle_id || "—" }) };
}

function alertItem(a) {
  const { kind, label, text } = alertText(a);
  const colour = { late: "orange", breakdown: "red", no_show: "red", unassigned: "orange", stranded: "red" }[kind] || "gray";
  return `<li${a.ride_id ? ` data-ride="${esc(a.ride_id)}"` : ""}><span class="tag ${colour}">${esc(label)}</span> ${a.at ? hm(a.at) : ""} <span class="alert-text">${esc(text)}</span></li>`;
}

// Rides of other days are not on the board: ask for them once, then name their riders.
async function nameRiders(api, list, alerts) {
  const missing = [...new Set(alerts.map((a) => a.ride_id).filter((id) => id && !riders.has(id)))];
  await Promise.all(missing.map(async (id) => {
    try { const b = await api.get(`/api/v1/bookings/${encodeURIComponent(id)}`); riders.set(id, b.member_name || ""); } catch { riders.set(id, ""); }
  }));
  if (!missing.length) return;
  for (const a of alerts) {
    for (const li of list.querySelectorAll("li[data-ride]")) {
      if (li.dataset.ride === a.ride_id) li.querySelector(".alert-text").textContent = alertText(a).text;
    }
  }
}

function placeVehicle(v) {
  if (!map || v.lat == null) return;
  const id = v.id || v.vehicle_id;
  map.vehicle(id, v.lat, v.lon, `${v.name || id}`);
}

// Manual override: move one ride to another vehicle. The server asks the
// optimizer; a refusal (promise cannot be kept) is shown as it is worded.
function wireMoves(api, el, load) {
  const panel = el.querySelector("#move-panel");
  const msg = el.querySelector("#move-msg");
  let opener = null;
  const close = () => { panel.innerHTML = ""; if (opener && opener.isConnected) opener.focus(); opener = null; };
  const gantt = el.querySelector("#gantt");
  gantt.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button[data-move]");
    if (btn) open(btn, btn.dataset.move, btn.dataset.vehicle, btn.dataset.label, null);
  });
  // Drag a bar to another vehicle's row: the same form opens with that vehicle chosen.
  let dragged = null;
  gantt.addEventListener("dragstart", (ev) => {
    const bar = ev.target.closest(".g-bar[data-ride]");
    if (!bar) return;
    dragged = bar;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", bar.dataset.ride);
    gantt.classList.add("dragging");
  });
  gantt.addEventListener("dragend", () => {
    gantt.classList.remove("dragging");
    for (const x of gantt.querySelectorAll(".drop-over")) x.classList.remove("drop-over");
  });
  const target = (ev) => {
    const track = ev.target.closest(".g-track[data-drop]");
    return dragged && track && track.dataset.drop !== dragged.dataset.from ? track : null;
  };
  gantt.addEventListener("dragover", (ev) => {
    const track = target(ev);
    if (!track) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    for (const x of gantt.querySelectorAll(".drop-over")) if (x !== track) x.classList.remove("drop-over");
    track.classList.add("drop-over");
  });
  gantt.addEventListener("drop", (ev) => {
    const track = target(ev);
    if (!track) return;
    ev.preventDefault();
    const bar = dragged;
    dragged = null;
    track.classList.remove("drop-over");
    const btn = gantt.querySelector(`button[data-move="${CSS.escape(bar.dataset.ride)}"]`);
    open(btn || bar, bar.dataset.ride, bar.dataset.from, bar.dataset.label, track.dataset.drop);
  });
  function open(from, rideId, vehicle, label, chosen) {
    opener = from;
    const others = fleetVehicles.filter((v) => v.id !== vehicle);
    msg.innerHTML = "";
    panel.innerHTML = `<form class="move-form col" aria-labelledby="move-h"><h3 id="move-h">${esc(tf("op.move.title", { r: label }))}</h3>
      ${others.length ? `<div class="row"><label for="move-to" class="label">${t("op.move.to")}</label><select id="move-to">${others.map((v) => `<option value="${esc(v.id)}"${v.id === chosen ? " selected" : ""}>${esc(v.id)} ${esc(v.name || "")}</option>`).join("")}</select>
      <button type="submit" class="btn" id="move-ok">${t("op.move.ok")}</button><button type="button" class="btn secondary" id="move-cancel">${t("op.move.cancel")}</button></div>` : `<p>${t("op.move.none")}</p><button type="button" class="btn secondary" id="move-cancel">${t("op.move.cancel")}</button>`}
      <div id="move-err"></div></form>`;
    const form = panel.querySelector("form");
    form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); close(); } });
    panel.querySelector("#move-cancel").addEventListener("click", close);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const target = panel.querySelector("#move-to").value;
      const ok = panel.querySelector("#move-ok");
      ok.disabled = true;
      panel.querySelector("#move-err").innerHTML = `<p class="muted">${t("op.move.checking")}</p>`;
      try {
        const b = await api.post(`/api/v1/operator/rides/${encodeURIComponent(rideId)}/move`, { vehicle_id: target });
        panel.innerHTML = "";
        opener = null;
        msg.innerHTML = `<p class="notice success">${esc(tf("op.move.done", { r: label, v: b.vehicle_id, t: hm(b.estimated_pickup || b.pickup_window_start) }))}</p>`;
        await load();
        msg.querySelector("p").setAttribute("tabindex", "-1");
        msg.querySelector("p").focus();
      } catch (ex) {
        ok.disabled = false;
        panel.querySelector("#move-err").innerHTML = `<p class="notice error" role="alert">${esc(ex.message)}</p>`;
        panel.querySelector("#move-to").focus();
      }
    });
    const first = (chosen && panel.querySelector("#move-ok")) || panel.querySelector("#move-to") || panel.querySelector("#move-cancel");
    first.focus();
  }
}

export async function showBoard(api, el) {
  stopBoard();
  alive = true;
  lastSeq = 0; // a new view needs the full snapshot, not only what came after

  const today = ymd(now());
  el.innerHTML = `<div class="board-head"><h1>${t("op.nav.board")}</h1><label for="b-day" class="visually-hidden">${t("book.date")}</label><input id="b-day" type="date" value="${today}"></div>
    <div class="board-grid"><section aria-labelledby="g-h"><h2 id="g-h">${t("op.board.vehicles")}</h2><div id="move-msg" role="status" aria-live="polite"></div><div id="move-panel"></div><div id="gantt"></div></section>
    <section aria-labelledby="m-h"><h2 id="m-h">${t("op.board.map")}</h2><div id="board-map" class="map tall"></div>
    <h2>${t("op.board.alerts")}</h2><ul id="alerts" class="alerts" aria-live="polite"><li class="muted">${t("op.board.noalerts")}</li></ul></section></div>`;
  const load = async () => {
    try {
      const date = el.querySelector("#b-day").value;
      const [day, fleet, shifts] = await Promise.all([api.get(`/api/v1/operator/day?date=${date}`), api.get("/api/v1/vehicles").catch(() => []), api.get(`/api/v1/shifts?date=${date}`).catch(() => null)]);
      // A ride can only move to a vehicle on shift that day (the server refuses others);
      // if the shifts cannot be read, every vehicle is offered and the server decides.
      // Nor to a car out of service today (broken down): its status is today's only.
      const onShift = shifts ? new Set(shifts.map((s) => s.vehicle_id)) : null;
      const down = (v) => date === ymd(now()) && v.status === "out_of_service";
      fleetVehicles = fleet.filter((v) => !down(v) && (!onShift || onShift.has(v.id)));
      // Every vehicle gets a row, also those with nothing booked yet.
      for (const v of fleet) if (!day.vehicles.some((x) => x.vehicle_id === v.id)) day.vehicles.push({ vehicle_id: v.id, bookings: [] });
      day.vehicles.sort((a, b) => a.vehicle_id.localeCompare(b.vehicle_id));
      for (const v of day.vehicles) for (const b of v.bookings) riders.set(b.id, b.member_name || "");
      for (const b of day.unassigned || []) riders.set(b.id, b.member_name || "");
      el.querySelector("#gantt").innerHTML = gantt(day, date === ymd(now()));
      placeBars(el.querySelector("#gantt"));
    } catch (ex) { el.querySelector("#gantt").innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; }
  };
  el.querySelector("#b-day").addEventListener("change", load);
  wireMoves(api, el, load);
  await load();
  map = placeMap(el.querySelector("#board-map"));
  const alerts = el.querySelector("#alerts");
  const addAlert = (a) => { if (alerts.querySelector(".muted")) alerts.innerHTML = ""; alerts.insertAdjacentHTML("afterbegin", alertItem(a)); nameRiders(api, alerts, [a]); };
  // The "now" line moves with the clock (once a minute is enough on a day-long axis).
  nowTimer = setInterval(() => moveNow(el.querySelector("#gantt")), 60e3);
  const connect = () => {
    if (!alive) return;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${proto}://${location.host}/ws/board?token=${encodeURIComponent(api.token())}${lastSeq ? `&since=${lastSeq}` : ""}`);
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.seq) { if (m.seq <= lastSeq && m.type !== "snapshot") return; lastSeq = m.seq; }
      if (m.type === "snapshot") { for (const v of m.vehicles || []) placeVehicle(v); alerts.innerHTML = (m.alerts || []).map(alertItem).join("") || `<li class="muted">${t("op.board.noalerts")}</li>`; nameRiders(api, alerts, m.alerts || []); }
      else if (m.type === "position") placeVehicle(m);
      else if (m.type === "alert") addAlert(m);
      else if (m.type === "plan" || m.type === "ride") load();
    };
    ws.onclose = () => { ws = null; if (alive) setTimeout(connect, 3000); };
  };
  connect();
}
