// Registration approvals: each applicant's data, a map of the home point, and the members
// the application may duplicate (GET /registrations/pending). A member number issued
// here stays on screen until staff dismiss it, so it can be read out to the caller.
import { t, tf } from "/static/common/i18n.js";
import { esc, dayLabel, toast } from "/static/common/api.js";
import { placeMap } from "/static/common/placemap.js";

export async function countPending(api) {
  const badge = document.getElementById("pending-count");
  try {
    const rows = await api.get("/api/v1/members?status=pending&limit=100");
    badge.textContent = String(rows.length);
    badge.hidden = rows.length === 0;
  } catch { badge.hidden = true; }
}

// Numbers issued in this session, newest first: { id, name, number }.
const issued = [];

function issuedHtml() {
  return issued.map((m) => `<div class="notice success issued" role="status" tabindex="-1" data-id="${esc(m.id)}">
    <p class="big-text">${esc(tf("op.issued", { name: m.name, n: m.number }))}</p>
    <p><strong class="member-number">${esc(m.number)}</strong></p>
    <button type="button" class="btn secondary small dismiss" data-id="${esc(m.id)}">${t("op.issued.dismiss")}</button></div>`).join("");
}

function duplicatesHtml(app) {
  if (!app.duplicates.length) return "";
  const items = app.duplicates.map((d) => `<li><strong>${esc(d.member_number || t("op.dup.pending"))}</strong> ${esc(d.name)} <span class="muted">${esc(d.kana)}</span>
    · ${esc(d.birth_date)} · ${esc(d.phone)} · ${esc(d.address)}
    <br>${d.reasons.map((r) => `<span class="tag orange">${esc(t(`op.dup.${r}`))}</span>`).join(" ")}</li>`).join("");
  return `<div class="notice warning duplicate" data-duplicates="${app.duplicates.length}"><p><strong>${t("op.dup.title")}</strong> ${t("op.dup.with")}</p><ul>${items}</ul></div>`;
}

export async function showApprovals(api, el) {
  el.innerHTML = `<h1>${t("op.pending")}</h1><div id="issued">${issuedHtml()}</div><div id="apps"><p class="muted">${t("common.loading")}</p></div>`;
  for (const b of el.querySelectorAll("#issued .dismiss")) {
    b.addEventListener("click", () => {
      const i = issued.findIndex((m) => m.id === b.dataset.id);
      if (i >= 0) issued.splice(i, 1);
      b.closest(".issued").remove();
      el.querySelector("h1").focus?.();
    });
  }
  let apps = [];
  try { apps = await api.get("/api/v1/registrations/pending?limit=100"); } catch (ex) { el.querySelector("#apps").innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
  const rows = apps.map((a) => a.member);
  const dupOf = new Map(apps.map((a) => [a.member.id, a]));
  const box = el.querySelector("#apps");
  if (!rows.length) { box.innerHTML = `<p class="notice">${t("op.none.pending")}</p>`; return; }
  const flag = (v, k) => (v ? `<span class="tag orange">${t(k)}</span> ` : "");
  box.innerHTML = rows.map((m) => `<article class="card applicant" data-id="${esc(m.id)}" aria-labelledby="a-${esc(m.id)}">
    <div class="app-grid"><div>
      <h2 id="a-${esc(m.id)}">${esc(m.name)} <span class="muted">${esc(m.kana)}</span></h2>
      ${duplicatesHtml(dupOf.get(m.id))}
      <dl class="kv"><dt>${t("reg.birth")}</dt><dd>${esc(m.birth_date)}</dd><dt>${t("reg.phone")}</dt><dd>${esc(m.phone)}</dd>
      <dt>${t("reg.address")}</dt><dd>${esc(m.address)} ${m.home_area ? `<span class="tag blue">${esc(m.home_area)}</span>` : ""}</dd>
      <dt>${t("op.needs")}</dt><dd>${[flag(m.wheelchair, "reg.wheelchair"), flag(m.walking_aid, "reg.walking"), flag(m.needs_help_boarding, "reg.help"), flag(m.companion_allowed, "reg.companion")].join("") || "—"}</dd>
      <dt>${t("reg.emergency")}</dt><dd>${esc(m.emergency_contact_name || "—")} ${esc(m.emergency_contact_phone || "")}</dd>
      <dt>${t("nav.register")}</dt><dd>${esc(t(`ch.${m.channel}`))} · ${m.created_at ? esc(dayLabel(m.created_at)) : ""}</dd></dl>
      <div class="row"><button type="button" class="btn approve" data-id="${esc(m.id)}">${t("op.approve")}</button>
      <label class="visually-hidden" for="r-${esc(m.id)}">${t("op.reject.reason")}</label>
      <input id="r-${esc(m.id)}" class="reason" type="text" placeholder="${t("op.reject.reason")}">
      <button type="button" class="btn danger secondary reject" data-id="${esc(m.id)}">${t("op.reject")}</button></div>
    </div><div class="map small-map" id="map-${esc(m.id)}" aria-label="${esc(t("reg.home"))}: ${esc(m.name)}"></div></div></article>`).join("");
  for (const m of rows) {
    if (m.home_lat == null) continue;
    placeMap(el.querySelector(`#map-${CSS.escape(m.id)}`), { center: [m.home_lat, m.home_lon], zoom: 15 }).pin(m.home_lat, m.home_lon, m.name);
  }
  for (const b of box.querySelectorAll(".approve")) {
    b.addEventListener("click", async () => {
      try {
        const res = await api.post(`/api/v1/members/${encodeURIComponent(b.dataset.id)}/approve`, {});
        issued.unshift({ id: res.id, name: res.name, number: res.member_number || "" });
        toast(tf("op.approved", { n: res.member_number || "" }));
        await showApprovals(api, el);
        el.querySelector("#issued .issued")?.focus?.();
        countPending(api);
      } catch (ex) { toast(ex.message, "error"); }
    });
  }
  for (const b of box.querySelectorAll(".reject")) {
    b.addEventListener("click", async () => {
      const reason = el.querySelector(`#r-${CSS.escape(b.dataset.id)}`).value.trim();
      if (!reason) { el.querySelector(`#r-${CSS.escape(b.dataset.id)}`).focus(); return; }
      try {
        await api.post(`/api/v1/members/${encodeURIComponent(b.dataset.id)}/reject`, { reason });
        showApprovals(api, el);
        countPending(api);
      } catch (ex) { toast(ex.message, "error"); }
    });
  }
}
