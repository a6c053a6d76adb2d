// Switchboard agent desktop: sign in, set your status, take offered
// calls, talk over WebRTC with the live transcript and suggestions, and
// wrap up. Events and commands follow assist/protocol.go.

import {
  $, el, syncList, ms, parseTime, clock, tickClocks, errorText, toast, hasHan, need as obj, Page,
} from '/agent/live.js';
import { context, mergeSegment, TranscriptView, SuggestionsView } from '/agent/assist.js';
import { CallPanel } from '/agent/call.js';

// The page's state; window.desk exposes it for tests and the console.
const desk = {
  agent: null, // AgentState
  offers: new Map(), // offer_id → { view: OfferView, at: server ms when received }
  calls: new Map(), // call_id → CallView
  transcripts: new Map(), // call_id → Map(speaker+utterance → Segment)
  suggestions: new Map(), // call_id → Suggestions
  wrapping: null, // CallEnded + caller_id + ended_at (server ms)
  queues: [],
  agents: [], // AgentState of the agents one may transfer to
  alerts: [],
  media: new Map(), // call_id → MediaCall
  connects: new Map(), // call_id → the last Connect
  selected: '', // the call shown
};
window.desk = desk;

const page = new Page({
  api: '/v1/desk',
  state: desk,
  view: 'desk-view',
  banner: 'Reconnecting… Your calls continue; what happened meanwhile will show when the connection is back.',
  handlers: () => handlers,
  onEnter: (who) => {
    if (who) desk.agent = who;
    render();
  },
  onLeave: () => forgetAll(),
});
const live = page.live;
// mediaState returns the RTCPeerConnection state of a call's audio.
desk.mediaState = (callID) => {
  const m = desk.media.get(callID);
  return m ? (m.pc ? m.pc.connectionState : m.state) : 'none';
};
desk.mediaStats = (callID) => (desk.media.get(callID) ? desk.media.get(callID).stats() : null);

const send = (type, data) => live.command(type, data);
const toasts = (opts) => toast($('toasts'), opts);

const transcript = new TranscriptView($('transcript'), $('jump'));
const suggestions = new SuggestionsView($('suggestions'), $('suggest-latency'), $('suggest-error'),
  (callID, kind, ref, useful) => send('feedback', { call_id: callID, kind, ref, useful }));
const panel = new CallPanel({ desk, send, applyCall, render, toast: toasts });

// ---------------------------------------------------------------- events

const handlers = {
  resync(d, ev) {
    obj(d);
    if (d.agent && typeof d.agent === 'object') desk.agent = d.agent;
    desk.queues = Array.isArray(d.queues) ? d.queues : [];
    desk.agents = Array.isArray(d.agents) ? d.agents.filter((a) => a && typeof a === 'object') : [];
    const at = parseTime(ev.at) || live.now();
    const offers = new Map();
    for (const o of Array.isArray(d.offers) ? d.offers : []) {
      if (!o || typeof o.offer_id !== 'string') continue;
      offers.set(o.offer_id, { view: o, at: (desk.offers.get(o.offer_id) || {}).at || at });
    }
    desk.offers = offers;
    const calls = new Map();
    for (const c of Array.isArray(d.calls) ? d.calls : []) {
      if (!c || typeof c.call_id !== 'string') continue;
      calls.set(c.call_id, c);
      takeCallParts(c);
    }
    // Calls that ended while the page was away lose their audio.
    for (const id of desk.calls.keys()) if (!calls.has(id)) panel.endMedia(id);
    desk.calls = calls;
    const w = d.wrapping && typeof d.wrapping === 'object' && d.wrapping.call_id ? d.wrapping : null;
    if (!w) desk.wrapping = null;
    else if (!desk.wrapping || desk.wrapping.call_id !== w.call_id) {
      desk.wrapping = { ...w, caller_id: w.caller_id || '', ended_at: parseTime(w.ended_at) || at };
    }
    for (const id of [...desk.transcripts.keys()]) {
      if (!calls.has(id) && (!desk.wrapping || desk.wrapping.call_id !== id)) forgetCall(id);
    }
    if (!calls.has(desk.selected)) desk.selected = calls.keys().next().value || '';
    render(true);
  },

  'agent.state'(d) {
    obj(d, 'agent_id');
    if (!desk.agent || d.agent_id === desk.agent.agent_id) desk.agent = d;
    else {
      const i = desk.agents.findIndex((a) => a.agent_id === d.agent_id);
      if (i >= 0) desk.agents[i] = d;
      else desk.agents.push(d);
    }
    renderHeader();
  },

  offer(d, ev) {
    obj(d, 'offer_id');
    const old = desk.offers.get(d.offer_id);
    desk.offers.set(d.offer_id, { view: d, at: old ? old.at : parseTime(ev.at) || live.now() });
    renderOffers();
  },

  'offer.gone'(d) {
    obj(d, 'offer_id');
    const o = desk.offers.get(d.offer_id);
    if (!o) return;
    desk.offers.delete(d.offer_id);
    if (d.reason !== 'accepted') {
      toasts({ title: `Call from ${o.view.customer && o.view.customer.caller_id || 'a caller'} withdrawn`, text: reasonText(d.reason) });
    }
    renderOffers();
  },

  'call.connect'(d) {
    obj(d, 'call_id');
    panel.startMedia(d);
  },

  call(d) {
    obj(d, 'call_id');
    applyCall(d);
  },

  transcript(d) {
    obj(d, 'call_id', 'speaker');
    if (!Number.isInteger(d.utterance)) throw new TypeError('no utterance number');
    let segs = desk.transcripts.get(d.call_id);
    if (!segs) desk.transcripts.set(d.call_id, (segs = new Map()));
    if (mergeSegment(segs, d) && transcript.callID === d.call_id) transcript.upsert(segs.get(`${d.speaker}\u0000${d.utterance}`));
  },

  suggestions(d) {
    obj(d, 'call_id');
    desk.suggestions.set(d.call_id, d);
    if (suggestions.callID === d.call_id) suggestions.show(d.call_id, d);
  },

  'call.ended'(d, ev) {
    obj(d, 'call_id');
    const c = desk.calls.get(d.call_id);
    panel.endMedia(d.call_id);
    desk.calls.delete(d.call_id);
    if (!desk.wrapping || desk.wrapping.call_id !== d.call_id) {
      desk.wrapping = { ...d, caller_id: c ? c.caller_id : '', handoff: c ? c.handoff : null, ended_at: parseTime(ev.at) || live.now() };
    }
    if (desk.selected === d.call_id) desk.selected = desk.calls.keys().next().value || '';
    render();
  },

  alert(d) {
    obj(d);
    desk.alerts.unshift(d);
    if (desk.alerts.length > 100) desk.alerts.pop();
    const sev = ['info', 'warning', 'critical'].includes(d.severity) ? d.severity : 'info';
    toasts({
      title: d.rule_name || (d.kind ? String(d.kind).replace(/_/g, ' ') : 'Alert'),
      text: d.message || '', severity: sev, sticky: sev === 'critical',
    });
  },
};

// takeCallParts keeps what a CallView carries for a desktop that joined
// late: the finals so far and the suggestions.
function takeCallParts(c) {
  if (Array.isArray(c.transcript)) {
    let segs = desk.transcripts.get(c.call_id);
    if (!segs) desk.transcripts.set(c.call_id, (segs = new Map()));
    for (const s of c.transcript) {
      if (s && typeof s.speaker === 'string' && Number.isInteger(s.utterance)) mergeSegment(segs, { ...s, final: true, call_id: c.call_id });
    }
  }
  if (c.suggestions && typeof c.suggestions === 'object' && !desk.suggestions.has(c.call_id)) {
    desk.suggestions.set(c.call_id, c.suggestions);
  }
}

// applyCall stores a CallView from an event or a command's reply.
function applyCall(c) {
  const first = !desk.calls.has(c.call_id);
  desk.calls.set(c.call_id, c);
  takeCallParts(c);
  if (!desk.selected || !desk.calls.has(desk.selected)) desk.selected = c.call_id;
  render(first && transcript.callID !== desk.selected);
}

function forgetCall(id) {
  desk.transcripts.delete(id);
  desk.suggestions.delete(id);
  desk.connects.delete(id);
  suggestions.forget(id);
}

const REASONS = {
  rang_out: 'It rang out.', expired: 'It rang out.', caller_hangup: 'The caller hung up.',
  hangup: 'The caller hung up.', accepted_elsewhere: 'Another agent took it.', rejected: 'You rejected it.',
};
const reasonText = (r) => REASONS[r] || (r ? `${String(r).replace(/_/g, ' ')}.` : '');

// ---------------------------------------------------------------- render

// render redraws the page from desk; redraw rebuilds the transcript too.
function render(redraw = false) {
  renderHeader();
  renderOffers();
  panel.render();
  renderWrapup();
  const shown = desk.selected || (desk.wrapping ? desk.wrapping.call_id : '');
  if (redraw || transcript.callID !== shown) {
    const c = desk.calls.get(shown);
    const handoff = c ? c.handoff : desk.wrapping && desk.wrapping.handoff;
    transcript.show(shown, handoff, desk.transcripts.get(shown));
  }
  if (redraw || suggestions.callID !== shown) suggestions.show(shown, desk.suggestions.get(shown));
  $('idle').hidden = Boolean(desk.offers.size || desk.calls.size || desk.wrapping);
  tick();
}

const STATE_WORDS = { available: 'available', away: 'away', offline: 'offline', busy: 'on a call', on_call: 'on a call', ringing: 'ringing', wrapup: 'wrapping up', wrap_up: 'wrapping up' };

function renderHeader() {
  const a = desk.agent;
  if (!a) return;
  $('agent-name').textContent = a.name || a.agent_id || '';
  const word = STATE_WORDS[a.state] || String(a.state || '–').replace(/_/g, ' ');
  $('state-now').textContent = a.reason ? `${word} (${a.reason})` : word;
  $('state-now').className = `st-${a.state}`;
  $('state-time').dataset.since = String(parseTime(a.since) || '');
  const sel = $('state-select');
  const value = a.state === 'away' && a.reason ? `away:${a.reason}` : a.state;
  if (document.activeElement !== sel && [...sel.options].some((o) => o.value === value)) sel.value = value;
}

function renderOffers() {
  const offers = [...desk.offers.values()];
  syncList($('offers'), offers, (o) => o.view.offer_id, offerCard, updateOffer);
  document.title = offers.length ? `(${offers.length}) Incoming call · Switchboard` : 'Switchboard agent desktop';
  ringer(offers.length > 0);
  $('idle').hidden = Boolean(desk.offers.size || desk.calls.size || desk.wrapping);
}

function offerCard(o) {
  const id = o.view.offer_id;
  const titleID = `offer-title-${id.replace(/[^\w-]/g, '_')}`;
  const card = el('article', { class: 'panel offer', 'aria-labelledby': titleID },
    el('header', { class: 'offer-head' },
      el('h2', { id: titleID }, 'Incoming call ', el('span', { class: 'caller' })),
      el('span', { class: 'countdown', title: 'Time left to answer' }, el('span', { class: 'num until' }))),
    el('p', { class: 'meta' }, 'Queue ', el('strong', { class: 'queue' }), ' · waited ', el('span', { class: 'num waited' })),
    el('div', { class: 'context' }),
    el('p', { class: 'error', role: 'alert' }),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'ok accept' }, 'Accept'),
      el('button', { type: 'button', class: 'reject' }, 'Reject')));
  card.querySelector('.accept').addEventListener('click', () => answerOffer(id, card, 'accept'));
  card.querySelector('.reject').addEventListener('click', () => answerOffer(id, card, 'reject'));
  return card;
}

function updateOffer(card, o) {
  const v = o.view;
  card.querySelector('.caller').textContent = (v.customer && v.customer.caller_id) || 'unknown number';
  card.querySelector('.queue').textContent = v.queue || (v.handoff && v.handoff.queue) || '–';
  card.querySelector('.waited').dataset.since = String(o.at - ms(v.waited));
  card.querySelector('.until').dataset.until = String(parseTime(v.expires_at) || '');
  if (card.shown !== v) {
    card.shown = v;
    card.querySelector('.context').replaceChildren(context(v.handoff, v.customer));
  }
}

async function answerOffer(id, card, what) {
  const buttons = card.querySelectorAll('.actions button');
  const err = card.querySelector('.error');
  err.textContent = '';
  for (const b of buttons) b.disabled = true;
  try {
    const connect = await send(what, { offer_id: id });
    const o = desk.offers.get(id);
    desk.offers.delete(id);
    if (what === 'accept') {
      if (o && connect && connect.call_id && !desk.calls.has(connect.call_id)) {
        // Shown until the server's CallView arrives.
        const v = o.view;
        applyCall({
          call_id: connect.call_id, queue: v.queue, caller_id: v.customer && v.customer.caller_id,
          answered_at: new Date(live.now()).toISOString(), handoff: v.handoff, customer: v.customer, parties: [],
        });
      }
      if (connect && connect.call_id) desk.selected = connect.call_id;
      panel.startMedia(connect);
    }
    render();
  } catch (e) {
    err.textContent = `${what === 'accept' ? 'Could not accept' : 'Could not reject'}: ${errorText(e)}`;
    for (const b of buttons) b.disabled = false;
  }
}

let wrapShown = null;

function renderWrapup() {
  const w = desk.wrapping;
  $('wrapup').hidden = !w;
  if (!w) { wrapShown = null; return; }
  $('wrapup-caller').textContent = w.caller_id ? `· ${w.caller_id}` : '';
  $('wrapup-by').textContent = { caller: 'the caller', agent: 'you', transfer: 'a transfer' }[w.by] || w.by || 'the server';
  if (wrapShown === w.call_id) return; // keep what the agent typed
  wrapShown = w.call_id;
  $('wrapup-summary').value = w.summary || '';
  $('wrapup-summary').lang = hasHan(w.summary) ? 'zh' : '';
  $('wrapup-notes').value = '';
  $('wrapup-error').textContent = '';
  const dispositions = Array.isArray(w.dispositions) ? w.dispositions.filter((x) => typeof x === 'string') : [];
  const sel = $('wrapup-disposition');
  sel.replaceChildren(el('option', { value: '' }, 'Choose…'), ...dispositions.map((x) => el('option', { value: x }, x.replace(/_/g, ' '))));
  sel.required = dispositions.length > 0;
  sel.parentElement.querySelector('label[for=wrapup-disposition]').hidden = !dispositions.length;
  sel.hidden = !dispositions.length;
}

async function saveWrapup(e) {
  e.preventDefault();
  const w = desk.wrapping;
  if (!w) return;
  const err = $('wrapup-error');
  const disposition = $('wrapup-disposition').value;
  if ($('wrapup-disposition').required && !disposition) {
    err.textContent = 'Choose a disposition.';
    $('wrapup-disposition').focus();
    return;
  }
  err.textContent = '';
  $('wrapup-save').disabled = true;
  try {
    const notes = $('wrapup-notes').value.trim();
    const a = await send('wrapup', {
      call_id: w.call_id, disposition, summary: $('wrapup-summary').value.trim(), ...(notes ? { notes } : {}),
    });
    if (a && typeof a === 'object' && a.agent_id) desk.agent = a;
    if (desk.wrapping === w) desk.wrapping = null;
    if (!desk.calls.has(w.call_id)) forgetCall(w.call_id);
    render();
  } catch (x) {
    err.textContent = `Not saved: ${errorText(x)}`;
  } finally {
    $('wrapup-save').disabled = false;
  }
}

// tick refreshes the clocks once a second.
function tick() {
  const now = live.now();
  tickClocks(document.body, now);
  const w = desk.wrapping;
  if (w) {
    const limit = ms(w.wrap_up);
    const timer = $('wrapup-timer');
    if (limit > 0 && now > w.ended_at + limit) {
      $('wrapup-clock-label').textContent = 'Wrap-up time is over by';
      timer.textContent = clock(now - w.ended_at - limit);
      timer.dataset.over = '';
    } else {
      $('wrapup-clock-label').textContent = limit > 0 ? 'Wrap-up time left' : 'Wrapping up for';
      timer.textContent = clock(limit > 0 ? w.ended_at + limit - now + 999 : now - w.ended_at);
      delete timer.dataset.over;
    }
  }
}

// ---------------------------------------------------------------- ringing

let ring = null;
// ringer plays a soft two-tone ring every 3 s while an offer is open.
function ringer(on) {
  if (!on) {
    if (ring) { clearInterval(ring.timer); ring = null; }
    return;
  }
  if (ring) return;
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  const ctx = ringer.ctx || (ringer.ctx = new Ctx());
  const beep = () => {
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    const t = ctx.currentTime;
    for (const [f, start] of [[440, 0], [480, 0], [440, 0.5], [480, 0.5]]) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.04, t + start);
      g.gain.exponentialRampToValueAtTime(0.0001, t + start + 0.4);
      o.connect(g).connect(ctx.destination);
      o.start(t + start);
      o.stop(t + start + 0.4);
    }
  };
  beep();
  ring = { timer: setInterval(beep, 3000) };
}

// ---------------------------------------------------------------- session

// forgetAll ends everything local when the agent signs out.
function forgetAll() {
  for (const id of [...desk.media.keys()]) panel.endMedia(id);
  for (const id of [...desk.transcripts.keys()]) forgetCall(id);
  Object.assign(desk, { agent: null, offers: new Map(), calls: new Map(), wrapping: null, selected: '', alerts: [] });
  render(true);
}

async function logout() {
  if (desk.calls.size && !window.confirm('You are on a call. Sign out and hang up?')) return;
  for (const c of desk.calls.values()) send('hangup', { call_id: c.call_id }).catch(() => {});
  await page.logout();
}

$('state-select').addEventListener('change', async (e) => {
  const [state, reason] = e.target.value.split(':');
  $('state-error').textContent = '';
  try {
    const a = await send('state', reason ? { state, reason } : { state });
    if (a && typeof a === 'object' && a.agent_id) desk.agent = a;
  } catch (x) {
    $('state-error').textContent = `Status not changed: ${errorText(x)}`;
  }
  e.target.blur();
  renderHeader();
});
$('logout').addEventListener('click', logout);
$('wrapup-form').addEventListener('submit', saveWrapup);
window.addEventListener('pagehide', () => { for (const m of desk.media.values()) m.sendDelete(); });
setInterval(tick, 1000);

page.start();
