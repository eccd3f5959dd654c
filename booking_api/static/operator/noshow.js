// The member card's no-show standing: a badge and the notice (warning or
// suspension with its end in Tokyo time), and a keyboard-usable form that asks
// staff for a reason before lifting it through the API.
import { lang, t, tf } from "/static/common/i18n.js";
import { hm, dayLabel, esc, toast } from "/static/common/api.js";

// Tokyo date and time of the end of a suspension, in the chosen language.
export function untilLabel(iso) {
  return iso ? `${dayLabel(iso)} ${hm(iso)}` : "";
}

// The member's recorded no-shows, each with a way to void it when the driver was wrong
// (the reason is asked for and kept in the audit log; it then no longer counts).
export function voidHtml(recent) {
  const rides = (recent || []).filter((b) => b.status === "no_show");
  if (!rides.length) return "";
  return `<section class="no-show-rides" aria-labelledby="nv-title"><h3 id="nv-title">${t("op.nv.title")}</h3>
    <ul class="recent">${rides.map((b) => `<li>${esc(dayLabel(b.pickup_window_start))} ${hm(b.pickup_window_start)} ${esc(b.from_label)} → ${esc(b.to_label)}
      <button type="button" class="btn secondary small nv-open" data-ride="${esc(b.id)}" aria-controls="nv-form">${t("op.nv.void")}</button></li>`).join("")}</ul>
    <form id="nv-form" class="ns-form" hidden><input type="hidden" id="nv-ride">
      <div class="field"><label for="nv-reason">${t("op.nv.reason")}</label>
        <input id="nv-reason" type="text" autocomplete="off" aria-required="true" aria-describedby="nv-error"></div>
      <p id="nv-error" class="ns-error" role="alert"></p>
      <div class="row"><button type="submit" class="btn small" id="nv-submit">${t("op.nv.void")}</button>
        <button type="button" class="btn tertiary small" id="nv-cancel">${t("common.cancel")}</button></div>
    </form></section>`;
}

// Wires the void buttons of voidHtml inside `card`; `refresh(note)` reloads the card.
export function wireVoid(card, api, memberId, refresh) {
  const form = card.querySelector("#nv-form");
  if (!form) return;
  const reason = card.querySelector("#nv-reason");
  const error = card.querySelector("#nv-error");
  for (const b of card.querySelectorAll(".nv-open")) {
    b.addEventListener("click", () => { card.querySelector("#nv-ride").value = b.dataset.ride; form.hidden = false; reason.focus(); });
  }
  card.querySelector("#nv-cancel").addEventListener("click", () => { form.hidden = true; });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const why = reason.value.trim();
    if (!why) { error.textContent = t("op.ns.reason.missing"); reason.focus(); return; }
    const ride = card.querySelector("#nv-ride").value;
    try {
      await api.post(`/api/v1/members/${encodeURIComponent(memberId)}/no-shows/${encodeURIComponent(ride)}/void`, { reason: why });
      toast(t("op.nv.done"));
      await refresh(t("op.nv.done"));
    } catch (ex) { error.textContent = ex.message; reason.focus(); }
  });
}

// The block shown under the member's name; empty when nothing is wrong.
export function noShowHtml(ns) {
  if (!ns || ns.state === "ok") return "";
  const suspended = ns.state === "suspended";
  const badge = suspended ? tf("op.ns.suspended", { d: untilLabel(ns.suspended_until) }) : tf("op.ns.warned", { n: ns.count });
  const notice = lang() === "en" ? ns.message_en : ns.message_ja;
  const action = suspended ? t("op.ns.lift") : t("op.ns.clear");
  return `<section class="notice ${suspended ? "error" : "warning"} no-show" id="ns-box" data-no-show="${esc(ns.state)}" aria-labelledby="ns-badge">
    <p class="ns-head"><strong id="ns-badge" class="tag ${suspended ? "red" : "orange"}">${esc(badge)}</strong></p>
    ${notice ? `<p class="ns-text">${esc(notice)}</p>` : ""}
    <button type="button" class="btn secondary small" id="ns-open" aria-expanded="false" aria-controls="ns-form">${esc(action)}</button>
    <form id="ns-form" class="ns-form" hidden>
      <div class="field"><label for="ns-reason">${t("op.ns.reason")}</label>
        <input id="ns-reason" type="text" autocomplete="off" aria-required="true" aria-describedby="ns-error"></div>
      <p id="ns-error" class="ns-error" role="alert"></p>
      <div class="row"><button type="submit" class="btn small" id="ns-submit">${esc(action)}</button>
        <button type="button" class="btn tertiary small" id="ns-cancel">${t("common.cancel")}</button></div>
    </form></section>`;
}

// Wires the lift form inside `card`; `refresh(note)` reloads the card and shows the note.
export function wireNoShow(card, api, memberId, refresh) {
  const open = card.querySelector("#ns-open");
  if (!open) return;
  const form = card.querySelector("#ns-form");
  const reason = card.querySelector("#ns-reason");
  const error = card.querySelector("#ns-error");
  const show = (on) => {
    form.hidden = !on;
    open.setAttribute("aria-expanded", String(on));
    (on ? reason : open).focus();
  };
  open.addEventListener("click", () => show(form.hidden));
  card.querySelector("#ns-cancel").addEventListener("click", () => show(false));
  form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); show(false); } });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const why = reason.value.trim();
    if (!why) { error.textContent = t("op.ns.reason.missing"); reason.focus(); return; }
    const btn = card.querySelector("#ns-submit");
    btn.disabled = true;
    error.textContent = "";
    try {
      await api.post(`/api/v1/members/${encodeURIComponent(memberId)}/no-shows/lift`, { reason: why });
      toast(t("op.ns.done"));
      await refresh(t("op.ns.done"));
    } catch (ex) {
      btn.disabled = false;
      error.textContent = ex.message;
      reason.focus();
    }
  });
}
