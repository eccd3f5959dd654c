// Registration approvals: each applicant's data and a map of the home point.
import { t, tf } from "/static/common/i18n.js";
import { esc, dayLabel, toast } from "/static/common/api.js";
import { makeMap, pin } from "/static/common/map.js";

export async function countPending(api) {
  const badge = document.getElementById("pending-count");
  try {
    const rows = await api.get("/api/v1/members?status=pending&limit=100");
    badge.textContent = String(rows.length);
    badge.hidden = rows.length === 0;
  } catch { badge.hidden = true; }
}

export async function showApprovals(api, el) {
  el.innerHTML = `<h1>${t("op.pending")}</h1><div id="apps"><p class="muted">${t("common.loading")}</p></div>`;
  let rows = [];
  try { rows = await api.get("/api/v1/members?status=pending&limit=100"); } catch (ex) { el.querySelector("#apps").innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
  const box = el.querySelector("#apps");
  if (!rows.length) { box.innerHTML = `<p class="notice">${t("op.none.pending")}</p>`; return; }
  const flag = (v, k) => (v ? `<span class="tag orange">${t(k)}</span> ` : "");
  box.innerHTML = rows.map((m) => `<article class="card applicant" data-id="${esc(m.id)}" aria-labelledby="a-${esc(m.id)}">
    <div class="app-grid"><div>
      <h2 id="a-${esc(m.id)}">${esc(m.name)} <span class="muted">${esc(m.kana)}</span></h2>
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
    if (m.home_lat == null || !window.L) continue;
    el.querySelector(`#map-${CSS.escape(m.id)}`).dataset.fit = "no";
    const map = makeMap(el.querySelector(`#map-${CSS.escape(m.id)}`), { center: [m.home_lat, m.home_lon], zoom: 14 });
    pin(map, m.home_lat, m.home_lon, m.name);
  }
  for (const b of box.querySelectorAll(".approve")) {
    b.addEventListener("click", async () => {
      try {
        const res = await api.post(`/api/v1/members/${encodeURIComponent(b.dataset.id)}/approve`, {});
        toast(tf("op.approved", { n: res.member_number || "" }));
        showApprovals(api, el);
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
