// The demo CRM's page: what the product's signed webhooks delivered, newest first (polled).
const rows = document.getElementById('events');
const summary = document.getElementById('summary');
const empty = document.getElementById('empty');

// the demo company is in China: its times read in Beijing time whatever the browser's zone
// ("12-07 09:31:05", as the sandbox page writes times)
const stampFormat = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const time = (iso) => stampFormat.format(new Date(iso)).replace(/\//g, '-');
const cell = (text, cls) => {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
};

function describe(e, people) {
  const d = e.data;
  const who = (id) => (id ? (people[id] ?? id) : '—');
  switch (e.type) {
    case 'lead.created':
      return ['新线索', `进入「${d.stage?.label ?? d.lead?.stage ?? ''}」${d.lead?.source ? `，来源 ${d.lead.source}` : ''}`];
    case 'lead.stage_changed':
      return ['阶段变更', `${d.from?.label ?? '—'} → ${d.to?.label ?? ''}${d.reason ? `（${d.reason}）` : ''}`];
    case 'lead.assigned':
      return ['分配', `${who(d.owner)}${d.accepted ? '（已归属）' : '（待认领）'}：${d.why ?? d.via ?? ''}`];
    case 'lead.accepted':
      return ['认领', `${who(d.owner)} 已认领`];
    case 'lead.returned':
      return ['退回', `${who(d.owner)}：${d.reason}${d.note ? `（${d.note}）` : ''}`];
    case 'lead.score_threshold_crossed':
      return ['评分达到阈值', `${d.before} → ${d.score}，达到「${d.stage?.label ?? d.stage}」阈值 ${d.threshold}`];
    case 'webhook.test':
      return ['测试事件', '订阅可用'];
    default:
      return [e.type, ''];
  }
}

async function refresh() {
  try {
    const r = await (await fetch('/demo/crm/events')).json();
    const c = r.counts;
    summary.textContent = r.ready ? `已接收 ${c.accepted} 条（签名均已校验）· 重复投递 ${c.duplicates} 次（已按 webhook-id 去重）· 签名不符被拒 ${c.refused} 次` : '线索旅程尚未启动完成，订阅还没有建立…';
    rows.replaceChildren(
      ...r.events.map((e) => {
        const [what, detail] = describe(e, r.people);
        const tr = document.createElement('tr');
        const kind = cell(what);
        kind.append(document.createElement('br'), Object.assign(document.createElement('span'), { className: 'type', textContent: e.type }));
        const lead = e.data.lead ?? {};
        const body = cell(detail);
        if (e.deliveries > 1) body.append(document.createElement('br'), Object.assign(document.createElement('span'), { className: 'dup', textContent: `投递 ${e.deliveries} 次，只记一次` }));
        tr.append(cell(time(e.timestamp)), kind, cell([lead.key, lead.company, lead.contact].filter(Boolean).join(' · ')), body);
        return tr;
      }),
    );
    empty.hidden = r.events.length > 0;
  } catch {
    summary.textContent = '读取失败，稍后重试…';
  }
}
void refresh();
setInterval(refresh, 2000);
