import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/**
 * The sandbox page: plain HTML, CSS and ES-module scripts served as they are from ./static (no build
 * step). `GET /` is the page, `GET /ui/<file>` its assets. Files are read per request, so editing them
 * needs only a browser reload. A strict Content-Security-Policy (scripts from this origin only) backs
 * up the escaping of untrusted cell values and card text.
 */
const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export function registerStaticRoutes(root: Hono): void {
  // The allow-list is the directory listing at start-up: no path from the request reaches the file system.
  const files = new Set(readdirSync(STATIC_DIR).filter((f) => TYPES[extname(f)] !== undefined));
  const serve = (file: string) => {
    const body = readFileSync(STATIC_DIR + file, 'utf8');
    return new Response(body, {
      headers: {
        'content-type': TYPES[extname(file)]!,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        ...(file.endsWith('.html') ? { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' } : {}),
      },
    });
  };
  root.get('/', () => serve('index.html'));
  root.get('/ui', (c) => c.redirect('/'));
  // VChart, which draws the card chart component (static/charts.js), from its package's browser build
  let vchart: string | undefined;
  root.get('/ui/vchart.js', () => {
    vchart ??= readFileSync(createRequire(import.meta.url).resolve('@visactor/vchart/build/index.min.js'), 'utf8');
    return new Response(vchart, { headers: { 'content-type': TYPES['.js']!, 'cache-control': 'max-age=86400', 'x-content-type-options': 'nosniff' } });
  });
  root.get('/ui/:file', (c) => {
    const file = c.req.param('file');
    return files.has(file) ? serve(file) : c.json({ error: 'not_found' }, 404);
  });
}
