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

export function makeApi(tokenKey) {
  const token = () => localStorage.getItem(tokenKey) || "";
  async function call(method, path, body, extraHeaders = {}) {
    const headers = { Accept: "application/json", ...extraHeaders };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const tk = token();
    if (tk) headers.Authorization = `Bearer ${tk}`;
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, { message_ja: t("error.offline", "ja"), message_en: t("error.offline", "en"), code: "offline" });
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
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

// Times: the API speaks UTC ISO strings; people read Asia/Tokyo.
export const TZ = "Asia/Tokyo";
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
// "2026-11-26" + "10:30" in Tokyo -> UTC ISO string (Tokyo has no DST).
export function tokyoIso(dateStr, timeStr) {
  return new Date(`${dateStr}T${timeStr}:00+09:00`).toISOString();
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
