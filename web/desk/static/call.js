// The agent desktop's active call: its audio (one WHIP MediaCall per
// call), the call panel with hold, mute, keypad, transfer, conference and
// hang-up, and the transfer dialog.

import { $, el, syncList, parseTime, errorText, MediaCall, mediaLabel } from '/agent/live.js';
import { context } from '/agent/assist.js';

// CallPanel drives #call-panel. ctx: desk (the state), send(type, data)
// → Promise of the reply's data, applyCall(view) to store a CallView a
// reply carries, render() to redraw the page, toast(opts).
export class CallPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.desk = ctx.desk;
    this.contextOf = null;
    this.dialogMode = 'transfer';
    this.bind();
  }

  // current returns the call shown, if any.
  current() { return this.desk.calls.get(this.desk.selected) || null; }

  bind() {
    const on = (id, fn) => $(id).addEventListener('click', () => { const c = this.current(); if (c) fn(c, $(id)); });
    on('hold', (c, b) => this.run(b, 'hold', { call_id: c.call_id, on: !c.hold }, true));
    on('mute', (c, b) => this.run(b, 'mute', { call_id: c.call_id, on: !c.muted }, true));
    on('complete', (c, b) => this.run(b, 'complete', { call_id: c.call_id }, true));
    on('cancel-consult', (c, b) => this.run(b, 'cancel', { call_id: c.call_id }, true));
    on('hangup', (c, b) => this.hangup(c, b));
    on('transfer', () => this.openDialog('transfer'));
    on('conference', () => this.openDialog('conference'));
    on('retry-audio', (c) => this.retryAudio(c));
    on('keypad-toggle', (c, b) => {
      const open = b.getAttribute('aria-expanded') !== 'true';
      b.setAttribute('aria-expanded', String(open));
      $('keypad').hidden = !open;
    });
    $('keypad').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-digit]');
      const c = this.current();
      if (b && c) this.run(b, 'dtmf', { call_id: c.call_id, digits: b.dataset.digit }, false);
    });
    $('call-tabs').addEventListener('click', (e) => {
      const b = e.target.closest('[data-call]');
      if (b) { this.desk.selected = b.dataset.call; this.ctx.render(); }
    });
    this.bindDialog();
  }

  // run sends a command from a button: the button waits for the reply,
  // a CallView in the reply is applied, an error is shown.
  async run(button, type, data, returnsCall) {
    const err = $('call-error');
    err.textContent = '';
    button.disabled = true;
    try {
      const view = await this.ctx.send(type, data);
      if (returnsCall && view && typeof view === 'object' && view.call_id) this.ctx.applyCall(view);
      return true;
    } catch (e) {
      err.textContent = `${button.textContent.replace('…', '')}: ${errorText(e)}`;
      return false;
    } finally {
      button.disabled = false;
      this.render();
    }
  }

  async hangup(call, button) {
    // The audio goes at once whatever the server says: the agent asked
    // to leave.
    this.endMedia(call.call_id);
    await this.run(button, 'hangup', { call_id: call.call_id }, false);
  }

  // ---------------------------------------------------------------- audio

  // startMedia opens the audio of an accepted call (a Connect); a second
  // Connect for a call whose audio is up or coming is ignored.
  startMedia(connect) {
    if (!connect || typeof connect !== 'object' || !connect.call_id) return;
    this.desk.connects.set(connect.call_id, connect);
    if (connect.phone) {
      this.ctx.toast({ title: 'Your phone will ring', text: 'Answer it to talk to the caller.' });
      return;
    }
    if (!connect.media_url) return;
    const old = this.desk.media.get(connect.call_id);
    if (old && !old.done()) return;
    const m = new MediaCall(connect.media_url, {
      mic: true,
      micEnabled: !(this.desk.calls.get(connect.call_id) || {}).muted,
      onState: (state, mc) => {
        if (state === 'failed') this.ctx.toast({ title: 'Call audio failed', text: mc.error, severity: 'warning' });
        this.render();
      },
    });
    this.desk.media.set(connect.call_id, m);
    m.start();
    this.render();
  }

  endMedia(callID) {
    const m = this.desk.media.get(callID);
    if (m) m.end();
    this.desk.media.delete(callID);
  }

  retryAudio(call) {
    const connect = this.desk.connects.get(call.call_id) || (call.media_url ? { call_id: call.call_id, media_url: call.media_url } : null);
    if (!connect) {
      $('call-error').textContent = 'No audio address for this call: ask your supervisor.';
      return;
    }
    this.endMedia(call.call_id);
    this.startMedia(connect);
  }

  // ---------------------------------------------------------------- panel

  render() {
    const desk = this.desk;
    const c = this.current();
    $('call-panel').hidden = !c;
    const tabs = $('call-tabs');
    tabs.hidden = desk.calls.size < 2;
    syncList(tabs, [...desk.calls.values()], (v) => v.call_id,
      (v) => el('button', { type: 'button', role: 'tab', dataset: { call: v.call_id } }),
      (n, v) => {
        n.textContent = v.caller_id || v.call_id;
        n.setAttribute('aria-selected', String(v.call_id === desk.selected));
      });
    if (!c) return;
    $('call-caller').textContent = c.caller_id || 'unknown number';
    $('call-queue').textContent = c.queue || '–';
    $('call-timer').dataset.since = String(parseTime(c.answered_at) || parseTime(c.started_at) || '');
    const m = desk.media.get(c.call_id);
    const connect = desk.connects.get(c.call_id);
    $('call-audio').textContent = connect && connect.phone ? 'on your phone' : mediaLabel(m);
    $('call-audio').dataset.state = m ? m.state : 'none';
    $('retry-audio').hidden = Boolean(m && !m.done()) || Boolean(connect && connect.phone);
    const pressed = (id, on, label, onLabel) => {
      $(id).setAttribute('aria-pressed', String(Boolean(on)));
      $(id).textContent = on ? onLabel : label;
    };
    pressed('hold', c.hold, 'Hold', 'Resume');
    pressed('mute', c.muted, 'Mute', 'Unmute');
    if (m) m.setMic(!c.muted);
    const consulting = Boolean(c.consulting);
    $('call-consult').hidden = !consulting;
    $('call-consult-who').textContent = consulting ? this.partyName(c.consulting) : '';
    $('complete').hidden = !consulting;
    $('cancel-consult').hidden = !consulting;
    $('transfer').disabled = consulting;
    $('conference').disabled = consulting;
    const parties = Array.isArray(c.parties) ? c.parties.filter((p) => p && typeof p === 'object') : [];
    syncList($('call-parties'), parties, (p) => p.id || p.role,
      () => el('li'),
      (n, p) => {
        const flags = [p.mode, p.on_hold && 'on hold', p.muted && 'muted'].filter(Boolean).join(', ');
        n.textContent = `${p.name || p.id || '?'} · ${p.role || ''}${flags ? ` (${flags})` : ''}`;
      });
    const ctxKey = JSON.stringify([c.call_id, c.handoff, c.customer]);
    if (this.contextOf !== ctxKey) {
      this.contextOf = ctxKey;
      $('call-context').replaceChildren(context(c.handoff, c.customer));
    }
  }

  partyName(id) {
    const a = this.desk.agents.find((x) => x.agent_id === id);
    return a ? (a.name || a.agent_id) : id;
  }

  // ---------------------------------------------------------------- dialog

  bindDialog() {
    const dlg = $('transfer-dialog');
    const form = $('transfer-form');
    const kindRadio = (k) => form.querySelector(`input[name=kind][value=${k}]`);
    for (const [k, id] of [['agent', 'transfer-agent'], ['queue', 'transfer-queue'], ['number', 'transfer-number']]) {
      $(id).addEventListener('focus', () => { kindRadio(k).checked = true; this.syncDialog(); });
      $(id).addEventListener('change', () => { kindRadio(k).checked = true; this.syncDialog(); });
    }
    form.addEventListener('change', () => this.syncDialog());
    $('transfer-cancel').addEventListener('click', () => dlg.close());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const c = this.current();
      if (!c) { dlg.close(); return; }
      const kind = form.querySelector('input[name=kind]:checked').value;
      const target = { agent: $('transfer-agent').value, queue: $('transfer-queue').value, number: $('transfer-number').value.trim() }[kind];
      const err = $('transfer-error');
      if (!target) {
        err.textContent = { agent: 'Choose an agent.', queue: 'Choose a queue.', number: 'Type the number to call.' }[kind];
        return;
      }
      const data = { call_id: c.call_id, kind, target };
      if (this.dialogMode === 'transfer' && kind !== 'queue' && form.querySelector('input[name=how]:checked').value === 'warm') data.warm = true;
      err.textContent = '';
      $('transfer-go').disabled = true;
      try {
        const view = await this.ctx.send(this.dialogMode, data);
        if (view && typeof view === 'object' && view.call_id) this.ctx.applyCall(view);
        dlg.close();
      } catch (x) {
        err.textContent = errorText(x);
      } finally {
        $('transfer-go').disabled = false;
        this.render();
      }
    });
  }

  openDialog(mode) {
    this.dialogMode = mode;
    const title = mode === 'transfer' ? 'Transfer the call' : 'Add someone to the call';
    $('transfer-title').textContent = title;
    $('transfer-go').textContent = mode === 'transfer' ? 'Transfer' : 'Add to call';
    $('transfer-how').hidden = mode !== 'transfer';
    $('transfer-error').textContent = '';
    const me = this.desk.agent ? this.desk.agent.agent_id : '';
    const agents = this.desk.agents.filter((a) => a && a.agent_id && a.agent_id !== me);
    const fill = (sel, items, value, label) => {
      const keep = sel.value;
      sel.replaceChildren(el('option', { value: '' }, items.length ? 'Choose…' : 'none'),
        ...items.map((x) => el('option', { value: value(x) }, label(x))));
      sel.value = items.some((x) => value(x) === keep) ? keep : '';
    };
    fill($('transfer-agent'), agents, (a) => a.agent_id, (a) => `${a.name || a.agent_id} (${(a.state || '').replace(/_/g, ' ')}${a.reason ? `: ${a.reason}` : ''})`);
    fill($('transfer-queue'), this.desk.queues.filter((q) => typeof q === 'string'), (q) => q, (q) => q);
    this.syncDialog();
    $('transfer-dialog').showModal();
  }

  syncDialog() {
    const form = $('transfer-form');
    const kind = form.querySelector('input[name=kind]:checked').value;
    // A queue cannot be consulted: blind only.
    const warm = form.querySelector('input[name=how][value=warm]');
    warm.disabled = kind === 'queue';
    if (warm.disabled && warm.checked) form.querySelector('input[name=how][value=blind]').checked = true;
  }
}
