// 配信 (#/deliveries): the office broadcast (day and/or area, message in Japanese and
// English, preview -> "N riders on these channels" -> send, refused when the riders
// changed since the preview), the delivery log with its filters, a page at a time, and
// the demo's stand-in outbox read as the messages would reach the riders. The member
// card shows a member's own deliveries through memberDeliveries().
import { t, tf } from "/static/common/i18n.js";
import { esc, toast, TZ, ymd, nowMs } from "/static/common/api.js";

const CHANNELS = ["push", "sms", "voice", "email"];
const STATUSES = ["queued", "sending", "sent", "delivered", "failed", "expired", "cancelled"];
const EVENTS = ["registration_approved", "registration_rejected", "booking_confirmed", "booking_changed",
  "booking_cancelled", "reminder", "car_en_route", "car_arrived", "pickup_delayed", "no_show_warning",
  "suspended", "suspension_lifted", "broadcast"];
const PAGE = 50;
// Sent (the provider took it) is not yet delivered (its receipt says the phone has it).
const TAG = { delivered: "green", sent: "blue", failed: "red", expired: "red", cancelled: "gray", queued: "orange", sending: "orange" };

function when(iso) {
  return iso ? new Date(iso).toLocaleString("sv-SE", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }) : "";
}
const channelName = (c) => (CHANNELS.includes(c) ? t(`op.dl.ch.${c}`) : c);
const eventName = (e) => (EVENTS.includes(e) ? t(`op.dl.event.${e}`) : e);
const statusTag = (s) => `<span class="tag ${TAG[s] || "gray"}" data-status="${esc(s)}">${esc(STATUSES.includes(s) ? t(`op.dl.status.${s}`) : s)}</span>`;
const options = (list, label) => list.map((v) => `<option value="${esc(v)}">${esc(label(v))}</option>`).join("");

function byChannelText(by) {
  const parts = CHANNELS.filter((c) => by[c]).map((c) => tf("op.dl.bc.on", { c: channelName(c), n: by[c] }));
  return parts.join(t("op.call.list.sep")) || t("op.dl.bc.nochannel");
}

export async function showDeliveries(api, el) {
  let areas = [];
  try { areas = await api.get("/api/v1/areas"); } catch { areas = []; }
  const today = ymd(new Date(nowMs()));
  el.innerHTML = `<h1>${t("op.nav.deliveries")}</h1>
    <section class="card" aria-labelledby="bc-title"><h2 id="bc-title">${t("op.dl.bc.title")}</h2>
      <p class="muted" id="bc-lead">${t("op.dl.bc.lead")}</p>
      <form id="bc-form" class="col" novalidate aria-describedby="bc-lead"><div class="grid4">
        <div class="field"><label for="bc-day">${t("op.dl.bc.day")}</label><input id="bc-day" type="date" value="${esc(today)}" aria-describedby="bc-target-error"></div>
        <div class="field"><label for="bc-area">${t("op.dl.bc.area")}</label><select id="bc-area" aria-describedby="bc-target-error"><option value="">${t("op.dl.bc.anyarea")}</option>
          ${areas.map((a) => `<option value="${esc(a.id)}">${esc(a.name)}</option>`).join("")}</select></div>
      </div><p class="field-error" id="bc-target-error" hidden></p>
      <div class="field"><label for="bc-ja">${t("op.dl.bc.ja")} <span class="req">${t("common.required")}</span></label>
        <textarea id="bc-ja" rows="3" maxlength="300" aria-describedby="bc-ja-hint bc-ja-error"></textarea>
        <p class="muted small" id="bc-ja-hint">${t("op.dl.bc.ja.hint")}</p><p class="field-error" id="bc-ja-error" hidden></p></div>
      <div class="field"><label for="bc-en">${t("op.dl.bc.en")}</label>
        <textarea id="bc-en" rows="3" maxlength="300" aria-describedby="bc-en-hint"></textarea>
        <p class="muted small" id="bc-en-hint">${t("op.dl.bc.en.hint")}</p></div>
      <div class="row"><button type="submit" class="btn" id="bc-preview">${t("op.dl.bc.preview")}</button></div>
      </form>
      <div id="bc-confirm" class="notice warning" hidden tabindex="-1" role="region" aria-labelledby="bc-confirm-text">
        <p><strong id="bc-confirm-text"></strong></p><p id="bc-confirm-channels"></p>
        <blockquote id="bc-confirm-message"></blockquote>
        <p class="ns-error" id="bc-send-error" role="alert"></p>
        <div class="row"><button type="button" class="btn danger" id="bc-send">${t("op.dl.bc.send")}</button>
        <button type="button" class="btn tertiary" id="bc-back">${t("op.dl.bc.back")}</button></div>
      </div>
    </section>
    <section aria-labelledby="dl-title"><h2 id="dl-title">${t("op.dl.log")}</h2>
      <form id="dl-form" class="col" novalidate><div class="grid4">
        <div class="field"><label for="dl-day">${t("op.dl.day")}</label><input id="dl-day" type="date"></div>
        <div class="field"><label for="dl-channel">${t("op.dl.channel")}</label><select id="dl-channel"><option value="">${t("op.audit.any")}</option>${options(CHANNELS, channelName)}</select></div>
        <div class="field"><label for="dl-status">${t("op.dl.status")}</label><select id="dl-status"><option value="">${t("op.audit.any")}</option>${options(STATUSES, (s) => t(`op.dl.status.${s}`))}</select></div>
        <div class="field"><label for="dl-event">${t("op.dl.event")}</label><select id="dl-event"><option value="">${t("op.audit.any")}</option>${options(EVENTS, eventName)}</select></div>
      </div><p class="ns-error" id="dl-error" role="alert"></p>
      <div class="row"><button type="submit" class="btn" id="dl-search">${t("op.audit.search")}</button>
      <button type="reset" class="btn tertiary">${t("op.audit.clear")}</button></div></form>
      <p id="dl-count" role="status"></p>
      <table class="day-table" id="dl-table"><caption class="visually-hidden">${t("op.dl.log")}</caption>
      <thead><tr><th scope="col">${t("op.dl.at")}</th><th scope="col">${t("op.dl.member")}</th><th scope="col">${t("op.dl.channel")}</th>
      <th scope="col">${t("op.dl.event")}</th><th scope="col">${t("op.dl.status")}</th><th scope="col">${t("op.dl.text")}</th></tr></thead><tbody></tbody></table>
      <button type="button" class="btn secondary" id="dl-more" hidden>${t("op.audit.more")}</button>
    </section>
    <section aria-labelledby="ob-title"><h2 id="ob-title">${t("op.dl.ob.title")}</h2>
      <p class="muted">${t("op.dl.ob.lead")}</p>
      <button type="button" class="btn secondary" id="ob-refresh">${t("op.dl.ob.refresh")}</button>
      <div id="ob-list" class="ob-list"></div>
    </section>`;
  const reloadLog = wireLog(api, el);
  wireBroadcast(api, el, reloadLog);
  const loadOutbox = () => outbox(api, el.querySelector("#ob-list"));
  el.querySelector("#ob-refresh").addEventListener("click", loadOutbox);
  loadOutbox();
}

function wireLog(api, el) {
  const form = el.querySelector("#dl-form");
  const body = el.querySelector("#dl-table tbody");
  const more = el.querySelector("#dl-more");
  let next = null;
  let query = "";
  const params = () => {
    const q = new URLSearchParams();
    for (const [k, id] of [["on", "#dl-day"], ["channel", "#dl-channel"], ["status", "#dl-status"], ["event", "#dl-event"]]) {
      const v = form.querySelector(id).value;
      if (v) q.set(k, v);
    }
    q.set("limit", String(PAGE));
    return q.toString();
  };
  async function load(append) {
    const error = el.querySelector("#dl-error");
    error.textContent = "";
    let page;
    try {
      page = await api.get(`/api/v1/deliveries?${query}${append && next ? `&before=${encodeURIComponent(next)}` : ""}`);
    } catch (ex) { error.textContent = ex.message; return; }
    const html = page.items.map((d) => `<tr data-id="${esc(d.id)}" data-channel="${esc(d.channel)}" data-event="${esc(d.event)}">
      <td class="nowrap">${esc(when(d.created_at))}</td>
      <td>${esc(d.member_name)} <span class="muted">${esc(d.member_number || "")}</span></td>
      <td>${esc(channelName(d.channel))}</td><td>${esc(eventName(d.event))}</td>
      <td>${statusTag(d.status)}${d.attempts > 1 ? ` <span class="muted small">${esc(tf("op.dl.attempts", { n: d.attempts }))}</span>` : ""}
        ${d.sent_at ? `<br><span class="muted small">${esc(tf("op.dl.sent_at", { t: when(d.sent_at) }))}</span>` : ""}
        ${d.delivered_at ? `<br><span class="muted small" data-delivered-at>${esc(tf("op.dl.delivered_at", { t: when(d.delivered_at) }))}</span>` : ""}
        ${d.error ? `<br><span class="small">${esc(tf("op.dl.why", { e: d.error }))}</span>` : ""}</td>
      <td>${d.subject ? `<strong>${esc(d.subject)}</strong><br>` : ""}${esc(d.body)}</td></tr>`).join("");
    if (append) body.insertAdjacentHTML("beforeend", html); else body.innerHTML = html;
    next = page.next_before;
    more.hidden = !next;
    el.querySelector("#dl-count").textContent = tf("op.dl.count", { n: body.rows.length });
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); query = params(); next = null; load(false); });
  form.addEventListener("reset", () => setTimeout(() => { query = params(); next = null; load(false); }));
  more.addEventListener("click", () => load(true));
  query = params();
  load(false);
  return () => { query = params(); next = null; return load(false); };
}

// Preview first; the confirmation names how many riders on which channels; sending says
// that count back, and the API refuses (409) if the riders changed in between.
function wireBroadcast(api, el, reloadLog) {
  const form = el.querySelector("#bc-form");
  const box = el.querySelector("#bc-confirm");
  const send = el.querySelector("#bc-send");
  let pending = null;
  const slot = (id) => el.querySelector(`#${id}-error`);
  const clear = () => {
    for (const id of ["bc-target", "bc-ja"]) { slot(id).textContent = ""; slot(id).hidden = true; }
    for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  };
  const fail = (id, msg, input) => {
    slot(id).innerHTML = `<span class="visually-hidden">${esc(t("op.call.error.prefix"))}</span>${esc(msg)}`;
    slot(id).hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  };
  const target = () => {
    const day = form.querySelector("#bc-day").value;
    const area = form.querySelector("#bc-area").value;
    return { ...(day ? { service_date: day } : {}), ...(area ? { area } : {}) };
  };
  const showConfirm = (preview, changed) => {
    pending.expected = preview.recipients;
    const where = [pending.body.service_date, pending.areaName].filter(Boolean).join(" · ");
    el.querySelector("#bc-confirm-text").textContent = (changed ? `${t("op.dl.bc.changed")} ` : "") + tf("op.dl.bc.confirm", { n: preview.recipients, w: where });
    el.querySelector("#bc-confirm-channels").textContent = byChannelText(preview.by_channel)
      + (preview.unreachable ? ` ${tf("op.dl.bc.unreachable", { n: preview.unreachable })}` : "");
    el.querySelector("#bc-confirm-message").textContent = [pending.body.message_ja, pending.body.message_en].filter(Boolean).join(" / ");
    el.querySelector("#bc-send-error").textContent = "";
    send.disabled = preview.recipients === 0;
    box.hidden = false;
    box.focus();
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear();
    box.hidden = true;
    const body = target();
    const ja = form.querySelector("#bc-ja").value.trim();
    if (!body.service_date && !body.area) { fail("bc-target", t("op.dl.bc.target.missing"), form.querySelector("#bc-day")); return; }
    if (!ja) { fail("bc-ja", t("op.dl.bc.ja.missing"), form.querySelector("#bc-ja")); return; }
    const areaSel = form.querySelector("#bc-area");
    pending = { body: { ...body, message_ja: ja, message_en: form.querySelector("#bc-en").value.trim() },
      areaName: areaSel.value ? areaSel.selectedOptions[0].textContent : "" };
    try {
      showConfirm(await api.post("/api/v1/broadcasts/preview", body), false);
    } catch (ex) { fail("bc-target", ex.message, form.querySelector("#bc-day")); }
  });
  el.querySelector("#bc-back").addEventListener("click", () => { box.hidden = true; pending = null; form.querySelector("#bc-preview").focus(); });
  box.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); el.querySelector("#bc-back").click(); } });
  send.addEventListener("click", async () => {
    if (!pending) return;
    send.disabled = true;
    try {
      const out = await api.post("/api/v1/broadcasts", { ...pending.body, expected: pending.expected });
      box.hidden = true;
      pending = null;
      form.querySelector("#bc-ja").value = "";
      form.querySelector("#bc-en").value = "";
      const note = tf("op.dl.bc.done", { n: out.recipients });
      toast(note);
      await reloadLog();
      el.querySelector("#dl-count").textContent = `${note} ${el.querySelector("#dl-count").textContent}`;
    } catch (ex) {
      if (ex.code === "broadcast_changed") { showConfirm({ ...(await api.post("/api/v1/broadcasts/preview", target())) }, true); return; }
      send.disabled = false;
      el.querySelector("#bc-send-error").textContent = ex.message;
      send.focus();
    }
  });
}

// What the stand-ins "sent", each shaped like what the rider gets: a text message, a
// script read aloud, a notification on the lock screen, an email.
async function outbox(api, list) {
  let rows;
  try { rows = await api.get("/api/v1/dev/outbox?limit=50"); } catch (ex) { list.innerHTML = `<p class="ns-error">${esc(ex.message)}</p>`; return; }
  if (!rows.length) { list.innerHTML = `<p class="muted">${esc(t("op.dl.ob.none"))}</p>`; return; }
  list.innerHTML = rows.map((m) => `<article class="card ob-msg ob-${esc(m.channel)}" data-channel="${esc(m.channel)}" aria-labelledby="ob-${m.id}">
    <h3 id="ob-${m.id}">${esc(t(`op.dl.ob.kind.${CHANNELS.includes(m.channel) ? m.channel : "sms"}`))} <span class="muted small">${esc(when(m.at))} · ${esc(m.language)}</span></h3>
    <p class="muted small">${esc(tf("op.dl.ob.to", { a: m.channel === "push" ? t("op.dl.ob.device") : m.address }))}</p>
    ${m.subject ? `<p><strong>${esc(m.subject)}</strong></p>` : ""}
    <p class="ob-body" lang="${m.language === "en" ? "en" : "ja"}">${esc(m.body)}</p>
    ${m.url ? `<p class="small"><a href="${esc(m.url)}">${esc(m.url)}</a></p>` : ""}</article>`).join("");
}

// The member card's section: how the member is told (changed for them on the phone,
// audited by the API), and their latest deliveries.
export async function memberDeliveries(api, box, memberId, note = "") {
  let prefs = null;
  let page = { items: [] };
  try {
    [prefs, page] = await Promise.all([
      api.get(`/api/v1/members/${encodeURIComponent(memberId)}/notifications`),
      api.get(`/api/v1/deliveries?member_id=${encodeURIComponent(memberId)}&limit=5`),
    ]);
  } catch (ex) { box.innerHTML = `<p class="ns-error">${esc(ex.message)}</p>`; return; }
  const how = (prefs.effective || []).map(channelName).join(t("op.call.list.sep")) || t("op.dl.card.none");
  const usable = CHANNELS.filter((c) => (c === "sms" ? prefs.mobile : c === "push" ? prefs.push_subscribed : true));
  const chosen = new Set(prefs.channels ?? prefs.effective);
  box.innerHTML = `<p id="m-dl-how">${esc(tf("op.dl.card.how", { c: how }))}</p>
    ${note ? `<p class="notice success" role="status">${esc(note)}</p>` : ""}
    <details class="m-dl-edit"><summary>${esc(t("op.dl.card.edit"))}</summary>
      <form id="m-dl-form" novalidate><fieldset aria-describedby="m-dl-ch-error"><legend>${esc(t("op.dl.channel"))}</legend>
        ${usable.map((c) => `<label class="choice"><input type="checkbox" name="m-dl-ch" value="${c}"${chosen.has(c) ? " checked" : ""}><span>${esc(channelName(c))}</span></label>`).join("")}
        <p class="field-error" id="m-dl-ch-error" hidden></p></fieldset>
        <div class="field"><label for="m-dl-email">${esc(t("op.dl.card.email"))}</label>
          <input id="m-dl-email" type="email" autocomplete="off" value="${esc(prefs.email || "")}" aria-describedby="m-dl-email-error">
          <p class="field-error" id="m-dl-email-error" hidden></p></div>
        <div class="row"><button type="submit" class="btn secondary small">${esc(t("op.dl.card.save"))}</button>
        ${prefs.channels ? `<button type="button" class="btn tertiary small" id="m-dl-default">${esc(t("op.dl.card.default"))}</button>` : ""}</div>
      </form></details>
    <ul class="recent deliveries">${page.items.map((d) => `<li data-status="${esc(d.status)}">${esc(when(d.created_at))} ${esc(channelName(d.channel))} · ${esc(eventName(d.event))}
      ${statusTag(d.status)}${d.error ? ` <span class="small">${esc(tf("op.dl.why", { e: d.error }))}</span>` : ""}</li>`).join("") || `<li>${esc(t("op.call.none"))}</li>`}</ul>`;
  const form = box.querySelector("#m-dl-form");
  const fail = (id, msg, input) => {
    const slot = box.querySelector(`#${id}-error`);
    slot.innerHTML = `<span class="visually-hidden">${esc(t("op.call.error.prefix"))}</span>${esc(msg)}`;
    slot.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  };
  const save = async (channels) => {
    for (const s of form.querySelectorAll(".field-error")) s.hidden = true;
    for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
    const email = form.querySelector("#m-dl-email").value.trim();
    const first = form.querySelector("input[name=m-dl-ch]");
    if (channels && !channels.length) { fail("m-dl-ch", t("op.dl.card.none_chosen"), first); return; }
    if (channels && channels.includes("email") && !email) { fail("m-dl-email", t("op.dl.card.email.needed"), form.querySelector("#m-dl-email")); return; }
    try {
      await api.put(`/api/v1/members/${encodeURIComponent(memberId)}/notifications`,
        { channels, email, language: prefs.language, quiet_start: prefs.quiet_start, quiet_end: prefs.quiet_end });
    } catch (ex) {
      const onEmail = ex.code === "email_required" || (ex.detail?.errors || []).some((e) => String(e.field).endsWith("email"));
      fail(onEmail ? "m-dl-email" : "m-dl-ch", ex.message, onEmail ? form.querySelector("#m-dl-email") : first);
      return;
    }
    await memberDeliveries(api, box, memberId, t("op.dl.card.saved"));
    box.querySelector("#m-dl-how").tabIndex = -1;
    box.querySelector("#m-dl-how").focus();
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); save([...form.querySelectorAll("input[name=m-dl-ch]:checked")].map((i) => i.value)); });
  box.querySelector("#m-dl-default")?.addEventListener("click", () => save(null));
}
