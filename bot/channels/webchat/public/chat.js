// Tingmin web chat page: plain ES2020, no dependencies. All message text is untrusted:
// it is only ever written with textContent / text nodes.
'use strict';

(() => {
  const API = '/api/webchat/messages';
  const SESSIONS = '/api/webchat/sessions';
  const POLL_MS = 2500;
  const $ = (id) => document.getElementById(id);
  const els = {
    title: $('tm-title'), intro: $('tm-intro'), lang: $('tm-lang'), signOut: $('tm-sign-out'), log: $('tm-log'), notice: $('tm-notice'),
    form: $('tm-form'), label: $('tm-input-label'), input: $('tm-input'), send: $('tm-send'),
  };

  // Standalone development only: the server fills #tm-strings from its language files.
  const FALLBACK = {
    zh: { title: '听民', intro: '请输入“你好”开始。', placeholder: '请输入您的问题', send: '发送', langSwitch: 'English',
      offline: '连接中断，正在重试…', slowDown: '发送过快，请稍候再试。', tooLarge: '内容过长。', error: '出错了，请重试。',
      logLabel: '对话记录', you: '您', bot: '客服', staff: '工作人员', signOut: '退出', signOutConfirm: '确定退出吗？',
      signedOut: '已退出，已开始新的对话。', expired: '之前的对话已过期，已开始新的对话。' },
    en: { title: 'Tingmin', intro: 'Type "hello" to start.', placeholder: 'Type your message', send: 'Send', langSwitch: '中文',
      offline: 'Connection lost, retrying…', slowDown: 'Please slow down and try again.', tooLarge: 'Message too long.',
      error: 'Something went wrong, please try again.', logLabel: 'Conversation', you: 'You', bot: 'Hotline', staff: 'Staff',
      signOut: 'Sign out', signOutConfirm: 'Sign out?', signedOut: 'Signed out; a new chat has started.', expired: 'Your previous chat expired; a new chat has started.' },
  };
  let strings = FALLBACK;
  try {
    const parsed = JSON.parse($('tm-strings').textContent);
    if (parsed && parsed.zh && parsed.en) strings = parsed;
  } catch { /* placeholder not replaced: use the fallback */ }

  const store = {
    get(key) { try { return localStorage.getItem(key); } catch { return null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch { /* storage disabled */ } },
  };

  // randomUUID needs a secure context (https or localhost); getRandomValues works everywhere.
  const newId = () => (crypto.randomUUID ? crypto.randomUUID().replace(/-/g, '')
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));

  let lang = store.get('tm.lang') === 'en' ? 'en' : 'zh';
  const t = (key) => strings[lang]?.[key] ?? FALLBACK[lang][key];
  const htmlLang = (l) => (l === 'zh' ? 'zh-CN' : 'en');
  const coarse = window.matchMedia?.('(pointer: coarse)').matches ?? false;

  const shown = new Set(); // ids of messages already on screen
  const labels = new Map(); // button payload → label, to show a tapped button as the resident's words
  let cursor = null, busy = false, noticeKind = null, greeted = false;
  let pinned = true; // the reader is at the bottom of the list, so new messages scroll into view

  // ---- page chrome ----
  function applyLang() {
    document.documentElement.lang = htmlLang(lang);
    document.title = t('title');
    els.title.textContent = t('title');
    els.intro.textContent = t('intro');
    els.lang.textContent = t('langSwitch');
    els.lang.lang = htmlLang(lang === 'zh' ? 'en' : 'zh'); // its label is in the other language
    els.signOut.textContent = t('signOut');
    els.log.setAttribute('aria-label', t('logLabel'));
    els.label.textContent = t('placeholder');
    els.input.placeholder = t('placeholder');
    els.send.textContent = t('send');
    if (noticeKind) els.notice.textContent = t(noticeKind);
  }

  function notice(kind) {
    noticeKind = kind;
    els.notice.textContent = t(kind);
    els.notice.className = `tm-notice tm-notice--${kind}`;
    els.notice.hidden = false;
  }

  function clearNotice(kind) {
    if (!kind || kind === noticeKind) { noticeKind = null; els.notice.hidden = true; els.notice.textContent = ''; }
  }

  function setBusy(on) {
    busy = on;
    els.input.readOnly = on; // keeps focus (and the phone keyboard) while sending
    els.send.disabled = on;
    els.lang.disabled = on;
    els.signOut.disabled = on;
    els.form.setAttribute('aria-busy', String(on));
    document.body.classList.toggle('tm-busy', on);
  }

  function resizeInput() {
    const el = els.input;
    el.style.height = 'auto'; // CSSOM, not a style attribute: allowed by the CSP
    el.style.height = `${Math.min(el.scrollHeight + 2, 160)}px`;
  }

  // ---- message list ----
  const scrollDown = () => { els.log.scrollTop = els.log.scrollHeight; };
  els.log.addEventListener('scroll', () => {
    pinned = els.log.scrollHeight - els.log.scrollTop - els.log.clientHeight < 60;
  }, { passive: true });
  if (window.ResizeObserver) new ResizeObserver(() => { if (pinned) scrollDown(); }).observe(els.log);

  function formatTime(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return '';
    const today = d.toDateString() === new Date().toDateString();
    return d.toLocaleString(htmlLang(lang), { ...(today ? {} : { month: 'numeric', day: 'numeric' }), hour: '2-digit', minute: '2-digit' });
  }

  function el(tag, className, text = '') {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text; // never innerHTML: message text is untrusted
    return node;
  }

  // A case's own question (a rating, 补充情况) stays answerable after later messages.
  const answersCase = (payload) => /^(rate|info):/.test(payload);

  // Buttons of earlier questions look spent (they still answer: the bot explains a stale tap).
  function spend(buttons) {
    for (const btn of buttons) {
      if (answersCase(btn.dataset.payload)) continue;
      btn.classList.add('tm-choice--spent');
      btn.setAttribute('aria-disabled', 'true');
    }
  }

  // Who wrote a message, as shown and as read out: the resident, the bot, or a named member of staff.
  function author(who, msg) {
    if (who !== 'staff') return t(who === 'user' ? 'you' : 'bot');
    return typeof msg.by === 'string' && msg.by ? `${t('staff')}${lang === 'zh' ? '·' : ' · '}${msg.by}` : t('staff');
  }

  function renderMessage(who, text, msg = {}) {
    const item = el('div', `tm-msg tm-msg--${who}`);
    const bubble = el('div', 'tm-bubble');
    const name = author(who, msg);
    if (who === 'staff') {
      const visible = el('div', 'tm-author', name);
      visible.setAttribute('aria-hidden', 'true'); // read once, from the bubble's own prefix
      item.append(visible);
    }
    bubble.append(el('span', 'tm-sr', `${name}${lang === 'zh' ? '：' : ': '}`), document.createTextNode(text));
    item.append(bubble);
    // Evidence sent with an answer: photos shown, other files (PDF) as a download link.
    const files = Array.isArray(msg.files) ? msg.files.filter((f) => f && typeof f.id === 'string' && /^[0-9a-f-]{36}$/.test(f.id)) : [];
    for (const f of files) {
      const url = '/api/webchat/files/' + f.id;
      if (String(f.mimeType).startsWith('image/')) {
        const img = el('img', 'tm-file');
        img.src = url;
        img.alt = t('photo');
        img.loading = 'lazy';
        bubble.append(img);
      } else {
        const link = el('a', 'tm-file', t('file'));
        link.href = url;
        link.download = '';
        bubble.append(link);
      }
    }
    const buttons = Array.isArray(msg.buttons) ? msg.buttons.filter((b) => b && typeof b.label === 'string' && typeof b.payload === 'string') : [];
    if (buttons.length) {
      if (!buttons.every((b) => answersCase(b.payload))) spend(els.log.querySelectorAll('.tm-choice'));
      const row = el('div', 'tm-buttons');
      for (const b of buttons) {
        labels.set(b.payload, b.label);
        const btn = el('button', 'tm-choice', b.label);
        btn.type = 'button';
        btn.dataset.payload = b.payload;
        btn.addEventListener('click', () => {
          spend(row.querySelectorAll('.tm-choice'));
          send({ payload: b.payload }, b.label);
        });
        row.append(btn);
      }
      item.append(row);
    }
    if (typeof msg.at === 'string') {
      const time = el('time', 'tm-time', formatTime(msg.at));
      time.dateTime = msg.at;
      bubble.after(time);
    }
    els.log.append(item);
    document.body.classList.add('tm-started');
    return item;
  }

  // Messages from the server: the bot's, staff's and the resident's own (after a reload, or from another tab).
  function showMessages(messages) {
    if (!Array.isArray(messages)) return;
    const stick = pinned;
    let spoken = null;
    for (const m of messages) {
      if (!m || typeof m.id !== 'string' || shown.has(m.id)) continue;
      shown.add(m.id);
      if (m.from === 'resident') {
        // A tapped button reads as its label; a tap with no label shown (the page's own greeting request) is not shown.
        const text = String(m.text ?? '') || (typeof m.payload === 'string' ? labels.get(m.payload) : '') || '';
        if (text) renderMessage('user', text, m);
        continue;
      }
      if (m.lang === 'zh' || m.lang === 'en') spoken = m.lang;
      renderMessage(m.from === 'staff' ? 'staff' : 'bot', String(m.text ?? ''), m);
    }
    // The bot's language is the page's: typing "English" switches the page too.
    if (spoken && spoken !== lang) {
      lang = spoken;
      store.set('tm.lang', lang);
      applyLang();
    }
    if (stick) scrollDown();
  }

  function showMine(text) {
    const item = renderMessage('user', text);
    pinned = true;
    scrollDown();
    return item;
  }

  // ---- network ----
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function request(url, options, timeoutMs) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try { return await fetch(url, { ...options, signal: ctl.signal, cache: 'no-store' }); } finally { clearTimeout(timer); }
  }

  // The server issues this page's identity as an HttpOnly cookie (the page never sees the token).
  // The page asks for one on its first visit, and again if the server no longer knows it.
  let session = store.get('tm.session') ? Promise.resolve() : openSession();

  async function openSession() {
    const res = await request(SESSIONS, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lang }) }, 15000);
    if (res.status !== 201) throw new Error(`HTTP ${res.status}`);
    store.set('tm.session', '1');
  }

  // A new session and an empty page: after signing out, or when the server refused the session
  // (unused for too long, or signed out in another tab); `kind` is the notice that says which.
  function startOver(kind) {
    els.log.replaceChildren();
    shown.clear();
    labels.clear();
    cursor = null;
    greeted = false;
    document.body.classList.remove('tm-started');
    notice(kind);
    return (session = openSession());
  }

  // Calls the API with this page's session, opening a new one once if it is missing or unknown.
  async function withSession(call) {
    const current = (session = session.catch(openSession));
    await current;
    const res = await call();
    if (res.status !== 401) return res;
    // Another call may have started over already: one new session, not one per call.
    await (session === current ? startOver('expired') : session);
    return call();
  }

  // The same body (same messageId) is retried on network failures and gateway errors: the server answers it once.
  async function post(body) {
    const options = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await withSession(() => request(API, options, 45000));
        if (![502, 503, 504].includes(res.status) || attempt >= 2) return res;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
      await sleep(1000 * 2 ** attempt);
    }
  }

  async function send(body, mineText) {
    if (busy) return false;
    setBusy(true);
    const mine = mineText ? showMine(mineText) : null;
    let ok = false;
    try {
      const res = await post({ messageId: newId(), ...body });
      if (res.ok) {
        ok = true; // delivered; if the body is unreadable, the next poll shows the replies
        if (noticeKind !== 'expired' && noticeKind !== 'signedOut') clearNotice(); // those stay until the resident writes
        if (mine && !mine.isConnected) { els.log.append(mine); document.body.classList.add('tm-started'); } // sent in the new session
        const data = await res.json().catch(() => ({}));
        if (data.sent && typeof data.sent.id === 'string') shown.add(data.sent.id); // already on screen
        showMessages(data.replies);
      } else {
        notice(res.status === 429 ? 'slowDown' : res.status === 413 ? 'tooLarge' : 'error');
      }
    } catch {
      notice('error');
    }
    if (!ok && mine) mine.classList.add('tm-msg--failed');
    setBusy(false);
    poll();
    return ok;
  }

  let pollTimer = 0, polling = false, pollAgain = false, failures = 0;

  async function poll() {
    clearTimeout(pollTimer);
    if (polling) { pollAgain = true; return; }
    // A message being sent is shown already; the poll after it skips it by its id.
    if (busy) { pollTimer = setTimeout(poll, POLL_MS); return; }
    polling = true;
    pollAgain = false;
    let delay = POLL_MS;
    try {
      // The cursor is read at each call: a session started over has none.
      const query = () => (cursor ? `?${new URLSearchParams({ after: cursor })}` : '');
      const res = await withSession(() => request(`${API}${query()}`, {}, 15000));
      // A cursor the server no longer knows: start over (shown ids are skipped anyway).
      if (res.status === 400 && cursor) { cursor = null; pollAgain = true; throw new Error('stale cursor'); }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const data = await res.json();
      const first = cursor === null;
      showMessages(data.messages);
      if (typeof data.cursor === 'string') cursor = data.cursor;
      // A new conversation opens with the greeting and the main menu, before the resident types.
      if (first && !greeted && Array.isArray(data.messages) && data.messages.length === 0) {
        greeted = true;
        send({ payload: 'menu' });
      }
      if (Array.isArray(data.messages) && data.messages.length >= 100) delay = 0; // a full page: more are waiting
      failures = 0;
      clearNotice('offline');
    } catch {
      failures++;
      if (noticeKind !== 'offline') notice('offline');
      delay = Math.min(30000, POLL_MS * 2 ** failures);
    }
    polling = false;
    if (document.hidden) delay = Math.max(delay, 15000);
    pollTimer = setTimeout(poll, pollAgain ? 0 : delay);
  }

  // ---- events ----
  els.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = els.input.value.trim();
    if (!text || busy) return;
    clearNotice('expired');
    clearNotice('signedOut');
    els.input.value = '';
    resizeInput();
    const ok = await send({ text }, text);
    if (!ok && !els.input.value) { els.input.value = text; resizeInput(); } // let the resident retry
    if (!coarse) els.input.focus();
  });

  els.input.enterKeyHint = coarse ? 'enter' : 'send';
  els.input.addEventListener('keydown', (event) => {
    // Enter sends on keyboards (not while an IME is composing Chinese); on phones the send button does.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229 || coarse) return;
    event.preventDefault();
    els.form.requestSubmit();
  });
  els.input.addEventListener('input', resizeInput);

  els.lang.addEventListener('click', () => {
    if (busy) return;
    lang = lang === 'zh' ? 'en' : 'zh';
    store.set('tm.lang', lang);
    applyLang();
    send({ payload: `lang:${lang}` }).then(() => els.lang.focus());
  });

  // Signing out ends this page's token on the server (a shared or borrowed phone); the conversation starts over.
  els.signOut.addEventListener('click', async () => {
    if (busy || !window.confirm(t('signOutConfirm'))) return;
    setBusy(true);
    try {
      const res = await request(SESSIONS, { method: 'DELETE' }, 15000);
      // 401: the token was gone already; either way this page needs a new one.
      if (res.status !== 204 && res.status !== 401) throw new Error(`HTTP ${res.status}`);
      await startOver('signedOut');
    } catch {
      notice('error');
    }
    setBusy(false);
    poll();
  });

  document.addEventListener('visibilitychange', () => { if (!document.hidden) poll(); });

  applyLang();
  poll();
})();
