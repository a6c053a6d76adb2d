// What the agent desktop (/agent) and the supervisor wallboard
// (/supervisor) share: DOM helpers, time formatting, sign-in, the live
// websocket (resume with epoch/since, commands and their replies, backoff)
// and WHIP audio calls. An ES module: no build step, no dependencies.

// ---------------------------------------------------------------- DOM

export const $ = (id) => document.getElementById(id);

// el builds an element: attrs sets attributes ("class", "text" for
// textContent, "dataset", on* listeners, true for a bare attribute,
// false/null/undefined for none); children are nodes or strings (never
// parsed as HTML).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

// setText and setClass write only what changed: a table refreshed every
// second then costs the browser no style or layout work for cells that
// stayed the same.
export function setText(e, s) {
  const t = String(s);
  if (e.textContent !== t) e.textContent = t;
}
export function setClass(e, c) {
  if (e.className !== c) e.className = c;
}

let uid = 0;
// newID returns a fresh element ID with a prefix (for aria-controls).
export const newID = (prefix) => `${prefix}-${++uid}`;

// syncList makes container's children the nodes of items, in order,
// keyed by key(item): existing nodes are updated in place by update (so
// focus and expanded state survive), new ones made by create.
export function syncList(container, items, key, create, update) {
  const old = new Map();
  for (const n of container.children) if (n.dataset.key !== undefined) old.set(n.dataset.key, n);
  let prev = null;
  for (const item of items) {
    const k = String(key(item));
    let n = old.get(k);
    if (n) old.delete(k);
    else {
      n = create(item);
      n.dataset.key = k;
    }
    update(n, item);
    const want = prev ? prev.nextSibling : container.firstChild;
    if (want !== n) container.insertBefore(n, want);
    prev = n;
  }
  for (const n of old.values()) n.remove();
}

// hasHan reports whether s contains Chinese characters (the line then
// gets lang="zh" so that a CJK font is chosen).
export const hasHan = (s) => /\p{Script=Han}/u.test(s || '');

// ---------------------------------------------------------------- time

// ms converts a Go time.Duration (nanoseconds in JSON) to milliseconds.
export const ms = (ns) => (typeof ns === 'number' && Number.isFinite(ns) ? ns / 1e6 : 0);

// parseTime returns a JSON time in milliseconds since the epoch, 0 for
// none (Go's zero time, a missing or malformed value).
export function parseTime(s) {
  const t = typeof s === 'string' ? Date.parse(s) : NaN;
  return Number.isFinite(t) && t > 946684800000 ? t : 0;
}

const pad = (n) => String(n).padStart(2, '0');

// clock formats milliseconds as mm:ss, or h:mm:ss from an hour.
export function clock(msv) {
  const s = Math.max(0, Math.floor((msv || 0) / 1000));
  const h = Math.floor(s / 3600);
  return h ? `${h}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}` : `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
}

// wallTime formats milliseconds since the epoch as a local hh:mm:ss.
export function wallTime(t) {
  if (!t) return '';
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// tickClocks refreshes the clocks under root: elements with data-since
// (server milliseconds) show the time since, data-until the time left
// (data-expired is set at zero). now is the server's time.
export function tickClocks(root, now) {
  for (const e of root.querySelectorAll('[data-since]')) {
    const t = Number(e.dataset.since);
    const text = t ? clock(now - t) : '–';
    if (e.textContent !== text) e.textContent = text;
  }
  for (const e of root.querySelectorAll('[data-until]')) {
    const t = Number(e.dataset.until);
    const left = t - now;
    const text = t ? clock(left + 999) : '–';
    if (e.textContent !== text) e.textContent = text;
    e.toggleAttribute('data-expired', Boolean(t) && left <= 0);
  }
}

// ---------------------------------------------------------------- HTTP

// errorText returns a readable message from an Error, a reply error or
// anything else.
export const errorText = (e) => String(e && e.message ? e.message : e || 'unknown error');

// postJSON POSTs body as JSON (same-origin credentials) and returns
// { status, data } with the parsed JSON answer (null when there is none).
export async function postJSON(url, body) {
  const resp = await fetch(url, {
    method: 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: resp.status, data: await resp.json().catch(() => null) };
}

// Session signs a user in and out of an API ("/v1/desk",
// "/v1/supervisor"): POST {api}/login {login,password}, GET {api}/me,
// POST {api}/logout, with an HttpOnly cookie the page never sees.
export class Session {
  constructor(api) { this.api = api; }

  // login returns the identity the server answers with, or throws an
  // Error whose message is for the person signing in.
  async login(login, password) {
    let r;
    try {
      r = await postJSON(`${this.api}/login`, { login, password });
    } catch (e) {
      throw new Error('The server cannot be reached. Check your connection and try again.');
    }
    if (r.status === 200 && r.data && typeof r.data === 'object') return r.data;
    const why = r.data && typeof r.data.error === 'string' && r.data.error;
    if (r.status === 401) throw new Error(why || 'Wrong login or password.');
    if (r.status === 429) throw new Error(why || 'Too many attempts: wait a minute and try again.');
    throw new Error(why || `Sign-in failed (HTTP ${r.status}).`);
  }

  // me returns the signed-in identity, null when signed out, undefined
  // when the server cannot say (unreachable, no such endpoint).
  async me() {
    try {
      const resp = await fetch(`${this.api}/me`, { cache: 'no-store' });
      if (resp.status === 401 || resp.status === 403) return null;
      if (!resp.ok) return undefined;
      const data = await resp.json().catch(() => undefined);
      return data && typeof data === 'object' ? data : undefined;
    } catch (e) {
      return undefined;
    }
  }

  async logout() {
    try { await postJSON(`${this.api}/logout`); } catch (e) { /* the cookie expires anyway */ }
  }
}

// bindLogin wires a sign-in form (#login, #password, #login-error,
// #login-submit inside form) to session; onIn gets the identity.
export function bindLogin(form, session, onIn) {
  const login = form.querySelector('#login');
  const password = form.querySelector('#password');
  const error = form.querySelector('#login-error');
  const submit = form.querySelector('#login-submit');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const who = await session.login(login.value.trim(), password.value);
      password.value = '';
      onIn(who);
    } catch (err) {
      error.textContent = errorText(err);
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
}

// ---------------------------------------------------------------- toasts

// toast shows a message in container for a while (until closed when
// sticky); severity is info, warning or critical.
export function toast(container, { title, text, severity = 'info', sticky = false, timeout = 8000 }) {
  const close = el('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
  const t = el('div', { class: `toast sev-${severity}`, role: severity === 'critical' ? 'alert' : 'status' },
    el('div', { class: 'toast-body' }, title ? el('strong', null, title) : null, text ? el('p', null, text) : null),
    close);
  close.addEventListener('click', () => t.remove());
  container.prepend(t);
  while (container.children.length > 5) container.lastElementChild.remove();
  if (!sticky) setTimeout(() => t.remove(), timeout);
  return t;
}

// ---------------------------------------------------------------- websocket

// CommandError is a command the server answered with an error.
export class CommandError extends Error {}

const BACKOFF_MIN = 500;
const BACKOFF_MAX = 10000;
const PING_EVERY = 20000;

// Live is a desktop's websocket to the server (assist.Hub): a "hello"
// with the epoch and last seq, a "resync" event with the full state
// unless the connection resumed, then events, each with a seq. Lost
// connections come back after 0.5 s, doubling to 10 s, resuming with
// ?epoch=E&since=N so that no event is lost; an event seen before is
// dropped, so none is applied twice. Commands get a Promise of the
// reply's data.
//
// opts: url (the websocket path), onEvent(ev) for events (resync
// included), onStatus(status) for connecting, open, reconnecting,
// signed-out and stopped, and checkAuth() → Promise<bool> asked when a
// connection fails before its hello (false: signed out, stop).
export class Live {
  constructor(opts) {
    this.opts = opts;
    this.status = 'idle';
    this.epoch = '';
    this.seq = 0;
    // skew is local minus server time in ms: the smallest delay seen
    // since the hub last changed (events are never early).
    this.skew = 0;
    this.counts = { events: 0, duplicates: 0, malformed: 0, failed: 0, reconnects: 0 };
    this.sent = []; // the last commands sent, for tests and the console
    this.ws = null;
    this.pending = new Map();
    this.backoff = BACKOFF_MIN;
    this.nextID = 0;
    this.timer = 0;
    this.pinger = 0;
    this.skewSamples = 0;
    this.greeted = false;
  }

  // now returns the server's time in ms.
  now() { return Date.now() - this.skew; }

  start() {
    if (this.ws || this.timer) return;
    this.stopped = false;
    this.setStatus('connecting');
    this.connect();
  }

  stop(status = 'stopped') {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = 0;
    this.detach('the page disconnected');
    this.setStatus(status);
  }

  setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    if (this.opts.onStatus) this.opts.onStatus(s);
  }

  connect() {
    this.timer = 0;
    const u = new URL(this.opts.url, location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.epoch) {
      u.searchParams.set('epoch', this.epoch);
      u.searchParams.set('since', String(this.seq));
    }
    let ws;
    try {
      ws = new WebSocket(u.href);
    } catch (e) {
      console.error('live: websocket', e);
      this.lost(false);
      return;
    }
    this.ws = ws;
    this.greeted = false;
    ws.onmessage = (m) => { if (ws === this.ws) this.receive(m.data); };
    ws.onclose = () => { if (ws === this.ws) { this.ws = null; this.lost(this.greeted); } };
  }

  // detach closes the current websocket without reconnecting and fails
  // the commands waiting for a reply.
  detach(why) {
    clearInterval(this.pinger);
    this.pinger = 0;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onmessage = ws.onclose = null;
      try { ws.close(); } catch (e) { /* already closed */ }
    }
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`${why} before the server answered "${p.type}": check whether it was done`));
      this.pending.delete(id);
    }
  }

  // lost schedules the next attempt after a connection ended.
  async lost(greeted) {
    this.detach('the connection was lost');
    if (this.stopped) return;
    this.setStatus('reconnecting');
    if (!greeted && this.opts.checkAuth) {
      const ok = await this.opts.checkAuth();
      // Stopped, or started again, meanwhile.
      if (this.stopped || this.ws || this.timer) return;
      if (ok === false) {
        this.stop('signed-out');
        return;
      }
    }
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX);
    this.counts.reconnects++;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // receive handles one message; anything malformed is counted and
  // logged, never thrown.
  receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      this.malformed('not JSON', text);
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') {
      this.malformed('no type', text);
      return;
    }
    if (msg.type === 'hello') {
      this.hello(msg);
      return;
    }
    if (msg.type === 'reply') {
      this.reply(msg);
      return;
    }
    if (typeof msg.seq !== 'number' || !Number.isFinite(msg.seq)) {
      this.malformed('event without seq', text);
      return;
    }
    // The resync carries the hello's seq; what follows it is newer.
    if (msg.type !== 'resync' && msg.seq <= this.seq) {
      this.counts.duplicates++;
      return;
    }
    this.seq = Math.max(this.seq, msg.seq);
    const at = parseTime(msg.at);
    if (at) {
      const d = Date.now() - at;
      if (this.skewSamples++ === 0 || d < this.skew) this.skew = d;
    }
    this.counts.events++;
    try {
      this.opts.onEvent(msg);
    } catch (e) {
      this.counts.failed++;
      console.error(`live: event ${msg.type} #${msg.seq} not applied:`, e);
    }
  }

  malformed(why, text) {
    this.counts.malformed++;
    console.warn(`live: malformed message (${why}):`, String(text).slice(0, 200));
  }

  hello(msg) {
    if (typeof msg.epoch !== 'string' || typeof msg.seq !== 'number') {
      this.malformed('bad hello', JSON.stringify(msg));
      return;
    }
    if (!msg.resumed || msg.epoch !== this.epoch) {
      this.seq = msg.seq;
      // Maybe another node, with another clock: measure again.
      this.skewSamples = 0;
    }
    this.epoch = msg.epoch;
    this.greeted = true;
    this.backoff = BACKOFF_MIN;
    clearInterval(this.pinger);
    this.pinger = setInterval(() => this.ping(), PING_EVERY);
    this.setStatus('open');
  }

  // ping checks that the server still answers: a half-open connection
  // (a laptop waking up, a NAT that forgot it) is dropped and redialled.
  ping() {
    const ws = this.ws;
    this.command('ping', null, 10000).catch(() => {
      if (ws && ws === this.ws) this.lost(true);
    });
  }

  reply(msg) {
    const p = this.pending.get(msg.reply_to);
    if (!p) {
      if (msg.error) console.warn('live: server error:', msg.error);
      return;
    }
    this.pending.delete(msg.reply_to);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.data === undefined ? null : msg.data);
    else p.reject(new CommandError(msg.error || `the server refused "${p.type}"`));
  }

  // command sends a command and returns a Promise of its reply's data;
  // it rejects with the server's error, when not connected, or after
  // timeout ms without a reply.
  command(type, data, timeout = 15000) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.status !== 'open') {
      return Promise.reject(new Error('Not connected to the server: try again when the connection is back.'));
    }
    const id = `c${++this.nextID}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`The server did not answer "${type}" within ${timeout / 1000} s.`));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer, type });
      ws.send(JSON.stringify(data === null || data === undefined ? { id, type } : { id, type, data }));
      if (type !== 'ping') {
        this.sent.push({ id, type, data });
        if (this.sent.length > 50) this.sent.shift();
      }
    });
  }
}

// need checks that an event's data is an object with the named
// non-empty string fields; a malformed event throws, and Live logs and
// skips it.
export function need(d, ...fields) {
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new TypeError('data is not an object');
  for (const f of fields) if (typeof d[f] !== 'string' || !d[f]) throw new TypeError(`no ${f}`);
  return d;
}

// Page is what both pages do around their Live: sign in (or find the
// session still good), show #login-view or the page's own view, pass
// each event to its handler, keep #conn and the #banner up to date, and
// sign out. It exposes conn, epoch, seq, commands, counts, unknown (events
// of types without a handler) and debug.receive on state (window.desk,
// window.wall). opts: api, state, view (the signed-in view's ID),
// handlers() returning { type: (data, event) => ... }, onEnter(identity),
// onLeave() (forget everything), and banner (the reconnecting text).
export class Page {
  constructor(opts) {
    this.opts = opts;
    this.session = new Session(opts.api);
    const live = new Live({
      url: `${opts.api}/ws`,
      onEvent: (ev) => this.dispatch(ev),
      onStatus: (s) => this.status(s),
      checkAuth: async () => (await this.session.me()) !== null,
    });
    this.live = live;
    const state = opts.state;
    state.conn = 'idle';
    state.unknown = 0;
    Object.defineProperties(state, {
      live: { value: live },
      epoch: { get: () => live.epoch },
      seq: { get: () => live.seq },
      commands: { get: () => live.sent },
      counts: { get: () => live.counts },
    });
    // debug.receive feeds one raw websocket message to the page.
    state.debug = { receive: (text) => live.receive(text) };
    bindLogin($('login-form'), this.session, (who) => this.enter(who));
  }

  // start shows the page if the session cookie is still good, the
  // sign-in form otherwise.
  async start() {
    const who = await this.session.me();
    if (who) this.enter(who);
    else this.showLogin('');
  }

  send(type, data) { return this.live.command(type, data); }

  // dispatch hands an event to its handler; one of an unknown type is
  // counted and skipped (a newer server may send more).
  dispatch(ev) {
    const h = this.opts.handlers()[ev.type];
    if (!h) {
      this.opts.state.unknown++;
      console.info('ignoring an event of unknown type', ev.type);
      return;
    }
    h(ev.data, ev);
  }

  status(s) {
    this.opts.state.conn = s;
    const pill = $('conn');
    pill.dataset.conn = s;
    pill.textContent = { open: 'connected', reconnecting: 'reconnecting…', connecting: 'connecting…' }[s] || s;
    $('banner').hidden = s !== 'reconnecting';
    $('banner').textContent = this.opts.banner;
    if (s === 'signed-out') this.leave('Your session has ended. Sign in again.');
  }

  enter(who) {
    this.opts.onEnter(who && typeof who === 'object' ? who : null);
    $('login-view').hidden = true;
    $(this.opts.view).hidden = false;
    this.live.start();
  }

  // leave ends everything local and shows the sign-in form with message.
  leave(message) {
    if (this.live.status !== 'signed-out') this.live.stop('stopped');
    this.live.epoch = '';
    this.live.seq = 0;
    this.opts.onLeave();
    this.showLogin(message);
  }

  async logout() {
    await this.session.logout();
    this.leave('');
  }

  showLogin(message) {
    $(this.opts.view).hidden = true;
    $('banner').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = message || '';
    $('login').focus();
  }
}

// ---------------------------------------------------------------- audio

// iceServers reads the STUN/TURN servers from the Link headers of
// OPTIONS on the WHIP URL (RFC 9725 section 4.6); none when that fails.
async function iceServers(url) {
  try {
    const resp = await fetch(url, { method: 'OPTIONS' });
    const out = [];
    for (const link of (resp.headers.get('Link') || '').split(/,(?=\s*<)/)) {
      const m = link.match(/<([^>]+)>(.*)/);
      if (!m || !/rel="?ice-server"?/.test(m[2])) continue;
      const server = { urls: m[1] };
      const user = m[2].match(/username="([^"]*)"/);
      const cred = m[2].match(/credential="([^"]*)"/);
      if (user) server.username = user[1];
      if (cred) server.credential = cred[1];
      out.push(server);
    }
    return out;
  } catch (e) {
    return [];
  }
}

// iceGathered resolves when the peer connection has all its candidates,
// or after ms.
function iceGathered(pc, ms) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') { resolve(); return; }
    const check = () => { if (pc.iceGatheringState === 'complete') done(); };
    const done = () => { clearTimeout(t); pc.removeEventListener('icegatheringstatechange', check); resolve(); };
    const t = setTimeout(done, ms);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

// MediaCall is one WHIP audio call: POST an SDP offer to url (relative
// or absolute, possibly another origin), apply the answer, DELETE the
// Location to hang up. opts: mic (send the microphone; without one, or
// when it is refused and requireMic is false, the call only receives),
// micEnabled (start unmuted), onState(state, call) with state connecting,
// connected, failed or ended.
export class MediaCall {
  constructor(url, opts = {}) {
    this.url = new URL(url, location.href).href;
    this.opts = opts;
    this.state = 'new';
    this.error = '';
    this.pc = null;
    this.stream = null;
    this.location = null;
    this.audio = el('audio', { autoplay: true, class: 'remote-audio' });
    document.body.append(this.audio);
  }

  set(state, error) {
    if (this.state === 'ended' || this.state === 'failed' || this.state === state) return;
    this.state = state;
    if (error) this.error = error;
    if (this.opts.onState) this.opts.onState(state, this);
  }

  async start() {
    this.set('connecting');
    try {
      if (this.opts.mic !== false) {
        try {
          this.stream = await navigator.mediaDevices.getUserMedia({
            audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
          });
        } catch (e) {
          if (this.opts.requireMic !== false) throw new Error(`microphone unavailable: ${errorText(e)}`);
        }
      }
      if (this.done()) { this.release(); return; }
      const pc = new RTCPeerConnection({ iceServers: await iceServers(this.url) });
      this.pc = pc;
      if (this.stream) {
        const track = this.stream.getAudioTracks()[0];
        track.enabled = this.opts.micEnabled !== false;
        pc.addTrack(track, this.stream);
      } else {
        pc.addTransceiver('audio', { direction: 'recvonly' });
      }
      // The far end hanging up shows first as the data channel closing.
      const dc = pc.createDataChannel('dtmf');
      dc.onclose = () => { if (this.state === 'connected') this.end(); };
      pc.ontrack = (e) => {
        this.audio.srcObject = e.streams[0] || new MediaStream([e.track]);
        this.audio.play().catch(() => {});
      };
      pc.onconnectionstatechange = () => {
        if (this.pc !== pc) return;
        if (pc.connectionState === 'connected') this.set('connected');
        else if (pc.connectionState === 'failed') this.fail(new Error('the audio connection failed'));
        else if (pc.connectionState === 'closed') this.end();
      };
      await pc.setLocalDescription(await pc.createOffer());
      await iceGathered(pc, 5000);
      if (this.done()) return;
      const resp = await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: pc.localDescription.sdp,
      });
      const body = await resp.text();
      if (!resp.ok) throw new Error(`audio: ${resp.status} ${resp.statusText} ${body.trim()}`.trim());
      const loc = resp.headers.get('Location');
      this.location = loc ? new URL(loc, resp.url || this.url).href : null;
      if (this.done()) { this.sendDelete(); return; }
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
    } catch (e) {
      this.fail(e);
    }
  }

  done() { return this.state === 'ended' || this.state === 'failed'; }

  // setMic turns the microphone on or off (no-op without one).
  setMic(on) {
    const t = this.stream && this.stream.getAudioTracks()[0];
    if (t) t.enabled = on;
    this.opts.micEnabled = on;
  }

  get micOn() {
    const t = this.stream && this.stream.getAudioTracks()[0];
    return Boolean(t && t.enabled);
  }

  fail(e) {
    console.error('audio:', e);
    this.sendDelete();
    this.set('failed', errorText(e));
    this.release();
  }

  // end hangs up: DELETE the Location (once) and release everything.
  end() {
    this.sendDelete();
    this.set('ended');
    this.release();
  }

  sendDelete() {
    if (!this.location) return;
    fetch(this.location, { method: 'DELETE', keepalive: true }).catch(() => {});
    this.location = null;
  }

  release() {
    if (this.pc) { const pc = this.pc; this.pc = null; pc.onconnectionstatechange = null; pc.close(); }
    if (this.stream) { for (const t of this.stream.getTracks()) t.stop(); this.stream = null; }
    this.audio.srcObject = null;
    this.audio.remove();
  }

  // stats returns packets sent and received so far.
  async stats() {
    const out = { packetsSent: 0, packetsReceived: 0 };
    if (!this.pc) return out;
    (await this.pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') out.packetsReceived = r.packetsReceived || 0;
      if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsSent = r.packetsSent || 0;
    });
    return out;
  }
}

// mediaLabel says a MediaCall's state for people.
export function mediaLabel(m) {
  if (!m) return 'no audio';
  switch (m.state) {
    case 'new': case 'connecting': return 'connecting…';
    case 'connected': return 'connected';
    case 'failed': return `failed: ${m.error}`;
    default: return 'ended';
  }
}
