// Switchboard supervisor wallboard: queues, agents, live calls with
// listen / whisper / barge, and the alerts feed. Events and commands
// follow assist/protocol.go.

import {
  $, el, syncList, setText, setClass, ms, parseTime, clock, wallTime, tickClocks, errorText, toast, hasHan,
  need as obj, Page, MediaCall, mediaLabel,
} from '/supervisor/live.js';

// The page's state; window.wall exposes it for tests and the console.
const wall = {
  me: null, // what sign-in answered
  queues: [], // QueueView
  agents: new Map(), // agent_id → AgentState
  calls: new Map(), // call_id → LiveCall
  alerts: [], // newest first
  at: 0, // the WallState's time (server ms)
  monitor: new Map(), // call_id → { mode, media: MediaCall|null }
};
window.wall = wall;

const page = new Page({
  api: '/v1/supervisor',
  state: wall,
  view: 'wall-view',
  banner: 'Reconnecting… The figures shown are not live until the connection is back.',
  handlers: () => handlers,
  onEnter: (who) => {
    wall.me = who;
    $('sup-name').textContent = who ? who.name || who.id || who.agent_id || '' : '';
  },
  onLeave: () => {
    for (const id of [...wall.monitor.keys()]) stopMonitor(id);
    Object.assign(wall, { me: null, queues: [], agents: new Map(), calls: new Map(), alerts: [], at: 0 });
    render();
  },
});
const live = page.live;

// mediaState returns the RTCPeerConnection state of a monitored call.
wall.mediaState = (callID) => {
  const m = wall.monitor.get(callID);
  if (!m || !m.media) return 'none';
  return m.media.pc ? m.media.pc.connectionState : m.media.state;
};

const send = (type, data) => live.command(type, data);
const toasts = (opts) => toast($('toasts'), opts);
const SEVERITIES = ['info', 'warning', 'critical'];
const severity = (s) => (SEVERITIES.includes(s) ? s : 'info');

// ---------------------------------------------------------------- events

// takeWall applies a full WallState (the resync and the "wall" events).
function takeWall(d, ev) {
  obj(d);
  wall.queues = Array.isArray(d.queues) ? d.queues.filter((q) => q && typeof q === 'object') : [];
  wall.agents = new Map();
  for (const a of Array.isArray(d.agents) ? d.agents : []) if (a && typeof a.agent_id === 'string') wall.agents.set(a.agent_id, a);
  wall.calls = new Map();
  for (const c of Array.isArray(d.calls) ? d.calls : []) if (c && typeof c.call_id === 'string') wall.calls.set(c.call_id, c);
  for (const a of Array.isArray(d.alerts) ? d.alerts : []) addAlert(a);
  wall.at = parseTime(d.at) || parseTime(ev.at) || live.now();
  for (const id of [...wall.monitor.keys()]) if (!wall.calls.has(id)) stopMonitor(id);
  render();
}

const handlers = {
  resync: takeWall,
  wall: takeWall,
  'agent.state'(d) {
    obj(d, 'agent_id');
    wall.agents.set(d.agent_id, d);
    renderAgents();
    renderCalls();
  },
  call(d) {
    obj(d, 'call_id');
    if (d.state === 'ended') {
      wall.calls.delete(d.call_id);
      stopMonitor(d.call_id);
    } else wall.calls.set(d.call_id, d);
    renderCalls();
  },
  alert(d) {
    obj(d);
    if (!addAlert(d)) return;
    renderAlerts();
    if (severity(d.severity) === 'critical') {
      toasts({ title: d.rule_name || 'Critical alert', text: d.message || '', severity: 'critical', sticky: false, timeout: 12000 });
    }
  },
};

// addAlert keeps an alert once (by ID), newest first; false when known.
function addAlert(a) {
  if (!a || typeof a !== 'object') return false;
  const id = typeof a.id === 'string' && a.id ? a.id : JSON.stringify(a);
  if (wall.alerts.some((x) => x.key === id)) return false;
  const item = { key: id, t: parseTime(a.at) || live.now(), a };
  const i = wall.alerts.findIndex((x) => x.t < item.t);
  if (i < 0) wall.alerts.push(item);
  else wall.alerts.splice(i, 0, item);
  if (wall.alerts.length > 200) wall.alerts.length = 200;
  return true;
}

// ---------------------------------------------------------------- render

function render() {
  renderQueues();
  renderAgents();
  renderCalls();
  renderAlerts();
  tick();
}

const pct = (x) => `${Math.round(x * 100)}%`;

function renderQueues() {
  $('queues-empty').hidden = wall.queues.length > 0;
  syncList($('queues').tBodies[0], wall.queues, (q) => q.id || q.name,
    () => el('tr', null, el('th', { scope: 'row' }), ...Array.from({ length: 7 }, () => el('td', { class: 'num' }))),
    (tr, q) => {
      const c = tr.cells;
      setText(c[0], q.name || q.id || '?');
      setText(c[1], q.waiting ?? 0);
      setClass(c[1], `num${q.waiting > 0 ? ' warn' : ''}`);
      const since = q.waiting > 0 && q.longest > 0 ? String(wall.at - ms(q.longest)) : '';
      if (c[2].dataset.since !== since) c[2].dataset.since = since;
      const sl = typeof q.service_level === 'number' ? q.service_level : -1;
      setText(c[3], sl < 0 ? '–' : pct(sl));
      setClass(c[3], `num ${sl < 0 ? '' : sl < 0.6 ? 'bad' : sl < 0.8 ? 'warn' : 'good'}`);
      const within = q.threshold ? `answered within ${Math.round(ms(q.threshold) / 1000)} s` : '';
      if (c[3].title !== within) c[3].title = within;
      const ab = typeof q.abandon_rate === 'number' ? q.abandon_rate : 0;
      setText(c[4], `${(ab * 100).toFixed(1)}%${q.abandoned ? ` (${q.abandoned})` : ''}`);
      setClass(c[4], `num${ab > 0.1 ? ' bad' : ab > 0.05 ? ' warn' : ''}`);
      setText(c[5], q.aht > 0 ? clock(ms(q.aht)) : '–');
      setText(c[6], q.answered ?? 0);
      setText(c[7], `${q.available ?? 0} / ${q.agents ?? 0}`);
      setClass(c[7], `num${q.waiting > 0 && !q.available ? ' bad' : ''}`);
    });
}

const STATE_WORDS = { busy: 'on a call', on_call: 'on a call', wrapup: 'wrapping up', wrap_up: 'wrapping up' };
const stateWord = (s) => STATE_WORDS[s] || String(s || '–').replace(/_/g, ' ');

function renderAgents() {
  const agents = [...wall.agents.values()].sort((a, b) => String(a.name || a.agent_id).localeCompare(String(b.name || b.agent_id)));
  const avail = agents.filter((a) => a.state === 'available').length;
  $('agents-count').textContent = `${avail} available of ${agents.length}`;
  syncList($('agents').tBodies[0], agents, (a) => a.agent_id,
    () => el('tr', null, el('th', { scope: 'row' }), el('td', null, el('span', { class: 'badge' })), el('td', { class: 'num' }), el('td', { class: 'num' })),
    (tr, a) => {
      setText(tr.cells[0], a.name || a.agent_id);
      const badge = tr.cells[1].firstChild;
      setText(badge, a.reason ? `${stateWord(a.state)}: ${a.reason}` : stateWord(a.state));
      setClass(badge, `badge st-${a.state}`);
      const since = String(parseTime(a.since) || '');
      if (tr.cells[2].dataset.since !== since) tr.cells[2].dataset.since = since;
      setText(tr.cells[3], Array.isArray(a.calls) ? a.calls.length : 0);
    });
}

function sentimentBar() {
  const fill = el('span');
  const bar = el('span', { class: 'sbar', role: 'meter', 'aria-label': 'Caller sentiment', 'aria-valuemin': '-1', 'aria-valuemax': '1' }, fill);
  return [bar, el('span', { class: 'sval' })];
}

function updateSentiment(cell, s) {
  const [bar, val] = cell.children;
  const has = typeof s === 'number' && Number.isFinite(s);
  const v = has ? Math.max(-1, Math.min(1, s)) : 0;
  const now = has ? v.toFixed(2) : '';
  if (bar.getAttribute('aria-valuenow') === (has ? now : null)) return;
  bar.firstChild.style.width = has ? `${((v + 1) / 2) * 100}%` : '0';
  bar.firstChild.style.background = `hsl(${(v + 1) * 60} 70% 42%)`;
  if (has) bar.setAttribute('aria-valuenow', now);
  else bar.removeAttribute('aria-valuenow');
  val.textContent = has ? now : '–';
}

const MODES = ['listen', 'whisper', 'barge'];

function renderCalls() {
  const calls = [...wall.calls.values()].sort((a, b) => (parseTime(a.started_at) || 0) - (parseTime(b.started_at) || 0));
  $('calls-count').textContent = calls.length ? `(${calls.length})` : '';
  $('calls-empty').hidden = calls.length > 0;
  syncList($('calls').tBodies[0], calls, (c) => c.call_id, callRow, updateCall);
  const m = [...wall.monitor.entries()][0];
  $('monitoring').textContent = m ? `${m[1].mode === 'listen' ? 'Listening to' : m[1].mode === 'whisper' ? 'Whispering on' : 'Barged into'} ${(wall.calls.get(m[0]) || {}).caller_id || m[0]} · audio ${mediaLabel(m[1].media)}` : '';
}

function callRow(c) {
  const id = c.call_id;
  const mon = el('div', { class: 'mon', role: 'group', 'aria-label': 'Monitor this call' },
    MODES.map((mode) => el('button', { type: 'button', class: mode, dataset: { mode }, 'aria-pressed': 'false' }, mode[0].toUpperCase() + mode.slice(1))),
    el('button', { type: 'button', class: 'leave', dataset: { mode: 'leave' } }, 'Leave'));
  mon.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-mode]');
    if (!b) return;
    if (b.dataset.mode === 'leave') leaveCall(id, b);
    else startMonitor(id, b.dataset.mode, b);
  });
  return el('tr', null,
    el('th', { scope: 'row', class: 'who' }), el('td'), el('td'), el('td', null, el('span', { class: 'badge' })),
    el('td', { class: 'num' }), el('td', null, sentimentBar()), el('td', { class: 'num' }, el('span', { class: 'alerts-n' })), el('td', null, mon));
}

function updateCall(tr, c) {
  const cells = tr.cells;
  setText(cells[0], c.caller_id || 'unknown');
  setText(cells[1], c.queue || '–');
  const a = wall.agents.get(c.agent_id);
  setText(cells[2], a ? a.name || a.agent_id : c.agent_id || '–');
  const badge = cells[3].firstChild;
  setText(badge, stateWord(c.state));
  setClass(badge, `badge st-${c.state}`);
  const since = String(parseTime(c.started_at) || '');
  if (cells[4].dataset.since !== since) cells[4].dataset.since = since;
  updateSentiment(cells[5], c.sentiment);
  const n = cells[6].firstChild;
  setText(n, c.alerts || 0);
  if (n.dataset.n !== String(c.alerts || 0)) n.dataset.n = String(c.alerts || 0);
  const m = wall.monitor.get(c.call_id);
  if (tr.hasAttribute('data-monitored') !== Boolean(m)) tr.toggleAttribute('data-monitored', Boolean(m));
  for (const b of cells[7].querySelectorAll('button')) {
    if (b.dataset.mode === 'leave') b.disabled = !m;
    else {
      const pressed = String(Boolean(m) && m.mode === b.dataset.mode);
      if (b.getAttribute('aria-pressed') !== pressed) b.setAttribute('aria-pressed', pressed);
    }
  }
  const others = (Array.isArray(c.monitors) ? c.monitors : []).filter((x) => !wall.me || x !== (wall.me.id || wall.me.agent_id));
  const title = others.length ? `Also monitored by ${others.join(', ')}` : '';
  if (cells[7].title !== title) cells[7].title = title;
}

function renderAlerts() {
  $('alerts-empty').hidden = wall.alerts.length > 0;
  syncList($('alerts'), wall.alerts, (x) => x.key,
    (x) => {
      const a = x.a;
      const sev = severity(a.severity);
      const call = wall.calls.get(a.call_id);
      const where = [call && call.caller_id ? `caller ${call.caller_id}` : null,
        a.agent ? `agent ${(wall.agents.get(a.agent) || {}).name || a.agent}` : null, a.queue ? `queue ${a.queue}` : null].filter(Boolean).join(' · ');
      return el('li', { class: `sev-${sev}` },
        el('div', { class: 'head' },
          el('time', { class: 'num small', datetime: a.at || null }, wallTime(x.t)),
          el('span', { class: `badge sev-${sev}` }, sev),
          el('strong', null, a.rule_name || String(a.kind || 'alert').replace(/_/g, ' '))),
        a.message ? el('p', { lang: hasHan(a.message) ? 'zh' : null }, String(a.message)) : null,
        where ? el('div', { class: 'where' }, where) : null);
    },
    () => {});
}

function tick() {
  const now = live.now();
  tickClocks(document.body, now);
  const up = $('updated');
  up.textContent = wall.at ? wallTime(wall.at) : '–';
  up.toggleAttribute('data-stale', Boolean(wall.at) && now - wall.at > 5000 && wall.conn === 'open');
}

// ---------------------------------------------------------------- monitoring

// startMonitor asks to listen, whisper or barge; the reply's Connect
// opens the audio. The microphone is sent (muted while listening), so
// that going from listening to whispering on the same media needs no new
// call. One call is monitored at a time.
async function startMonitor(callID, mode, button) {
  const err = $('monitor-error');
  err.textContent = '';
  button.disabled = true;
  try {
    for (const other of [...wall.monitor.keys()]) if (other !== callID) await leaveCall(other);
    const connect = await send(mode, { call_id: callID, mode });
    openMonitor(callID, mode, connect);
  } catch (e) {
    err.textContent = `${mode[0].toUpperCase() + mode.slice(1)}: ${errorText(e)}`;
  } finally {
    button.disabled = false;
    renderCalls();
  }
}

function openMonitor(callID, mode, connect) {
  const cur = wall.monitor.get(callID);
  const talk = mode !== 'listen';
  if (!connect || typeof connect !== 'object' || !connect.media_url) {
    if (connect && connect.phone) toasts({ title: 'Your phone will ring', text: 'Answer it to monitor the call.' });
    wall.monitor.set(callID, { mode, media: cur ? cur.media : null });
    return;
  }
  const url = new URL(connect.media_url, location.href).href;
  if (cur && cur.media && !cur.media.done() && cur.media.url === url && (!talk || cur.media.stream)) {
    cur.mode = mode;
    cur.media.setMic(talk);
    return;
  }
  if (cur && cur.media) cur.media.end();
  const media = new MediaCall(url, {
    mic: true, requireMic: talk, micEnabled: talk,
    onState: (state, m) => {
      if (state === 'failed') $('monitor-error').textContent = `Audio: ${m.error}`;
      renderCalls();
    },
  });
  wall.monitor.set(callID, { mode, media });
  media.start();
}

function stopMonitor(callID) {
  const m = wall.monitor.get(callID);
  if (m && m.media) m.media.end();
  wall.monitor.delete(callID);
}

async function leaveCall(callID, button) {
  if (button) button.disabled = true;
  stopMonitor(callID);
  renderCalls();
  try {
    await send('leave', { call_id: callID });
  } catch (e) {
    $('monitor-error').textContent = `Leave: ${errorText(e)}`;
  }
}

// ---------------------------------------------------------------- session

$('logout').addEventListener('click', async () => {
  for (const id of [...wall.monitor.keys()]) await leaveCall(id);
  await page.logout();
});
window.addEventListener('pagehide', () => { for (const m of wall.monitor.values()) if (m.media) m.media.sendDelete(); });
setInterval(tick, 1000);

page.start();
