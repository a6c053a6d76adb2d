// Switchboard softphone: WHIP-style signalling (POST offer, DELETE to hang
// up) with G.711 audio, a DTMF keypad, a microphone meter and live stats.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $('dial'), number: $('number'), call: $('call'), mute: $('mute'),
    hangup: $('hangup'), state: $('state'), level: $('level'), keypad: $('keypad'),
    sent: $('sent'), remote: $('remote'),
    stat: {
      codec: $('stat-codec'), sent: $('stat-sent'), received: $('stat-received'),
      lost: $('stat-lost'), jitter: $('stat-jitter'), rtt: $('stat-rtt'),
    },
  };

  // Everything about the current call; window.phone exposes it for tests
  // and the console.
  const phone = {
    state: 'idle', error: '', location: null, pc: null, stream: null,
    sender: null, dc: null, audioCtx: null, timers: [], started: 0,
    stats: { packetsSent: 0, packetsReceived: 0, packetsLost: 0, jitter: 0, codec: '' },
  };
  window.phone = phone;

  // /phone?to=banking pre-fills the number (links from the server's
  // banner go straight to a bot).
  const preset = new URLSearchParams(location.search).get('to');
  if (preset) ui.number.value = preset;

  function setState(state, text) {
    phone.state = state;
    ui.state.dataset.state = state;
    ui.state.textContent = text || state;
    const active = state === 'connecting' || state === 'incall';
    ui.call.disabled = active;
    ui.number.disabled = active;
    ui.hangup.disabled = !active;
    ui.mute.disabled = state !== 'incall';
    for (const b of ui.keypad.querySelectorAll('button')) b.disabled = state !== 'incall';
  }

  function fail(err) {
    phone.error = String(err && err.message ? err.message : err);
    console.error('phone:', err);
    teardown(false);
    setState('error', 'error: ' + phone.error);
  }

  const pad = (n) => String(n).padStart(2, '0');
  function tickClock() {
    if (phone.state !== 'incall') return;
    const s = Math.floor((Date.now() - phone.started) / 1000);
    setState('incall', `in call ${pad(Math.floor(s / 60))}:${pad(s % 60)}`);
  }

  // ICE servers from the Link headers of OPTIONS (RFC 9725 section 4.6).
  async function iceServers(url) {
    try {
      const resp = await fetch(url, { method: 'OPTIONS' });
      const links = (resp.headers.get('Link') || '').split(/,(?=\s*<)/);
      const out = [];
      for (const link of links) {
        const m = link.match(/<([^>]+)>(.*)/);
        if (!m || !/rel="?ice-server"?/.test(m[2])) continue;
        const s = { urls: m[1] };
        const user = m[2].match(/username="([^"]*)"/);
        const cred = m[2].match(/credential="([^"]*)"/);
        if (user) s.username = user[1];
        if (cred) s.credential = cred[1];
        out.push(s);
      }
      return out;
    } catch (e) {
      return [];
    }
  }

  function gatheringComplete(pc, ms) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { clearTimeout(t); pc.removeEventListener('icegatheringstatechange', check); resolve(); };
      const check = () => { if (pc.iceGatheringState === 'complete') done(); };
      const t = setTimeout(done, ms);
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  async function call() {
    const number = ui.number.value.trim();
    if (!number) { ui.number.focus(); return; }
    phone.error = '';
    setState('connecting');
    try {
      const url = '/whip/' + encodeURIComponent(number);
      phone.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
      startMeter(phone.stream);
      const pc = new RTCPeerConnection({ iceServers: await iceServers(url) });
      phone.pc = pc;
      const track = phone.stream.getAudioTracks()[0];
      phone.sender = pc.addTrack(track, phone.stream);
      phone.dc = pc.createDataChannel('dtmf');
      pc.ontrack = (e) => {
        ui.remote.srcObject = e.streams[0] || new MediaStream([e.track]);
        ui.remote.play().catch(() => {});
      };
      pc.onconnectionstatechange = () => {
        if (pc !== phone.pc) return;
        switch (pc.connectionState) {
          case 'connected':
            if (phone.state !== 'incall') {
              phone.started = Date.now();
              setState('incall', 'in call 00:00');
            }
            break;
          case 'failed':
            fail(new Error('connection failed'));
            break;
          case 'closed':
            hangup();
            break;
        }
      };
      // The far end hung up: the DTLS close shows as the data channel
      // closing before the peer connection notices.
      phone.dc.onclose = () => { if (pc === phone.pc && phone.state === 'incall') hangup(); };
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(pc, 5000);
      if (pc !== phone.pc) return; // hung up meanwhile
      const resp = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: pc.localDescription.sdp,
      });
      const body = await resp.text();
      if (!resp.ok) throw new Error(`${resp.status} ${resp.statusText}: ${body.trim()}`);
      phone.location = resp.headers.get('Location');
      if (pc !== phone.pc) { sendDelete(); return; }
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      phone.timers.push(setInterval(tickClock, 1000), setInterval(updateStats, 1000));
    } catch (err) {
      fail(err);
    }
  }

  function sendDelete() {
    if (!phone.location) return;
    fetch(phone.location, { method: 'DELETE', keepalive: true }).catch(() => {});
    phone.location = null;
  }

  // teardown ends the call's resources; the state is the caller's.
  function teardown(del) {
    if (del) sendDelete();
    phone.location = null;
    for (const t of phone.timers) clearInterval(t);
    phone.timers = [];
    if (phone.dc) { phone.dc.onclose = null; phone.dc = null; }
    if (phone.pc) { const pc = phone.pc; phone.pc = null; pc.close(); }
    if (phone.stream) { for (const t of phone.stream.getTracks()) t.stop(); phone.stream = null; }
    if (phone.audioCtx) { phone.audioCtx.close(); phone.audioCtx = null; }
    ui.level.value = 0;
    ui.remote.srcObject = null;
    ui.mute.setAttribute('aria-pressed', 'false');
    ui.mute.textContent = 'Mute';
  }

  function hangup() {
    if (phone.state !== 'connecting' && phone.state !== 'incall') return;
    updateStats().finally(() => {});
    teardown(true);
    setState('ended');
  }

  function toggleMute() {
    const track = phone.stream && phone.stream.getAudioTracks()[0];
    if (!track) return;
    track.enabled = !track.enabled;
    ui.mute.setAttribute('aria-pressed', String(!track.enabled));
    ui.mute.textContent = track.enabled ? 'Mute' : 'Unmute';
  }

  // A key goes both ways: RFC 4733 in the audio (insertDTMF) and a
  // message on the "dtmf" data channel; the server drops the duplicate.
  function sendDigit(d) {
    if (phone.state !== 'incall') return;
    const dtmf = phone.sender && phone.sender.dtmf;
    if (dtmf && dtmf.canInsertDTMF) dtmf.insertDTMF(d, 100, 70);
    if (phone.dc && phone.dc.readyState === 'open') phone.dc.send(d);
    ui.sent.textContent = (ui.sent.textContent + d).slice(-24);
  }

  function startMeter(stream) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    phone.audioCtx = ctx;
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    const draw = () => {
      if (phone.audioCtx !== ctx) return;
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const rms = Math.sqrt(sum / buf.length);
      // dBFS from -60 to 0 mapped onto 0..1.
      const db = 20 * Math.log10(rms || 1e-9);
      ui.level.value = Math.max(0, Math.min(1, (db + 60) / 60));
      ui.level.textContent = Math.round(ui.level.value * 100) + '%';
      requestAnimationFrame(draw);
    };
    draw();
    // Chrome starts contexts suspended without a gesture; the Call click is one.
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  }

  async function updateStats() {
    const pc = phone.pc;
    if (!pc) return;
    const report = await pc.getStats();
    const s = phone.stats;
    report.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        s.packetsReceived = r.packetsReceived || 0;
        s.packetsLost = r.packetsLost || 0;
        s.jitter = r.jitter || 0;
        const c = r.codecId && report.get(r.codecId);
        if (c) s.codec = c.mimeType.replace('audio/', '');
      } else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
        s.packetsSent = r.packetsSent || 0;
      } else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
        if (r.currentRoundTripTime !== undefined) s.rtt = r.currentRoundTripTime;
      }
    });
    ui.stat.codec.textContent = s.codec || '–';
    ui.stat.sent.textContent = s.packetsSent;
    ui.stat.received.textContent = s.packetsReceived;
    ui.stat.lost.textContent = s.packetsLost;
    ui.stat.jitter.textContent = Math.round(s.jitter * 1000) + ' ms';
    ui.stat.rtt.textContent = s.rtt !== undefined ? Math.round(s.rtt * 1000) + ' ms' : '–';
  }

  ui.form.addEventListener('submit', (e) => { e.preventDefault(); call(); });
  ui.hangup.addEventListener('click', hangup);
  ui.mute.addEventListener('click', toggleMute);
  ui.keypad.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-digit]');
    if (b) sendDigit(b.dataset.digit);
  });
  document.addEventListener('keydown', (e) => {
    if (phone.state !== 'incall' || e.target === ui.number || e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^[0-9*#]$/.test(e.key)) { sendDigit(e.key); e.preventDefault(); }
  });
  window.addEventListener('pagehide', () => sendDelete());
  setState('idle');
})();
