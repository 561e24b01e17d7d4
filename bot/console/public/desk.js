// The staff console: one page, no framework. Everything residents wrote is shown with
// textContent (never innerHTML), so their text can never become markup.
(() => {
  'use strict';
  const STRINGS = JSON.parse(document.getElementById('desk-strings').textContent);
  const STATUSES = ['received', 'accepted', 'needs_info', 'rejected', 'assigned', 'in_progress', 'resolved', 'closed', 'reopened'];
  const ACTIONS = ['accept', 'reject', 'requestInfo', 'assign', 'reply', 'note', 'resolve', 'reopen', 'supervise'];
  const state = { lang: localStorage.getItem('desk-lang') || 'zh', staff: null, csrf: '', catalog: null, page: 1, selected: null, stream: null, chatLinkPending: null };

  const $ = (sel, root = document) => root.querySelector(sel);
  const t = (key, vars = {}) => (STRINGS[state.lang][key] ?? key).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  const status = (s) => STRINGS[state.lang]['status.' + s] ?? s;

  /** Builds an element; children are nodes or strings (strings become text, never HTML). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function notice(text) {
    const box = $('#notice');
    box.textContent = text;
    box.hidden = !text;
    if (text) setTimeout(() => { if (box.textContent === text) box.hidden = true; }, 6000);
  }

  async function api(path, opts = {}) {
    const res = await fetch('/console/api/' + path, {
      method: opts.method || 'GET',
      headers: { ...(opts.body ? { 'content-type': 'application/json' } : {}), ...(state.csrf ? { 'x-csrf-token': state.csrf } : {}) },
      body: opts.body ? JSON.stringify(opts.body) : undefined,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => ({}));
    if (res.status === 401 && path !== 'login') showLogin();
    if (!res.ok) throw Object.assign(new Error(data.error || res.statusText), { status: res.status });
    return data;
  }

  const fmt = (iso) => (iso ? new Date(iso).toLocaleString(state.lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '—');
  const fmtDay = (iso) => (iso ? new Date(iso).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' }) : '—');
  const name = (o) => (o ? (state.lang === 'en' && o.nameEn ? o.nameEn : o.name) : '—');

  // ---- language and frame ----
  function applyTexts() {
    document.documentElement.lang = state.lang === 'en' ? 'en' : 'zh-CN';
    $('#title').textContent = t('title');
    document.title = t('title');
    $('#lang').textContent = t('lang');
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    for (const node of document.querySelectorAll('[data-t-placeholder]')) node.placeholder = t(node.dataset.tPlaceholder);
    if (state.staff) $('#whoami').textContent = t('signedInAs', { name: state.staff.displayName || state.staff.username, role: t('role.' + state.staff.role) });
  }

  function show(view) {
    for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== 'view-' + view;
    for (const a of document.querySelectorAll('#nav a[data-view]')) a.classList.toggle('active', a.dataset.view === view);
  }

  function showLogin() {
    state.staff = null;
    state.csrf = '';
    $('#nav').hidden = true;
    $('#logout').hidden = true;
    $('#chat-link').hidden = true;
    $('#chat-link-panel').hidden = true;
    $('#whoami').textContent = '';
    show('login');
  }

  async function signedIn(data) {
    state.staff = data.staff;
    state.csrf = data.csrfToken;
    state.catalog = await api('catalog');
    fillFilters();
    applyTexts();
    // The frame shows once everything it names is loaded.
    $('#nav').hidden = false;
    $('#logout').hidden = false;
    $('#chat-link').hidden = false;
    $('#queues-link').hidden = data.staff.role !== 'admin';
    $('#admin-link').hidden = data.staff.role !== 'admin';
    checkChatLink().catch(() => undefined);
    listen();
    route();
  }

  function route() {
    if (!state.staff) return showLogin();
    const [view, id] = location.hash.slice(1).split('/');
    if (view === 'case' && id) return openCase(id);
    if (view === 'cases') return show('cases'), loadCases();
    if (view === 'dashboard') return show('dashboard'), loadDashboard();
    if (view === 'admin') return show('admin'), loadAdmin();
    show('inbox');
    loadInbox();
  }

  // ---- live events ----
  function listen() {
    state.stream?.close();
    state.stream = new EventSource('/console/api/stream');
    const refresh = () => { if (!$('#view-inbox').hidden) loadInbox(); };
    // On every (re)connection, catch up with what happened while the stream was not there.
    state.stream.addEventListener('open', refresh);
    for (const type of ['handoff.waiting', 'handoff.claimed', 'handoff.released', 'handoff.transferred']) state.stream.addEventListener(type, refresh);
    state.stream.addEventListener('handoff.message', (e) => {
      const event = JSON.parse(e.data);
      if (event.handoffId === state.selected) appendMessage({ direction: event.from === 'resident' ? 'inbound' : 'outbound', author: event.from === 'staff' ? 'staff' : null, text: event.text, at: event.at });
    });
  }

  // ---- inbox ----
  async function loadInbox() {
    const { handoffs } = await api('handoffs');
    const list = $('#handoff-list');
    list.replaceChildren(...handoffs.map((h) => el('li', { class: h.id === state.selected ? 'selected' : '', 'data-id': h.id, onclick: () => openHandoff(h.id) },
      el('strong', {}, t('inbox.reason.' + h.reason)),
      el('div', { class: 'meta' }, `${fmt(h.requestedAt)} · ${h.resident.channel} · ${h.status === 'held' ? t('inbox.held', { name: h.staff?.displayName || h.staff?.username || '' }) : t('inbox.waiting')}`))));
    if (handoffs.length === 0) list.append(el('li', { class: 'hint' }, t('inbox.empty')));
  }

  function appendMessage(m) {
    const box = $('#messages');
    if (!box) return;
    const who = m.direction === 'inbound' ? t('inbox.resident') : m.author ? t('inbox.staff') : t('inbox.bot');
    box.append(el('div', { class: `msg ${m.direction}${m.author ? ' staff' : ''}` }, el('span', { class: 'who' }, `${who} · ${fmt(m.at)}`), el('span', { class: 'text' }, m.text)));
    box.scrollTop = box.scrollHeight;
  }

  async function openHandoff(id) {
    state.selected = id;
    const { handoff, messages } = await api('handoffs/' + id);
    const mine = handoff.status === 'held' && handoff.staffId === state.staff.id;
    const act = (action, body) => async () => {
      try {
        const result = await api(`handoffs/${id}/${action}`, { method: 'POST', body: body ? body() : {} });
        if (action === 'report') notice(t('inbox.reportFiled'));
        if (action === 'link') notice(t('inbox.linked'));
        await loadInbox();
        // Only claiming and handing over change what the pane offers; a reply arrives through the
        // live stream, and redrawing would close a form the member of staff is filling in.
        if (action === 'claim' || action === 'transfer') await openHandoff(id);
        if (action === 'release') {
          state.selected = null;
          $('#conversation').replaceChildren(el('p', { class: 'hint' }, t('inbox.pick')));
        }
        return result;
      } catch (err) { notice(t('error', { reason: err.message })); }
    };
    const reply = el('textarea', { rows: 2, placeholder: t('inbox.placeholder'), 'aria-label': t('inbox.placeholder') });
    // The report form starts from everything the resident has said, up to when it is opened.
    const description = el('textarea', { rows: 3, 'aria-label': t('case.description'), oninput: () => { description.dataset.edited = '1'; } });
    const prefill = (e) => {
      if (!e.target.open || description.dataset.edited) return;
      description.value = [...document.querySelectorAll('#messages .msg.inbound .text')].map((n) => n.textContent).join('\n');
    };
    const topic = select(topicOptions(), '');
    const region = select(regionOptions(), '');
    const linkNumber = el('input', { type: 'text', placeholder: t('inbox.linkPlaceholder'), 'aria-label': t('inbox.link') });
    const colleague = select([['', t('inbox.transfer')], ...((await api('staff')).staff.filter((s) => s.id !== state.staff.id).map((s) => [s.id, s.displayName || s.username]))], '');
    $('#conversation').replaceChildren(...[
      el('div', { class: 'row' }, el('strong', {}, t('inbox.reason.' + handoff.reason)), el('span', { class: 'meta' }, fmt(handoff.requestedAt))),
      el('div', { id: 'messages', class: 'messages', role: 'log', 'aria-live': 'polite' }),
      handoff.status === 'waiting' ? el('button', { class: 'primary', id: 'claim', onclick: act('claim') }, t('inbox.claim')) : null,
      mine ? el('form', { class: 'row', id: 'say-form', onsubmit: async (e) => { e.preventDefault(); const text = reply.value.trim(); if (!text) return; reply.value = ''; await act('say', () => ({ text }))(); } },
        reply, el('button', { type: 'submit', class: 'primary' }, t('inbox.send'))) : null,
      mine ? el('div', { class: 'row' }, el('button', { id: 'release', onclick: act('release') }, t('inbox.release')), colleague,
        el('button', { onclick: act('transfer', () => ({ staffId: colleague.value })) }, t('inbox.transfer'))) : null,
      mine ? el('details', { ontoggle: prefill }, el('summary', {}, t('inbox.fileReport')),
        el('div', { class: 'row' }, description, topic, region, el('button', { id: 'file-report', onclick: act('report', () => ({ description: description.value, topic: topic.value || null, regionCode: region.value || null })) }, t('inbox.fileReport')))) : null,
      mine ? el('details', {}, el('summary', {}, t('inbox.link')),
        el('div', { class: 'row' }, linkNumber, el('button', { onclick: act('link', () => ({ number: linkNumber.value })) }, t('inbox.link')))) : null,
    ].filter(Boolean));
    messages.forEach(appendMessage);
    for (const li of document.querySelectorAll('#handoff-list li')) li.classList.toggle('selected', li.dataset.id === id);
  }

  // ---- cases ----
  function select(options, value, attrs = {}) {
    const node = el('select', attrs, ...options.map(([v, label]) => el('option', { value: v }, label)));
    node.value = value;
    return node;
  }
  const topicOptions = () => [['', t('col.topic') + ' · ' + t('cases.any')], ...state.catalog.topics.map((x) => [x.name, name(x)])];
  const regionOptions = () => [['', t('col.region') + ' · ' + t('cases.any')], ...state.catalog.regions.map((r) => [r.code, r.name])];
  const departmentOptions = () => state.catalog.departments.map((d) => [d.id, name(d)]);

  function fillFilters() {
    const form = $('#case-filter');
    const replace = (field, options) => form.elements[field].replaceChildren(...options.map(([v, label]) => el('option', { value: v }, label)));
    replace('status', [['', t('col.status') + ' · ' + t('cases.any')], ...STATUSES.map((s) => [s, status(s)])]);
    replace('topic', topicOptions());
    replace('region', regionOptions());
    replace('department', [['', t('col.department') + ' · ' + t('cases.any')], ...departmentOptions()]);
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86400000);
    const range = $('#dash-range');
    if (!range.elements.from.value) range.elements.from.value = fmtDay(from.toISOString());
    if (!range.elements.to.value) range.elements.to.value = fmtDay(to.toISOString());
  }

  async function loadCases() {
    const form = new FormData($('#case-filter'));
    const query = new URLSearchParams();
    for (const [k, v] of form) if (v) query.set(k, String(v));
    query.set('page', String(state.page));
    const data = await api('cases?' + query);
    $('#case-total').textContent = t('cases.total', { total: data.total });
    $('#case-table thead tr').replaceChildren(...['number', 'status', 'topic', 'region', 'department', 'deadline', 'created'].map((c) => el('th', {}, t('col.' + c))));
    $('#case-table tbody').replaceChildren(...(data.cases.length ? data.cases.map((c) => el('tr', { onclick: () => { location.hash = 'case/' + c.id; } },
      el('td', {}, el('a', { href: '#case/' + c.id }, c.number)),
      el('td', {}, status(c.status), c.overdueAt ? el('span', { class: 'flag' }, t('cases.overdue')) : null, c.supervisedAt ? el('span', { class: 'flag' }, t('cases.supervised')) : null),
      el('td', {}, c.topic || '—'), el('td', {}, c.region?.name || '—'), el('td', {}, name(c.department)), el('td', {}, fmtDay(c.deadline)), el('td', {}, fmt(c.createdAt)))) : [el('tr', {}, el('td', { colspan: 7 }, t('cases.none')))]));
    $('#prev').disabled = state.page <= 1;
    $('#next').disabled = state.page * data.pageSize >= data.total;
  }

  async function openCase(id) {
    show('case');
    const c = await api(`cases/${id}?lang=${state.lang}`);
    const text = el('textarea', { rows: 3, 'aria-label': t('case.text'), id: 'action-text' });
    const department = select(departmentOptions(), c.departmentId || '', { 'aria-label': t('case.department'), id: 'action-department' });
    const run = (action) => async () => {
      try {
        await api(`cases/${id}/${action}`, { method: 'POST', body: { text: text.value, departmentId: department.value } });
        notice(t('case.done', { action: t('action.' + action) }));
        await openCase(id);
      } catch (err) { notice(t('error', { reason: err.message })); }
    };
    const attachments = c.submission?.attachments ?? [];
    $('#view-case').replaceChildren(el('div', { class: 'detail' },
      el('p', {}, el('a', { href: '#cases' }, t('case.back'))),
      el('h2', {}, `${c.number} · ${status(c.status)}`, c.overdueAt ? el('span', { class: 'flag' }, t('cases.overdue')) : null, c.supervisedAt ? el('span', { class: 'flag' }, t('cases.supervised')) : null),
      el('div', { class: 'card' }, el('dl', {},
        el('dt', {}, t('case.description')), el('dd', { id: 'case-description' }, c.description),
        el('dt', {}, t('col.topic')), el('dd', {}, c.topic || '—'),
        el('dt', {}, t('case.place')), el('dd', {}, [c.region?.name, c.placeText].filter(Boolean).join(' · ') || '—'),
        el('dt', {}, t('col.department')), el('dd', {}, name(c.department)),
        el('dt', {}, t('col.deadline')), el('dd', {}, fmtDay(c.deadline)),
        el('dt', {}, t('case.priority')), el('dd', {}, c.priority),
        el('dt', {}, t('case.phone')), el('dd', {}, c.submission?.phone || '—'),
        el('dt', {}, t('case.linked')), el('dd', {}, [c.duplicateOf, ...c.duplicates].filter(Boolean).map((d) => el('a', { href: '#case/' + d.id }, d.number + ' ')).concat(c.duplicateOf || c.duplicates.length ? [] : ['—'])),
        el('dt', {}, t('case.attachments')), el('dd', {}, attachments.length ? attachments.map((a) => el('a', { href: `/console/api/cases/${c.id}/attachments/${a.id}` }, `${a.kind} (${Math.ceil(a.size / 1024)} KiB) `)) : '—'))),
      el('div', { class: 'card' }, el('h3', {}, t('case.actions')), text, el('div', { class: 'row' }, department),
        el('div', { class: 'row' }, ...ACTIONS.map((a) => el('button', { type: 'button', 'data-action': a, onclick: run(a) }, t('action.' + a))))),
      el('div', { class: 'card' }, el('h3', {}, t('case.timeline')), el('ol', { class: 'timeline' }, ...c.events.map((e) =>
        el('li', {}, el('time', {}, fmt(e.at)), el('strong', {}, e.text), ` · ${e.actorName}`, e.note && !e.text.includes(e.note) ? `\n${e.note}` : '')))),
    ));
  }

  // ---- dashboard ----
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    for (const c of children) node.append(c);
    return node;
  }

  /** Horizontal bars: received (light) with closed (dark) over it, one row per label. */
  function bars(rows) {
    const max = Math.max(1, ...rows.map((r) => r.received));
    const h = 22;
    const chart = svg('svg', { viewBox: `0 0 420 ${rows.length * h + 4}`, width: '100%', role: 'img' });
    rows.forEach((r, i) => {
      const y = i * h + 2;
      chart.append(svg('text', { x: 0, y: y + 14 }, r.label.slice(0, 10)),
        svg('rect', { x: 130, y, width: (r.received / max) * 250, height: h - 6, fill: '#f4b4ae' }),
        svg('rect', { x: 130, y, width: (r.closed / max) * 250, height: h - 6, fill: '#b42318' }),
        svg('text', { x: 134 + (r.received / max) * 250, y: y + 14 }, `${r.closed}/${r.received}`));
    });
    return chart;
  }

  /** Two lines over the days: received and closed. */
  function lines(days) {
    const w = 420, h = 160, max = Math.max(1, ...days.flatMap((d) => [d.received, d.closed]));
    const x = (i) => 30 + (i / Math.max(1, days.length - 1)) * (w - 40);
    const y = (v) => h - 20 - (v / max) * (h - 40);
    const path = (key) => days.map((d, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(d[key]).toFixed(1)}`).join(' ');
    const chart = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: '100%', role: 'img' },
      svg('path', { d: path('received'), fill: 'none', stroke: '#f08c84', 'stroke-width': 2 }),
      svg('path', { d: path('closed'), fill: 'none', stroke: '#b42318', 'stroke-width': 2 }),
      svg('text', { x: 0, y: 14 }, String(max)), svg('text', { x: 0, y: h - 20 }, '0'));
    if (days.length) chart.append(svg('text', { x: 30, y: h - 4 }, days[0].day), svg('text', { x: w - 80, y: h - 4 }, days.at(-1).day));
    return chart;
  }

  /** Satisfaction as a stacked bar with counts. */
  function stack(parts) {
    const sum = parts.reduce((s, p) => s + p.value, 0);
    if (sum === 0) return el('p', { class: 'hint' }, '—');
    const total = sum;
    const chart = svg('svg', { viewBox: '0 0 420 60', width: '100%', role: 'img' });
    let x = 0;
    parts.forEach((p, i) => {
      const width = (p.value / total) * 420;
      // The bar shows the shares; the legend below names them, one fixed slot each so labels never overlap.
      chart.append(svg('rect', { x, y: 0, width, height: 30, fill: p.color }),
        svg('rect', { x: i * 140, y: 40, width: 10, height: 10, fill: p.color }), svg('text', { x: i * 140 + 14, y: 49 }, `${p.label} ${p.value}`));
      x += width;
    });
    return chart;
  }

  async function loadDashboard() {
    const range = new FormData($('#dash-range'));
    const d = await api(`dashboard?from=${range.get('from')}&to=${range.get('to')}&lang=${state.lang}`);
    $('#dash-summary').textContent = d.summary;
    $('#dash-cards').replaceChildren(...['received', 'valid', 'closed', 'inProgress', 'overdue', 'satisfaction'].map((k) =>
      el('div', { class: 'card' }, el('span', {}, t('dash.' + k)), el('strong', {}, k === 'satisfaction' ? (d.cards.satisfactionRate === null ? '—' : `${Math.round(d.cards.satisfactionRate * 100)}%`) : String(d.cards[k])))));
    $('#chart-days').replaceChildren(lines(d.daily));
    $('#chart-topics').replaceChildren(bars(d.byTopic));
    $('#chart-regions').replaceChildren(bars(d.byRegion));
    $('#chart-satisfaction').replaceChildren(stack([
      { label: STRINGS[state.lang]['sat.satisfied'] ?? 'satisfied', value: d.satisfaction.satisfied, color: '#1f7a4d' },
      { label: STRINGS[state.lang]['sat.basic'] ?? 'basic', value: d.satisfaction.basic, color: '#8fbf9f' },
      { label: STRINGS[state.lang]['sat.unsatisfied'] ?? 'unsatisfied', value: d.satisfaction.unsatisfied, color: '#b42318' },
    ]));
    $('#hotspots').replaceChildren(...(d.hotspots.length ? d.hotspots.map((h) => el('li', {},
      el('strong', {}, `${h.topic} · ${h.count}`), el('div', {}, h.description), el('div', { class: 'meta' }, h.regions.map((r) => r.name).join('、') + ' · ' + h.caseNumbers.join(' ')))) : [el('li', { class: 'hint' }, t('dash.noHotspots'))]));
  }

  // ---- administration ----
  async function loadAdmin() {
    // The FAQ editor (faq.js) loads its own part of the page.
    document.dispatchEvent(new CustomEvent('desk:admin', { detail: { csrf: state.csrf, lang: state.lang } }));
    const { staff } = await api('admin/staff');
    $('#staff-table tbody').replaceChildren(...staff.map((s) => el('tr', {},
      el('td', {}, s.username), el('td', {}, s.displayName || ''), el('td', {}, t('role.' + s.role)), el('td', {}, s.department ? name(s.department) : '—'),
      el('td', {}, s.id === state.staff.id ? '' : el('button', { type: 'button', onclick: async () => {
        await api('admin/staff/' + s.id, { method: 'POST', body: { disabled: !s.disabled } }).catch((err) => notice(t('error', { reason: err.message })));
        loadAdmin();
      } }, s.disabled ? t('admin.enable') : t('admin.disable'))))));
    const year = new Date().getFullYear() + 1;
    const form = $('#holiday-form');
    if (!form.elements.year.value) form.elements.year.value = String(year);
    const { days } = await api('admin/holidays');
    form.elements.days.value = days.filter((d) => d.day.startsWith(form.elements.year.value + '-')).map((d) => `${d.day} ${d.name}${d.workday ? ' workday' : ''}`).join('\n');
  }

  // ---- wiring ----
  $('#lang').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('desk-lang', state.lang);
    applyTexts();
    if (state.staff) { fillFilters(); route(); }
  });
  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    try {
      await signedIn(await api('login', { method: 'POST', body: { username: form.get('username'), password: form.get('password') } }));
    } catch (err) {
      // Wrong password, locked for this address (423), too many tries from this address (429).
      const reason = { 401: 'loginWrong', 423: 'loginLocked', 429: 'loginTooMany' }[err.status];
      notice(t('loginFailed', { reason: reason ? t(reason) : err.message }));
    }
  });
  $('#logout').addEventListener('click', async () => {
    await api('logout', { method: 'POST' }).catch(() => undefined);
    state.stream?.close();
    showLogin();
  });
  // Linking a chat account: a code to send from it, then the staff member confirms the account that sent it.
  function chatLinkPanel(text, step, pending = null) {
    $('#chat-link-panel').hidden = false;
    $('#chat-link-text').textContent = text;
    $('#chat-link-code').parentElement.hidden = step !== 'code';
    $('#chat-link-check').hidden = step !== 'code';
    $('#chat-link-confirm').hidden = step !== 'pending';
    state.chatLinkPending = pending;
  }
  const account = (a) => ({ channel: t('channel.' + a.channel), userId: a.userId });
  async function checkChatLink() {
    const { pending } = await api('me/chat-link');
    if (pending) chatLinkPanel(t('chatLinkPending', { ...account(pending), at: fmt(pending.at) }), 'pending', pending);
    else if (!$('#chat-link-panel').hidden) chatLinkPanel(t('chatLinkNone'), 'code');
  }
  $('#chat-link').addEventListener('click', async () => {
    const { code, minutes } = await api('me/chat-link', { method: 'POST' });
    $('#chat-link-code').textContent = `#${t('chatLinkCommand')} ${code}`;
    chatLinkPanel(t('chatLinkCode', { minutes }), 'code');
  });
  $('#chat-link-check').addEventListener('click', () => checkChatLink().catch((err) => notice(err.message)));
  $('#chat-link-confirm').addEventListener('click', async () => {
    const { channel, userId } = state.chatLinkPending;
    try {
      const { linked } = await api('me/chat-link/confirm', { method: 'POST', body: { channel, userId } });
      chatLinkPanel(t('chatLinkDone', account(linked)), 'end');
    } catch {
      chatLinkPanel(t('chatLinkGone'), 'end');
    }
  });
  $('#case-filter').addEventListener('submit', (e) => { e.preventDefault(); state.page = 1; loadCases(); });
  $('#prev').addEventListener('click', () => { state.page--; loadCases(); });
  $('#next').addEventListener('click', () => { state.page++; loadCases(); });
  $('#dash-range').addEventListener('submit', (e) => { e.preventDefault(); loadDashboard(); });
  $('#routing-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = e.target.elements.file.files[0];
    const res = await fetch('/console/api/admin/routing', { method: 'POST', headers: { 'content-type': 'text/csv', 'x-csrf-token': state.csrf }, body: await file.text() });
    const data = await res.json();
    $('#routing-result').textContent = res.ok ? t('admin.imported', { count: data.imported }) : [data.error, ...(data.errors ?? []).map((x) => `line ${x.line}: ${x.message}`)].join('\n');
  });
  $('#holiday-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    // One day per line: "2027-02-06 春节调休上班 workday".
    const days = form.elements.days.value.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
      const [day, ...rest] = line.split(/\s+/);
      const workday = rest.at(-1) === 'workday';
      return { day, name: (workday ? rest.slice(0, -1) : rest).join(' ') || day, workday };
    });
    try {
      const { saved } = await api('admin/holidays', { method: 'POST', body: { year: Number(form.elements.year.value), days } });
      notice(t('admin.saved', { count: saved }));
    } catch (err) { notice(t('error', { reason: err.message })); }
  });
  window.addEventListener('hashchange', route);

  applyTexts();
  api('me').then(signedIn, showLogin);
})();
