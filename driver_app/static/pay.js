// The fare at 降車 and the cash count at the end of the shift, on the drivers' tablet.
// At drop-off the tablet asks the server what the party owes and how it can pay
// (GET /driver/rides/{id}/fare: the member's ticket or pass, cash, IC, QR, exempt);
// one tap records it (POST .../payment) and only then is 降車 queued, so a ride is
// never completed without a payment record or "not paid" with a reason. The server
// checks the ticket and the fare, so a payment needs a signal: without one the
// dialog says so and 降車 waits. The end-of-shift count is GET/POST /driver/cash.
import { t, tf, th, lang } from "/static/common/i18n.js";
import { esc } from "/static/common/api.js";

const $ = (s) => document.querySelector(s);

// Whole yen in the reader's form: 3,000円 / ¥3,000.
export const yen = (n) => tf("fare.yen", { n: Math.round(Number(n) || 0).toLocaleString("en-US") });

const name = (o) => (lang() === "en" ? o.name_en : o.name_ja) || "";
const label = (o) => {
  if (o.method === "ticket") return tf("dr.pay.ticket", { name: name(o), n: o.rides });
  if (o.method === "pass") return tf("dr.pay.pass", { name: name(o) });
  return t(`dr.pay.m.${o.method}`);
};

function failed(box, ex) {
  box.innerHTML = ex.status === 0
    ? `<p class="notice error">${th("dr.pay.offline")}</p>`
    : `<p class="notice error">${esc(ex.message)}</p>`;
}

// Opens the payment dialog for a drop-off; calls done() once the fare has its record.
export async function askPayment(api, rideId, done) {
  const dlg = $("#pay-dialog");
  const body = $("#pay-body");
  body.innerHTML = `<p>${th("dr.pay.loading")}</p>`;
  dlg.returnValue = "";
  if (!dlg.open) dlg.showModal();
  let fare;
  try {
    fare = await api.get(`/api/v1/driver/rides/${encodeURIComponent(rideId)}/fare`);
  } catch (ex) {
    failed(body, ex);
    body.insertAdjacentHTML("beforeend", `<button type="button" class="btn big" id="pay-retry">${th("dr.pay.retry")}</button>`);
    $("#pay-retry").addEventListener("click", () => askPayment(api, rideId, done));
    return;
  }
  if (fare.payment) { dlg.close(); done(); return; }  // recorded already (a resend, an undo)
  const lines = fare.lines.filter((l) => l.count).map((l) => `<li>${esc(tf(`dr.pay.who.${l.who}`, { n: l.count }))} ${esc(yen(l.yen_each))}</li>`).join("");
  body.innerHTML = `<p class="pay-due" id="pay-due">${esc(tf("dr.pay.due", { yen: yen(fare.due_yen) }))}</p>
    <ul class="pay-lines">${lines}</ul>
    <div class="pay-options">${fare.options.map((o, i) => `<button type="button" class="btn big${o.method === "cash" ? " secondary" : ""}" data-i="${i}" data-method="${esc(o.method)}">${esc(label(o))}</button>`).join("")}
      <button type="button" class="btn big danger secondary" id="pay-unpaid">${th("dr.pay.unpaid")}</button></div>
    <div id="pay-cash" class="pay-cash" hidden>
      <div class="field"><label for="pay-received">${th("dr.pay.received")}</label>
        <input id="pay-received" type="number" inputmode="numeric" min="0" step="1" value="${fare.due_yen}" aria-describedby="pay-change pay-received-error">
        <p id="pay-change" class="pay-change" aria-live="polite"></p>
        <p id="pay-received-error" class="field-error"></p></div>
      <button type="button" class="btn big" id="pay-cash-ok">${th("dr.pay.record")}</button></div>
    <fieldset id="pay-reasons" class="reason-list" hidden><legend>${th("dr.pay.why")}</legend>
      ${fare.not_paid_reasons.map((r) => `<button type="button" class="btn secondary" data-reason="${esc(r.code)}">${esc(lang() === "en" ? r.en : r.ja)}</button>`).join("")}</fieldset>
    <p id="pay-error" class="notice error" role="alert" hidden></p>`;
  const send = async (payload) => {
    const err = $("#pay-error");
    err.hidden = true;
    for (const b of body.querySelectorAll("button")) b.disabled = true;
    try {
      const p = await api.post(`/api/v1/driver/rides/${encodeURIComponent(rideId)}/payment`, payload);
      dlg.close();
      done(p);
    } catch (ex) {
      for (const b of body.querySelectorAll("button")) b.disabled = false;
      if (ex.detail && ex.detail.field === "received_yen") {
        $("#pay-received-error").textContent = ex.message;
        $("#pay-received").setAttribute("aria-invalid", "true");
        $("#pay-received").focus();
      } else { failed(err, ex); err.hidden = false; }
    }
  };
  const change = () => {
    const got = Number($("#pay-received").value);
    $("#pay-change").textContent = got >= fare.due_yen ? tf("dr.pay.change", { yen: yen(got - fare.due_yen) }) : tf("dr.pay.short", { yen: yen(fare.due_yen) });
  };
  for (const b of body.querySelectorAll(".pay-options [data-i]")) {
    b.addEventListener("click", () => {
      const o = fare.options[Number(b.dataset.i)];
      if (o.method === "cash") { $("#pay-cash").hidden = false; $("#pay-reasons").hidden = true; change(); $("#pay-received").select(); return; }
      send({ method: o.method, holding_id: o.holding_id });
    });
  }
  $("#pay-received").addEventListener("input", () => { $("#pay-received-error").textContent = ""; $("#pay-received").removeAttribute("aria-invalid"); change(); });
  $("#pay-cash-ok").addEventListener("click", () => {
    const v = $("#pay-received").value;
    if (!/^[0-9]+$/.test(v)) { $("#pay-received-error").textContent = t("dr.pay.received.bad"); $("#pay-received").setAttribute("aria-invalid", "true"); return; }
    send({ method: "cash", received_yen: Number(v) });
  });
  $("#pay-unpaid").addEventListener("click", () => { $("#pay-reasons").hidden = false; $("#pay-cash").hidden = true; $("#pay-reasons button").focus(); });
  for (const b of body.querySelectorAll("[data-reason]")) b.addEventListener("click", () => send({ method: "not_paid", reason: b.dataset.reason }));
  const first = body.querySelector(".pay-options button");
  if (first) first.focus();
}

// End of shift: the cash the ledger expects for this car today, and the driver's count.
export async function cashCount(api) {
  const dlg = $("#cash-dialog");
  const body = $("#cash-body");
  body.innerHTML = `<p>${th("dr.pay.loading")}</p>`;
  if (!dlg.open) dlg.showModal();
  const show = (c, sent) => {
    const diff = c.difference_yen;
    body.innerHTML = `<p class="pay-due">${esc(tf("dr.cash.expected", { yen: yen(c.expected_yen) }))}</p>
      ${c.declared_yen === null ? "" : `<p class="${diff ? "notice error" : "notice success"}" role="status">${esc(tf("dr.cash.declared", { yen: yen(c.declared_yen) }))}
        ${esc(diff ? tf("dr.cash.diff", { yen: yen(diff) }) : t("dr.cash.ok"))}</p>`}
      <form id="cash-form" novalidate>
        <div class="field"><label for="cash-yen">${th("dr.cash.count")}</label>
          <input id="cash-yen" type="number" inputmode="numeric" min="0" step="1" required aria-describedby="cash-yen-error" value="${sent ?? ""}">
          <p id="cash-yen-error" class="field-error"></p></div>
        <div class="field"><label for="cash-note">${th("dr.cash.note")}</label><input id="cash-note" type="text" maxlength="300"></div>
        <button class="btn big" type="submit">${th(c.declared_yen === null ? "dr.cash.send" : "dr.cash.again")}</button>
      </form>`;
    $("#cash-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = $("#cash-yen");
      const v = input.value;
      if (!/^[0-9]+$/.test(v)) { $("#cash-yen-error").textContent = t("dr.pay.received.bad"); input.setAttribute("aria-invalid", "true"); input.focus(); return; }
      try { show(await api.post("/api/v1/driver/cash", { declared_yen: Number(v), note: $("#cash-note").value }), v); } catch (ex) { $("#cash-yen-error").textContent = ex.status === 0 ? t("dr.pay.offline") : ex.message; input.setAttribute("aria-invalid", "true"); }
    });
    $("#cash-yen").focus();
  };
  try { show(await api.get("/api/v1/driver/cash")); } catch (ex) { failed(body, ex); }
}
