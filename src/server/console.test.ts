import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, serveConsole } from './console.ts';

let dist: string;
let missing: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-console-'));
  dist = path.join(root, 'dist');
  missing = path.join(root, 'not-built');
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>relief-hub</title><script type="module" src="/assets/app-1.js"></script>');
  fs.writeFileSync(path.join(dist, 'assets', 'app-1.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'outside the build');
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const which = url.searchParams.has('unbuilt') ? missing : dist;
    if (!serveConsole(req, res, url.pathname, which)) {
      res.writeHead(404);
      res.end('passed on');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('serving the console', () => {
  it('serves index.html at / and at any path without an extension, with the CSP and no caching', async () => {
    for (const p of ['/', '/person', '/some/deep/path']) {
      const r = await fetch(base + p);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(r.headers.get('cache-control')).toBe('no-cache');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(await r.text()).toContain('/assets/app-1.js');
    }
  });

  it('allows scripts and requests to its own origin only', () => {
    expect(CONSOLE_CSP).toContain("default-src 'none'");
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("connect-src 'self'");
    expect(CONSOLE_CSP).not.toMatch(/https?:|\*/);
  });

  it('serves hashed assets as immutable with their type; a missing asset is passed on', async () => {
    const r = await fetch(`${base}/assets/app-1.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(r.headers.get('cache-control')).toContain('immutable');
    expect(await r.text()).toBe('console.log(1)');
    const gone = await fetch(`${base}/assets/nope.js`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe('passed on');
  });

  it('sends text assets gzipped to clients that accept it', async () => {
    const get = (encoding: string) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http.get(`${base}/assets/app-1.js`, { headers: { 'accept-encoding': encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
    const gz = await get('gzip, deflate, br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('accept-encoding');
    expect(zlib.gunzipSync(gz.body).toString()).toBe('console.log(1)');
    const plain = await get('identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe('console.log(1)');
  });

  it('never reads outside the build', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%E0%A4%A']) {
      const r = await fetch(base + p);
      expect(await r.text()).not.toContain('outside the build');
    }
  });

  it('says how to build the console when it is not built', async () => {
    const r = await fetch(`${base}/?unbuilt=1`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('npm run console:build');
  });

  it('answers GET and HEAD only', async () => {
    const r = await fetch(base + '/', { method: 'POST', body: 'x' });
    expect(r.status).toBe(404);
    const h = await fetch(base + '/', { method: 'HEAD' });
    expect(h.status).toBe(200);
  });
});
