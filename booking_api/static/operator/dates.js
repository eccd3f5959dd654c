// The day an operator types on the phone-booking screen, read the way people say it:
// 12/3, 12月3日, 3日, 明日, あさって, 2026/12/03, 2026-12-03, full-width digits too.
// Pure: today's date comes in as "YYYY-MM-DD" (the service's clock, not the device's).

// Words operators type, not words shown: they stay here, not in a catalogue.
const WORDS = new Map([
  ["0", 0], ["今日", 0], ["きょう", 0], ["本日", 0], ["today", 0],  // i18n: input
  ["1", 1], ["明日", 1], ["あした", 1], ["あす", 1], ["tomorrow", 1],  // i18n: input
  ["2", 2], ["明後日", 2], ["あさって", 2], ["dayaftertomorrow", 2],  // i18n: input
  ["3", 3], ["明々後日", 3], ["しあさって", 3],  // i18n: input
]);

function pad(n) { return String(n).padStart(2, "0"); }

function daysIn(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }

function iso(y, m, d) { return `${y}-${pad(m)}-${pad(d)}`; }

function dayDiff(a, b) {
  const t = (s) => Date.UTC(...s.split("-").map((x, i) => Number(x) - (i === 1 ? 1 : 0)));
  return Math.round((t(b) - t(a)) / 86400e3);
}

function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return iso(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

// Full-width digits and punctuation become ASCII; spaces go.
export function normaliseDay(text) {
  return String(text ?? "")
    .replace(/[０-９Ａ-Ｚａ-ｚ]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[／]/g, "/").replace(/[－ー−‐]/g, "-").replace(/[．.]/g, "/")
    .replace(/[\s\u3000]+/g, "")
    .toLowerCase();
}

// Returns { date: "YYYY-MM-DD" } or { error, month?, days? } with error one of
// "empty", "bad", "nonexistent" (e.g. 2/30), "past". A day without a year is this
// year's, or next year's when this year's is months gone (1/5 typed in December).
export function parseDay(text, today) {
  const v = normaliseDay(text);
  if (!v) return { error: "empty" };
  const plus = /^\+(\d{1,2})$/.exec(v);
  if (WORDS.has(v)) return { date: addDays(today, WORDS.get(v)) };
  if (plus) return { date: addDays(today, Number(plus[1])) };
  const [ty, tm, td] = today.split("-").map(Number);
  let y = null, m = null, d = null;
  let r;
  if ((r = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(v)) || (r = /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/.exec(v))) {
    [y, m, d] = [Number(r[1]), Number(r[2]), Number(r[3])];
  } else if ((r = /^(\d{4})(\d{2})(\d{2})$/.exec(v))) {
    [y, m, d] = [Number(r[1]), Number(r[2]), Number(r[3])];
  } else if ((r = /^(\d{1,2})[/-](\d{1,2})$/.exec(v)) || (r = /^(\d{1,2})月(\d{1,2})日?$/.exec(v))) {
    [m, d] = [Number(r[1]), Number(r[2])];
  } else if ((r = /^(\d{1,2})日$/.exec(v))) {
    d = Number(r[1]);
    m = tm;
    if (d < td) m = tm === 12 ? 1 : tm + 1;
    y = m < tm ? ty + 1 : ty;
  } else {
    return { error: "bad" };
  }
  if (m < 1 || m > 12) return { error: "bad" };
  // Without a year: this year's day, unless it is well past (1/5 said in December is
  // next January); a day just gone (yesterday) is refused as past, not moved a year on.
  if (y === null) y = (m < tm || (m === tm && d < td)) && dayDiff(iso(ty, m, Math.min(d, daysIn(ty, m))), today) > 180 ? ty + 1 : ty;
  if (d < 1 || d > daysIn(y, m)) return { error: "nonexistent", month: m, days: daysIn(y, m) };
  const out = iso(y, m, d);
  if (out < today) return { error: "past" };
  return { date: out };
}
