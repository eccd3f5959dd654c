// Residents' notification settings: which channels carry their messages (only those
// their details allow: SMS needs a mobile number, push a subscription from this phone),
// the language of the messages and quiet hours, saved through /me/notifications; and
// the button that turns Web Push on (permission, PushManager subscription with the
// service's VAPID key, posted to the API) or off (unsubscribed and forgotten).
import { t, tf, th } from "/static/common/i18n.js";
import { esc, toast } from "/static/common/api.js";

const CHANNELS = ["push", "sms", "voice", "email"];
const LANGS = ["ja", "en", "ja-x-easy"];

// The VAPID key as the browser wants it (base64url text -> bytes).
function keyBytes(b64) {
  const s = (b64 + "=".repeat((4 - (b64.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

// Channels that make sense for this member: SMS only to a mobile number, push only once
// this phone is subscribed; a call reaches any phone, email any address they type.
function usable(p) {
  return CHANNELS.filter((c) => (c === "sms" ? p.mobile : c === "push" ? p.push_subscribed : true));
}

function formHtml(p) {
  const chosen = new Set(p.channels ?? p.effective);
  const boxes = usable(p).map((c) => `<label class="choice"><input type="checkbox" name="channel" value="${c}"${chosen.has(c) ? " checked" : ""}>
    <span>${th(`set.ch.${c}`)}<br><small class="muted">${th(`set.ch.${c}.hint`)}</small></span></label>`).join("");
  const cityQuiet = p.city_quiet_start && p.city_quiet_end
    ? tf("set.quiet.city", { a: p.city_quiet_start, b: p.city_quiet_end }) : t("set.quiet.none");
  const langs = LANGS.map((l) => `<option value="${l}"${p.language === l ? " selected" : ""}>${esc(t(`set.lang.${l}`))}</option>`).join("");
  return `<form id="set-form" novalidate>
    <fieldset id="set-channels" aria-describedby="set-channels-hint set-channels-error">
      <legend>${th("set.channels")}</legend>
      <p class="hint" id="set-channels-hint">${th(p.channels ? "set.channels.own" : "set.channels.default")}</p>
      ${boxes}
      <p class="field-error" id="set-channels-error" hidden></p>
    </fieldset>
    <div class="field" id="set-email-field">
      <label for="set-email">${th("set.email")}</label>
      <span class="hint" id="set-email-hint">${th("set.email.hint")}</span>
      <input id="set-email" name="email" type="email" autocomplete="email" value="${esc(p.email || "")}" aria-describedby="set-email-hint set-email-error">
      <span class="field-error" id="set-email-error" hidden></span>
    </div>
    <div class="field">
      <label for="set-lang">${th("set.lang")}</label>
      <select id="set-lang" name="language">${langs}</select>
    </div>
    <fieldset aria-describedby="set-quiet-hint">
      <legend>${th("set.quiet")}</legend>
      <p class="hint" id="set-quiet-hint">${th("set.quiet.hint")} ${esc(cityQuiet)}</p>
      <div class="field"><label for="set-quiet-start">${th("set.quiet.start")}</label>
        <input id="set-quiet-start" name="quiet_start" type="time" value="${esc(p.quiet_start || "")}" aria-describedby="set-quiet-error"></div>
      <div class="field"><label for="set-quiet-end">${th("set.quiet.end")}</label>
        <input id="set-quiet-end" name="quiet_end" type="time" value="${esc(p.quiet_end || "")}" aria-describedby="set-quiet-error"></div>
      <p class="field-error" id="set-quiet-error" hidden></p>
    </fieldset>
    <p id="set-saved" role="status"></p>
    <div class="row">
      <button class="btn big" type="submit" id="set-save">${th("set.save")}</button>
      ${p.channels ? `<button class="btn secondary" type="button" id="set-default">${th("set.default")}</button>` : ""}
    </div>
  </form>`;
}

function pushHtml(p) {
  const on = p.push_subscribed;
  return `<section class="card" aria-labelledby="set-push-title" id="set-push">
    <h2 id="set-push-title">${th("set.push")}</h2>
    <p>${th("set.push.lead")}</p>
    <p id="set-push-state" class="big-text" data-on="${on ? "1" : "0"}">${th(on ? "set.push.on" : "set.push.off")}</p>
    <button class="btn${on ? " secondary" : ""}" type="button" id="set-push-toggle" aria-describedby="set-push-msg">${th(on ? "set.push.disable" : "set.push.enable")}</button>
    <p id="set-push-msg" class="field-error" role="alert" hidden></p>
  </section>`;
}

export async function showSettings(api, el) {
  let p;
  try { p = await api.get("/api/v1/me/notifications"); } catch (ex) { toast(ex.message, "error"); return; }
  render(api, el, p);
}

function render(api, el, p, note = "") {
  el.querySelector("#set-body").innerHTML = pushHtml(p) + formHtml(p);
  if (note) el.querySelector("#set-saved").textContent = note;
  wireForm(api, el, p);
  el.querySelector("#set-push-toggle").addEventListener("click", () => (p.push_subscribed ? pushOff(api, el, p) : pushOn(api, el, p)));
}

// Each error sits next to its field, named by aria-describedby, and takes the focus.
function fieldError(form, id, message, focus) {
  const slot = form.querySelector(`#${id}-error`);
  slot.innerHTML = `<span class="visually-hidden">${th("reg.error.prefix")}</span>${esc(message)}`;
  slot.hidden = false;
  const target = focus || form.querySelector(`#${id}`);
  target.setAttribute("aria-invalid", "true");
  target.focus();
}

function wireForm(api, el, p) {
  const form = el.querySelector("#set-form");
  const clear = () => {
    for (const s of form.querySelectorAll(".field-error")) { s.textContent = ""; s.hidden = true; }
    for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
    form.querySelector("#set-saved").textContent = "";
  };
  const save = async (body) => {
    try {
      const saved = await api.put("/api/v1/me/notifications", body);
      render(api, el, saved, t("set.saved"));
      const done = el.querySelector("#set-saved");
      done.tabIndex = -1;
      done.focus();
    } catch (ex) {
      if (ex.code === "quiet_hours_incomplete") fieldError(form, "set-quiet", ex.message, form.querySelector(body.quiet_start ? "#set-quiet-end" : "#set-quiet-start"));
      else if (ex.code === "email_required" || (ex.detail?.errors || []).some((e) => String(e.field).endsWith("email"))) fieldError(form, "set-email", ex.code === "email_required" ? ex.message : t("set.email.bad"));
      else fieldError(form, "set-channels", ex.message, form.querySelector("input[name=channel]") || form.querySelector("#set-save"));
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clear();
    const channels = [...form.querySelectorAll("input[name=channel]:checked")].map((i) => i.value);
    const email = form.querySelector("#set-email").value.trim();
    const qs = form.querySelector("#set-quiet-start").value;
    const qe = form.querySelector("#set-quiet-end").value;
    if (!channels.length) { fieldError(form, "set-channels", t("set.channels.none"), form.querySelector("input[name=channel]")); return; }
    if (channels.includes("email") && !email) { fieldError(form, "set-email", t("set.email.needed")); return; }
    if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) { fieldError(form, "set-email", t("set.email.bad")); return; }
    if (!qs !== !qe) { fieldError(form, "set-quiet", t("set.quiet.both"), form.querySelector(qs ? "#set-quiet-end" : "#set-quiet-start")); return; }
    save({ channels, email, language: form.querySelector("#set-lang").value, quiet_start: qs || null, quiet_end: qe || null });
  });
  form.querySelector("#set-default")?.addEventListener("click", () => {
    clear();
    save({ channels: null, email: p.email || "", language: p.language, quiet_start: p.quiet_start, quiet_end: p.quiet_end });
  });
}

function pushFail(el, key, detail = "") {
  const msg = el.querySelector("#set-push-msg");
  msg.textContent = detail ? `${t(key)} (${detail})` : t(key);
  msg.hidden = false;
  el.querySelector("#set-push-toggle").disabled = false;
}

async function registration() {
  const reg = (await navigator.serviceWorker.getRegistration("/")) || (await navigator.serviceWorker.register("/sw.js"));
  // The worker may still be installing: wait (a short while) until it is active.
  return Promise.race([navigator.serviceWorker.ready, new Promise((ok) => setTimeout(() => ok(reg), 10000))]);
}

// The member keeps what they chose; push joins their own list (the defaults take it anyway).
function withPush(p, on) {
  if (!p.channels) return null;
  const rest = p.channels.filter((c) => c !== "push");
  const list = on ? ["push", ...rest] : rest;
  return list.length ? list : null;
}

async function pushOn(api, el, p) {
  const btn = el.querySelector("#set-push-toggle");
  el.querySelector("#set-push-msg").hidden = true;
  if (!pushSupported()) { pushFail(el, "set.push.unsupported"); return; }
  btn.disabled = true;
  let key;
  try { key = await api.get("/api/v1/push/key"); } catch (ex) { pushFail(el, "set.push.failed", ex.message); return; }
  if (!key.enabled) { pushFail(el, "set.push.not_offered"); return; }
  const permission = await Notification.requestPermission();
  if (permission !== "granted") { pushFail(el, "set.push.denied"); return; }
  let sub;
  try {
    const reg = await registration();
    // A browser that cannot reach its push service may never answer: give up after a while.
    const late = new Promise((_, no) => setTimeout(() => no(new DOMException("", "TimeoutError")), 20000));
    sub = (await reg.pushManager.getSubscription())
      || await Promise.race([reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) }), late]);
  } catch (ex) {
    // e.g. no push service in this browser (AbortError), or a key mismatch
    pushFail(el, "set.push.no_service", ex && ex.name ? ex.name : "");
    return;
  }
  try {
    let saved = await api.post("/api/v1/me/push-subscriptions", sub.toJSON());
    const channels = withPush(saved, true);
    if (saved.channels && channels.join() !== saved.channels.join()) {
      saved = await api.put("/api/v1/me/notifications", { ...pick(saved), channels });
    }
    render(api, el, saved, t("set.push.done"));
    el.querySelector("#set-push-toggle").focus();
  } catch (ex) { pushFail(el, "set.push.failed", ex.message); }
}

async function pushOff(api, el, p) {
  el.querySelector("#set-push-msg").hidden = true;
  el.querySelector("#set-push-toggle").disabled = true;
  try {
    if (pushSupported()) {
      const reg = await navigator.serviceWorker.getRegistration("/");
      const sub = reg && await reg.pushManager.getSubscription();
      if (sub) await sub.unsubscribe();
    }
  } catch { /* forgotten by the service below anyway */ }
  try {
    await api.del("/api/v1/me/push-subscriptions");
    let saved = await api.get("/api/v1/me/notifications");
    if (saved.channels && saved.channels.includes("push")) {
      saved = await api.put("/api/v1/me/notifications", { ...pick(saved), channels: withPush(saved, false) });
    }
    render(api, el, saved, t("set.push.stopped"));
    el.querySelector("#set-push-toggle").focus();
  } catch (ex) { pushFail(el, "set.push.failed", ex.message); }
}

function pick(p) {
  return { channels: p.channels, email: p.email || "", language: p.language, quiet_start: p.quiet_start, quiet_end: p.quiet_end };
}
