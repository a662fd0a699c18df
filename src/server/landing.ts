/** The landing page: plain HTML and a few lines of inline script, no external assets (works offline). */
import { adapters } from '../../adapters/index.ts';
import { version } from '../graphql/hub.ts';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function landingPage(): string {
  const systems = adapters
    .map((a) => `<tr><td><code>${esc(a.code)}</code></td><td>${esc(a.title)}</td><td>${esc(a.programs.map((p) => p.code).join(', ') || '—')}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>relief-hub ${esc(version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
textarea{width:100%;height:10em;font:13px monospace}pre{background:#f4f4f4;padding:1em;overflow:auto;max-height:30em}
table{border-collapse:collapse}td{border-bottom:1px solid #ddd;padding:.2em .6em}input{width:100%}</style></head>
<body><h1>relief-hub <small>${esc(version)}</small></h1>
<p>Hainan multi-level medical assistance (1+9+N) data-integration hub: one recipient view across every agency,
one fund-pool ledger, one GraphQL API at <code>/graphql</code>. Health: <a href="/healthz"><code>/healthz</code></a>.</p>
<h2>Try a query</h2>
<p><label>Bearer token<input id="tok" placeholder="eyJ…"></label></p>
<p><label>Purpose of the read (x-purpose; a read of personal data without one is refused with PURPOSE_REQUIRED)<input id="purpose" placeholder="审核临时救助申请"></label></p>
<textarea id="q">{ hub { version database databaseVersion } systems { code title } quarantine(first: 5) { totalCount } }</textarea>
<p><button id="run">Run</button></p><pre id="out"></pre>
<h2>Source systems</h2><table><tr><th>system</th><th>name</th><th>programs</th></tr>${systems}</table>
<script>
document.getElementById('run').onclick = async () => {
  const headers = { 'content-type': 'application/json' };
  const t = document.getElementById('tok').value.trim();
  if (t) headers.authorization = 'Bearer ' + t;
  const p = document.getElementById('purpose').value.trim();
  if (p) headers['x-purpose'] = encodeURIComponent(p);
  const r = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query: document.getElementById('q').value }) });
  document.getElementById('out').textContent = JSON.stringify(await r.json(), null, 2);
};
</script></body></html>`;
}
