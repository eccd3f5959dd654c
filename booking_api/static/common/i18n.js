// One small dictionary for the three apps: Japanese first, English on request.
// Elements carry data-i18n (text), data-i18n-ph (placeholder), data-i18n-aria (aria-label).
const DICT = {
  "app.name": ["のりあい", "Noriai"],
  "app.sub": ["デマンドタクシー予約", "Shared taxi booking"],
  "app.operator": ["オペレーター画面", "Operator console"],
  "app.driver": ["乗務員タブレット", "Driver tablet"],
  "lang.switch": ["English", "日本語"],
  "lang.switch.aria": ["Switch to English", "日本語に切り替える"],
  "nav.main": ["メインメニュー", "Main menu"],
  "nav.book": ["予約する", "Book a ride"],
  "nav.bookings": ["予約の確認", "My bookings"],
  "nav.logout": ["ログアウト", "Log out"],
  "nav.login": ["ログイン", "Log in"],
  "nav.register": ["利用登録", "Register"],
  "error.generic": ["エラーが起きました。もう一度お試しください。", "Something went wrong. Please try again."],
  "error.offline": ["通信できません。電波の良い所で、もう一度お試しください。", "No connection. Please try again where the signal is better."],
  "error.invalid": ["入力内容を確認してください。", "Please check what you entered."],
  "map.label": ["地図", "Map"],
  "common.back": ["戻る", "Back"],
  "common.next": ["次へ", "Next"],
  "common.cancel": ["やめる", "Cancel"],
  "common.yes": ["はい", "Yes"],
  "common.no": ["いいえ", "No"],
  "common.search": ["検索", "Search"],
  "common.people": ["人", "people"],
  "common.yen": ["円", "yen"],
  "common.loading": ["読み込み中…", "Loading…"],
  "common.required": ["必須", "Required"],
  "common.close": ["閉じる", "Close"],
  // Residents: welcome, login, registration
  "welcome.title": ["デマンドタクシーを予約する", "Book a shared taxi"],
  "welcome.lead": ["ご自宅から病院・お買い物・市役所まで、予約制の乗合タクシーがお送りします。", "A booked shared taxi takes you from home to the hospital, the shops or the city hall."],
  "welcome.login": ["ログインして予約する", "Log in and book"],
  "welcome.register": ["はじめての方（利用登録）", "First time? Register"],
  "welcome.phone": ["お電話でも予約できます", "You can also book by phone"],
  "login.title": ["ログイン", "Log in"],
  "login.id": ["会員番号または電話番号", "Member number or phone number"],
  "login.id.hint": ["例：K000123 または 09012345678", "e.g. K000123 or 09012345678"],
  "login.password": ["パスワード", "Password"],
  "login.submit": ["ログイン", "Log in"],
  "login.forgot": ["パスワードを忘れたときは、窓口にお電話ください。係員が再設定します。", "Forgot your password? Call us and staff will reset it."],
  "reg.title": ["利用登録の申し込み", "Apply for registration"],
  "reg.lead": ["入力した内容はこの端末に自動で保存されます。途中でやめても、続きから入力できます。", "What you type is saved on this device, so you can stop and continue later."],
  "reg.next": ["申し込み後、職員が内容を確認して登録します（通常2〜3日）。登録が済むと会員番号をお知らせします。", "After you apply, staff check your application (usually 2–3 days). We will tell you your member number once you are registered."],
  "reg.name": ["お名前", "Full name"],
  "reg.kana": ["ふりがな", "Name in kana"],
  "reg.birth": ["生年月日", "Date of birth"],
  "reg.phone": ["電話番号", "Phone number"],
  "reg.phone.hint": ["ハイフンなしで入力（例：09012345678）", "Digits only (e.g. 09012345678)"],
  "reg.address": ["ご住所", "Address"],
  "reg.home": ["ご自宅の位置", "Where your home is"],
  "reg.home.hint": ["地図でご自宅の場所をタップしてください。車がお迎えにあがる場所です。", "Tap your home on the map. This is where the car picks you up."],
  "reg.locate": ["住所から地図の位置を探す", "Find my address on the map"],
  "reg.locate.none": ["住所が見つかりません。地図をタップしてください。", "Address not found. Please tap the map."],
  "reg.home.set": ["ご自宅の位置を設定しました", "Home location set"],
  "reg.needs": ["お手伝いが必要なこと", "Help you need"],
  "reg.wheelchair": ["車いすを使う", "I use a wheelchair"],
  "reg.walking": ["つえ・歩行器を使う", "I use a cane or walker"],
  "reg.help": ["乗り降りに手助けが必要", "I need help getting in and out"],
  "reg.companion": ["付き添いの方と乗ることがある", "I sometimes travel with a companion"],
  "reg.emergency": ["緊急連絡先", "Emergency contact"],
  "reg.emergency.name": ["緊急連絡先のお名前", "Emergency contact name"],
  "reg.emergency.phone": ["緊急連絡先の電話番号", "Emergency contact phone"],
  "reg.password": ["パスワード（4文字以上）", "Password (4 characters or more)"],
  "reg.terms": ["利用規約に同意します", "I agree to the terms of use"],
  "reg.privacy": ["個人情報の取り扱いに同意します", "I agree to the privacy policy"],
  "reg.submit": ["申し込む", "Apply"],
  "reg.saved": ["入力内容を保存しました", "Your entries are saved"],
  "reg.done.title": ["お申し込みを受け付けました", "We received your application"],
  "reg.done.body": ["職員が内容を確認します。登録が済みましたら、お電話または郵便でお知らせします。それまでお待ちください。", "Staff will review it. When you are registered we will call you or write to you. Please wait until then."],
  "reg.steps": ["登録までの流れ", "Steps to registration"],
  "reg.step1": ["申し込み（この画面）", "Apply (this screen)"],
  "reg.step2": ["職員が確認・承認", "Staff review and approve"],
  "reg.step3": ["会員番号をお知らせ → 予約できます", "You get your member number → you can book"],
  // Booking flow
  "book.title": ["予約する", "Book a ride"],
  "book.step": ["ステップ", "Step"],
  "book.from": ["どこから乗りますか", "Where are you starting from?"],
  "book.from.home": ["自宅", "Home"],
  "book.from.saved": ["登録した場所", "Saved places"],
  "book.search": ["住所や施設名でさがす", "Search by address or name"],
  "book.to": ["どこへ行きますか", "Where are you going?"],
  "book.to.map": ["地図で選ぶ", "Choose on the map"],
  "book.to.map.hint": ["地図をタップして行き先を選んでください。", "Tap the map to choose where to go."],
  "book.to.mappoint": ["地図で選んだ場所", "Point on the map"],
  "book.when": ["いつ乗りますか", "When?"],
  "book.date": ["日にち", "Day"],
  "book.today": ["今日", "Today"],
  "book.tomorrow": ["明日", "Tomorrow"],
  "book.time": ["時刻", "Time"],
  "book.mode.depart": ["この時刻に出発したい", "Leave at this time"],
  "book.mode.arrive": ["この時刻までに着きたい（病院の予約など）", "Arrive by this time (e.g. appointment)"],
  "book.return": ["帰りも予約する（往復）", "Also book the return trip"],
  "book.return.time": ["帰りの出発時刻", "Return departure time"],
  "book.who": ["何人で乗りますか", "How many people?"],
  "book.party": ["乗る人数（ご本人を含む）", "Number of riders (including you)"],
  "book.minus": ["1人減らす", "One fewer"],
  "book.plus": ["1人増やす", "One more"],
  "book.wheelchair": ["車いすで乗る", "Riding in a wheelchair"],
  "book.notes": ["運転手への連絡（任意）", "Note for the driver (optional)"],
  "book.quote": ["空きを確認する", "Check availability"],
  "book.offer.title": ["この内容で予約できます", "This ride is available"],
  "book.offer.pickup": ["{a}〜{b} にお迎えにあがります", "We will pick you up between {a} and {b}"],
  "book.offer.arrive": ["到着予定 {t}", "Expected arrival {t}"],
  "book.offer.return": ["帰り", "Return"],
  "book.offer.go": ["行き", "Outward"],
  "book.offer.fare": ["運賃 {y}円（降りるときにお支払いください）", "Fare {y} yen (pay when you get off)"],
  "book.offer.hold": ["この予約枠はあと {m}分{s}秒 お取りしています", "We hold this slot for {m} min {s} s"],
  "book.offer.expired": ["お取りしていた時間が過ぎました。もう一度空きを確認してください。", "The hold has ended. Please check availability again."],
  "book.confirm": ["この内容で予約する", "Book this ride"],
  "book.full": ["ご希望の時刻は満席です。次の時刻なら空いています：", "Your time is full. These times are free:"],
  "book.alt": ["{a}〜{b} のお迎え", "Pickup {a}–{b}"],
  "book.done.title": ["予約しました", "Your ride is booked"],
  "book.done.body": ["当日、お迎えの時間にご自宅の前などでお待ちください。", "On the day, please wait outside at the pickup time."],
  "book.again": ["続けて予約する", "Book another"],
  "book.summary": ["予約内容", "Your ride"],
  "book.missing": ["まだ選ばれていない項目があります。", "Something has not been chosen yet."],
  "cat.hospital": ["病院・医院", "Hospitals"],
  "cat.shopping": ["買い物", "Shopping"],
  "cat.city_hall": ["市役所", "City hall"],
  "cat.bank_post": ["銀行・郵便局", "Banks & post"],
  "cat.public": ["公共施設", "Public facilities"],
  // My bookings
  "my.title": ["予約の確認", "My bookings"],
  "my.upcoming": ["これからの予約", "Upcoming"],
  "my.past": ["これまでの乗車", "Past rides"],
  "my.none": ["予約はありません。", "No bookings."],
  "my.cancel": ["この予約を取り消す", "Cancel this booking"],
  "my.cancel.confirm": ["{d} {t} の予約を取り消しますか？", "Cancel the ride on {d} at {t}?"],
  "my.cancel.yes": ["取り消す", "Yes, cancel"],
  "my.cancelled": ["予約を取り消しました", "The booking is cancelled"],
  "my.live.min": ["車はあと約{m}分で着きます", "The car is about {m} minutes away"],
  "my.live.soon": ["まもなく到着します", "The car is arriving"],
  "status.requested": ["受付中", "Requested"],
  "status.offered": ["仮予約", "Offered"],
  "status.booked": ["予約済み", "Booked"],
  "status.assigned": ["予約済み（車両決定）", "Booked (car assigned)"],
  "status.en_route": ["お迎えに向かっています", "Car on its way"],
  "status.arrived": ["車が到着しました", "Car has arrived"],
  "status.on_board": ["乗車中", "On board"],
  "status.completed": ["乗車完了", "Completed"],
  "status.cancelled": ["取り消し", "Cancelled"],
  "status.no_show": ["不在", "No-show"],
  "status.rejected": ["お受けできませんでした", "Declined"],
  // Operators
  "op.nav.call": ["電話予約", "Phone booking"],
  "op.nav.approvals": ["登録承認", "Approvals"],
  "op.nav.board": ["運行状況", "Day board"],
  "op.nav.reports": ["集計", "Reports"],
  "op.login.title": ["オペレーター ログイン", "Operator log in"],
  "op.login.user": ["ユーザー名", "Username"],
  "op.search": ["電話番号・ふりがなで検索", "Search by phone digits or kana"],
  "op.search.hint": ["入力して Enter。↑↓で選択、Enter で決定", "Type and press Enter. ↑↓ to pick, Enter to choose"],
  "op.results": ["検索結果", "Results"],
  "op.noresult": ["該当する会員がいません", "No member found"],
  "op.card": ["会員情報", "Member card"],
  "op.needs": ["配慮事項", "Needs"],
  "op.saved": ["登録場所", "Saved places"],
  "op.recent": ["最近の乗車", "Recent rides"],
  "op.notes": ["メモ", "Notes"],
  "op.from": ["乗車地", "Pickup"],
  "op.to": ["降車地", "Drop-off"],
  "op.place.hint": ["番号キーまたは名前で選択（h=自宅）", "Pick by number or name (h = home)"],
  "op.quote": ["見積もり", "Quote"],
  "op.confirm": ["予約確定", "Confirm booking"],
  "op.booked": ["予約を確定しました", "Booking confirmed"],
  "op.new": ["次の電話へ", "Next call"],
  "op.keys": ["ショートカット", "Shortcuts"],
  "op.alts": ["満席です。代わりの時刻：", "Full. Alternative times:"],
  "op.pending": ["承認待ちの申し込み", "Applications waiting"],
  "op.approve": ["承認する", "Approve"],
  "op.reject": ["却下する", "Reject"],
  "op.reject.reason": ["却下の理由", "Reason for rejection"],
  "op.approved": ["承認しました。会員番号 {n}", "Approved. Member number {n}"],
  "op.none.pending": ["承認待ちの申し込みはありません。", "No applications waiting."],
  "op.board.vehicles": ["車両ごとの予定", "Timeline per vehicle"],
  "op.board.map": ["車両の現在地", "Vehicle positions"],
  "op.board.alerts": ["アラート", "Alerts"],
  "op.board.unassigned": ["未割当", "Unassigned"],
  "op.board.noalerts": ["アラートはありません", "No alerts"],
  "op.reports.range": ["期間", "Period"],
  "op.reports.csv": ["CSVをダウンロード", "Download CSV"],
  "op.reports.rides": ["1日の乗車数", "Rides per day"],
  "op.reports.shared": ["相乗り率", "Shared-ride share"],
  "op.reports.occ": ["平均乗車人数", "Occupancy"],
  "op.reports.noshow": ["不在", "No-shows"],
  "op.reports.online": ["オンライン登録率", "Online registrations"],
  // Drivers
  "dr.login.title": ["乗務員 ログイン", "Driver log in"],
  "dr.next": ["次の停車", "Next stop"],
  "dr.pickup": ["お迎え", "Pick up"],
  "dr.dropoff": ["お送り", "Drop off"],
  "dr.rest": ["本日の予定", "Rest of the day"],
  "dr.none": ["本日の予定はすべて終わりました", "All stops for today are done"],
  "dr.arrived": ["到着", "Arrived"],
  "dr.boarded": ["乗車", "Boarded"],
  "dr.noshow": ["不在", "No-show"],
  "dr.dropped": ["降車", "Dropped off"],
  "dr.noshow.confirm": ["{n} 様は不在でよろしいですか？", "Mark {n} as a no-show?"],
  "dr.offline": ["通信が切れています。操作は保存され、つながったら送信します。", "Offline. Taps are saved and sent when the connection returns."],
  "dr.queued": ["未送信 {n} 件", "{n} taps waiting"],
  "dr.changed": ["予定が変わりました", "The schedule changed"],
  "dr.party": ["{n}名", "{n} riders"],
  "dr.wheelchair": ["車いす", "Wheelchair"],
  "dr.help": ["乗降介助", "Help boarding"],
  "dr.walking": ["つえ・歩行器", "Cane / walker"],
  "dr.call": ["電話", "Call"],
  "dr.sound": ["音を出す", "Enable sound"],
};

const KEY = "noriai.lang";

export function lang() {
  return localStorage.getItem(KEY) === "en" ? "en" : "ja";
}

export function t(key, forceLang, vars) {
  const entry = DICT[key];
  const l = forceLang || lang();
  let s = entry ? entry[l === "en" ? 1 : 0] : key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function tf(key, vars) {
  return t(key, undefined, vars);
}

export function applyI18n(root = document) {
  document.documentElement.lang = lang();
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-ph]")) el.placeholder = t(el.dataset.i18nPh);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
}

export function setLang(l) {
  localStorage.setItem(KEY, l);
  applyI18n();
  document.dispatchEvent(new CustomEvent("langchange"));
}

// Wires a <button class="lang-switch"> to toggle between the two languages.
export function initLangSwitch(btn) {
  const label = () => {
    btn.textContent = t("lang.switch");
    btn.setAttribute("aria-label", t("lang.switch.aria"));
    btn.lang = lang() === "ja" ? "en" : "ja";
  };
  label();
  btn.addEventListener("click", () => { setLang(lang() === "ja" ? "en" : "ja"); label(); });
}
