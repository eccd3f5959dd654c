// Small fetch wrapper shared by the three apps: JSON in and out, the session
// token from localStorage, and errors turned into a sentence in the chosen language.
import { lang, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, detail) {
    const d = typeof detail === "object" && detail ? detail : {};
    const msg = (lang() === "en" ? d.message_en : d.message_ja) || d.message || (typeof detail === "string" ? detail : "");
    super(msg || t("error.generic"));
    this.status = status;
    this.code = d.code || "";
    this.detail = d;
  }
}

// A "busy" answer (503 from the admission gate) means the server did nothing with
// the request, so it is always safe to send again: the apps wait as long as the
// server asks (Retry-After, at most BUSY_WAIT_MAX_S, a little spread so callers do
// not return together) and try again, a few times, saying so, before showing it.
const BUSY_RETRIES = 3;
const BUSY_WAIT_MAX_S = 10;
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function busyWaitMs(res, data) {
  const header = Number(res.headers.get("Retry-After"));
  const asked = Number.isFinite(header) && header > 0 ? header : Number(data?.detail?.retry_after_s) || 2;
  return Math.min(asked, BUSY_WAIT_MAX_S) * 1000 * (1 + Math.random() * 0.25);
}

export function makeApi(tokenKey) {
  const token = () => localStorage.getItem(tokenKey) || "";
  async function call(method, path, body, extraHeaders = {}) {
    const headers = { Accept: "application/json", ...extraHeaders };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const tk = token();
    if (tk) headers.Authorization = `Bearer ${tk}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let res;
    let data = null;
    for (let attempt = 0; ; attempt += 1) {
      try {
        res = await fetch(path, { method, headers, body: payload });
      } catch {
        throw new ApiError(0, { message_ja: t("error.offline", "ja"), message_en: t("error.offline", "en"), code: "offline" });
      }
      const text = await res.text();
      data = null;
      try { data = text ? JSON.parse(text) : null; } catch { data = text; }
      const busy = res.status === 503 && data?.detail?.code === "busy";
      if (!busy || attempt >= BUSY_RETRIES) break;
      toast(t("error.busy_retrying"), "warning");
      await sleep(busyWaitMs(res, data));
    }
    if (!res.ok) {
      let detail = data && data.detail !== undefined ? data.detail : data;
      if (Array.isArray(detail)) detail = { message_ja: t("error.invalid", "ja"), message_en: t("error.invalid", "en"), code: "validation" };
      throw new ApiError(res.status, detail);
    }
    return data;
  }
  return {
    token,
    setToken: (v) => (v ? localStorage.setItem(tokenKey, v) : localStorage.removeItem(tokenKey)),
    get: (p) => call("GET", p),
    post: (p, b = {}, h) => call("POST", p, b, h),
    put: (p, b = {}) => call("PUT", p, b),
    patch: (p, b = {}) => call("PATCH", p, b),
    del: (p) => call("DELETE", p),
  };
}

// Times: the API speaks UTC ISO strings; people read the city's zone (the
// service's clock says which; Asia/Tokyo until it has answered).
export let TZ = "Asia/Tokyo";

// The service's clock. The apps show and book by it, not by the device's
// clock: a tablet may be set wrong or to another zone, and the demo runs
// faster than real time. Read once at start and every few minutes; while it
// cannot be read, the device's clock stands in.
let clockBase = null;
export async function syncClock() {
  try {
    const res = await fetch("/api/v1/clock", { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(5000) });
    if (!res.ok) return;
    const c = await res.json();
    clockBase = { server: Date.parse(c.now), device: Date.now(), rate: Number(c.rate) };
    if (c.timezone) TZ = c.timezone;
  } catch { /* offline: keep the last reading */ }
}
let clockTimer = null;
export function startClock() {
  if (clockTimer === null) clockTimer = setInterval(syncClock, 5 * 60e3);
  return syncClock();
}
// Milliseconds since the epoch on the service's clock.
export function nowMs() {
  if (!clockBase) return Date.now();
  return clockBase.server + (Date.now() - clockBase.device) * clockBase.rate;
}
export const now = () => new Date(nowMs());
export function hm(iso) {
  if (!iso) return "--:--";
  return new Date(iso).toLocaleTimeString("ja-JP", { timeZone: TZ, hour: "2-digit", minute: "2-digit" });
}
export function ymd(d) {
  const p = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
  return p;
}
export function dayLabel(iso) {
  const d = new Date(iso);
  return d.toLocaleDateString(lang() === "en" ? "en-GB" : "ja-JP", { timeZone: TZ, month: "long", day: "numeric", weekday: "short" });
}
// A place name as the server stored it, in the chosen language. A rider's home is
// stored under the base catalogue's word for it (booking_api/trips.py), whatever the
// rider's language; every other name is the place's own and stays as it is.
export function placeLabel(label) {
  const s = String(label ?? "");
  return s === t("place.home", "ja") ? t("place.home") : s;
}
export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
export function toast(msg, kind = "success") {
  let el = document.getElementById("toast");
  if (!el) {
    el = document.createElement("div");
    el.id = "toast";
    el.setAttribute("role", "status");
    document.body.append(el);
  }
  el.className = `toast notice ${kind}`;
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(el._t);
  el._t = setTimeout(() => { el.hidden = true; }, 4000);
}
