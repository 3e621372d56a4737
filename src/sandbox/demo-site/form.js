// The demo website's form: posts to the product's POST /api/leads from the browser, as a marketer's
// landing page would (JSON, the source's API key, an Idempotency-Key kept across retries of one fill).
const form = document.getElementById('lead-form');
const result = document.getElementById('result');
const button = document.getElementById('submit');
let idempotencyKey = crypto.randomUUID();

const show = (text, ok) => {
  result.textContent = text;
  result.className = ok ? 'ok' : 'bad';
};
const clearErrors = () => {
  for (const el of form.querySelectorAll('.err')) el.textContent = '';
};
// any edit makes it a new submission
form.addEventListener('input', () => {
  idempotencyKey = crypto.randomUUID();
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors();
  const data = Object.fromEntries(new FormData(form));
  const body = {};
  for (const [k, v] of Object.entries(data)) if (k !== 'demo' && String(v).trim()) body[k] = String(v).trim();
  if (data.demo) body.activity = '申请演示';
  button.disabled = true;
  show('提交中…', true);
  try {
    const config = await (await fetch('/demo/form/config')).json();
    if (!config.endpoint) throw new Error('线索旅程尚未启动完成，请稍后再试');
    const res = await fetch(config.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.apiKey}`, 'idempotency-key': idempotencyKey, 'accept-language': 'zh-CN' },
      body: JSON.stringify(body),
    });
    const answer = await res.json().catch(() => ({}));
    if (res.status === 202) {
      show(answer.status === 'merged' ? `提交成功：我们已有您的信息（线索编号 ${answer.id}），顾问会尽快联系您。` : `提交成功，线索编号 ${answer.id}。顾问将在 1 个工作日内联系您。`, true);
      form.dataset.leadId = answer.id;
      // the sandbox page's 「试一试」 (same origin) follows this lead
      try {
        localStorage.setItem('lj.tour.formLead', JSON.stringify({ id: answer.id, company: body.company }));
      } catch {
        /* storage off: the walk cannot follow this lead; the form works the same */
      }
      document.getElementById('download').disabled = false;
      return;
    }
    for (const err of answer.errors ?? []) {
      for (const field of String(err.field).split('|')) {
        const slot = form.querySelector(`.err[data-for="${CSS.escape(field)}"]`);
        if (slot) slot.textContent = err.message;
      }
    }
    show(answer.message ?? `提交失败（HTTP ${res.status}）`, false);
  } catch (err) {
    show(`提交失败：${err instanceof Error ? err.message : String(err)}`, false);
  } finally {
    button.disabled = false;
  }
});

// A download after the form: a behaviour event for the marketing side, posted to /api/activities (each
// click its own event id), which the product records once and scores as 下载资料.
document.getElementById('download-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = document.getElementById('download-result');
  try {
    const config = await (await fetch('/demo/form/config')).json();
    const res = await fetch(config.endpoint.replace(/\/api\/leads$/, '/api/activities'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.apiKey}`, 'accept-language': 'zh-CN' },
      body: JSON.stringify({ event_id: crypto.randomUUID(), type: '下载资料', lead_id: form.dataset.leadId, detail: '制造业设备联网白皮书（2026）' }),
    });
    const answer = await res.json().catch(() => ({}));
    const said = { recorded: '已计入线索评分', pending: '已保存，等线索出现后计入', duplicate: '此前已记录', ambiguous: '对应多条线索，待人工确认' }[answer.status] ?? answer.status;
    out.textContent = res.status === 202 ? `已开始下载（下载资料活动${said}，线索编号 ${answer.lead_id ?? form.dataset.leadId}）` : `记录失败：${answer.message ?? res.status}`;
    out.className = res.status === 202 ? 'ok' : 'bad';
  } catch (err) {
    out.textContent = `记录失败：${err instanceof Error ? err.message : String(err)}`;
    out.className = 'bad';
  }
});
