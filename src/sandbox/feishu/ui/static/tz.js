// Bitable dates are ms timestamps; the grid shows and edits them in the Base's time zone (not the
// browser's), as Feishu does. Every other time on the page (messages, card versions, deliveries, the
// sandbox clock) reads one way too: the team's time zone, "MM-dd HH:mm" as the cards write it.

const pad = (n) => String(n).padStart(2, '0');

function partsIn(ms, tz) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { y: Number(p.year), M: Number(p.month), d: Number(p.day), H: Number(p.hour) % 24, m: Number(p.minute), s: Number(p.second) };
}

function offsetMs(ms, tz) {
  const p = partsIn(ms, tz);
  return Date.UTC(p.y, p.M - 1, p.d, p.H, p.m, p.s) - Math.floor(ms / 1000) * 1000;
}

/** Wall-clock time in `tz` → ms. */
export function zonedToMs(y, M, d, H, m, tz) {
  const guess = Date.UTC(y, M - 1, d, H, m);
  let ms = guess - offsetMs(guess, tz);
  const again = guess - offsetMs(ms, tz);
  if (again !== ms) ms = again;
  return ms;
}

/** Format with a Bitable date_formatter such as "yyyy-MM-dd HH:mm" (and ss for seconds). */
export function formatDate(ms, tz, fmt = 'yyyy/MM/dd') {
  const p = partsIn(ms, tz);
  return fmt.replace(/yyyy|MM|dd|HH|mm|ss/g, (tok) => ({ yyyy: String(p.y), MM: pad(p.M), dd: pad(p.d), HH: pad(p.H), mm: pad(p.m), ss: pad(p.s) })[tok]);
}

let teamTz = 'Asia/Shanghai';
/** the team's time zone (the Bitable module's), set once the page knows it */
export function setTeamTimeZone(tz) {
  if (tz) teamTz = tz;
}

/** A moment on the page: "12-07 09:31" (with seconds: "12-07 09:31:05") in the team's time zone. */
export function stamp(ms, { seconds = false } = {}) {
  return formatDate(ms, teamTz, seconds ? 'MM-dd HH:mm:ss' : 'MM-dd HH:mm');
}

const WEEKDAY = { zh: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'], en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] };
/** The sandbox clock: "12-07 周一 09:31" / "12-07 Mon 09:31". */
export function stampWithDay(ms, lang) {
  const p = partsIn(ms, teamTz);
  const dow = new Date(Date.UTC(p.y, p.M - 1, p.d)).getUTCDay();
  return `${pad(p.M)}-${pad(p.d)} ${WEEKDAY[lang === 'en' ? 'en' : 'zh'][dow]} ${pad(p.H)}:${pad(p.m)}`;
}

/** Value for <input type="date"> / "datetime-local". */
export function toInputValue(ms, tz, withTime) {
  const p = partsIn(ms, tz);
  const date = `${p.y}-${pad(p.M)}-${pad(p.d)}`;
  return withTime ? `${date}T${pad(p.H)}:${pad(p.m)}` : date;
}

export function fromInputValue(s, tz) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(s);
  if (!m) return undefined;
  return zonedToMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), tz);
}
