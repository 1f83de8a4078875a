// The Strata dashboard: polls /v1/dashboard and draws small canvas charts. No framework, no network beyond this server.
'use strict';

const POLL_MS = 1000;
const HISTORY = 120;
const COLORS = { l1: '#4fc3f7', l2: '#ff8a65', l3: '#aed581', miss: '#e57373', ops: '#ba68c8', http: '#4fc3f7' };

const token = (() => {
  const match = /token=([^&]+)/.exec(window.location.hash);
  if (match) window.sessionStorage.setItem('strata-token', decodeURIComponent(match[1]));
  return window.sessionStorage.getItem('strata-token');
})();

const history = { l1: [], l2: [], l3: [], miss: [], ops: [], httpP99: [], l2P99: [], l3P99: [] };
let previous;

function $(id) {
  return document.getElementById(id);
}

function push(series, value) {
  series.push(value);
  if (series.length > HISTORY) series.shift();
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function percent(x) {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`;
}

function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function ms(x) {
  if (x === null || x === undefined) return '–';
  return x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(x < 10 ? 2 : 1)} ms`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

function number(n) {
  return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US');
}

/** Draws line series on a canvas; `stacked` fills areas on top of each other (shares that add up to 1). */
function draw(canvas, series, options) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = Number(canvas.getAttribute('height'));
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  const pad = { left: 44, right: 6, top: 6, bottom: 16 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  let max = options.max;
  if (max === undefined) {
    max = 0;
    for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
    max = max === 0 ? 1 : max * 1.15;
  }
  ctx.strokeStyle = '#263241';
  ctx.fillStyle = '#8696a7';
  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = pad.top + (plotH * i) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, y);
    ctx.lineTo(width - pad.right, y);
    ctx.stroke();
    ctx.fillText(options.format(max * (1 - i / 4)), 2, y + 4);
  }
  ctx.fillText(`last ${HISTORY} s`, pad.left, height - 3);
  const x = (i) => pad.left + (plotW * (HISTORY - 1 - i)) / (HISTORY - 1);
  const y = (v) => pad.top + plotH * (1 - Math.min(v, max) / max);
  const base = new Array(HISTORY).fill(0);
  for (const s of series) {
    const n = s.values.length;
    if (n === 0) continue;
    const points = s.values.map((v, i) => ({ i: n - 1 - i, v }));
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.8;
    if (options.stacked) {
      // A poll without reads has no shares: leave a gap rather than drawing 0%.
      const runs = [];
      for (const p of points) {
        if (p.v === null) runs.push([]);
        else {
          if (runs.length === 0) runs.push([]);
          runs[runs.length - 1].push(p);
        }
      }
      ctx.globalAlpha = 0.6;
      ctx.fillStyle = s.color;
      for (const run of runs) {
        if (run.length === 0) continue;
        ctx.beginPath();
        run.forEach((p, k) => {
          const top = base[p.i] + p.v;
          if (k === 0) ctx.moveTo(x(p.i) - (run.length === 1 ? 2 : 0), y(top));
          ctx.lineTo(x(p.i), y(top));
        });
        if (run.length === 1) ctx.lineTo(x(run[0].i) + 2, y(base[run[0].i] + run[0].v));
        for (let k = run.length - 1; k >= 0; k--) ctx.lineTo(x(run[k].i) + (run.length === 1 && k === 0 ? 2 : 0), y(base[run[k].i]));
        if (run.length === 1) ctx.lineTo(x(run[0].i) - 2, y(base[run[0].i]));
        ctx.closePath();
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      for (const p of points) if (p.v !== null) base[p.i] += p.v;
    } else {
      ctx.beginPath();
      let started = false;
      for (const p of points) {
        if (p.v === null) {
          started = false;
          continue;
        }
        if (!started) ctx.moveTo(x(p.i), y(p.v));
        else ctx.lineTo(x(p.i), y(p.v));
        started = true;
      }
      ctx.stroke();
    }
  }
}

function renderHits(data) {
  const t = data.totals;
  if (previous) {
    const p = previous.totals;
    const d = { l1: t.hits.l1 - p.hits.l1, l2: t.hits.l2 - p.hits.l2, l3: t.hits.l3 - p.hits.l3, miss: t.misses - p.misses };
    const reads = d.l1 + d.l2 + d.l3 + d.miss;
    const seconds = Math.max(0.001, (data.at - previous.at) / 1000);
    const writes = t.sets - p.sets + (t.deletes - p.deletes);
    for (const k of ['l1', 'l2', 'l3', 'miss']) push(history[k], reads === 0 ? null : d[k] / reads);
    push(history.ops, (reads + writes) / seconds);
    $('ops-rate').textContent = `${number((reads + writes) / seconds)} ops/s`;
  }
  const reads = t.hits.l1 + t.hits.l2 + t.hits.l3 + t.misses;
  const share = (n) => (reads === 0 ? null : n / reads);
  $('hit-l1').textContent = percent(share(t.hits.l1));
  $('hit-l2').textContent = data.mode === 'embedded' ? 'off' : percent(share(t.hits.l2));
  $('hit-l3').textContent = data.tiers.l3 === null ? 'off' : percent(share(t.hits.l3));
  $('hit-miss').textContent = percent(share(t.misses));
  $('hit-rate').textContent = percent(share(t.hits.l1 + t.hits.l2 + t.hits.l3));
  draw($('chart-hits'), ['l1', 'l2', 'l3', 'miss'].map((k) => ({ color: COLORS[k], values: history[k] })), { max: 1, stacked: true, format: (v) => `${Math.round(v * 100)}%` });
  draw($('chart-ops'), [{ color: COLORS.ops, values: history.ops }], { format: (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0)) });
}

function renderLatency(data) {
  const rows = [
    ['L2 Redis', data.latency.l2, data.mode === 'embedded' ? 'no L2 configured' : 'no calls yet'],
    ['L3 disk', data.latency.l3, data.tiers.l3 === null ? 'no L3 configured' : 'no calls yet'],
    ['HTTP', data.latency.http, 'no requests yet'],
  ];
  $('latency').innerHTML = rows
    .map(([name, l, empty]) =>
      l === null
        ? `<tr><td>${name}</td><td colspan="4" class="muted">${empty}</td></tr>`
        : `<tr><td>${name}</td><td>${ms(l.p50)}</td><td>${ms(l.p90)}</td><td>${ms(l.p99)}</td><td>${number(l.samples)}</td></tr>`,
    )
    .join('');
  push(history.httpP99, data.latency.http ? data.latency.http.p99 : null);
  push(history.l2P99, data.latency.l2 ? data.latency.l2.p99 : null);
  push(history.l3P99, data.latency.l3 ? data.latency.l3.p99 : null);
  draw(
    $('chart-latency'),
    [
      { color: COLORS.http, values: history.httpP99 },
      { color: COLORS.l2, values: history.l2P99 },
      { color: COLORS.l3, values: history.l3P99 },
    ],
    { format: (v) => `${v.toFixed(v < 1 ? 2 : 1)}ms` },
  );
}

function tierBlock(name, stats, extra) {
  if (stats === null) return `<div class="tier"><div class="row"><b>${name}</b><span class="muted">not configured</span></div></div>`;
  const fill = stats.maxBytes ? Math.min(100, (100 * stats.bytes) / stats.maxBytes) : 0;
  return `<div class="tier"><div class="row"><b>${name}</b><span>${number(stats.entries)} entries · ${bytes(stats.bytes)}${stats.maxBytes ? ` / ${bytes(stats.maxBytes)}` : ''}</span></div>
    ${stats.maxBytes ? `<div class="bar"><span style="width:${fill.toFixed(1)}%"></span></div>` : ''}
    <div class="muted">${extra}</div></div>`;
}

function renderTiers(data) {
  const { l1, l2, l3 } = data.tiers;
  const breaker = l2 && l2.breaker ? `circuit <span class="pill ${l2.breaker === 'closed' ? 'ok' : l2.breaker === 'open' ? 'bad' : 'warn'}">${escapeHtml(l2.breaker)}</span>` : '';
  $('tiers').innerHTML = [
    tierBlock('L1 memory', l1, l1 ? `evictions ${number(l1.evictions)} · rejected by admission ${number(l1.rejected)}` : ''),
    l2 === null
      ? tierBlock('L2 Redis', null, '')
      : `<div class="tier"><div class="row"><b>L2 Redis</b><span>${breaker}</span></div><div class="muted">hits ${number(l2.hits)} · misses ${number(l2.misses)} · errors ${number(l2.errors)} · timeouts ${number(l2.timeouts)}</div></div>`,
    tierBlock('L3 disk', l3, l3 ? `evictions ${number(l3.evictions)} · expired ${number(l3.expired)} · errors ${number(l3.errors)}` : ''),
  ].join('');
}

function renderRedis(data) {
  const r = data.redis;
  if (!r.configured || !r.monitored) {
    $('redis').innerHTML = `<div class="empty">${escapeHtml(r.message)}</div>`;
    $('memory').innerHTML = `<div class="empty">${r.configured ? 'no monitor' : 'no L2 configured'}</div>`;
    return;
  }
  const lagOf = new Map(r.replication.map((l) => [l.replica, l]));
  const rows = r.health.map((n) => {
    const lag = lagOf.get(n.address);
    const health = n.reachable ? (n.flaggedFailing ? '<span class="pill warn">flagged failing</span>' : '<span class="pill ok">up</span>') : '<span class="pill bad">down</span>';
    const lagText = n.role === 'master' ? '–' : lag ? `${bytes(lag.offsetLag)}${lag.lagSeconds !== undefined ? ` · ${lag.lagSeconds} s` : ''} · ${escapeHtml(lag.state)}` : 'unknown';
    return `<tr><td>${escapeHtml(n.address)}</td><td>${escapeHtml(n.role)}${n.masterAddress ? ` <span class="muted">of ${escapeHtml(n.masterAddress)}</span>` : ''}</td><td>${health}</td><td>${n.latencyMs === undefined ? '–' : ms(n.latencyMs)}</td><td>${lagText}</td></tr>`;
  });
  const state = r.cluster ? `${escapeHtml(r.cluster.mode)} · state <span class="pill ${r.cluster.state === 'ok' ? 'ok' : 'bad'}">${escapeHtml(r.cluster.state)}</span>${r.cluster.slotsCovered !== null ? ` · ${number(r.cluster.slotsCovered)} slots` : ''} · ${number(r.cluster.keys)} keys · ${number(r.cluster.opsPerSec)} ops/s` : '';
  $('redis').innerHTML = `<div class="muted">${state}${r.error ? ` · <span class="pill bad">${escapeHtml(r.error)}</span>` : ''}</div>
    <table class="grid"><thead><tr><th>node</th><th>role</th><th>health</th><th>ping</th><th>replication lag</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  $('memory').innerHTML =
    r.memory.length === 0
      ? '<div class="empty">no node answered</div>'
      : `<table class="grid"><thead><tr><th>node</th><th>used</th><th>max</th><th>growth</th><th>full in</th></tr></thead><tbody>${r.memory
          .map(
            (m) =>
              `<tr><td>${escapeHtml(m.address)}</td><td>${bytes(m.usedMemory)}</td><td>${m.maxMemory ? bytes(m.maxMemory) : 'no limit'}</td><td>${bytes(m.bytesPerSecond)}/s</td><td>${m.msUntilFull === null ? '–' : duration(m.msUntilFull / 1000)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
}

function renderSemantic(data) {
  const s = data.semantic;
  if (!s.enabled) {
    $('semantic').innerHTML = '<div class="empty">semantic cache not enabled on this server</div>';
    return;
  }
  const lookups = s.hits + s.misses;
  $('semantic').innerHTML = `<div class="figures">
    <div>lookups <b id="semantic-lookups">${number(lookups)}</b></div>
    <div>hit rate <b>${percent(lookups === 0 ? null : s.hits / lookups)}</b></div>
    <div>LLM calls saved <b>${number(s.llmCallsSaved)}</b></div>
    <div>tokens saved <b>${number(s.tokensSaved)}</b></div>
    <div>LLM calls made <b>${number(s.llmCalls)}</b></div></div>`;
}

function render(data) {
  $('mode').textContent = data.mode === 'embedded' ? 'embedded · L1 + L3' : 'L1 + L2 Redis' + (data.tiers.l3 ? ' + L3' : '');
  $('uptime').textContent = duration(data.uptimeSeconds);
  $('namespaces').textContent = data.namespaces.join(', ');
  $('requests').textContent = number(data.requests);
  renderHits(data);
  renderLatency(data);
  renderTiers(data);
  renderRedis(data);
  renderSemantic(data);
  previous = data;
}

async function poll() {
  const status = $('status');
  try {
    const response = await fetch('/v1/dashboard', { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (response.status === 401) {
      status.className = 'status bad';
      status.textContent = 'unauthorized: open this page as /#token=<token>';
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    status.className = 'status ok';
    status.textContent = `live · ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    status.className = 'status bad';
    status.textContent = `server unreachable (${err.message})`;
  }
}

poll();
setInterval(poll, POLL_MS);
