// Staff and driver accounts (admins only): list, create, link a driver to a vehicle,
// reset a password (typed, or generated and shown once), disable and enable again.
// Disabling is guarded: a reason, then a confirm step; the API ends its sessions at
// once and the audit log keeps the reason; enabling is the undo.
import { t, tf } from "/static/common/i18n.js";
import { esc, toast } from "/static/common/api.js";

const ROLES = ["operator", "admin", "driver"];
const FIELD_OF = { already_exists: "acc-username", weak_password: "acc-password", vehicle_required: "acc-vehicle", unknown_vehicle: "acc-vehicle", not_a_driver: "acc-vehicle" };

// A password of 14 letters and digits from the browser's random source (never Math.random).
export function newPassword() {
  const abc = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(14));
  return Array.from(bytes, (b) => abc[b % abc.length]).join("");
}

function field(id, label, input, hint = "") {
  return `<div class="field"><label for="${id}">${label}</label>${hint ? `<p class="muted small" id="${id}-hint">${hint}</p>` : ""}
    ${input}<p class="ns-error" id="${id}-error"></p></div>`;
}

function showError(root, id, message) {
  for (const e of root.querySelectorAll(".ns-error")) e.textContent = "";
  for (const i of root.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  const box = root.querySelector(`#${id}-error`) || root.querySelector(".ns-error");
  box.textContent = message;
  const input = root.querySelector(`#${id}`);
  if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
}

export async function showAccounts(api, el, me) {
  if (!me || me.role !== "admin") {
    el.innerHTML = `<h1>${t("op.nav.accounts")}</h1><p class="notice">${t("op.acc.admin_only")}</p>`;
    return;
  }
  let accounts = [];
  let vehicles = [];
  try {
    [accounts, vehicles] = await Promise.all([api.get("/api/v1/accounts"), api.get("/api/v1/vehicles")]);
  } catch (ex) {
    el.innerHTML = `<h1>${t("op.nav.accounts")}</h1><p class="notice error" role="alert">${esc(ex.message)}</p>`;
    return;
  }
  vehicles = vehicles.filter((v) => !v.retired);
  const vehicleOptions = (sel) => vehicles.map((v) => `<option value="${esc(v.id)}"${v.id === sel ? " selected" : ""}>${esc(v.id)} ${esc(v.name)}</option>`).join("");
  const roleOptions = ROLES.map((r) => `<option value="${r}">${t(`op.acc.role.${r}`)}</option>`).join("");
  const rows = accounts.map((a) => `<tr data-username="${esc(a.username)}"><th scope="row">${esc(a.username)}</th><td>${esc(a.display_name)}</td>
    <td>${t(`op.acc.role.${a.role}`)}</td><td>${esc(a.vehicle_id || "—")}</td>
    <td>${a.active ? t("op.acc.active") : `<strong>${t("op.acc.disabled")}</strong>`}</td>
    <td><button type="button" class="btn secondary small acc-open" data-id="${esc(a.id)}" aria-controls="acc-panel">${tf("op.acc.manage", { u: a.username })}</button></td></tr>`).join("");
  el.innerHTML = `<h1>${t("op.nav.accounts")}</h1>
    <table class="day-table" id="acc-table"><caption class="visually-hidden">${t("op.nav.accounts")}</caption>
    <thead><tr><th scope="col">${t("op.acc.username")}</th><th scope="col">${t("op.acc.name")}</th><th scope="col">${t("op.acc.role")}</th>
    <th scope="col">${t("op.acc.vehicle")}</th><th scope="col">${t("op.acc.state")}</th><th scope="col">${t("op.acc.actions")}</th></tr></thead><tbody>${rows}</tbody></table>
    <section id="acc-panel" class="col" hidden aria-labelledby="acc-panel-title"></section>
    <form id="acc-new" class="col" aria-labelledby="acc-new-title" novalidate><h2 id="acc-new-title">${t("op.acc.new")}</h2>
      ${field("acc-username", t("op.acc.username"), `<input id="acc-username" type="text" autocomplete="off" aria-describedby="acc-username-hint acc-username-error" required>`, t("op.acc.username.hint"))}
      ${field("acc-name", t("op.acc.name"), `<input id="acc-name" type="text" autocomplete="off" aria-describedby="acc-name-error">`)}
      ${field("acc-role", t("op.acc.role"), `<select id="acc-role" aria-describedby="acc-role-error">${roleOptions}</select>`)}
      ${field("acc-vehicle", t("op.acc.vehicle"), `<select id="acc-vehicle" aria-describedby="acc-vehicle-hint acc-vehicle-error" disabled><option value="">—</option>${vehicleOptions("")}</select>`, t("op.acc.vehicle.hint"))}
      ${field("acc-password", t("op.acc.password"), `<input id="acc-password" type="text" autocomplete="new-password" aria-describedby="acc-password-hint acc-password-error" required>`, t("op.acc.password.hint"))}
      <div class="row"><button type="button" class="btn secondary small" id="acc-gen">${t("op.acc.generate")}</button>
      <button type="submit" class="btn" id="acc-create">${t("op.acc.create")}</button></div>
      <p class="ns-error" id="acc-new-error" role="alert"></p></form>`;
  const form = el.querySelector("#acc-new");
  const role = form.querySelector("#acc-role");
  const vehicle = form.querySelector("#acc-vehicle");
  role.addEventListener("change", () => { vehicle.disabled = role.value !== "driver"; });
  form.querySelector("#acc-gen").addEventListener("click", () => { form.querySelector("#acc-password").value = newPassword(); form.querySelector("#acc-password").focus(); });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const username = form.querySelector("#acc-username").value.trim();
    if (!username) { showError(form, "acc-username", t("op.acc.username.missing")); return; }
    const body = { username, display_name: form.querySelector("#acc-name").value.trim(), role: role.value, password: form.querySelector("#acc-password").value };
    if (role.value === "driver") body.vehicle_id = vehicle.value || undefined;
    try {
      await api.post("/api/v1/accounts", body);
      toast(tf("op.acc.created", { u: username }));
      await showAccounts(api, el, me);
      el.querySelector(`tr[data-username="${CSS.escape(username)}"] .acc-open`)?.focus();
    } catch (ex) {
      const f = ex.detail?.errors?.[0]?.field?.split(".").pop();
      const byField = { username: "acc-username", password: "acc-password", vehicle_id: "acc-vehicle", display_name: "acc-name" };
      showError(form, FIELD_OF[ex.code] || byField[f] || "acc-new", ex.message);
    }
  });
  for (const b of el.querySelectorAll(".acc-open")) {
    b.addEventListener("click", () => openPanel(api, el, me, accounts.find((a) => a.id === b.dataset.id), vehicleOptions));
  }
}

function openPanel(api, el, me, a, vehicleOptions) {
  const panel = el.querySelector("#acc-panel");
  const reload = async (note) => {
    await showAccounts(api, el, me);
    const fresh = (await api.get("/api/v1/accounts")).find((x) => x.id === a.id);
    openPanel(api, el, me, fresh, vehicleOptions);
    if (note) el.querySelector("#acc-note").textContent = note;
  };
  panel.hidden = false;
  panel.innerHTML = `<h2 id="acc-panel-title" tabindex="-1">${tf("op.acc.manage", { u: a.username })}</h2>
    <p id="acc-note" class="notice" role="status"></p>
    ${a.role === "driver" ? `<form id="acc-link" class="ns-form" novalidate><h3>${t("op.acc.link")}</h3>
      ${field("acc-link-vehicle", t("op.acc.vehicle"), `<select id="acc-link-vehicle" aria-describedby="acc-link-vehicle-error">${vehicleOptions(a.vehicle_id)}</select>`)}
      <button type="submit" class="btn small">${t("op.acc.link.save")}</button></form>` : ""}
    <form id="acc-pw" class="ns-form" novalidate><h3>${t("op.acc.reset")}</h3>
      ${field("acc-pw-new", t("op.acc.password"), `<input id="acc-pw-new" type="text" autocomplete="new-password" aria-describedby="acc-pw-new-hint acc-pw-new-error">`, t("op.acc.reset.hint"))}
      <div class="row"><button type="button" class="btn secondary small" id="acc-pw-gen">${t("op.acc.generate")}</button>
      <button type="submit" class="btn small" id="acc-pw-save">${t("op.acc.reset.save")}</button></div></form>
    <form id="acc-state" class="ns-form" novalidate><h3>${a.active ? t("op.acc.disable") : t("op.acc.enable")}</h3>
      ${field("acc-reason", t("op.acc.reason"), `<input id="acc-reason" type="text" autocomplete="off" aria-required="true" aria-describedby="acc-reason-hint acc-reason-error">`, a.active ? t("op.acc.disable.hint") : t("op.acc.enable.hint"))}
      <button type="submit" class="btn small ${a.active ? "danger" : ""}" id="acc-state-go">${a.active ? t("op.acc.disable") : t("op.acc.enable")}</button>
      <div id="acc-confirm" class="notice warning" hidden><p id="acc-confirm-text">${tf(a.active ? "op.acc.disable.confirm" : "op.acc.enable.confirm", { u: a.username })}</p>
        <div class="row"><button type="button" class="btn small ${a.active ? "danger" : ""}" id="acc-confirm-yes">${t("op.acc.confirm.yes")}</button>
        <button type="button" class="btn tertiary small" id="acc-confirm-no">${t("common.cancel")}</button></div></div></form>`;
  panel.querySelector("#acc-panel-title").focus();
  panel.querySelector("#acc-link")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const vid = panel.querySelector("#acc-link-vehicle").value;
    try {
      await api.patch(`/api/v1/accounts/${encodeURIComponent(a.id)}`, { vehicle_id: vid });
      await reload(tf("op.acc.linked", { u: a.username, v: vid }));
    } catch (ex) { showError(panel.querySelector("#acc-link"), "acc-link-vehicle", ex.message); }
  });
  const pw = panel.querySelector("#acc-pw-new");
  panel.querySelector("#acc-pw-gen").addEventListener("click", () => { pw.value = newPassword(); pw.focus(); });
  panel.querySelector("#acc-pw").addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = pw.value;
    if (!value) { showError(panel.querySelector("#acc-pw"), "acc-pw-new", t("op.acc.password.missing")); return; }
    try {
      await api.post(`/api/v1/accounts/${encodeURIComponent(a.id)}/password`, { password: value });
      await reload(tf("op.acc.reset.done", { u: a.username, p: value }));
    } catch (ex) { showError(panel.querySelector("#acc-pw"), "acc-pw-new", ex.message); }
  });
  const stateForm = panel.querySelector("#acc-state");
  const confirmBox = panel.querySelector("#acc-confirm");
  const reason = panel.querySelector("#acc-reason");
  stateForm.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!reason.value.trim()) { showError(stateForm, "acc-reason", t("op.acc.reason.missing")); return; }
    confirmBox.hidden = false;
    panel.querySelector("#acc-confirm-yes").focus();
  });
  panel.querySelector("#acc-confirm-no").addEventListener("click", () => { confirmBox.hidden = true; panel.querySelector("#acc-state-go").focus(); });
  panel.querySelector("#acc-confirm-yes").addEventListener("click", async () => {
    try {
      await api.patch(`/api/v1/accounts/${encodeURIComponent(a.id)}`, { active: !a.active, reason: reason.value.trim() });
      await reload(tf(a.active ? "op.acc.disabled.done" : "op.acc.enabled.done", { u: a.username }));
    } catch (ex) { confirmBox.hidden = true; showError(stateForm, "acc-reason", ex.message); }
  });
}
