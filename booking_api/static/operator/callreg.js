// A caller who is not yet a member, registered on the spot from the phone-booking screen:
// name, kana, birth date, phone, address and home on the map, needs, the caller's consent.
// Whether they can book at once is the city's rule (GET /api/v1/rules staff_registration);
// the server applies it. Errors are shown next to their field and listed above the form.
import { t, tf } from "/static/common/i18n.js";
import { esc } from "/static/common/api.js";
import { placeMap } from "/static/common/placemap.js";

const FIELDS = ["name", "kana", "birth_date", "phone", "address"];
const NEEDS = [["wheelchair", "reg.wheelchair"], ["walking_aid", "reg.walking"], ["needs_help_boarding", "reg.help"], ["companion_allowed", "reg.companion"]];
const NOTIFY = ["sms", "voice", "email"];
// A mobile (070/080/090, or +81 70/80/90) is told by SMS, any other number by a call.
const MOBILE = /^(?:\+?81-?|0)[789]0/;
const ASCII = (s) => String(s).replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

function field(name, labelKey, { type = "text", hint = "", value = "", attrs = "" } = {}) {
  const id = `nr-${name}`;
  const described = [hint ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" ");
  return `<div class="field"><label for="${id}"><span>${esc(t(labelKey))}</span> <span class="req">${esc(t("common.required"))}</span></label>
    ${hint ? `<span class="hint" id="${id}-hint">${esc(hint)}</span>` : ""}
    <input id="${id}" name="${name}" type="${type}" value="${esc(value)}" autocomplete="off" required aria-describedby="${described}" ${attrs}>
    <p class="field-error" id="${id}-error" hidden></p></div>`;
}

// Fills ``box`` with the form. ``prefill`` = { phone, kana } from the search that found
// nobody; ``rules`` = the city's public rules; ``onDone(member)`` after a registration.
export function showRegistration(api, box, prefill, rules, onDone) {
  const queue = rules && rules.staff_registration === "queue";
  box.innerHTML = `<section class="card" aria-labelledby="nr-title">
    <h2 id="nr-title">${esc(t("op.call.register.title"))}</h2>
    <p class="hint">${esc(t(queue ? "op.call.register.queue" : "op.call.register.approve"))}</p>
    <div id="nr-summary" class="notice error" tabindex="-1" hidden></div>
    <form id="nr-form" novalidate>
      ${field("name", "reg.name")}
      ${field("kana", "reg.kana", { value: prefill.kana || "" })}
      ${field("birth_date", "reg.birth", { hint: t("op.call.birth.hint"), attrs: 'inputmode="numeric"' })}
      ${field("phone", "reg.phone", { type: "tel", value: prefill.phone || "", attrs: 'inputmode="numeric"' })}
      ${field("address", "reg.address")}
      <div class="field"><button type="button" class="btn secondary small" id="nr-locate">${esc(t("reg.locate"))}</button>
        <span class="label" id="nr-home-label">${esc(t("reg.home"))}</span>
        <p class="hint" id="nr-home-hint">${esc(t("op.call.home.hint"))}</p>
        <div id="nr-map" class="map small-map" aria-labelledby="nr-home-label" aria-describedby="nr-home-hint nr-home-error"></div>
        <p id="nr-home-status" class="chosen" aria-live="polite"></p>
        <p class="field-error" id="nr-home-error" hidden></p></div>
      <fieldset class="field"><legend>${esc(t("reg.needs"))}</legend>
        ${NEEDS.map(([n, k]) => `<label class="choice"><input type="checkbox" name="${n}" id="nr-${n}"><span>${esc(t(k))}</span></label>`).join("")}
      </fieldset>
      <fieldset class="field" id="nr-notify"><legend>${esc(t("op.call.reg.notify"))}</legend>
        ${NOTIFY.map((c) => `<label class="choice"><input type="checkbox" name="nr-ch" value="${c}" id="nr-ch-${c}"><span>${esc(t(`op.dl.ch.${c}`))}</span></label>`).join("")}
        <label for="nr-email">${esc(t("op.dl.card.email"))}</label><input id="nr-email" type="email" autocomplete="off" aria-describedby="nr-email-error">
        <p class="field-error" id="nr-email-error" hidden></p></fieldset>
      <div class="field"><label for="nr-notes">${esc(t("op.notes"))}</label><input id="nr-notes" name="notes" type="text" autocomplete="off"></div>
      <p class="hint">${esc(t("op.call.pin.none"))}</p>
      <div class="field"><label class="choice"><input type="checkbox" id="nr-consent" aria-describedby="nr-consent-error"><span>${esc(t("op.call.consent"))}</span></label>
        <p class="field-error" id="nr-consent-error" hidden></p></div>
      <div class="row"><button type="submit" class="btn" id="nr-submit">${esc(t("op.call.register.submit"))}</button>
        <button type="button" class="btn tertiary" id="nr-cancel">${esc(t("op.call.register.cancel"))}</button></div>
    </form></section>`;
  const q = (s) => box.querySelector(s);
  const form = q("#nr-form");
  let home = null;
  let map = null;
  const setHome = (lat, lon, label) => {
    home = { lat: Number(lat), lon: Number(lon) };
    if (map) map.pin(home.lat, home.lon, t("reg.home"));
    q("#nr-home-status").textContent = tf("op.call.home.set", { p: label || `${home.lat.toFixed(5)}, ${home.lon.toFixed(5)}` });
    showError("home", "");
  };
  // The defaults follow what the caller gave, until staff change a box themselves.
  let touched = false;
  const defaults = () => {
    if (touched) return;
    const phone = ASCII(q("#nr-phone").value).replace(/[^\d+]/g, "");
    q("#nr-ch-sms").checked = Boolean(phone) && MOBILE.test(phone);
    q("#nr-ch-voice").checked = Boolean(phone) && !MOBILE.test(phone);
    q("#nr-ch-email").checked = Boolean(q("#nr-email").value.trim());
  };
  q("#nr-phone").addEventListener("input", defaults);
  q("#nr-email").addEventListener("input", defaults);
  for (const b of box.querySelectorAll("input[name=nr-ch]")) b.addEventListener("change", () => { touched = true; });
  defaults();
  map = placeMap(q("#nr-map"));
  map.onClick((lat, lon) => setHome(lat, lon));
  // The address as said on the phone → the town's centre; a click on the map refines it.
  q("#nr-locate").addEventListener("click", async () => {
    const full = q("#nr-address").value.replace(/[0-9０-９\-－ー−番地号丁目の\s]+$/, "").trim();
    if (!full) { q("#nr-address").focus(); return; }
    const noPref = full.replace(/^.{2,4}?[都道府県]/, "");
    const noCity = noPref.replace(/^.+?[市郡]/, "");
    try {
      for (const text of [...new Set([noCity, noPref, full])].filter(Boolean)) {
        const rows = await api.get(`/api/v1/towns?q=${encodeURIComponent(text)}&limit=1`);
        if (rows.length) {
          setHome(rows[0].lat, rows[0].lon, rows[0].name);
          if (map) map.view(rows[0].lat, rows[0].lon, 15);
          return;
        }
      }
      q("#nr-home-status").textContent = t("reg.locate.none");
    } catch (ex) { q("#nr-home-status").textContent = ex.message; }
  });
  q("#nr-cancel").addEventListener("click", () => { box.innerHTML = ""; onDone(null); });

  function showError(name, message) {
    const slot = q(`#nr-${name}-error`);
    const input = q(`#nr-${name}`);
    if (!slot) return;
    slot.hidden = !message;
    slot.innerHTML = message ? `<span class="visually-hidden">${esc(t("op.call.error.prefix"))}</span>${esc(message)}` : "";
    if (input && input.tagName === "INPUT") { if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid"); }
  }
  function summary(items) {
    const s = q("#nr-summary");
    s.hidden = !items.length;
    s.innerHTML = items.length ? `<h3>${esc(t("op.call.register.errors"))}</h3><ul>${items.map(([n, m]) => `<li><a href="#nr-${n === "home" ? "locate" : n}">${esc(m)}</a></li>`).join("")}</ul>` : "";
    for (const a of s.querySelectorAll("a")) a.addEventListener("click", (e) => { e.preventDefault(); box.querySelector(a.getAttribute("href"))?.focus(); });
    if (items.length) s.focus();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const n of [...FIELDS, "home", "consent"]) showError(n, "");
    const bad = [];
    for (const n of FIELDS) if (!q(`#nr-${n}`).value.trim()) bad.push([n, `${t(fieldLabel(n))}: ${t("op.call.field.missing")}`]);
    if (!home) bad.push(["home", t("op.call.home.missing")]);
    if (!q("#nr-consent").checked) bad.push(["consent", t("op.call.consent.missing")]);
    for (const [n, m] of bad) showError(n, m.replace(/^.*?: /, ""));
    if (bad.length) { summary(bad); return; }
    summary([]);
    const v = (n) => q(`#nr-${n}`).value.trim();
    const birth = ASCII(v("birth_date")).replace(/[年月/.．]/g, "-").replace(/日$/, "").replace(/^(\d{4})-?(\d{1,2})-?(\d{1,2})$/, (_, y, m, d) => `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`);
    const body = {
      name: v("name"), kana: v("kana"), birth_date: birth, phone: v("phone"), address: v("address"),
      home_lat: home.lat, home_lon: home.lon, notes: q("#nr-notes").value.trim(), channel: "phone",
      consent_terms: true, consent_privacy: true,
    };
    for (const [n] of NEEDS) body[n] = q(`#nr-${n}`).checked;
    const chosen = NOTIFY.filter((c) => q(`#nr-ch-${c}`).checked);
    if (chosen.length) body.notify_channels = chosen;
    body.email = q("#nr-email").value.trim();
    const btn = q("#nr-submit");
    btn.disabled = true;
    try {
      const member = await api.post("/api/v1/members", body);
      onDone(member);
    } catch (ex) {
      btn.disabled = false;
      const en = document.documentElement.lang === "en";
      const errs = ((ex.detail && ex.detail.errors) || []).map((x) => {
        const name = String(x.field || "").split(".").pop();
        return [FIELDS.includes(name) || name === "email" ? name : name.startsWith("home") ? "home" : "", (en ? x.message_en : x.message_ja) || x.message];
      });
      if (!errs.length && ex.code === "email_required") errs.push(["email", ex.message]);
      const placed = errs.filter(([n]) => n);
      for (const [n, m] of placed) showError(n, m);
      summary(placed.length ? placed : [["name", ex.message]]);
    }
  });
  q("#nr-name").focus();
}

function fieldLabel(n) {
  return { name: "reg.name", kana: "reg.kana", birth_date: "reg.birth", phone: "reg.phone", address: "reg.address" }[n];
}
