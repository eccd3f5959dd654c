// Standing orders (定期予約): every member's or one member's; a new one for a caller
// (from home to a designated place, weekdays, time, period); each order's dates with
// the ones that could not be placed and why; pause over a date range (a holiday) and
// resume; cancel with a reason (guarded by a confirm step) and restore.
import { lang, t, tf } from "/static/common/i18n.js";
import { esc, ymd, now, dayLabel, toast } from "/static/common/api.js";

const DAYS = [0, 1, 2, 3, 4, 5, 6];

function pattern(s) {
  const days = s.weekdays.map((d) => t(`op.ser.wd.${d}`)).join(t("op.ser.wd.sep"));
  return `${days} ${s.time}${s.time_mode === "arrive_by" ? ` ${t("op.ser.arrive")}` : ""}`;
}

function err(root, id, message) {
  for (const e of root.querySelectorAll(".ns-error")) e.textContent = "";
  for (const i of root.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  const box = root.querySelector(`#${id}-error`) || root.querySelector(".ns-error");
  box.textContent = message;
  const input = root.querySelector(`#${id}`);
  if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
}

export async function showSeries(api, el) {
  const st = { member: null };
  el.innerHTML = `<h1>${t("op.nav.series")}</h1>
    <form id="ser-find" class="row" role="search"><label for="ser-q">${t("op.ser.find")}</label>
      <input id="ser-q" type="search" autocomplete="off" aria-describedby="ser-q-hint"><button class="btn secondary" type="submit">${t("op.ser.find.go")}</button>
      <button class="btn tertiary" type="button" id="ser-all">${t("op.ser.all")}</button></form>
    <p class="muted small" id="ser-q-hint">${t("op.ser.find.hint")}</p>
    <ul class="res-list" id="ser-results"></ul>
    <section id="ser-member" hidden aria-labelledby="ser-member-title"></section>
    <section aria-labelledby="ser-list-title"><h2 id="ser-list-title"></h2><div id="ser-list"></div></section>
    <section id="ser-detail" class="col" hidden aria-labelledby="ser-detail-title"></section>`;
  const list = async () => {
    const url = st.member ? `/api/v1/series?member_id=${encodeURIComponent(st.member.id)}` : "/api/v1/series";
    el.querySelector("#ser-list-title").textContent = st.member ? tf("op.ser.of", { name: st.member.name }) : t("op.ser.all");
    let rows;
    try { rows = await api.get(url); } catch (ex) { el.querySelector("#ser-list").innerHTML = `<p class="notice error">${esc(ex.message)}</p>`; return; }
    if (!rows.length) { el.querySelector("#ser-list").innerHTML = `<p class="notice">${t("op.ser.none")}</p>`; return; }
    el.querySelector("#ser-list").innerHTML = `<table class="day-table" id="ser-table"><caption class="visually-hidden">${t("op.nav.series")}</caption>
      <thead><tr><th scope="col">${t("op.ser.member")}</th><th scope="col">${t("op.ser.pattern")}</th><th scope="col">${t("op.ser.trip")}</th>
      <th scope="col">${t("op.ser.period")}</th><th scope="col">${t("op.ser.counts")}</th><th scope="col">${t("op.ser.state")}</th><th scope="col"><span class="visually-hidden">${t("op.ser.open")}</span></th></tr></thead>
      <tbody>${rows.map((s) => `<tr data-id="${esc(s.id)}"><th scope="row">${esc(s.member_name)} <span class="muted">${esc(s.member_number || "")}</span></th>
        <td>${esc(pattern(s))}</td><td>${esc(s.from_label)} → ${esc(s.to_label)}</td><td class="nowrap">${esc(s.start_date)} 〜 ${esc(s.until)}</td>
        <td>${esc(tf("op.ser.count", { b: s.booked, u: s.unplaced, p: s.paused }))}</td>
        <td>${s.active ? t("op.ser.active") : `<strong>${t("op.ser.cancelled")}</strong>`}</td>
        <td><button type="button" class="btn secondary small ser-open" data-id="${esc(s.id)}" aria-controls="ser-detail">${t("op.ser.open")}</button></td></tr>`).join("")}</tbody></table>`;
    for (const b of el.querySelectorAll(".ser-open")) b.addEventListener("click", () => detail(b.dataset.id));
  };

  async function detail(id, note = "") {
    const box = el.querySelector("#ser-detail");
    let s;
    try { s = await api.get(`/api/v1/series/${encodeURIComponent(id)}`); } catch (ex) { toast(ex.message, "error"); return; }
    const en = lang() === "en";
    const occ = s.occurrences.map((o) => `<tr data-date="${esc(o.date)}" data-status="${esc(o.status)}"><th scope="row">${esc(dayLabel(`${o.date}T03:00:00Z`))}</th>
      <td>${o.status === "unplaced" ? `<strong>${t(`op.ser.st.${o.status}`)}</strong>` : t(`op.ser.st.${o.status}`)}</td>
      <td>${esc(en ? o.message_en : o.message_ja)}</td></tr>`).join("");
    const pauses = s.pauses.map((p) => `<li data-pause="${esc(p.id)}">${esc(p.start_date)} 〜 ${esc(p.end_date)} · ${esc(p.reason)}
      ${p.resumed ? `<span class="tag">${t("op.ser.resumed")}</span>` : `<button type="button" class="btn secondary small ser-resume" data-pause="${esc(p.id)}">${t("op.ser.resume")}</button>`}</li>`).join("");
    box.hidden = false;
    box.innerHTML = `<h2 id="ser-detail-title" tabindex="-1">${esc(s.member_name)} · ${esc(pattern(s))} · ${esc(s.from_label)} → ${esc(s.to_label)}</h2>
      <p id="ser-note" class="notice" role="status">${esc(note)}</p>
      <table class="day-table" id="ser-occ"><caption>${t("op.ser.dates")}</caption><thead><tr><th scope="col">${t("op.ser.date")}</th>
      <th scope="col">${t("op.ser.state")}</th><th scope="col">${t("op.ser.why")}</th></tr></thead><tbody>${occ}</tbody></table>
      <h3>${t("op.ser.pauses")}</h3>${pauses ? `<ul class="recent" id="ser-pauses">${pauses}</ul>` : `<p class="muted">${t("op.ser.no_pauses")}</p>`}
      ${s.active ? `<form id="ser-pause" class="ns-form" novalidate><h3>${t("op.ser.pause")}</h3><div class="row">
        <div class="field"><label for="sp-from">${t("op.ser.pause.from")}</label><input id="sp-from" type="date" aria-describedby="sp-from-error"></div>
        <div class="field"><label for="sp-to">${t("op.ser.pause.to")}</label><input id="sp-to" type="date" aria-describedby="sp-to-error"></div>
        <div class="field"><label for="sp-reason">${t("op.ser.reason")}</label><input id="sp-reason" type="text" autocomplete="off" aria-required="true" aria-describedby="sp-reason-error"></div></div>
        <p class="ns-error" id="sp-from-error"></p><p class="ns-error" id="sp-to-error"></p><p class="ns-error" id="sp-reason-error" role="alert"></p>
        <button type="submit" class="btn small" id="sp-go">${t("op.ser.pause.go")}</button></form>
      <form id="ser-cancel" class="ns-form" novalidate><h3>${t("op.ser.cancel")}</h3>
        <div class="field"><label for="sc-reason">${t("op.ser.reason")}</label><input id="sc-reason" type="text" autocomplete="off" aria-required="true" aria-describedby="sc-reason-error"></div>
        <p class="ns-error" id="sc-reason-error" role="alert"></p>
        <button type="submit" class="btn small danger" id="sc-go">${t("op.ser.cancel")}</button>
        <div id="sc-confirm" class="notice warning" hidden><p>${t("op.ser.cancel.confirm")}</p><div class="row">
          <button type="button" class="btn small danger" id="sc-yes">${t("op.ser.cancel.yes")}</button><button type="button" class="btn tertiary small" id="sc-no">${t("common.cancel")}</button></div></div></form>`
      : `<form id="ser-restore" class="ns-form" novalidate><h3>${t("op.ser.restore")}</h3>
        <div class="field"><label for="sr-reason">${t("op.ser.reason")}</label><input id="sr-reason" type="text" autocomplete="off" aria-required="true" aria-describedby="sr-reason-error"></div>
        <p class="ns-error" id="sr-reason-error" role="alert"></p><button type="submit" class="btn small" id="sr-go">${t("op.ser.restore")}</button></form>`}`;
    box.querySelector("#ser-detail-title").focus();
    const done = async (res, key) => {
      const failed = (res.failed || []).length;
      await detail(id, tf(key, { c: (res.cancelled || []).length, b: (res.booked || []).length, f: failed }));
      list();
    };
    for (const b of box.querySelectorAll(".ser-resume")) {
      b.addEventListener("click", async () => {
        try { await done(await api.post(`/api/v1/series/${encodeURIComponent(id)}/pauses/${encodeURIComponent(b.dataset.pause)}/resume`, {}), "op.ser.resumed.done"); } catch (ex) { toast(ex.message, "error"); }
      });
    }
    box.querySelector("#ser-pause")?.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = e.currentTarget;
      const body = { start_date: f.querySelector("#sp-from").value, end_date: f.querySelector("#sp-to").value, reason: f.querySelector("#sp-reason").value.trim() };
      if (!body.start_date) { err(f, "sp-from", t("op.ser.date.missing")); return; }
      if (!body.end_date) { err(f, "sp-to", t("op.ser.date.missing")); return; }
      if (!body.reason) { err(f, "sp-reason", t("op.ser.reason.missing")); return; }
      try { await done(await api.post(`/api/v1/series/${encodeURIComponent(id)}/pause`, body), "op.ser.paused.done"); } catch (ex) { err(f, ex.code === "bad_period" ? "sp-to" : "sp-reason", ex.message); }
    });
    const cancel = box.querySelector("#ser-cancel");
    if (cancel) {
      const confirmBox = cancel.querySelector("#sc-confirm");
      cancel.addEventListener("submit", (e) => {
        e.preventDefault();
        if (!cancel.querySelector("#sc-reason").value.trim()) { err(cancel, "sc-reason", t("op.ser.reason.missing")); return; }
        confirmBox.hidden = false;
        cancel.querySelector("#sc-yes").focus();
      });
      cancel.querySelector("#sc-no").addEventListener("click", () => { confirmBox.hidden = true; cancel.querySelector("#sc-go").focus(); });
      cancel.querySelector("#sc-yes").addEventListener("click", async () => {
        try { await done(await api.post(`/api/v1/series/${encodeURIComponent(id)}/cancel`, { reason: cancel.querySelector("#sc-reason").value.trim() }), "op.ser.cancelled.done"); } catch (ex) { confirmBox.hidden = true; err(cancel, "sc-reason", ex.message); }
      });
    }
    box.querySelector("#ser-restore")?.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = e.currentTarget;
      const reason = f.querySelector("#sr-reason").value.trim();
      if (!reason) { err(f, "sr-reason", t("op.ser.reason.missing")); return; }
      try { await done(await api.post(`/api/v1/series/${encodeURIComponent(id)}/restore`, { reason }), "op.ser.restored.done"); } catch (ex) { err(f, "sr-reason", ex.message); }
    });
  }

  function memberForm(m) {
    const box = el.querySelector("#ser-member");
    const today = ymd(now());
    box.hidden = false;
    box.innerHTML = `<form id="ser-new" class="col" novalidate aria-labelledby="ser-member-title"><h2 id="ser-member-title">${tf("op.ser.new", { name: esc(m.name) })}</h2>
      <fieldset><legend>${t("op.ser.weekdays")}</legend><div class="opts">${DAYS.map((d) => `<label><input type="checkbox" name="wd" value="${d}"> ${t(`op.ser.wd.${d}`)}</label>`).join("")}</div></fieldset>
      <p class="ns-error" id="sn-wd-error"></p>
      <div class="row"><div class="field"><label for="sn-time">${t("op.ser.time")}</label><input id="sn-time" type="time" value="10:00" aria-describedby="sn-time-error"></div>
      <div class="field"><label for="sn-mode">${t("op.ser.mode")}</label><select id="sn-mode"><option value="depart_at">${t("op.ser.depart")}</option><option value="arrive_by">${t("op.ser.arrive")}</option></select></div>
      <div class="field"><label for="sn-start">${t("op.ser.start")}</label><input id="sn-start" type="date" value="${today}" aria-describedby="sn-start-error"></div>
      <div class="field"><label for="sn-until">${t("op.ser.until")}</label><input id="sn-until" type="date" aria-describedby="sn-until-hint sn-until-error"><p class="muted small" id="sn-until-hint">${t("op.ser.until.hint")}</p></div></div>
      <p class="ns-error" id="sn-time-error"></p><p class="ns-error" id="sn-start-error"></p><p class="ns-error" id="sn-until-error"></p>
      <p>${t("op.ser.from_home")}</p>
      <div class="field"><label for="sn-to">${t("op.ser.to")}</label><input id="sn-to" type="search" autocomplete="off" aria-describedby="sn-to-error sn-to-chosen"></div>
      <ul class="opts" id="sn-to-results"></ul><p class="chosen" id="sn-to-chosen" aria-live="polite"></p><p class="ns-error" id="sn-to-error"></p>
      <button type="submit" class="btn" id="sn-go">${t("op.ser.create")}</button><p class="ns-error" id="sn-error" role="alert"></p></form>`;
    const f = box.querySelector("#ser-new");
    let place = null;
    const to = f.querySelector("#sn-to");
    let timer = null;
    to.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const v = to.value.trim();
        const found = v ? await api.get(`/api/v1/places?q=${encodeURIComponent(v)}&limit=6`).catch(() => []) : [];
        f.querySelector("#sn-to-results").innerHTML = found.map((p) => `<li><button type="button" class="btn secondary small sn-place" data-id="${esc(p.id)}" data-name="${esc(p.name)}">${esc(p.name)}</button></li>`).join("");
        for (const b of f.querySelectorAll(".sn-place")) b.addEventListener("click", () => { place = { id: b.dataset.id, name: b.dataset.name }; f.querySelector("#sn-to-chosen").textContent = tf("op.ser.to.chosen", { name: place.name }); f.querySelector("#sn-go").focus(); });
      }, 250);
    });
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const weekdays = [...f.querySelectorAll("input[name=wd]:checked")].map((c) => Number(c.value));
      if (!weekdays.length) { err(f, "sn-wd", t("op.ser.weekdays.missing")); f.querySelector("input[name=wd]").focus(); return; }
      if (!f.querySelector("#sn-until").value) { err(f, "sn-until", t("op.ser.date.missing")); return; }
      if (!place) { err(f, "sn-to", t("op.ser.to.missing")); return; }
      const body = { member_id: m.id, weekdays, time: f.querySelector("#sn-time").value, time_mode: f.querySelector("#sn-mode").value,
        start_date: f.querySelector("#sn-start").value, until: f.querySelector("#sn-until").value, from: { home: true }, to: { place_id: place.id } };
      f.querySelector("#sn-go").disabled = true;
      try {
        const res = await api.post("/api/v1/series", body);
        await list();
        await detail(res.series_id, tf("op.ser.created", { b: res.booked.length, f: res.failed.length }));
      } catch (ex) {
        const field = ex.detail?.errors?.[0]?.field?.split(".").pop();
        err(f, { start_date: "sn-start", until: "sn-until", time: "sn-time" }[field] || (ex.code === "bad_period" ? "sn-until" : "sn"), ex.message);
      } finally { f.querySelector("#sn-go").disabled = false; }
    });
  }

  el.querySelector("#ser-find").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = el.querySelector("#ser-q").value.trim();
    if (!q) return;
    const box = el.querySelector("#ser-results");
    let rows = [];
    try { rows = await api.get(`/api/v1/members?q=${encodeURIComponent(q)}&status=approved&limit=10`); } catch (ex) { box.innerHTML = `<li class="notice error">${esc(ex.message)}</li>`; return; }
    box.innerHTML = rows.length ? rows.map((m) => `<li><button type="button" class="res ser-pick" data-id="${esc(m.id)}">${esc(m.name)} <span class="muted">${esc(m.kana)} · ${esc(m.member_number || "")} · ${esc(m.phone)}</span></button></li>`).join("")
      : `<li class="notice">${t("op.ser.no_member")}</li>`;
    for (const b of box.querySelectorAll(".ser-pick")) {
      b.addEventListener("click", () => { st.member = rows.find((m) => m.id === b.dataset.id); box.innerHTML = ""; memberForm(st.member); list(); el.querySelector("#ser-new input[name=wd]").focus(); });
    }
  });
  el.querySelector("#ser-all").addEventListener("click", () => { st.member = null; el.querySelector("#ser-member").hidden = true; list(); });
  list();
}
