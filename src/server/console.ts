/**
 * The console's built assets (console/dist, written by `npm run console:build`), served at `/` by the hub
 * itself with a content-security policy that allows nothing from elsewhere: scripts, data and fonts come from
 * this origin only. Styles allow 'unsafe-inline' because Ant Design writes its CSS-in-JS into <style> tags
 * and ECharts sets style attributes; no script is ever inline.
 *
 * Paths without a file extension answer the console's index.html (the console navigates in memory, but a
 * reload of any path lands in it). When the console is not built, `/` says how to build it.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import type http from 'node:http';
import { fileURLToPath } from 'node:url';

export const consoleDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>relief-hub</title></head>
<body><h1>relief-hub</h1><p>控制台尚未构建 / the console is not built: run <code>npm run console:build</code>
(<code>npm start</code> builds it). GraphQL is at <code>/graphql</code>; a developer's query box is at <a href="/dev">/dev</a>.</p></body></html>`;

function headers(type: string, length: number, immutable: boolean): Record<string, string | number> {
  return {
    'content-type': type,
    'content-length': length,
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}

/** Gzipped text assets, made once per file version (the build replaces files; a new mtime makes a new entry). */
const gzipped = new Map<string, { key: string; body: Buffer }>();
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

function compressed(file: string, body: Buffer): Buffer {
  const st = fs.statSync(file);
  const key = `${st.mtimeMs}:${st.size}`;
  const hit = gzipped.get(file);
  if (hit && hit.key === key) return hit.body;
  const gz = zlib.gzipSync(body, { level: 9 });
  gzipped.set(file, { key, body: gz });
  return gz;
}

/**
 * Answers a GET or HEAD for the console; false when the path is not the console's (the caller goes on).
 * Only files under console/dist are read: the path is resolved and checked to stay inside it.
 */
export function serveConsole(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, dist = consoleDist): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const head = req.method === 'HEAD';
  const hasExtension = path.extname(pathname) !== '';
  let file: string;
  try {
    file = path.resolve(dist, '.' + decodeURIComponent(pathname));
  } catch {
    return false;
  }
  if (file !== dist && !file.startsWith(dist + path.sep)) return false;
  if (!hasExtension || pathname === '/') file = path.join(dist, 'index.html');
  let body: Buffer;
  try {
    body = fs.readFileSync(file);
  } catch {
    if (hasExtension) return false;
    const text = Buffer.from(NOT_BUILT);
    res.writeHead(200, headers(TYPES['.html']!, text.length, false));
    res.end(head ? undefined : text);
    return true;
  }
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  // Vite names built assets by content hash: they never change under one name.
  const h = headers(type, body.length, file.includes(`${path.sep}assets${path.sep}`));
  if (COMPRESSIBLE.has(path.extname(file))) {
    h.vary = 'accept-encoding';
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      body = compressed(file, body);
      h['content-encoding'] = 'gzip';
      h['content-length'] = body.length;
    }
  }
  res.writeHead(200, h);
  res.end(head ? undefined : body);
  return true;
}
