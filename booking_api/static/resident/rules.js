// The city's rules (GET /api/v1/rules: the party limit, notice, hours and the
// reservation centre's phone). The last answer is kept on the phone, so the first
// screen shows the centre's number at once instead of after another round trip on a
// weak signal; booking and the wallet wait for this visit's answer (fresh()), never
// a kept copy.
import { th } from "/static/common/i18n.js";
import { esc } from "/static/common/api.js";

const KEY = "noriai.resident.rules";
let kept = null;
try { kept = JSON.parse(localStorage.getItem(KEY) || "null"); } catch { kept = null; }
let current = null;
let pending = null;

// This visit's rules, read once ({} when the service cannot be reached).
export function fresh(api) {
  if (!pending) {
    pending = api.get("/api/v1/rules").then((r) => {
      current = r || {};
      try { localStorage.setItem(KEY, JSON.stringify(current)); } catch { /* full: kept next time */ }
      return current;
    }).catch(() => { current = {}; return current; });
  }
  return pending;
}

// The best rules known now: this visit's, else the last visit's, else none ({}).
export function known() {
  return current || kept || {};
}

// The reservation centre's number as a tel: link (wherever the app says お電話で).
export function callUs(theRules) {
  const tel = (theRules && theRules.reservation_phone) || "";
  if (!tel) return "";
  return `${th("call.centre")}<a href="tel:${esc(tel.replace(/[^0-9+]/g, ""))}">${esc(tel)}</a>`;
}
