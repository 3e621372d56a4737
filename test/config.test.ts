import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, loadConfig, SECRET_KEYS } from '../src/config.js';
import { createLogger, logFormatFor } from '../src/lib/logger.js';

const ENV_EXAMPLE = readFileSync(resolve(import.meta.dirname, '../.env.example'), 'utf8');

const realApp = {
  FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718',
  FEISHU_APP_SECRET: 'S3cr3t-app-secret-value-0001',
  FEISHU_ENCRYPT_KEY: 'encrypt-key-value-0002',
  FEISHU_VERIFICATION_TOKEN: 'verification-token-0003',
  FEISHU_BITABLE_APP_TOKEN: 'NQRxbRkBMa6OnZsjtERcxhNWnNh',
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('works with nothing set: sandbox on, defaults everywhere', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ env: 'development', host: '127.0.0.1', port: 3000, logLevel: 'info', locale: 'zh-CN', journey: 'default', feishu: undefined, sandbox: { enabled: true, port: 3001 } });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.sandbox)).toBe(true);
  });

  it('treats empty values (as in a copied .env.example) as unset', () => {
    const fromExample = Object.fromEntries(
      ENV_EXAMPLE.split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const c = loadConfig(fromExample);
    expect(c.sandbox.enabled).toBe(true);
    expect(c.feishu).toBeUndefined();
  });

  it('builds a real Feishu config when every FEISHU_* key is present', () => {
    const c = loadConfig({ ...realApp, PORT: '8080' });
    expect(c.sandbox.enabled).toBe(false);
    expect(c.port).toBe(8080);
    expect(c.feishu?.appId).toBe(realApp.FEISHU_APP_ID);
    expect(c.feishu?.appSecret.reveal()).toBe(realApp.FEISHU_APP_SECRET);
  });

  it('names every bad key with a fix hint in one error', () => {
    const e = configError({ PORT: 'eighty', LOG_LEVEL: 'loud', LOCALE: 'fr', FEISHU_APP_ID: 'app123' });
    expect(e.problems.map((p) => p.key).sort()).toEqual(['FEISHU_APP_ID', 'LOCALE', 'LOG_LEVEL', 'PORT']);
    expect(e.message).toContain('PORT:');
    expect(e.message).toContain('Fix: a TCP port number');
    expect(e.message).toContain('修复：填写端口号');
    expect(e.message).toContain('FEISHU_APP_ID: must look like cli_ followed by 16 hex characters');
    expect(e.message).toMatch(/4 problems/);
  });

  it('fails closed: a partial Feishu setup names each missing key', () => {
    const e = configError({ FEISHU_APP_ID: realApp.FEISHU_APP_ID, FEISHU_APP_SECRET: realApp.FEISHU_APP_SECRET });
    expect(e.problems.map((p) => p.key)).toEqual(['FEISHU_ENCRYPT_KEY', 'FEISHU_VERIFICATION_TOKEN', 'FEISHU_BITABLE_APP_TOKEN']);
    expect(e.problems[0]!.hint.en).toMatch(/Encrypt Key/);
    expect(e.problems[0]!.hint.zh).toMatch(/加密策略/);
  });

  it('refuses sandbox off without a Feishu app, and equal ports', () => {
    expect(configError({ SANDBOX_MODE: 'off' }).problems[0]!.key).toBe('SANDBOX_MODE');
    expect(configError({ PORT: '4000', SANDBOX_PORT: '4000' }).problems[0]!.key).toBe('SANDBOX_PORT');
  });

  it('DATABASE_URL chooses PostgreSQL (kept secret), a path keeps SQLite, another scheme is refused', () => {
    const pg = loadConfig({ DATABASE_URL: 'postgres://lj:s3cret@db.internal:5432/leads' });
    expect(pg.databaseUrl?.reveal()).toBe('postgres://lj:s3cret@db.internal:5432/leads');
    expect(JSON.stringify(pg)).not.toContain('s3cret');
    expect(pg.sandbox.freshDatabase).toBe(false); // a server's data is never emptied at start
    const file = loadConfig({ DATABASE_URL: './data/other.db' });
    expect([file.databaseUrl, file.databasePath]).toEqual([undefined, './data/other.db']);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x@y/z' })).toThrow(/DATABASE_URL: must be postgres:\/\/… \(PostgreSQL\) or a file path/);
  });

  it('a DingTalk app: the keys it needs together, the robot code defaulting to the client id, the secret kept secret', () => {
    const dt = { DINGTALK_CLIENT_ID: 'dingabcdef1234567890', DINGTALK_CLIENT_SECRET: 'dt-secret-0123456789abcdef', DINGTALK_CARD_TEMPLATE_ID: 'abc-123.schema', DINGTALK_CHAT_ID: 'cidAbc+/12==' };
    const c = loadConfig({ ...realApp, ...dt });
    expect(c.dingtalk).toMatchObject({ apiBase: 'https://api.dingtalk.com', clientId: dt.DINGTALK_CLIENT_ID, robotCode: dt.DINGTALK_CLIENT_ID, cardTemplateId: 'abc-123.schema', chatId: 'cidAbc+/12==' });
    expect(c.dingtalk!.clientSecret.reveal()).toBe(dt.DINGTALK_CLIENT_SECRET);
    expect(JSON.stringify(c)).not.toContain(dt.DINGTALK_CLIENT_SECRET);
    expect(configError({ DINGTALK_CHAT_ID: 'cidAbcd' }).problems.map((p) => p.key)).toEqual(['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET', 'DINGTALK_CARD_TEMPLATE_ID']);
    expect(configError({ ...dt, DINGTALK_CHAT_ID: 'oc_feishu' }).problems.map((p) => p.key)).toEqual(['DINGTALK_CHAT_ID']);
    expect(loadConfig({ SANDBOX_CHAT_PLATFORM: 'dingtalk' }).sandbox.chatPlatform).toBe('dingtalk');
  });

  it('SANDBOX_MODE=on keeps the sandbox even with Feishu keys set', () => {
    expect(loadConfig({ ...realApp, SANDBOX_MODE: 'on' })).toMatchObject({ feishu: undefined, sandbox: { enabled: true } });
  });
});

describe('.env.example documents exactly the schema', () => {
  const lines = ENV_EXAMPLE.split('\n');
  const keys = lines.filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => l.slice(0, l.indexOf('=')));

  it('has the same keys as the schema, each once', () => {
    expect([...keys].sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(Object.keys(CONFIG_KEYS))('%s has a Chinese and an English comment above it', (key) => {
    const i = lines.findIndex((l) => l.startsWith(`${key}=`));
    const zh = lines[i - 2] ?? '';
    const en = lines[i - 1] ?? '';
    expect(zh).toMatch(/^# .*[\u4e00-\u9fff]/);
    expect(en).toMatch(/^# [^\u4e00-\u9fff]*[A-Za-z]{3}[^\u4e00-\u9fff]*$/);
  });

  it('carries no secret values', () => {
    for (const k of SECRET_KEYS) expect(lines.find((l) => l.startsWith(`${k}=`))).toBe(`${k}=`);
  });
});

describe('secrets are never logged', () => {
  const secrets = [realApp.FEISHU_APP_SECRET, realApp.FEISHU_ENCRYPT_KEY, realApp.FEISHU_VERIFICATION_TOKEN];

  function capture(format: 'json' | 'pretty' = 'json') {
    const lines: string[] = [];
    const dest = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    return { lines, log: createLogger({ level: 'trace', destination: dest, format }) };
  }

  it.each(['json', 'pretty'] as const)('not through the logger (%s lines), JSON, string or inspect', async (format) => {
    const c = loadConfig(realApp);
    const { lines, log } = capture(format);
    log.info({ config: c }, 'config loaded');
    log.info({ feishu: c.feishu }, `feishu ${String(c.feishu?.appSecret)}`);
    log.info({ app: { app_secret: realApp.FEISHU_APP_SECRET }, req: { headers: { authorization: `Bearer ${realApp.FEISHU_APP_SECRET}` } } }, 'raw values');
    await expect.poll(() => lines.length).toBe(3);
    const out = [lines.join('\n'), JSON.stringify(c), inspect(c, { depth: 10 }), `${c.feishu?.encryptKey}`].join('\n');
    expect(out).toContain('[redacted]');
    for (const s of secrets) expect(out).not.toContain(s);
    // pretty: a readable line a person reads in a terminal (time, level, message, then the fields), not JSON
    if (format === 'pretty') {
      expect(lines[0]).toMatch(/^\[\d{2}:\d{2}:\d{2}\] INFO: config loaded /);
      expect(() => JSON.parse(lines[0]!)).toThrow();
    } else expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'config loaded' });
  });

  it('LOG_FORMAT=auto is readable on a terminal and JSON into a pipe or a file', () => {
    expect(logFormatFor('auto', true)).toBe('pretty');
    expect(logFormatFor('auto', false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(configError({ LOG_FORMAT: 'xml' }).problems.map((p) => p.key)).toEqual(['LOG_FORMAT']);
  });

  it('not in a ConfigError about a bad secret', () => {
    const e = configError({ ...realApp, FEISHU_APP_SECRET: 'short-secret' });
    expect(e.problems[0]!.key).toBe('FEISHU_APP_SECRET');
    expect(e.message).not.toContain('short-secret');
    expect(inspect(e)).not.toContain('short-secret');
  });
});
