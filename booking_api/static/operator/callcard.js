// The caller's member card on the phone-booking screen: who they are, their needs,
// upcoming rides (change, or cancel with a reason after a confirm step), standing
// orders, the no-show record, saved places, recent rides and the PIN reset.
import { t, tf } from "/static/common/i18n.js";
import { hm, dayLabel, esc, toast } from "/static/common/api.js";
import { memberDeliveries } from "/static/operator/deliveries.js";

// Weekday names from the browser's own calendar data (0 = Monday, as the API counts).
function weekdayName(d) {
  const lang = document.documentElement.lang === "en" ? "en-GB" : "ja-JP";
  return new Date(Date.UTC(2024, 0, 1 + d, 12)).toLocaleDateString(lang, { weekday: "short", timeZone: "UTC" });
}

function needs(m) {
  const n = [];
  if (m.wheelchair) n.push(`<span class="tag orange">${esc(t("reg.wheelchair"))}</span>`);
  if (m.walking_aid) n.push(`<span class="tag orange">${esc(t("reg.walking"))}</span>`);
  if (m.needs_help_boarding) n.push(`<span class="tag orange">${esc(t("reg.help"))}</span>`);
  if (m.companion_allowed) n.push(`<span class="tag gray">${esc(t("reg.companion"))}</span>`);
  return n.join(" ") || `<span class="muted">—</span>`;
}

function rideText(b) {
  return `${dayLabel(b.pickup_window_start)} ${tf("op.call.window", { a: hm(b.pickup_window_start), b: hm(b.pickup_window_end) })} ${tf("op.call.route", { a: b.from_label, b: b.to_label })}`;
}

// The booked fare and the version of the fare rules that priced it ("<first day>#<hash>"),
// so staff asked about a fare see that a later rule did not re-price the ride.
function fareText(b) {
  const [day, hash] = String(b.fare_rules || "").split("#");
  const rules = !b.fare_rules ? t("op.call.fare.rules.none")
    : `${day === "1970-01-01" ? t("op.call.fare.rules.first") : tf("op.call.fare.rules.from", { d: day })} #${hash || ""}`;
  return tf("op.call.booked.fare", { y: Number(b.fare_yen || 0).toLocaleString("en-US"), v: rules });
}

function seriesText(s) {
  const days = s.weekdays.map(weekdayName).join(t("op.call.list.sep"));
  const time = s.time_mode === "arrive_by" ? tf("op.call.series.arrive", { t: s.time }) : s.time;
  return `${tf("op.call.series.line", { d: days, t: time, a: s.from_label, b: s.to_label })} · ${s.start_date} – ${s.until}`;
}

// ``parts``: note (a success line), noShow (HTML of the no-show record), upcoming
// (bookings), series (the member's active standing orders).
export function memberCardHtml(d, { note, noShow, upcoming, series }) {
  const saved = d.saved_places || [];
  const recent = d.recent_bookings || [];
  const changeable = new Set(["booked", "assigned"]);
  return `<article class="card member" aria-labelledby="m-name">
    <h2 id="m-name">${esc(d.name)} <span class="muted">${esc(d.kana)}</span></h2>
    ${noShow}${note ? `<p class="notice success" id="ns-result">${esc(note)}</p>` : ""}
    <dl class="kv"><dt>${esc(t("op.number"))}</dt><dd>${esc(d.member_number || "")}</dd><dt>${esc(t("reg.phone"))}</dt><dd>${esc(d.phone)}</dd>
    <dt>${esc(t("reg.address"))}</dt><dd>${esc(d.address)}</dd><dt>${esc(t("op.needs"))}</dt><dd>${needs(d)}</dd>
    <dt>${esc(t("reg.emergency"))}</dt><dd>${esc(d.emergency_contact_name || "")} ${esc(d.emergency_contact_phone || "")}</dd>
    <dt>${esc(t("op.notes"))}</dt><dd>${esc(d.notes || "—")}</dd></dl>
    <h3 id="up-title">${esc(t("op.call.upcoming"))}</h3>
    <ul class="recent upcoming" aria-labelledby="up-title">${upcoming.map((b) => `<li data-id="${esc(b.id)}"><span class="ride-text">${esc(rideText(b))}</span>
      <span class="tag gray">${esc(t(`status.${b.status}`))}</span>${b.party_size > 1 ? ` <span class="tag gray">${esc(tf("op.call.party.line", { n: b.party_size }))}</span>` : ""}
      <span class="muted small up-fare">${esc(fareText(b))}</span>
      ${changeable.has(b.status) ? `<span class="row"><button type="button" class="btn secondary small up-change" data-id="${esc(b.id)}">${esc(t("op.call.change"))}</button>
      <button type="button" class="btn secondary small up-cancel" data-id="${esc(b.id)}">${esc(t("op.call.cancel"))}</button></span>` : ""}
      <div class="cancel-slot"></div></li>`).join("") || `<li>${esc(t("op.call.none"))}</li>`}</ul>
    <h3>${esc(t("op.call.series"))}</h3>
    <ul class="recent series">${series.map((s) => `<li>${esc(seriesText(s))}</li>`).join("") || `<li>${esc(t("op.call.none"))}</li>`}</ul>
    <h3>${esc(t("op.saved"))}</h3><p>${saved.map((s) => esc(s.label)).join(esc(t("op.call.list.sep"))) || "—"}</p>
    <details class="pw"><summary>${esc(t("op.pw.reset"))}</summary><p class="hint" id="pw-hint">${esc(t("op.pw.hint"))}</p><form id="pw-form" class="row"><label for="pw-new" class="visually-hidden">${esc(t("op.pw.new"))}</label>
      <input id="pw-new" type="text" autocomplete="off" minlength="6" placeholder="${esc(t("op.pw.new"))}" aria-describedby="pw-hint pw-new-error"><button class="btn secondary small" type="submit">${esc(t("op.pw.reset"))}</button></form>
      <p class="field-error" id="pw-new-error" hidden></p></details>
    <h3>${esc(t("op.recent"))}</h3><ul class="recent">${recent.slice(0, 5).map((b) => `<li>${esc(rideText(b))} <span class="tag gray">${esc(t(`status.${b.status}`))}</span></li>`).join("") || "<li>—</li>"}</ul>
    <section class="m-deliveries" aria-labelledby="m-dl-title"><h3 id="m-dl-title">${esc(t("op.dl.card.title"))}</h3><div id="m-dl" aria-live="polite"></div></section></article>`;
}

// ``on.refresh(note)`` reloads the card; ``on.change(booking)`` starts changing one of
// ``on.upcoming`` (the bookings listed).
export function wireCard(card, api, d, on) {
  const byId = new Map((on.upcoming || []).map((b) => [b.id, b]));
  for (const btn of card.querySelectorAll(".up-change")) {
    btn.addEventListener("click", async () => {
      const b = byId.get(btn.dataset.id) || await api.get(`/api/v1/bookings/${encodeURIComponent(btn.dataset.id)}`);
      on.change(b);
    });
  }
  for (const btn of card.querySelectorAll(".up-cancel")) btn.addEventListener("click", () => askCancel(card, api, btn, on));
  const dl = card.querySelector("#m-dl");
  if (dl) memberDeliveries(api, dl, d.id);
  const pw = card.querySelector("#pw-form");
  pw.addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = card.querySelector("#pw-new");
    const slot = card.querySelector("#pw-new-error");
    slot.hidden = true;
    input.removeAttribute("aria-invalid");
    try {
      await api.post(`/api/v1/members/${encodeURIComponent(d.id)}/password`, { password: input.value });
      toast(t("op.pw.done"));
      input.value = "";
    } catch (ex) {
      // Why the PIN is refused is shown next to the field, in the console's language.
      const fe = ((ex.detail && ex.detail.errors) || []).find((x) => String(x.field).endsWith("password"));
      if (fe) {
        slot.textContent = (document.documentElement.lang === "en" ? fe.message_en : fe.message_ja) || fe.message;
        slot.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
      } else toast(ex.message, "error");
    }
  });
}

// The confirm step of a cancellation: the reason (required, audited), then 取り消す.
function askCancel(card, api, btn, on) {
  const li = btn.closest("li");
  const slot = li.querySelector(".cancel-slot");
  const id = btn.dataset.id;
  const text = li.querySelector(".ride-text").textContent;
  const fid = `cx-${id}`;
  slot.innerHTML = `<form class="cancel-form card" aria-labelledby="${fid}-title"><p id="${fid}-title"><strong>${esc(tf("op.call.cancel.title", { r: text }))}</strong></p>
    <div class="field"><label for="${fid}-reason">${esc(t("op.call.cancel.reason"))} <span class="req">${esc(t("common.required"))}</span></label>
    <input id="${fid}-reason" type="text" autocomplete="off" aria-describedby="${fid}-error"><p class="field-error" id="${fid}-error" hidden></p></div>
    <div class="row"><button type="submit" class="btn danger small cx-ok">${esc(t("op.call.cancel.ok"))}</button>
    <button type="button" class="btn tertiary small cx-keep">${esc(t("op.call.cancel.keep"))}</button></div></form>`;
  const form = slot.querySelector("form");
  const input = slot.querySelector("input");
  const err = slot.querySelector(".field-error");
  const fail = (msg) => { err.innerHTML = `<span class="visually-hidden">${esc(t("op.call.error.prefix"))}</span>${esc(msg)}`; err.hidden = false; input.setAttribute("aria-invalid", "true"); input.focus(); };
  slot.querySelector(".cx-keep").addEventListener("click", () => { slot.innerHTML = ""; btn.focus(); });
  form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); slot.innerHTML = ""; btn.focus(); } });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = input.value.trim();
    if (!reason) { fail(t("op.call.reason.missing")); return; }
    const ok = slot.querySelector(".cx-ok");
    ok.disabled = true;
    try {
      const b = await api.post(`/api/v1/bookings/${encodeURIComponent(id)}/cancel`, { reason });
      const note = tf("op.call.cancel.done", { r: text }) + (b.late_cancellation ? ` ${t("op.call.cancel.late")}` : "");
      toast(note);
      on.refresh(note);
    } catch (ex) {
      ok.disabled = false;
      fail(ex.message);
    }
  });
  input.focus();
}
