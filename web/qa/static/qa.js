// Switchboard QA console: calls, a call's review, dashboards, scorecards.
// Plain JavaScript, no libraries. Every piece of text from the server is
// put in the page with textContent, never as HTML.
'use strict';

(() => {
  const view = document.getElementById('view');
  const flashBox = document.getElementById('flash');
  const reviewerInput = document.getElementById('reviewer');
  const SVGNS = 'http://www.w3.org/2000/svg';
  const COLORS = ['#2357c6', '#c2410c', '#15803d', '#7c3aed', '#b54708', '#0e7490', '#be185d', '#4d7c0f', '#64748b', '#a16207'];
  const SPEAKER_COLORS = { caller: '#c2410c', bot: '#2357c6', agent: '#15803d' };

  // window.qa is the page's state, for tests and the curious.
  const qa = window.qa = { page: '', call: null, dashboard: null, loaded: 0, error: '' };

  // ---- helpers ----

  // h builds an element: h('a', {href: '#'}, 'text', child...). Attributes
  // starting with "on" are listeners; class and dataset are handled.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVGNS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  function append(el, children) {
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  function flash(msg, ok) {
    if (!msg) { flashBox.hidden = true; return; }
    flashBox.textContent = msg;
    flashBox.className = ok ? 'ok' : '';
    flashBox.hidden = false;
    if (!ok) qa.error = msg;
  }

  // api calls the JSON API; errors carry the server's message (and the
  // scorecard problems).
  async function api(path, opts) {
    const res = await fetch(path, opts);
    const ct = res.headers.get('Content-Type') || '';
    const body = ct.includes('json') ? await res.json() : await res.text();
    if (!res.ok) {
      const err = new Error((body && body.error) || res.statusText || String(res.status));
      err.problems = (body && body.problems) || [];
      err.status = res.status;
      throw err;
    }
    return body;
  }
  function postJSON(path, body) {
    return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }

  const fmtTime = (iso) => {
    if (!iso) return '';
    const d = new Date(iso);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  };
  const clock = (sec) => {
    sec = Math.max(0, Math.round(sec));
    return `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`;
  };
  const ns = (d) => (d || 0) / 1e9; // time.Duration (JSON nanoseconds) → seconds
  const num = (v, digits) => (v === null || v === undefined) ? '–' : Number(v).toFixed(digits);
  const scoreBadge = (v) => {
    if (v === null || v === undefined) return h('span', { class: 'badge' }, 'not scored');
    return h('span', { class: 'badge score ' + (v >= 80 ? 'good' : v >= 60 ? 'warn' : 'bad') }, num(v, 1));
  };
  const sentimentBadge = (v) => {
    if (v === null || v === undefined) return h('span', { class: 'muted' }, '–');
    return h('span', { class: 'badge ' + (v > 0.05 ? 'good' : v < -0.05 ? 'bad' : '') }, num(v, 2));
  };
  function hashParams() {
    const i = location.hash.indexOf('?');
    return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : '');
  }
  function today(offsetDays) {
    const d = new Date(Date.now() + (offsetDays || 0) * 86400e3);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  }
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  function reviewer() {
    const r = reviewerInput.value.trim();
    if (!r) {
      reviewerInput.focus();
      throw new Error('Enter your name as reviewer (top right) first.');
    }
    return r;
  }
  reviewerInput.value = localStorage.getItem('qa.reviewer') || '';
  reviewerInput.addEventListener('change', () => localStorage.setItem('qa.reviewer', reviewerInput.value.trim()));

  // ---- charts ----

  // lineChart draws series [{name, color, points: [{x, y, label?, onclick?}]}]
  // on numeric x (or categories with opts.categories) and y in [yMin, yMax].
  function lineChart(series, opts) {
    const W = 640, H = opts.height || 220, L = 44, R = 12, T = 12, B = 28;
    const cats = opts.categories;
    const xs = series.flatMap((se) => se.points.map((p) => cats ? cats.indexOf(p.x) : p.x));
    let xMin = opts.xMin ?? Math.min(0, ...xs), xMax = opts.xMax ?? Math.max(1, ...xs);
    if (cats) { xMin = 0; xMax = Math.max(1, cats.length - 1); }
    const yMin = opts.yMin, yMax = opts.yMax;
    const X = (x) => L + (W - L - R) * ((x - xMin) / ((xMax - xMin) || 1));
    const Y = (y) => T + (H - T - B) * (1 - (y - yMin) / ((yMax - yMin) || 1));
    const svg = s('svg', { class: 'chart ' + (opts.class || ''), viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.title || 'chart' });
    for (const t of opts.yTicks || [yMin, (yMin + yMax) / 2, yMax]) {
      svg.append(s('line', { class: t === 0 ? 'zero' : 'axis', x1: L, x2: W - R, y1: Y(t), y2: Y(t) }),
        s('text', { x: L - 6, y: Y(t) + 4, 'text-anchor': 'end' }, opts.yFormat ? opts.yFormat(t) : String(t)));
    }
    const xTicks = cats ? cats.map((c, i) => [i, c]) : (opts.xTicks || []).map((t) => [t, opts.xFormat ? opts.xFormat(t) : String(t)]);
    const every = Math.max(1, Math.ceil(xTicks.length / 8));
    xTicks.forEach(([x, label], i) => {
      if (i % every === 0) svg.append(s('text', { x: X(x), y: H - 8, 'text-anchor': 'middle' }, label));
    });
    series.forEach((se, i) => {
      const color = se.color || COLORS[i % COLORS.length];
      const pts = se.points.map((p) => [X(cats ? cats.indexOf(p.x) : p.x), Y(p.y), p]);
      if (pts.length > 1) {
        svg.append(s('polyline', { fill: 'none', stroke: color, 'stroke-width': 2, points: pts.map(([x, y]) => `${x},${y}`).join(' '), class: 'series', 'data-series': se.name }));
      }
      for (const [x, y, p] of pts) {
        const c = s('circle', { cx: x, cy: y, r: 4, fill: color, class: 'pt', 'data-series': se.name, onclick: p.onclick },
          s('title', {}, `${se.name}: ${p.label || num(p.y, 2)}`));
        svg.append(c);
      }
    });
    return svg;
  }

  // barChart draws horizontal bars [{label, value, note?}] scaled to max.
  function barChart(items, opts) {
    const W = 640, row = 22, L = Math.min(260, 12 + 7 * Math.max(4, ...items.map((i) => String(i.label).length))), R = 60;
    const H = Math.max(row * items.length + 8, 40);
    const max = opts.max ?? Math.max(1, ...items.map((i) => i.value));
    const svg = s('svg', { class: 'chart ' + (opts.class || ''), viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.title || 'chart' });
    if (!items.length) svg.append(s('text', { x: 8, y: 24 }, 'No data in this range.'));
    items.forEach((it, i) => {
      const y = 4 + i * row, w = (W - L - R) * Math.max(0, it.value) / max;
      svg.append(
        s('text', { x: L - 6, y: y + 14, 'text-anchor': 'end' }, it.label),
        s('rect', { class: 'bar', x: L, y: y + 2, width: Math.max(w, 1), height: row - 6, rx: 2 }, s('title', {}, `${it.label}: ${it.text ?? it.value}`)),
        s('text', { x: L + w + 6, y: y + 14 }, it.text ?? String(it.value)));
    });
    return svg;
  }

  function legend(names) {
    return h('div', { class: 'legend' }, names.map(([name, color]) => h('span', {}, h('i', { class: 'swatch', 'data-color': color }), name)));
  }
  // CSP forbids inline styles in markup: legend swatches get their colour here.
  function paintLegends(root) {
    root.querySelectorAll('i.swatch').forEach((i) => { i.style.background = i.dataset.color; });
  }

  // ---- routing ----

  async function route() {
    flash('');
    const hash = location.hash || '#/calls';
    const path = hash.slice(1).split('?')[0];
    const parts = path.split('/').filter(Boolean);
    document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.nav === (parts[0] === 'call' ? 'calls' : parts[0])));
    try {
      if (parts[0] === 'call' && parts[1]) await showCall(decodeURIComponent(parts.slice(1).join('/')));
      else if (parts[0] === 'dashboards') await showDashboards();
      else if (parts[0] === 'scorecards') await showScorecards(parts[1] && decodeURIComponent(parts[1]));
      else await showCalls();
    } catch (e) {
      flash(e.message);
      console.error(e);
    }
    qa.loaded++;
  }
  window.addEventListener('hashchange', route);

  // ---- calls ----

  const FILTERS = [
    ['since', 'From', 'date'], ['until', 'To', 'date'], ['q', 'Text said', 'search'],
    ['queue', 'Queue', 'text'], ['agent', 'Agent', 'text'], ['bot', 'Bot', 'text'],
    ['outcome', 'Outcome', ['', 'resolved', 'handed_off', 'abandoned']],
    ['min_score', 'Score from', 'number'], ['max_score', 'Score to', 'number'],
    ['min_sentiment', 'Sentiment from', 'number'], ['max_sentiment', 'Sentiment to', 'number'],
    ['alert', 'Alert', 'text'],
  ];
  const COLUMNS = [
    ['started_at', 'Started'], [null, 'Bot'], [null, 'Queue'], [null, 'Agent'], [null, 'Outcome'],
    ['duration', 'Duration', 'num'], ['score', 'Score', 'num'], ['sentiment', 'Sentiment', 'num'], [null, 'Alerts', 'num'], [null, 'Turns', 'num'],
  ];

  async function showCalls() {
    qa.page = 'calls';
    const params = hashParams();
    const form = h('form', { class: 'filters panel', id: 'filters' });
    for (const [name, label, type] of FILTERS) {
      let input;
      if (Array.isArray(type)) {
        input = h('select', { name }, type.map((o) => h('option', { value: o }, o || 'any')));
      } else {
        input = h('input', { name, type, step: type === 'number' ? 'any' : undefined, placeholder: name === 'alert' ? 'any, silence…' : undefined });
      }
      input.value = params.get(name) || '';
      form.append(h('label', {}, label, input));
    }
    form.append(h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'search' }, 'Search'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { location.hash = '#/calls'; } }, 'Reset')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
      if (params.get('sort')) { p.set('sort', params.get('sort')); p.set('order', params.get('order') || 'asc'); }
      if (params.get('tz') || p.get('since') || p.get('until')) p.set('tz', tz);
      location.hash = '#/calls?' + p.toString();
    });

    const q = new URLSearchParams(params);
    if ((q.get('since') || q.get('until')) && !q.get('tz')) q.set('tz', tz);
    const page = await api('/v1/qa/calls?' + q.toString());
    qa.search = page;
    const sort = params.get('sort') || '', desc = params.get('order') === 'desc';
    const head = h('tr', {}, COLUMNS.map(([key, label, cls]) => {
      const th = h('th', { class: [cls, key ? 'sortable' : '', key && key === sort ? 'sorted' : '', key === sort && desc ? 'desc' : ''].filter(Boolean).join(' '), 'data-sort': key || undefined }, label);
      if (key) th.addEventListener('click', () => {
        const p = new URLSearchParams(params);
        p.set('sort', key);
        p.set('order', key === sort && !desc ? 'desc' : 'asc');
        p.delete('offset');
        location.hash = '#/calls?' + p.toString();
      });
      return th;
    }));
    const body = h('tbody', {}, page.calls.map((c) => h('tr', { class: 'call', 'data-id': c.id, onclick: () => { location.hash = '#/call/' + encodeURIComponent(c.id); } },
      h('td', {}, h('a', { href: '#/call/' + encodeURIComponent(c.id) }, fmtTime(c.started_at))),
      h('td', {}, c.bot || ''), h('td', {}, c.queue || c.handoff_queue || ''), h('td', {}, c.agent || ''),
      h('td', {}, c.outcome || 'open'), h('td', { class: 'num' }, c.duration ? clock(c.duration) : '–'),
      h('td', { class: 'num' }, scoreBadge(c.score)), h('td', { class: 'num' }, sentimentBadge(c.sentiment)),
      h('td', { class: 'num' }, c.alerts ? h('span', { class: 'badge bad' }, c.alerts) : '0'), h('td', { class: 'num' }, c.turns))));
    const offset = page.offset, limit = page.limit;
    const go = (o) => { const p = new URLSearchParams(params); p.set('offset', String(Math.max(0, o))); location.hash = '#/calls?' + p.toString(); };
    const pager = h('div', { class: 'pager' },
      h('button', { class: 'secondary', id: 'prev', disabled: offset <= 0, onclick: () => go(offset - limit) }, '‹ Previous'),
      h('span', { id: 'range' }, page.total ? `${offset + 1}–${offset + page.calls.length} of ${page.total}` : 'No calls match.'),
      h('button', { class: 'secondary', id: 'next', disabled: offset + page.calls.length >= page.total, onclick: () => go(offset + limit) }, 'Next ›'));
    view.replaceChildren(form, h('div', { class: 'panel' }, h('table', { id: 'calls' }, h('thead', {}, head), body), pager));
  }

  // ---- one call ----

  let player = null; // the <audio> of the call on show

  function seek(sec) {
    if (!player) return;
    player.currentTime = sec;
    qa.lastSeek = sec;
    highlight(sec);
  }

  function highlight(t) {
    const turns = document.querySelectorAll('li.turn');
    let cur = null;
    for (const li of turns) {
      const a = Number(li.dataset.start), b = Number(li.dataset.end);
      if (t >= a && (t < b || b <= a)) cur = li;
      else if (t >= a && !cur) cur = li;
    }
    // The latest turn that started, when none holds t.
    if (!cur) for (const li of turns) if (t >= Number(li.dataset.start)) cur = li;
    turns.forEach((li) => li.classList.toggle('current', li === cur));
    qa.currentTurn = cur ? Number(cur.dataset.seq) : 0;
  }

  async function showCall(id) {
    qa.page = 'call';
    const c = await api('/v1/qa/calls/' + encodeURIComponent(id));
    qa.call = c;
    const se = c.session;
    const head = h('div', { class: 'panel' },
      h('div', { class: 'callhead' }, h('h2', {}, 'Call ', se.id),
        h('div', { class: 'facts' },
          h('span', {}, 'Started ', h('b', {}, fmtTime(se.started_at))),
          h('span', {}, 'Bot ', h('b', {}, se.bot || '–')),
          h('span', {}, 'Outcome ', h('b', {}, se.outcome || 'open')),
          se.handoff_reason && h('span', {}, 'Handoff ', h('b', {}, se.handoff_reason)),
          h('span', {}, 'Queue ', h('b', {}, se.queue || se.handoff_queue || '–')),
          h('span', {}, 'Agent ', h('b', {}, se.agent || '–')),
          h('span', {}, 'Length ', h('b', {}, se.duration ? clock(se.duration) : '–')),
          h('span', {}, 'Score ', scoreBadge(se.score)),
          h('span', {}, 'Caller sentiment ', sentimentBadge(se.sentiment))),
        h('button', { class: 'secondary', id: 'rescore', onclick: async (ev) => {
          ev.target.disabled = true;
          try { await postJSON('/v1/qa/calls/' + encodeURIComponent(se.id) + '/score', {}); await showCall(se.id); flash('Scored again.', true); } catch (e) { flash(e.message); ev.target.disabled = false; }
        } }, 'Score again')));
    // The same call shown again (after an override): keep the player and
    // where it is.
    if (!(player && c.recording_url && player.dataset.call === se.id)) {
      player = null;
      if (c.recording_url) {
        const p = player = h('audio', { id: 'player', controls: true, preload: 'metadata', src: c.recording_url, 'data-call': se.id });
        p.addEventListener('timeupdate', () => highlight(p.currentTime));
        p.addEventListener('seeked', () => highlight(p.currentTime));
      }
    }

    const transcript = h('ol', { id: 'transcript' }, c.turns.map((t) => {
      const start = ns(t.start), end = ns(t.end);
      return h('li', { class: 'turn ' + t.speaker, 'data-seq': t.seq, 'data-start': start, 'data-end': end, onclick: () => seek(start), title: 'Play from ' + clock(start) },
        h('div', { class: 'who' }, h('b', { class: 'speaker-' + t.speaker }, t.speaker), ' ', clock(start), ' · #', t.seq,
          t.intent && h('span', { class: 'badge' }, t.intent),
          t.prompt && h('span', { class: 'badge' }, 'prompt ' + t.prompt),
          t.failed && h('span', { class: 'badge bad' }, 'not understood'),
          t.sentiment && t.sentiment.label && h('span', { class: 'badge ' + (t.sentiment.label === 'positive' ? 'good' : t.sentiment.label === 'negative' ? 'bad' : '') }, t.sentiment.label + ' ' + num(t.sentiment.score, 2))),
        h('div', { class: 'text', lang: /[\u4e00-\u9fff]/.test(t.text) ? 'zh' : undefined }, t.text));
    }));

    const left = h('div', { class: 'left' }, h('div', { class: 'panel' },
      player || h('p', { class: 'muted', id: 'norecording' }, 'No recording of this call.'),
      h('h3', {}, 'Transcript'), transcript));
    const right = h('div', {}, sentimentPanel(c), ...c.results.map((r) => resultPanel(c, r)),
      c.results.length ? null : h('div', { class: 'panel muted' }, 'No scorecard has scored this call.'),
      commentsPanel(c), alertsPanel(c), wrapupsPanel(c));
    view.replaceChildren(head, h('div', { class: 'columns' }, left, right));
    paintLegends(view);
    if (player) highlight(player.currentTime);
  }

  function sentimentPanel(c) {
    const speakers = Object.keys(c.sentiment.timeline || {});
    const dur = Math.max(c.session.duration || 0, ...c.turns.map((t) => ns(t.end)), 1);
    const series = speakers.map((sp) => ({
      name: sp, color: SPEAKER_COLORS[sp],
      points: c.sentiment.timeline[sp].map((p) => ({ x: ns(p.offset), y: p.score, label: `${num(p.score, 2)} at ${clock(ns(p.offset))} (turn ${p.seq})`, onclick: () => seek(ns(p.offset)) })),
    }));
    const step = dur > 600 ? 120 : dur > 120 ? 30 : 10;
    const ticks = [];
    for (let x = 0; x <= dur; x += step) ticks.push(x);
    const sum = c.sentiment;
    return h('div', { class: 'panel' }, h('h3', {}, 'Sentiment'),
      speakers.length ? lineChart(series, { yMin: -1, yMax: 1, yTicks: [-1, -0.5, 0, 0.5, 1], xMin: 0, xMax: dur, xTicks: ticks, xFormat: clock, class: 'sentiment', title: 'Sentiment per speaker over the call' })
        : h('p', { class: 'muted' }, 'No turn carries a sentiment score.'),
      legend(speakers.map((sp) => [sp, SPEAKER_COLORS[sp]])),
      sum.caller && sum.caller.label ? h('p', { class: 'muted' }, `Caller overall ${num(sum.caller.score, 2)} (${sum.caller.label})` +
        (sum.compared ? `, ${sum.change >= 0 ? '+' : ''}${num(sum.change, 2)} from the first half of the call to the second.` : '.')) : null);
  }

  function answerText(v) {
    if (!v) return '–';
    if (v.status === 'na') return 'N/A';
    if (v.status !== 'answered') return 'unanswered';
    if (v.number !== undefined && v.number !== null) return num(v.number, 2).replace(/\.00$/, '');
    return v.choice || v.text || '';
  }

  function resultPanel(c, r) {
    const card = c.cards.find((k) => k.name === r.card && (!r.card_version || k.version === r.card_version)) || c.cards.find((k) => k.name === r.card) || { sections: [] };
    const questions = {};
    for (const sec of card.sections || []) for (const q of sec.questions || []) questions[q.id] = q;
    const panel = h('div', { class: 'panel result', 'data-card': r.card },
      h('div', { class: 'head' }, h('h3', {}, card.title || r.card, h('span', { class: 'muted' }, ` v${r.card_version || card.version || ''}`)),
        h('span', {}, 'Score ', h('b', { class: 'card-score', 'data-card': r.card }, r.na ? 'N/A' : num(r.score, 2)),
          r.passed === true && h('span', { class: 'badge good' }, 'passed'), r.passed === false && h('span', { class: 'badge bad' }, 'failed'),
          r.critical_failed && h('span', { class: 'badge bad' }, 'critical: ' + (r.critical || []).join(', ')),
          r.needs_review && h('span', { class: 'badge warn' }, 'needs review'))),
      h('div', { class: 'sections' }, (r.sections || []).map((sec) => h('span', {}, `${sec.title || sec.id}: ${sec.na ? 'N/A' : num(sec.score, 0) + '%'}`))));
    for (const a of r.answers || []) {
      const q = questions[a.question] || { id: a.question, text: a.question, type: a.type };
      const ov = a.override;
      const ev = h('ul', { class: 'evidence' }, (a.evidence || []).map((e) => {
        if (e.span) {
          const at = ns(e.span.start);
          return h('li', {}, h('button', { class: 'evidence', type: 'button', 'data-start': at, onclick: () => seek(at), title: 'Play from ' + clock(at) }, '▶ ' + e.note));
        }
        return h('li', { class: 'muted' }, e.note);
      }));
      panel.append(h('div', { class: 'question', 'data-question': a.question },
        h('div', { class: 'qtext' }, q.text || a.question, a.critical && h('span', { class: 'badge warn' }, 'critical')),
        h('div', { class: 'answers' },
          h('span', {}, 'Automatic: ', h('b', { class: 'auto' }, answerText(a.auto)), h('span', { class: 'muted' }, ` (${a.source})`)),
          ov && h('span', { class: 'overridden' }, 'Reviewer: ', h('b', { class: 'override-answer' }, answerText(ov.value)), ` by ${ov.reviewer || '?'}`, ov.comment ? ` — “${ov.comment}”` : ''),
          a.counted ? h('span', { class: 'muted' }, `${num(a.points, 1)} of ${num(a.weight, 0)} points`) : h('span', { class: 'muted' }, 'not counted')),
        a.note && !(a.evidence || []).length && h('div', { class: 'muted' }, a.note), ev, overrideForm(c, r, q, a)));
    }
    return panel;
  }

  function overrideForm(c, r, q, a) {
    let input;
    if (q.type === 'yes_no' || q.type === 'choice') {
      const opts = q.type === 'yes_no' ? [['yes', 'yes'], ['no', 'no']] : (q.options || []).map((o) => [o.id, o.label || o.id]);
      input = h('select', { name: 'answer' }, opts.concat([['n/a', 'N/A']]).map(([v, l]) => h('option', { value: v }, l)));
    } else if (q.type === 'number') {
      input = h('input', { name: 'answer', type: 'text', inputmode: 'decimal', placeholder: 'number or n/a', size: 10 });
    } else {
      input = h('input', { name: 'answer', type: 'text', placeholder: 'answer', size: 24 });
    }
    const eff = a.override ? a.override.value : a.auto;
    if (eff && eff.status === 'na') input.value = 'n/a';
    else if (eff && eff.status === 'answered') input.value = eff.number ?? eff.choice ?? eff.text ?? '';
    const form = h('form', { class: 'override' }, input,
      h('input', { name: 'comment', type: 'text', placeholder: 'comment (why)', maxlength: 4000 }),
      h('button', { type: 'submit' }, 'Override'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const body = { scorecard: r.card, question: q.id, answer: input.value.trim(), comment: form.comment.value.trim(), reviewer: reviewer() };
        await postJSON('/v1/qa/calls/' + encodeURIComponent(c.session.id) + '/overrides', body);
        await showCall(c.session.id);
        flash('Override saved; the call was scored again.', true);
        qa.overrides = (qa.overrides || 0) + 1;
      } catch (e) { flash(e.message); }
    });
    return form;
  }

  function commentsPanel(c) {
    const text = h('textarea', { name: 'text', rows: 2, placeholder: 'A note on this call', maxlength: 4000 });
    const form = h('form', { id: 'comment-form' }, text, h('div', {}, h('button', { type: 'submit' }, 'Add comment')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await postJSON('/v1/qa/calls/' + encodeURIComponent(c.session.id) + '/comments', { text: text.value, reviewer: reviewer() });
        await showCall(c.session.id);
      } catch (e) { flash(e.message); }
    });
    return h('div', { class: 'panel', id: 'comments' }, h('h3', {}, 'Comments and overrides'),
      c.comments.map((m) => h('div', { class: 'comment' }, h('div', { class: 'meta' }, `${m.reviewer}, ${fmtTime(m.at)}`), h('div', {}, m.text))),
      c.overrides.map((o) => h('div', { class: 'comment override' }, h('div', { class: 'meta' }, `${o.reviewer}, ${fmtTime(o.at)}: ${o.scorecard} / ${o.question}: ${o.auto || '–'} → ${o.answer}`), o.comment && h('div', {}, o.comment))),
      form);
  }

  function alertsPanel(c) {
    return h('div', { class: 'panel', id: 'alerts' }, h('h3', {}, 'Alerts'),
      c.alerts.length ? c.alerts.map((a) => h('div', { class: 'comment' },
        h('span', { class: 'badge ' + (a.severity === 'critical' || a.severity === 'high' ? 'bad' : 'warn') }, a.kind), ' ', a.rule || '', ' ', h('span', { class: 'muted' }, fmtTime(a.at)),
        a.payload && h('pre', { class: 'payload' }, JSON.stringify(a.payload, null, 1)))) : h('p', { class: 'muted' }, 'No alert was raised.'));
  }

  function wrapupsPanel(c) {
    if (!c.wrapups.length) return null;
    return h('div', { class: 'panel', id: 'wrapups' }, h('h3', {}, 'Wrap-ups'),
      c.wrapups.map((w) => h('div', { class: 'comment' }, h('div', { class: 'meta' }, `${w.agent} · ${w.disposition || ''} · handle time ${clock(w.handle_time)}`),
        w.summary && h('div', {}, w.summary), w.notes && h('div', { class: 'muted' }, w.notes))));
  }

  // ---- dashboards ----

  async function showDashboards() {
    qa.page = 'dashboards';
    const params = hashParams();
    const since = params.get('since') || today(-29), until = params.get('until') || today(0);
    const form = h('form', { class: 'filters panel', id: 'dash-filters' },
      h('label', {}, 'From', h('input', { name: 'since', type: 'date', value: since })),
      h('label', {}, 'To', h('input', { name: 'until', type: 'date', value: until })),
      h('label', {}, 'Queue', h('input', { name: 'queue', value: params.get('queue') || '' })),
      h('label', {}, 'Agent', h('input', { name: 'agent', value: params.get('agent') || '' })),
      h('label', {}, 'Bot', h('input', { name: 'bot', value: params.get('bot') || '' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
      location.hash = '#/dashboards?' + p.toString();
    });
    const q = new URLSearchParams({ since, until, tz });
    for (const k of ['queue', 'agent', 'bot']) if (params.get(k)) q.set(k, params.get(k));
    const d = await api('/v1/qa/dashboard?' + q.toString());
    qa.dashboard = d;
    const csv = (table) => h('a', { class: 'csv', href: `/v1/qa/dashboard/${table}?${q.toString()}`, download: `qa-${table}.csv`, 'data-table': table }, 'CSV');
    const panel = (title, table, ...body) => h('div', { class: 'panel chart-panel', 'data-table': table }, h('div', { class: 'head' }, h('h3', {}, title), csv(table)), ...body);
    const days = [];
    for (let t = new Date(since + 'T00:00:00'); t <= new Date(until + 'T00:00:00'); t = new Date(t.getTime() + 86400e3)) {
      const p = (n) => String(n).padStart(2, '0');
      days.push(`${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`);
      if (days.length > 400) break;
    }
    const dayLabel = (x) => x.slice(5);
    const dayChart = (series, opts) => {
      const svg = lineChart(series, Object.assign({ categories: days }, opts));
      svg.querySelectorAll('text').forEach((t) => { if (/^\d{4}-/.test(t.textContent)) t.textContent = dayLabel(t.textContent); });
      return svg;
    };
    const hts = d.handle_time;
    const tiles = h('div', { class: 'tiles' },
      h('div', { class: 'tile', id: 'containment-rate' }, h('div', { class: 'v' }, d.containment.bot_sessions ? num(100 * d.containment.rate, 1) + '%' : '–'),
        h('div', { class: 'l' }, `containment: ${d.containment.contained} of ${d.containment.bot_sessions} bot sessions resolved without a human`)),
      h('div', { class: 'tile', id: 'aht' }, h('div', { class: 'v' }, hts.agent_calls ? clock(hts.average_seconds) : '–'),
        h('div', { class: 'l' }, `average handle time of ${hts.agent_calls} agent calls (${hts.from_wrapups} from wrap-ups)`)),
      h('div', { class: 'tile' }, h('div', { class: 'v' }, hts.calls ? clock(hts.average_call_seconds) : '–'), h('div', { class: 'l' }, `average length of ${hts.calls} calls`)),
      h('div', { class: 'tile' }, h('div', { class: 'v' }, d.sessions), h('div', { class: 'l' }, 'sessions in range')));

    const cardNames = [...new Set((d.questions || []).map((r) => r.card))];
    const pick = params.get('card') && cardNames.includes(params.get('card')) ? params.get('card') : cardNames[0];
    const cardPick = h('select', { class: 'card-pick', id: 'question-card' }, cardNames.map((n) => h('option', { value: n }, n)));
    cardPick.value = pick || '';
    cardPick.addEventListener('change', () => { const p = new URLSearchParams(params); p.set('card', cardPick.value); location.hash = '#/dashboards?' + p.toString(); });
    const questions = {};
    for (const r of (d.questions || []).filter((x) => x.card === pick)) {
      const k = `${r.card}/${r.question}`;
      (questions[k] = questions[k] || { name: r.text || r.question, points: [] }).points.push({ x: r.day, y: r.average, label: `${num(r.average, 1)}% (${r.answers})` });
    }
    const qSeries = Object.values(questions);
    const agreement = h('table', { id: 'agreement' }, h('thead', {}, h('tr', {}, ['Card', 'Question', 'Reviewed', 'Agreed', 'Rate'].map((x) => h('th', {}, x)))),
      h('tbody', {}, (d.agreement || []).map((a) => h('tr', {}, h('td', {}, a.card), h('td', {}, a.question), h('td', { class: 'num' }, a.reviewed), h('td', { class: 'num' }, a.agreed), h('td', { class: 'num' }, a.reviewed ? num(100 * a.rate, 0) + '%' : '–')))));

    view.replaceChildren(form, tiles, h('div', { class: 'grid2' },
      panel('Containment per day', 'containment', dayChart([{ name: 'containment', points: (d.containment_daily || []).map((r) => ({ x: r.day, y: 100 * r.rate, label: `${num(100 * r.rate, 1)}% of ${r.bot_sessions}` })) }],
        { yMin: 0, yMax: 100, yTicks: [0, 25, 50, 75, 100], yFormat: (v) => v + '%', class: 'containment', title: 'Containment per day' })),
      panel('Handoff reasons', 'handoff_reasons', barChart((d.handoff_reasons || []).slice(0, 12).map((r) => ({ label: r.key, value: r.count })), { class: 'handoffs', title: 'Handoff reasons' })),
      panel('Average score per day', 'scores', dayChart([{ name: 'score', points: (d.scores || []).map((r) => ({ x: r.day, y: r.average, label: `${num(r.average, 1)} (${r.calls} calls)` })) }],
        { yMin: 0, yMax: 100, yTicks: [0, 50, 100], class: 'scores', title: 'Average score per day' })),
      panel('Caller sentiment trend', 'sentiment', dayChart([{ name: 'caller sentiment', color: SPEAKER_COLORS.caller, points: (d.sentiment || []).map((r) => ({ x: r.day, y: r.average, label: `${num(r.average, 2)} (${r.calls} calls)` })) }],
        { yMin: -1, yMax: 1, yTicks: [-1, -0.5, 0, 0.5, 1], class: 'sentiment-trend', title: 'Caller sentiment per day' })),
      panel('Average score per agent', 'agents', barChart((d.agents || []).map((r) => ({ label: r.key, value: r.average, text: `${num(r.average, 1)} (${r.calls})` })), { max: 100, class: 'agents', title: 'Average score per agent' })),
      panel('Average score per queue', 'queues', barChart((d.queues || []).map((r) => ({ label: r.key, value: r.average, text: `${num(r.average, 1)} (${r.calls})` })), { max: 100, class: 'queues', title: 'Average score per queue' })),
      panel('Questions over time (share of points earned)', 'questions', cardNames.length > 1 ? cardPick : null, qSeries.length ? dayChart(qSeries, { yMin: 0, yMax: 100, yTicks: [0, 50, 100], yFormat: (v) => v + '%', class: 'questions', title: 'Questions over time' }) : h('p', { class: 'muted' }, 'No scored answers in this range.'),
        legend(qSeries.map((se, i) => [se.name, COLORS[i % COLORS.length]]))),
      panel('Alerts by kind', 'alerts', barChart((d.alerts || []).map((r) => ({ label: r.key, value: r.count })), { class: 'alerts', title: 'Alerts by kind' })),
      panel('Agreement of reviewers with automatic answers', 'agreement', agreement),
      h('div', { class: 'panel' }, h('div', { class: 'head' }, h('h3', {}, 'More tables')), h('p', {}, 'Daily scores per agent ', csv('agents_daily'), ' · per queue ', csv('queues_daily'), ' · handle time ', csv('handle_time')))));
    paintLegends(view);
  }

  // ---- scorecards ----

  async function showScorecards(name) {
    qa.page = 'scorecards';
    const list = await api('/v1/qa/scorecards');
    const nav = h('div', { class: 'panel' }, h('h3', {}, 'Scorecards'),
      h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Title', 'Active', 'Latest'].map((x) => h('th', {}, x)))),
        h('tbody', {}, list.scorecards.map((c) => h('tr', {}, h('td', {}, h('a', { href: '#/scorecards/' + encodeURIComponent(c.name) }, c.name)), h('td', {}, c.title || ''),
          h('td', { class: 'num' }, c.active_version), h('td', { class: 'num' }, c.latest_version))))));
    if (!name) { view.replaceChildren(nav); return; }
    const d = await api('/v1/qa/scorecards/' + encodeURIComponent(name));
    const yaml = h('textarea', { class: 'yaml', id: 'draft', spellcheck: 'false' });
    yaml.value = d.draft_yaml || '';
    const problems = h('ul', { class: 'problems', id: 'problems' });
    const note = h('input', { placeholder: 'note for this version', size: 40 });
    const save = async () => {
      problems.replaceChildren();
      try {
        await api('/v1/qa/scorecards/' + encodeURIComponent(name) + '/draft', { method: 'PUT', headers: { 'Content-Type': 'application/yaml' }, body: yaml.value });
        flash('Draft saved.', true);
        return true;
      } catch (e) {
        flash(e.message);
        problems.replaceChildren(...e.problems.map((p) => h('li', {}, p)));
        return false;
      }
    };
    const editor = h('div', { class: 'panel' }, h('div', { class: 'head' }, h('h3', {}, `${d.name} — draft`), h('span', { class: 'muted' }, d.draft_changed ? 'differs from the active version' : 'same as the active version')),
      yaml, problems,
      h('div', { class: 'pager' }, h('button', { id: 'save-draft', onclick: save }, 'Save draft'), note,
        h('button', { onclick: async () => {
          if (!(await save())) return;
          try { const r = await postJSON('/v1/qa/scorecards/' + encodeURIComponent(name) + '/publish', { note: note.value }); await showScorecards(name); flash(`Published version ${r.version}.`, true); } catch (e) { flash(e.message); }
        } }, 'Save and publish')));
    const versions = h('div', { class: 'panel' }, h('h3', {}, 'Versions'),
      h('table', {}, h('thead', {}, h('tr', {}, ['Version', 'Published', 'Note', ''].map((x) => h('th', {}, x)))),
        h('tbody', {}, d.versions.slice().reverse().map((v) => h('tr', {}, h('td', { class: 'num' }, v.version), h('td', {}, fmtTime(v.published_at)), h('td', {}, v.note || ''),
          h('td', {}, v.version === d.active_version ? h('span', { class: 'badge good' }, 'active') : h('button', { class: 'secondary', onclick: async () => {
            try { await postJSON('/v1/qa/scorecards/' + encodeURIComponent(name) + '/rollback', { version: v.version }); await showScorecards(name); flash(`Version ${v.version} is active.`, true); } catch (e) { flash(e.message); }
          } }, 'Make active')))))));
    view.replaceChildren(nav, editor, versions);
  }

  route();
})();
