// The resident's tickets and passes (GET /me/wallet): rides left, valid until, and the
// history of every sale and ride. Products sold online have a buy button: it starts a
// checkout (POST /me/checkouts) and goes to the provider's page; the provider sends the
// resident back to #/wallet?checkout=…&result=paid|pending|cancel. The wallet is
// credited only by the provider's paid webhook, so "paid" is believed only once the
// server's checkout says so (checked a few times, then the resident can check again).
import { t, tf, th, lang } from "/static/common/i18n.js";
import { esc, TZ } from "/static/common/api.js";
import { callUs } from "/static/resident/rules.js";

const yen = (n) => tf("fare.yen", { n: Math.round(Number(n) || 0).toLocaleString("en-US") });
const loc = () => (lang() === "en" ? "en-GB" : "ja-JP");
const dateText = (iso) => new Date(`${iso}T00:00:00+09:00`).toLocaleDateString(loc(), { timeZone: TZ, year: "numeric", month: "long", day: "numeric" });
const when = (iso) => new Date(iso).toLocaleString(loc(), { timeZone: TZ, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
const pname = (p) => (lang() === "en" ? p.name_en : p.name_ja);

function holding(h) {
  const state = h.expired ? "wallet.expired" : h.usable ? "" : "wallet.used_up";
  return `<li class="card wallet-card${h.usable ? "" : " spent"}">
    <h3>${esc(pname(h))}</h3>
    <p class="wallet-left">${h.rides_left === null ? th("wallet.unlimited") : th("wallet.left", { n: h.rides_left })}</p>
    <p>${th("wallet.until", { date: dateText(h.valid_until) })}</p>
    ${state ? `<p><span class="tag gray">${th(state)}</span></p>` : ""}</li>`;
}

function line(e, names) {
  const kind = e.kind === "use" ? "wallet.h.use" : e.kind === "sale" ? "wallet.h.sale" : e.kind === "refund" ? "wallet.h.refund" : "wallet.h.correction";
  const rides = e.rides_in - e.rides_out;
  const money = e.yen_in - e.yen_out;
  const bits = [rides ? th("wallet.h.rides", { n: rides > 0 ? `+${rides}` : rides }) : "", money ? esc(yen(money)) : ""].filter(Boolean).join(" · ");
  return `<li><span class="when">${esc(when(e.at))}</span> <strong>${th(kind)}</strong> ${esc(names[e.product_id] || "")}${bits ? ` <span class="muted">${bits}</span>` : ""}</li>`;
}

const pause = (ms) => new Promise((ok) => { setTimeout(ok, ms); });

// The outcome of a checkout the provider sent the resident back from.
async function outcome(api, box, names, id, result, again) {
  if (result === "cancel") { box.innerHTML = `<p class="notice">${th("wallet.co.cancel")}</p>`; return; }
  let co = null;
  for (let i = 0; i < 5; i += 1) {
    try { co = await api.get(`/api/v1/me/checkouts/${encodeURIComponent(id)}`); } catch (ex) { box.innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
    if (co.status !== "pending" || result === "pending") break;
    await pause(800);
  }
  if (co.status === "paid") box.innerHTML = `<p class="notice ok" id="wallet-paid">${th("wallet.co.paid", { name: names[co.product_id] || "" })}</p>`;
  else if (co.status === "pending") {
    box.innerHTML = `<p class="notice" id="wallet-pending">${th("wallet.co.pending")}</p><p><button type="button" class="btn" id="wallet-check">${th("wallet.co.check")}</button></p>`;
    box.querySelector("#wallet-check").addEventListener("click", again);
  } else box.innerHTML = `<p class="notice error">${th("wallet.co.failed")}</p>`;
}

export async function showWallet(api, el, rules) {
  const query = new URLSearchParams(location.hash.split("?")[1] || "");
  el.innerHTML = `<h1>${th("wallet.title")}</h1><div id="wallet-outcome" role="status"></div><div id="wallet-body" aria-live="polite"><p>${th("wallet.loading")}</p></div>`;
  const box = el.querySelector("#wallet-body");
  let w;
  let products = [];
  try {
    [w, products] = await Promise.all([api.get("/api/v1/me/wallet"), api.get("/api/v1/fares/products")]);
  } catch (ex) { box.innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
  const names = Object.fromEntries(products.map((p) => [p.id, pname(p)]));
  const sold = products.filter((p) => p.price_yen > 0);
  const online = sold.filter((p) => p.online);
  if (query.get("checkout")) {
    await outcome(api, el.querySelector("#wallet-outcome"), names, query.get("checkout"), query.get("result"), () => showWallet(api, el, rules));
    if (query.get("result") !== "cancel") {
      try { w = await api.get("/api/v1/me/wallet"); } catch { /* the first answer stands */ }
    }
  }
  box.innerHTML = `${w.holdings.length ? `<ul class="wallet-list" aria-label="${esc(t("wallet.mine"))}">${w.holdings.map(holding).join("")}</ul>` : `<p class="notice">${th("wallet.none")}</p>`}
    <h2>${th("wallet.history")}</h2>
    ${w.history.length ? `<ul class="wallet-history">${w.history.map((e) => line(e, names)).join("")}</ul>` : `<p class="muted">${th("wallet.history.none")}</p>`}
    <h2>${th("wallet.buy")}</h2>
    <ul class="wallet-products">${sold.map((p) => `<li><strong>${esc(pname(p))}</strong> ${esc(yen(p.price_yen))}${p.rides ? ` · ${th("wallet.p.rides", { n: p.rides })}` : ""} · ${th("wallet.p.months", { n: p.valid_months })}</li>`).join("")}</ul>
    ${online.length ? `<h3>${th("wallet.buy.online")}</h3><p class="wallet-buy">${online.map((p) => `<button type="button" class="btn primary big" data-buy="${esc(p.id)}">${th("wallet.buy.button", { name: pname(p), price: yen(p.price_yen) })}</button>`).join(" ")}</p><p id="wallet-buy-msg" role="status"></p>` : ""}
    <p>${th("wallet.buy.where")}</p>
    <p class="call-us">${callUs(rules)}</p>`;
  for (const b of box.querySelectorAll("[data-buy]")) {
    b.addEventListener("click", async () => {
      const msg = box.querySelector("#wallet-buy-msg");
      b.disabled = true;
      msg.innerHTML = th("wallet.buy.going");
      try {
        const co = await api.post("/api/v1/me/checkouts", { product_id: b.dataset.buy });
        location.assign(co.pay_url);
      } catch (ex) {
        b.disabled = false;
        msg.innerHTML = ex.status === 404 ? th("wallet.buy.off") : esc(ex.message);
      }
    });
  }
}
