// The apps' messages: one catalogue per language under ./lang/ (ja.json is the
// base every other catalogue falls back to), listed in ./lang/languages.json, so
// adding a language is a translation, not code. Elements carry data-i18n (text),
// data-i18n-ph (placeholder) and data-i18n-aria (aria-label). A catalogue may
// mark furigana as [漢字|かんじ]; text rendered through applyI18n or th() shows it
// as <ruby>, plain t() keeps the base text only (for attributes and alerts).
// A page names its app (<html data-app="resident">) and gets only that app's keys,
// ./lang/<app>/<code>.json, which the server derives from the catalogue of each
// language (booking_api/catalogues.py); the whole catalogue is the fallback (no
// data-app, an older server, or offline with an older worker's cache).
const BASE = new URL("./lang/", import.meta.url);
const APP = /^[a-z]+$/.test(document.documentElement.dataset.app || "") ? document.documentElement.dataset.app : "";

async function loadJson(name) {
  const r = await fetch(new URL(name, BASE));
  if (!r.ok) throw new Error(`${name}: ${r.status}`);
  return r.json();
}

async function loadCatalogue(code) {
  if (APP) {
    try { return await loadJson(`${APP}/${code}.json`); } catch { /* the whole one below */ }
  }
  return loadJson(`${code}.json`);
}

const KEY = "noriai.lang";
const CATALOGUES = {};
// The list, the base and the language chosen last time are fetched together: on a
// slow line each round trip in a row is another 0.4 s before the first screen.
const chosen = localStorage.getItem(KEY);
const [languages, base, early] = await Promise.all([
  loadJson("languages.json"),
  loadCatalogue("ja"),
  chosen && chosen !== "ja" && /^[A-Za-z0-9-]+$/.test(chosen)
    ? loadCatalogue(chosen).catch(() => null) : null,
]);
export const LANGUAGES = languages;
CATALOGUES.ja = base;
if (early && LANGUAGES.some((l) => l.code === chosen)) CATALOGUES[chosen] = early;

const known = (code) => LANGUAGES.some((l) => l.code === code);

// The chosen language's code ("ja" unless another known one was picked). Code
// that only tells English apart (server messages come as _ja/_en) compares with "en".
export function lang() {
  const l = localStorage.getItem(KEY);
  return l && known(l) ? l : "ja";
}

async function ensure(code) {
  if (!CATALOGUES[code] && known(code)) {
    try { CATALOGUES[code] = await loadCatalogue(code); } catch { CATALOGUES[code] = {}; }
  }
}
await ensure(lang());
// Marks that the catalogues are in (tests wait for it after a navigation).
document.documentElement.dataset.i18nReady = "1";

function raw(key, l, vars) {
  let s = (CATALOGUES[l] || {})[key] ?? CATALOGUES.ja[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

const RUBY = /\[([^\[\]|]+)\|([^\[\]|]+)\]/g;
const HAS_RUBY = /\[[^\[\]|]+\|[^\[\]|]+\]/;
const escHtml = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// Plain text of a message (furigana dropped), for attributes, titles and alerts.
export function t(key, forceLang, vars) {
  return raw(key, forceLang || lang(), vars).replace(RUBY, "$1");
}

// The message as safe HTML, furigana as <ruby>; for innerHTML templates.
export function th(key, vars) {
  return escHtml(raw(key, lang(), vars)).replace(RUBY, "<ruby>$1<rt>$2</rt></ruby>");
}

export function tf(key, vars) {
  return t(key, undefined, vars);
}

export function applyI18n(root = document) {
  document.documentElement.lang = (LANGUAGES.find((l) => l.code === lang()) || {}).html_lang || lang();
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const s = raw(el.dataset.i18n, lang());
    if (HAS_RUBY.test(s)) el.innerHTML = th(el.dataset.i18n); else el.textContent = s;
  }
  for (const el of root.querySelectorAll("[data-i18n-ph]")) el.placeholder = t(el.dataset.i18nPh);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
}

export async function setLang(l) {
  if (!known(l)) return;
  await ensure(l);
  localStorage.setItem(KEY, l);
  applyI18n();
  document.dispatchEvent(new CustomEvent("langchange"));
}

// Wires a <button class="lang-switch"> to a menu of the catalogues' languages:
// the button names the current language, each choice is written in its own.
export function initLangSwitch(btn) {
  const menu = document.createElement("ul");
  menu.className = "lang-menu";
  menu.id = `${btn.id}-menu`;
  menu.hidden = true;
  btn.after(menu);
  btn.setAttribute("aria-controls", menu.id);
  btn.setAttribute("aria-expanded", "false");
  const close = () => { menu.hidden = true; btn.setAttribute("aria-expanded", "false"); };
  const label = () => {
    const cur = LANGUAGES.find((l) => l.code === lang()) || LANGUAGES[0];
    btn.textContent = `${cur.name} ▾`;
    btn.setAttribute("aria-label", `${t("lang.choose")}: ${cur.name}`);
    menu.innerHTML = LANGUAGES.map((l) => `<li><button type="button" class="btn tertiary small" data-lang="${escHtml(l.code)}" lang="${escHtml(l.html_lang || l.code)}"${l.code === cur.code ? ' aria-current="true"' : ""}>${escHtml(l.name)}</button></li>`).join("");
  };
  label();
  btn.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
    btn.setAttribute("aria-expanded", String(!menu.hidden));
    if (!menu.hidden) menu.querySelector("[aria-current]")?.focus();
  });
  menu.addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-lang]");
    if (!b) return;
    close();
    await setLang(b.dataset.lang);
    label();
    btn.focus();
  });
  menu.addEventListener("keydown", (e) => { if (e.key === "Escape") { close(); btn.focus(); } });
  document.addEventListener("click", (e) => { if (!menu.hidden && !menu.contains(e.target) && e.target !== btn) close(); });
}
