// The agent desktop's assist views: the caller's context (the bot's
// handoff and the customer record), the live transcript and the
// suggestions panel.

import { el, clock, ms, parseTime, hasHan, newID } from '/agent/live.js';

// ---------------------------------------------------------------- context

const human = (s) => String(s || '').replace(/[_-]+/g, ' ').trim();

// sentimentChip shows a sentiment in [-1, 1] as a word with its value.
export function sentimentChip(s) {
  if (typeof s !== 'number' || !Number.isFinite(s)) return null;
  const word = s <= -0.3 ? 'negative' : s >= 0.3 ? 'positive' : 'neutral';
  return el('span', { class: `chip sent-${word}`, title: `sentiment ${s.toFixed(2)}` }, word);
}

// context renders what the bot learned (handoff) and the customer record
// into a fragment: summary, reason, collected slots, past conversations,
// pending callbacks.
export function context(handoff, customer) {
  const h = handoff && typeof handoff === 'object' ? handoff : {};
  const c = customer && typeof customer === 'object' ? customer : {};
  const f = document.createDocumentFragment();
  if (h.summary) {
    f.append(el('h3', null, 'Bot summary'),
      el('p', { class: 'summary', lang: hasHan(h.summary) ? 'zh' : null }, h.summary));
  }
  if (h.reason) f.append(el('p', { class: 'reason' }, el('span', { class: 'muted' }, 'Handed over: '), human(h.reason)));
  const slots = h.slots && typeof h.slots === 'object' ? Object.entries(h.slots) : [];
  if (slots.length) {
    f.append(el('h3', null, 'Collected'),
      el('dl', { class: 'slots' }, slots.map(([k, v]) => [el('dt', null, human(k)), el('dd', { lang: hasHan(v) ? 'zh' : null }, String(v))])));
  }
  if (Array.isArray(h.intents) && h.intents.length) {
    f.append(el('p', { class: 'intents small' }, el('span', { class: 'muted' }, 'Intents: '), h.intents.map(human).join(', ')));
  }
  const attrs = c.attributes && typeof c.attributes === 'object' ? Object.entries(c.attributes) : [];
  const past = Array.isArray(c.past) ? c.past : [];
  const tickets = Array.isArray(c.tickets) ? c.tickets : [];
  if (attrs.length || past.length || c.callbacks || tickets.length) {
    f.append(el('h3', null, 'Customer'));
    if (attrs.length) f.append(el('dl', { class: 'slots' }, attrs.map(([k, v]) => [el('dt', null, human(k)), el('dd', null, String(v))])));
    if (c.callbacks) {
      f.append(el('p', { class: 'callbacks' }, `${c.callbacks} pending callback${c.callbacks === 1 ? '' : 's'}`));
    }
    if (tickets.length) {
      f.append(el('ul', { class: 'tickets', 'aria-label': 'Open tickets' }, tickets.map((tk) =>
        el('li', null, el('span', { class: 'chip' }, String(tk.status || 'open')), ' ',
          el('strong', null, String(tk.id || '')), ' ',
          el('span', { lang: hasHan(tk.title) ? 'zh' : null }, String(tk.title || ''))))));
    }
    if (past.length) {
      f.append(el('ol', { class: 'past', 'aria-label': 'Past conversations' }, past.map((p) => {
        const at = parseTime(p.started_at);
        return el('li', null,
          el('div', { class: 'past-head' },
            el('time', { datetime: p.started_at || null }, at ? new Date(at).toLocaleString() : ''),
            p.outcome ? el('span', { class: 'chip' }, human(p.outcome)) : null,
            sentimentChip(p.sentiment),
            p.disposition ? el('span', { class: 'muted small' }, human(p.disposition)) : null),
          p.summary ? el('p', { class: 'small', lang: hasHan(p.summary) ? 'zh' : null }, p.summary) : null);
      })));
    }
  }
  return f;
}

// ---------------------------------------------------------------- transcript

const SPEAKERS = { caller: 'Caller', agent: 'You', bot: 'Bot' };
export const speakerLabel = (s) => SPEAKERS[s] || (s ? `${s[0].toUpperCase()}${s.slice(1)}` : '?');

// segKey identifies an utterance: its partials and its final share it.
export const segKey = (s) => `${s.speaker}\u0000${s.utterance}`;

// mergeSegment adds a segment to a call's segments (a Map by segKey): a
// final replaces its partial, a partial never replaces a final. It
// reports whether anything changed.
export function mergeSegment(segs, s) {
  const k = segKey(s);
  const old = segs.get(k);
  if (old && old.final && !s.final) return false;
  if (old && old.final === s.final && old.text === s.text && old.start === s.start) return false;
  segs.set(k, s);
  return true;
}

// TranscriptView shows one call's transcript in an <ol>: the bot part of
// the conversation first (greyed), then the live segments in order of
// their start, partials in italics until the final replaces them. It
// keeps to the bottom unless the agent scrolled up (then "Latest"
// appears).
export class TranscriptView {
  constructor(list, jump) {
    this.list = list;
    this.jump = jump;
    this.callID = null;
    this.nodes = new Map();
    list.addEventListener('scroll', () => { if (this.atBottom()) this.jump.hidden = true; });
    jump.addEventListener('click', () => { this.scrollDown(); list.focus(); });
  }

  atBottom() { return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 24; }

  scrollDown() {
    this.list.scrollTop = this.list.scrollHeight;
    this.jump.hidden = true;
  }

  // show draws a call's transcript from scratch (another call, or after
  // a resync).
  show(callID, handoff, segs) {
    this.callID = callID;
    this.nodes.clear();
    this.list.replaceChildren();
    this.jump.hidden = true;
    if (!callID) return;
    const lines = handoff && Array.isArray(handoff.transcript) ? handoff.transcript : [];
    if (lines.length) {
      this.list.append(el('li', { class: 'divider' }, 'With the bot'));
      for (const l of lines) {
        if (!l || typeof l !== 'object') continue;
        this.list.append(this.line('bot-part', l.speaker, clock(ms(l.offset)), l.text));
      }
      this.list.append(el('li', { class: 'divider' }, 'With you'));
    }
    for (const s of [...(segs || new Map()).values()].sort((a, b) => (a.start || 0) - (b.start || 0))) this.upsert(s, false);
    this.scrollDown();
  }

  line(cls, speaker, ts, text) {
    const who = String(speaker || '');
    return el('li', { class: `seg ${cls}`, dataset: { speaker: who } },
      el('span', { class: 'ts num' }, ts),
      el('span', { class: 'who' }, speakerLabel(who)),
      el('span', { class: 'text', lang: hasHan(text) ? 'zh' : null }, String(text ?? '')));
  }

  // upsert adds or replaces one segment of the shown call.
  upsert(s, follow = true) {
    if (follow) this.follow();
    const k = segKey(s);
    let li = this.nodes.get(k);
    const ts = clock(ms(s.start));
    if (!li) {
      li = this.line('live', s.speaker, ts, s.text);
      this.nodes.set(k, li);
      this.place(li, s.start || 0);
    } else {
      li.querySelector('.ts').textContent = ts;
      const t = li.querySelector('.text');
      t.textContent = String(s.text ?? '');
      t.lang = hasHan(s.text) ? 'zh' : '';
      if (Number(li.dataset.start) !== (s.start || 0)) { li.remove(); this.place(li, s.start || 0); }
    }
    li.dataset.start = String(s.start || 0);
    li.classList.toggle('partial', !s.final);
    li.dataset.final = String(Boolean(s.final));
    li.dataset.utterance = String(s.utterance);
    const sent = typeof s.sentiment === 'number' ? s.sentiment : null;
    li.classList.toggle('neg', sent !== null && sent <= -0.3);
  }

  // follow decides once a frame, before the frame's first change,
  // whether to keep to the bottom (reading the layout once a frame, not
  // once an event), and scrolls when the frame is drawn.
  follow() {
    if (this.stick !== undefined) return;
    this.stick = this.atBottom();
    requestAnimationFrame(() => {
      if (this.stick) this.scrollDown();
      else this.jump.hidden = false;
      this.stick = undefined;
    });
  }

  // place inserts li among the live lines by start (usually last).
  place(li, start) {
    li.dataset.start = String(start);
    let after = this.list.lastElementChild;
    while (after && after.classList.contains('live') && Number(after.dataset.start) > start) after = after.previousElementSibling;
    if (after) after.after(li);
    else this.list.prepend(li);
  }
}

// ---------------------------------------------------------------- suggestions

// SuggestionsView shows a call's suggestions: knowledge articles (the
// title expands the body), the next-steps checklist and a reply to read
// out, each with 👍/👎. What the agent expanded, ticked and voted stays
// across refreshes. onFeedback(kind, ref, useful) returns a Promise.
export class SuggestionsView {
  constructor(box, latency, error, onFeedback) {
    this.box = box;
    this.latency = latency;
    this.error = error;
    this.onFeedback = onFeedback;
    this.expanded = new Set();
    this.checked = new Map();
    this.votes = new Map();
  }

  forget(callID) {
    const drop = (m) => { for (const k of m.keys ? m.keys() : m) if (k.startsWith(`${callID}\u0000`)) m.delete(k); };
    drop(this.expanded); drop(this.checked); drop(this.votes);
  }

  show(callID, sug) {
    this.callID = callID;
    this.error.textContent = '';
    if (!callID || !sug || typeof sug !== 'object') {
      this.latency.textContent = '';
      this.box.replaceChildren(el('p', { class: 'muted' }, callID ? 'No suggestions yet.' : 'Suggestions appear here during a call.'));
      return;
    }
    const l = ms(sug.latency);
    this.latency.textContent = l > 0 ? `in ${l < 1000 ? `${Math.round(l)} ms` : `${(l / 1000).toFixed(1)} s`}` : '';
    const parts = [];
    if (sug.for) parts.push(el('p', { class: 'for small muted' }, 'For “', el('span', { lang: hasHan(sug.for) ? 'zh' : null }, sug.for), '”'));
    if (sug.reply) {
      const ref = sug.id ? String(sug.id) : 'reply';
      parts.push(el('section', { class: 'reply', 'aria-label': 'Suggested reply' },
        el('h3', null, 'Read this out'),
        el('blockquote', { lang: hasHan(sug.reply) ? 'zh' : null }, sug.reply),
        this.votesFor('reply', ref)));
    }
    const steps = Array.isArray(sug.steps) ? sug.steps.filter((s) => s && typeof s === 'object') : [];
    if (steps.length) {
      parts.push(el('section', { class: 'steps', 'aria-label': 'Next steps' },
        el('h3', null, 'Next steps', sug.flow ? el('span', { class: 'muted small' }, ` · ${human(sug.flow)}`) : null),
        el('ul', null, steps.map((s) => this.step(s)))));
    }
    const arts = Array.isArray(sug.articles) ? sug.articles.filter((a) => a && typeof a === 'object') : [];
    if (arts.length) {
      parts.push(el('section', { class: 'articles', 'aria-label': 'Knowledge articles' },
        el('h3', null, 'Knowledge'), arts.map((a) => this.article(a))));
    }
    if (!parts.length) parts.push(el('p', { class: 'muted' }, 'No suggestions for this part of the call.'));
    this.box.replaceChildren(...parts);
  }

  key(...parts) { return [this.callID, ...parts].join('\u0000'); }

  step(s) {
    const k = this.key('step', s.id);
    const box = el('input', { type: 'checkbox', dataset: { step: String(s.id) } });
    box.checked = this.checked.has(k) ? this.checked.get(k) : Boolean(s.done);
    box.addEventListener('change', () => this.checked.set(k, box.checked));
    return el('li', { dataset: { ref: String(s.id) } },
      el('label', null, box, ' ', el('span', { lang: hasHan(s.text) ? 'zh' : null }, String(s.text ?? ''))),
      this.votesFor('step', String(s.id)));
  }

  article(a) {
    const id = String(a.id);
    const k = this.key('article', id);
    const open = this.expanded.has(k);
    const bodyID = newID('article');
    const body = el('div', { id: bodyID, class: 'body', hidden: !open, lang: hasHan(a.body) ? 'zh' : null },
      a.body ? String(a.body) : el('span', { class: 'muted' }, 'No more text in this article.'));
    const title = el('button', { type: 'button', class: 'link title', 'aria-expanded': String(open), 'aria-controls': bodyID },
      String(a.title || id));
    title.addEventListener('click', () => {
      const now = body.hidden;
      body.hidden = !now;
      title.setAttribute('aria-expanded', String(now));
      if (now) this.expanded.add(k);
      else this.expanded.delete(k);
    });
    return el('article', { class: 'article', dataset: { article: id } },
      el('h4', null, title),
      a.snippet ? el('p', { class: 'snippet', lang: hasHan(a.snippet) ? 'zh' : null }, String(a.snippet)) : null,
      body,
      this.votesFor('article', id));
  }

  // votesFor makes the 👍/👎 pair of one suggestion.
  votesFor(kind, ref) {
    const k = this.key(kind, ref);
    const callID = this.callID;
    const make = (useful) => {
      const b = el('button', {
        type: 'button', class: `vote ${useful ? 'up' : 'down'}`, dataset: { useful: String(useful) },
        'aria-label': useful ? 'Useful' : 'Not useful', 'aria-pressed': String(this.votes.get(k) === useful),
      }, useful ? '👍' : '👎');
      b.addEventListener('click', async () => {
        for (const x of group.querySelectorAll('button')) x.disabled = true;
        this.error.textContent = '';
        try {
          await this.onFeedback(callID, kind, ref, useful);
          this.votes.set(k, useful);
          for (const x of group.querySelectorAll('button')) x.setAttribute('aria-pressed', String(x.dataset.useful === String(useful)));
        } catch (e) {
          this.error.textContent = `Feedback not saved: ${e.message || e}`;
        } finally {
          for (const x of group.querySelectorAll('button')) x.disabled = false;
        }
      });
      return b;
    };
    const group = el('span', { class: 'votes', role: 'group', 'aria-label': 'Was this useful?' }, make(true), make(false));
    return group;
  }
}
