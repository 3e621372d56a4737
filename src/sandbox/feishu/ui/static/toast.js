import { h } from './dom.js';

// Toasts: callback answers ({toast:{type,content}}), save confirmations and errors.
const TYPES = new Set(['info', 'success', 'error', 'warning']);

export function toast(type, content, { timeout = 4500, source } = {}) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const kind = TYPES.has(type) ? type : 'info';
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { type: kind, source } }, String(content ?? ''));
  box.append(el);
  setTimeout(() => {
    el.classList.add('toast-out');
    setTimeout(() => el.remove(), 300);
  }, timeout);
}
