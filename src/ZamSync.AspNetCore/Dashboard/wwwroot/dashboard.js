// The hub dashboard: reads the hub's HTTP API (same origin, with the cookie the sign-in form set), draws the
// clinics, two charts and the quarantine, and follows /api/events/stream for the live feed. The page refreshes its
// tables when an event arrives (at most once a second) and every 15 s for what no event announces (a session that
// moved nothing, the clocks of "last sync"). No framework and no build: what ships is what runs.
'use strict';
(() => {
  const REFRESH_MS = 15000, DEBOUNCE_MS = 1000, FEED_MAX = 50, RETRY_MS = 5000;
  const PALETTE = ['#1f6feb', '#bf8700', '#8250df', '#1a7f37', '#cf222e', '#0a7ea4', '#9a6700', '#6e7781'];
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = id => document.getElementById(id);

  let refreshing = null, pending = null, liveCount = 0, stream = null, lastEventId = null;

  // ---- reading the API ------------------------------------------------------------------------------------
  async function getJson(path) {
    const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    if (response.status === 401) {
      // The token left the token file, or the cookie is gone: the page itself answers with the sign-in form.
      location.reload();
      throw new Error('signed out');
    }
    if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
    return response.json();
  }

  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const [status, peers, traffic, quarantine] = await Promise.all(
          ['/api/status', '/api/peers', '/api/traffic', '/api/quarantine'].map(getJson));
        render(status, peers.peers, traffic, quarantine);
        showError(null);
        if (!stream) follow(status.cursor);
      } catch (error) {
        showError(`Could not read the hub: ${error.message}`);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  function soon() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, DEBOUNCE_MS);
  }

  // ---- the live feed ----------------------------------------------------------------------------------------
  // Starts after what the page already counted; EventSource reconnects by itself with Last-Event-ID, so a dropped
  // connection resumes with no gap. A stream the hub refused (closed for good) is opened again from the last id.
  function follow(cursor) {
    const after = lastEventId ?? cursor ?? '';
    stream = new EventSource('/api/events/stream?after=' + encodeURIComponent(after));
    stream.onopen = () => badge('live', 'live');
    stream.onerror = () => {
      if (stream.readyState === EventSource.CLOSED) {
        badge('down', 'disconnected');
        stream = null;
        setTimeout(refresh, RETRY_MS);
      } else {
        badge('', 'reconnecting…');
      }
    };
    stream.addEventListener('zamsync.event', message => {
      lastEventId = message.lastEventId || lastEventId;
      addToFeed(JSON.parse(message.data));
      soon();
    });
  }

  function addToFeed(e) {
    const feed = $('feed');
    const item = document.createElement('li');
    item.className = 'fresh' + (e.quarantined ? ' quarantined' : '');
    item.dataset.origin = e.origin;
    item.dataset.sequence = String(e.sequence);
    // When the page got it (wall clock, sub-millisecond): the feed's latency from the hub can be read off it.
    item.dataset.received = (performance.timeOrigin + performance.now()).toFixed(3);
    const when = hlcTime(e.hlc);
    item.textContent = `${when ? when.toLocaleTimeString() : '?'} · clinic ${e.origin} #${e.sequence} · type ${e.type}` +
      ` · ${bytes(payloadLength(e.payload))}${e.quarantined ? ' · quarantined' : ''}`;
    feed.prepend(item);
    while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
    $('feed-empty').hidden = true;
    $('live-total').textContent = String(++liveCount);
  }

  // ---- drawing ----------------------------------------------------------------------------------------------
  function render(status, peers, traffic, quarantine) {
    $('hub-node').textContent = status.node + (status.relay ? ' (relay)' : '');
    $('caller').textContent = `signed in as ${status.caller.role}${status.caller.node ? ' ' + status.caller.node : ''} (${status.caller.via})`;
    $('events-total').textContent = number(status.events);
    $('clinics-total').textContent = number(peers.length);
    $('quarantined-total').textContent = number(quarantine.total);
    const sessions = traffic.sessions.completed.reduce((a, b) => a + b, 0) + traffic.sessions.failed.reduce((a, b) => a + b, 0);
    $('sessions-total').textContent = number(sessions);
    renderClinics(peers, traffic.budgetBytesPerDay);
    renderBytes(traffic);
    renderSessions(traffic);
    renderQuarantine(quarantine);
    $('updated').textContent = `Updated ${new Date().toLocaleTimeString()} · history since ${new Date(traffic.since).toLocaleString()}`;
    document.body.dataset.ready = 'true';
  }

  function renderClinics(peers, budget) {
    const body = $('clinics').tBodies[0];
    body.replaceChildren();
    if (peers.length === 0) {
      body.append(row([cell('No clinic has synced with this hub yet.', '', 9)], 'empty'));
      return;
    }
    const now = Date.now();
    for (const p of peers) {
      const lastSuccess = p.lastSuccess ?? p.replicator?.lastSuccess ?? null;
      const today = (p.bytesSentToday ?? 0) + (p.bytesReceivedToday ?? 0) || (p.replicator?.bytesToday ?? 0);
      const tr = row([
        cell(p.node, 'node'),
        cell(lastSuccess ? new Date(lastSuccess).toLocaleString() : 'never', 'last-sync'),
        cell(number(p.sessions ?? 0), 'sessions num'),
        cell(number(p.failures ?? 0), 'failures num'),
        cell(number(p.lacks), 'lag-events num'),
        cell(lastSuccess ? duration(now - Date.parse(lastSuccess)) : '–', 'lag-time num'),
        cell(bytes(today), 'bytes-today num'),
        budgetCell(today, budget),
        cell(p.lastError && p.lastFailure && (!p.lastSuccess || p.lastFailure >= p.lastSuccess) ? p.lastError : '', 'last-error'),
      ]);
      tr.dataset.node = p.node;
      body.append(tr);
    }
  }

  function budgetCell(today, budget) {
    const td = cell('', 'budget');
    if (!budget) { td.textContent = 'no budget set'; return td; }
    const share = today / budget;
    const meter = document.createElement('span');
    meter.className = 'meter' + (share > 1 ? ' over' : '');
    const fill = document.createElement('span');
    fill.style.width = Math.min(100, share * 100).toFixed(1) + '%';
    meter.append(fill);
    td.append(meter, document.createTextNode(`${Math.round(share * 100)}% of ${bytes(budget)}`));
    return td;
  }

  function renderBytes(traffic) {
    const svg = $('bytes-chart');
    const peers = traffic.peers, days = traffic.days, budget = traffic.budgetBytesPerDay;
    const totals = peers.map(p => p.bytesSent.map((s, i) => s + p.bytesReceived[i]));
    const max = Math.max(1, budget ? budget * 1.15 : 0, ...totals.flat());
    const chart = frame(svg, max, bytes);
    const group = chart.width / days.length, bar = Math.max(1, (group - 4) / Math.max(1, peers.length));
    days.forEach((day, d) => {
      peers.forEach((p, k) => {
        const value = totals[k][d];
        if (value <= 0) return;
        const h = chart.y(0) - chart.y(value);
        const rect = el('rect', { x: chart.left + d * group + 2 + k * bar, y: chart.y(value), width: bar, height: h, fill: PALETTE[k % PALETTE.length] });
        rect.dataset.node = p.node;
        rect.dataset.day = day;
        rect.append(el('title', {}, `clinic ${p.node}, ${day}: ${bytes(value)}`));
        svg.append(rect);
      });
      if (d % 2 === days.length % 2 || days.length < 8) svg.append(el('text', { x: chart.left + d * group + group / 2, y: chart.bottom + 14, 'text-anchor': 'middle' }, day.slice(5)));
    });
    if (budget) {
      svg.append(el('line', { x1: chart.left, x2: chart.right, y1: chart.y(budget), y2: chart.y(budget), class: 'budget' }));
      svg.append(el('text', { x: chart.right, y: chart.y(budget) - 4, 'text-anchor': 'end' }, `budget ${bytes(budget)} a day`));
    }
    $('budget-label').textContent = budget ? `(${bytes(budget)} a day)` : '(no budget set)';
    const legend = $('bytes-legend');
    legend.replaceChildren(...peers.map((p, k) => {
      const span = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.className = 'swatch';
      swatch.style.background = PALETTE[k % PALETTE.length];
      span.append(swatch, document.createTextNode(`clinic ${p.node}`));
      return span;
    }));
  }

  function renderSessions(traffic) {
    const svg = $('sessions-chart');
    const completed = traffic.sessions.completed, failed = traffic.sessions.failed, hours = traffic.hours;
    // Whole sessions on every grid line: the top is a multiple of the four intervals.
    const max = Math.ceil(Math.max(1, ...completed.map((c, i) => c + failed[i])) / 4) * 4;
    const chart = frame(svg, max, number);
    const w = chart.width / hours.length;
    hours.forEach((hour, i) => {
      let top = chart.y(0);
      for (const [value, kind] of [[completed[i], 'ok'], [failed[i], 'failed']]) {
        if (!value) continue;
        const h = chart.y(0) - chart.y(value);
        top -= h;
        const rect = el('rect', { x: chart.left + i * w + 1, y: top, width: Math.max(1, w - 2), height: h, class: kind });
        rect.dataset.hour = hour;
        rect.dataset.outcome = kind === 'ok' ? 'completed' : 'failed';
        rect.append(el('title', {}, `${new Date(hour).toLocaleString()}: ${value} ${kind === 'ok' ? 'completed' : 'failed'}`));
        svg.append(rect);
      }
      if (i % 6 === (hours.length - 1) % 6) {
        const t = new Date(hour);
        svg.append(el('text', { x: chart.left + i * w + w / 2, y: chart.bottom + 14, 'text-anchor': 'middle' }, `${String(t.getHours()).padStart(2, '0')}:00`));
      }
    });
  }

  /** Clears an SVG chart and draws its axes and four grid lines; returns the plot area and the value→y scale. */
  function frame(svg, max, format) {
    svg.replaceChildren();
    const left = 64, right = 616, top = 12, bottom = 212;
    const y = v => bottom - (v / max) * (bottom - top);
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      svg.append(el('line', { x1: left, x2: right, y1: y(v), y2: y(v), class: 'grid' }));
      svg.append(el('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(Math.round(v))));
    }
    svg.append(el('line', { x1: left, x2: left, y1: top, y2: bottom, class: 'axis' }));
    svg.append(el('line', { x1: left, x2: right, y1: bottom, y2: bottom, class: 'axis' }));
    return { left, right, top, bottom, width: right - left, y };
  }

  function renderQuarantine(q) {
    const body = $('quarantine').tBodies[0];
    body.replaceChildren();
    if (q.events.length === 0) { body.append(row([cell('None.', '', 5)], 'empty')); return; }
    for (const e of q.events.slice().reverse()) {
      const tr = row([cell(e.origin, 'origin'), cell(String(e.sequence), 'sequence num'), cell(String(e.type), 'type num'),
        cell(e.receivedFrom, 'received-from'), cell(e.reason, 'reason')]);
      tr.dataset.origin = e.origin;
      tr.dataset.sequence = String(e.sequence);
      body.append(tr);
    }
    if (q.total > q.events.length) body.append(row([cell(`… and ${q.total - q.events.length} older`, '', 5)], 'empty'));
  }

  // ---- small helpers ----------------------------------------------------------------------------------------
  function el(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function row(cells, className) {
    const tr = document.createElement('tr');
    if (className) tr.className = className;
    tr.append(...cells);
    return tr;
  }

  function cell(text, className, span) {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (span) td.colSpan = span;
    td.textContent = text;
    return td;
  }

  function badge(kind, text) {
    const b = $('connection');
    b.className = 'badge' + (kind ? ' ' + kind : '');
    b.textContent = text;
  }

  function showError(message) {
    const p = $('error');
    p.hidden = !message;
    p.textContent = message ?? '';
  }

  const numberFormat = new Intl.NumberFormat();
  function number(n) { return numberFormat.format(n); }

  function bytes(n) {
    if (n < 1000) return `${n} B`;
    if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)} kB`;
    if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
    return `${(n / 1e9).toFixed(1)} GB`;
  }

  function duration(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.round(s / 60)} min`;
    if (s < 86400 * 2) return `${(s / 3600).toFixed(1)} h`;
    return `${Math.round(s / 86400)} days`;
  }

  // "1733239200000.0": milliseconds since 1970, then a logical counter.
  function hlcTime(hlc) {
    const ms = Number(String(hlc).split('.')[0]);
    return Number.isFinite(ms) && ms > 0 ? new Date(ms) : null;
  }

  function payloadLength(base64) {
    if (!base64) return 0;
    const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
    return (base64.length * 3) / 4 - padding;
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
