// The card chart component: each .fc-chart placeholder (ui/card-html.ts) carries its VChart spec, and is
// drawn here with VChart, the library Feishu's clients draw it with (served from the @visactor/vchart
// package at /ui/vchart.js, loaded on the first chart). A chart already drawn for the same message
// version and spec is moved into the re-rendered list instead of drawn again.
import { t } from './i18n.js';

let loading;
function loadVChart() {
  loading ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/ui/vchart.js';
    s.onload = () => (window.VChart ? resolve(window.VChart) : reject(new Error('VChart did not load')));
    s.onerror = () => reject(new Error('VChart did not load'));
    document.head.append(s);
  });
  return loading;
}

const drawn = new Map(); // key → { spec, node, chart }

function keyOf(el) {
  const card = el.closest('.msg-card[data-message-id]');
  const all = card ? [...card.querySelectorAll('.fc-chart')] : [];
  return card ? `${card.dataset.messageId}|${card.dataset.version}|${all.indexOf(el)}|${el.closest('.version') ? 'old' : 'now'}` : undefined;
}

/** Draw the charts under `root` that are not drawn yet. */
export async function drawCharts(root) {
  const pending = [...root.querySelectorAll('.fc-chart[data-chart-spec]:not([data-drawn])')];
  if (!pending.length) return;
  const seen = new Set();
  for (const el of pending) {
    const key = keyOf(el);
    const prior = key && drawn.get(key);
    if (key) seen.add(key);
    if (prior && prior.spec === el.dataset.chartSpec) {
      el.replaceWith(prior.node);
      continue;
    }
    let VChart;
    try {
      VChart = await loadVChart();
    } catch (e) {
      el.dataset.drawn = 'failed';
      el.querySelector('.fc-chart-fallback')?.append(` · ${t('card.chartFailed')}: ${e.message}`);
      continue;
    }
    try {
      const spec = { ...JSON.parse(el.dataset.chartSpec), animation: false };
      el.querySelector('.fc-chart-fallback')?.remove();
      const chart = new (VChart.default ?? VChart.VChart)(spec, { dom: el, mode: 'desktop-browser' });
      chart.renderSync();
      el.dataset.drawn = '1';
      prior?.chart.release();
      if (key) drawn.set(key, { spec: el.dataset.chartSpec, node: el, chart });
    } catch (e) {
      // Feishu shows a chart it cannot draw as failed; so does the sandbox (a warning, not a page error)
      el.dataset.drawn = 'failed';
      el.textContent = `${t('card.chartFailed')}: ${e.message}`;
      console.warn('chart not drawn', e);
    }
  }
  // the charts of messages no longer shown (another chat, a card updated since) are let go
  for (const [key, d] of drawn) {
    if (seen.has(key)) continue;
    d.chart.release();
    drawn.delete(key);
  }
}
