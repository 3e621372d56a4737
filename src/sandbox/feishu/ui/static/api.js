// The page talks only to the emulator's control API (/__control): the UI module's own routes and
// those of the Bitable, IM and events modules.

export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
  }
}

function describe(status, body) {
  if (body && typeof body === 'object') {
    const code = body.code !== undefined ? ` [${body.code}]` : '';
    const issues = Array.isArray(body.issues) ? ` ${body.issues.map((i) => `${(i.path ?? []).join('.')}: ${i.message}`).join('; ')}` : '';
    return `${body.message ?? body.msg ?? body.error ?? `HTTP ${status}`}${code}${issues}`;
  }
  return typeof body === 'string' && body ? body : `HTTP ${status}`;
}

async function call(method, path, body) {
  const res = await fetch(`/__control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body = {}) => call('POST', path, body),
};

export const enc = encodeURIComponent;
