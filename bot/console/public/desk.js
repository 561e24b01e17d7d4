// The staff console: one page, no framework. Everything residents wrote is shown with
// textContent (never innerHTML), so their text can never become markup.
(() => {
  'use strict';
  const STRINGS = JSON.parse(document.getElementById('desk-strings').textContent);
  const STATUSES = ['received', 'accepted', 'needs_info', 'rejected', 'assigned', 'in_progress', 'in_review', 'resolved', 'closed', 'reopened'];
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
    if (!res.ok) throw Object.assign(new Error(refusal(data) ?? (data.error || res.statusText)), { status: res.status });
    return data;
  }

  /** Why something was refused, in the staff member's language: the server names a staffError.* text and its values. */
  function refusal({ key, params = {} }) {
    if (!key || !(key in STRINGS[state.lang])) return null;
    const values = { ...params };
    for (const k of ['from', 'to']) if (k in values) values[k] = status(values[k]);
    return t(key, values);
  }
  const failed = (err) => notice(t('error', { reason: err.message }));

  const fmt = (iso) => (iso ? new Date(iso).toLocaleString(state.lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '—');
  const fmtDay = (iso) => (iso ? new Date(iso).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' }) : '—');
  const name = (o) => (o ? (state.lang === 'en' && o.nameEn ? o.nameEn : o.name) : '—');
  // Topics are stored by their Chinese name ("城乡建设/子类"), regions by code: the catalogue has both languages.
  const topicName = (topic) => {
    if (!topic) return '—';
    const [first, ...rest] = topic.split('/');
    return [name(state.catalog?.topics.find((x) => x.name === first) ?? { name: first }), ...rest].join('/');
  };
  const regionName = (code, fallback) => name(state.catalog?.regions.find((r) => r.code === code) ?? (fallback ? { name: fallback } : null));

  // ---- language and frame ----
  function applyTexts() {
    document.documentElement.lang = state.lang === 'en' ? 'en' : 'zh-CN';
    $('#title').textContent = t('title');
    document.title = t('title');
    $('#lang').textContent = t('lang');
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    for (const node of document.querySelectorAll('[data-t-placeholder]')) node.placeholder = t(node.dataset.tPlaceholder);
    for (const node of document.querySelectorAll('[data-t-label]')) node.setAttribute('aria-label', t(node.dataset.tLabel));
    if (state.staff) $('#whoami').textContent = t('signedInAs', { name: state.staff.displayName || state.staff.username, role: t('role.' + state.staff.role) });
  }

  function show(view) {
    for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== 'view-' + view;
    for (const a of document.querySelectorAll('#nav a[data-view]')) a.classList.toggle('active', a.dataset.view === view);
    document.dispatchEvent(new CustomEvent('desk:show', { detail: view }));
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
    // A refusal of an earlier attempt no longer applies.
    $('#notice').hidden = true;
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
    $('#requests-link').hidden = data.staff.role === 'handler';
    checkChatLink().catch(() => undefined);
    listen();
    route();
  }

  function route() {
    if (!state.staff) return showLogin();
    const [view, id] = location.hash.slice(1).split('/');
    if (view === 'case' && id) return openCase(id).catch(caseMissing);
    if (pluggedView(view)) return show(view);
    const load = new Map([['cases', loadCases], ['dashboard', loadDashboard], ['admin', loadAdmin], ['requests', loadRequests]]).get(view);
    show(load ? view : 'inbox');
    return (load ?? loadInbox)().catch(failed);
  }

  // A case that does not exist, or is another department's (the API answers 404 for both).
  function caseMissing(err) {
    if (err.status !== 404) return failed(err);
    show('case');
    $('#view-case').replaceChildren(el('div', { class: 'detail', id: 'case-missing' },
      el('h2', {}, t('cases.notFound')), el('p', {}, el('a', { href: '#cases' }, t('case.back')))));
  }

  // ---- pages in their own files (ranking.js, admin-alerts.js): a section marked data-plugin, and the helpers they use ----
  function pluggedView(view) {
    return Boolean(view) && document.getElementById('view-' + view)?.dataset.plugin !== undefined;
  }
  window.Desk = { api, t, el, notice, name, state, topicName, fmtDay };

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
  const waited = (minutes) => (minutes < 60 ? t('inbox.waitMinutes', { minutes }) : t('inbox.waitHours', { hours: Math.floor(minutes / 60), minutes: minutes % 60 }));

  async function loadInbox() {
    const { handoffs } = await api('handoffs');
    const list = $('#handoff-list');
    // A live update redraws the list: the card the keyboard was on keeps the focus.
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    // Each conversation is a button: reachable with Tab, opened with Enter or Space. The API puts safety hazards first.
    list.replaceChildren(...handoffs.map((h) => el('li', { class: h.reason === 'urgent' ? 'urgent' : '' },
      el('button', { type: 'button', class: 'handoff', 'data-id': h.id, 'aria-current': h.id === state.selected ? 'true' : null, onclick: () => openHandoff(h.id) },
        el('span', { class: 'head' }, h.reason === 'urgent' ? el('span', { class: 'flag' }, t('inbox.urgent')) : null, el('strong', {}, t('inbox.reason.' + h.reason))),
        el('span', { class: 'preview' }, h.preview ?? t('inbox.noPreview')),
        el('span', { class: 'meta' }, [t('channel.' + h.resident.channel), waited(h.waitMinutes), h.status === 'held' ? t('inbox.held', { name: h.staff?.displayName || h.staff?.username || '' }) : t('inbox.waiting')].join(' · '))))));
    // Handlers only get conversations the office hands them: their empty inbox says so.
    if (handoffs.length === 0) list.append(el('li', { class: 'hint' }, t(state.staff.role === 'handler' ? 'inbox.emptyHandler' : 'inbox.empty')));
    if (focused) [...list.querySelectorAll('button.handoff')].find((b) => b.dataset.id === focused)?.focus();
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
    const { handoff, messages, resident } = await api('handoffs/' + id);
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
      } catch (err) { failed(err); }
    };
    // Enter sends, Shift+Enter starts a new line (and Enter while an input method composes is the IME's).
    const reply = el('textarea', { rows: 2, placeholder: t('inbox.placeholder'), 'aria-label': t('inbox.placeholder'), onkeydown: (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); e.target.form.requestSubmit(); }
    } });
    // The report form starts from everything the resident has said, up to when it is opened.
    const description = el('textarea', { rows: 3, 'aria-label': t('case.description'), oninput: () => { description.dataset.edited = '1'; } });
    const prefill = (e) => {
      if (!e.target.open || description.dataset.edited) return;
      description.value = [...document.querySelectorAll('#messages .msg.inbound .text')].map((n) => n.textContent).join('\n');
    };
    const topic = select(topicOptions(), '', { 'aria-label': t('col.topic') });
    const region = select(regionOptions(), '', { 'aria-label': t('col.region') });
    const linkNumber = el('input', { type: 'text', placeholder: t('inbox.linkPlaceholder'), 'aria-label': t('inbox.link') });
    // Handing over needs a colleague: the button waits until one is chosen.
    const handOver = el('button', { type: 'button', id: 'transfer', disabled: true, onclick: act('transfer', () => ({ staffId: colleague.value })) }, t('inbox.transfer'));
    const colleague = select([['', t('inbox.chooseColleague')], ...((await api('staff')).staff.filter((s) => s.id !== state.staff.id).map((s) => [s.id, s.displayName || s.username]))], '',
      { id: 'transfer-to', onchange: () => { handOver.disabled = !colleague.value; } });
    $('#conversation').replaceChildren(...[
      el('div', { class: 'row' }, el('strong', {}, t('inbox.reason.' + handoff.reason)), el('span', { class: 'meta' }, fmt(handoff.requestedAt))),
      el('aside', { class: 'resident', id: 'resident', 'aria-label': t('inbox.aboutResident') }, el('dl', {},
        el('dt', {}, t('inbox.channel')), el('dd', {}, t('channel.' + handoff.resident.channel)),
        el('dt', {}, t('inbox.phone')), el('dd', { id: 'resident-phone' }, resident.phone || t('inbox.noPhone')),
        el('dt', {}, t('inbox.openCases')), el('dd', { id: 'resident-cases' }, resident.openCases.length
          ? resident.openCases.map((c) => el('a', { href: '#case/' + c.id }, `${c.number} ${status(c.status)}`))
          : t('inbox.noOpenCases')))),
      el('div', { id: 'messages', class: 'messages', role: 'log', 'aria-live': 'polite', tabindex: '0', 'aria-label': t('nav.inbox') }),
      handoff.status === 'waiting' ? el('button', { class: 'primary', id: 'claim', onclick: act('claim') }, t('inbox.claim')) : null,
      mine ? el('form', { class: 'row', id: 'say-form', onsubmit: async (e) => { e.preventDefault(); const text = reply.value.trim(); if (!text) return; reply.value = ''; await act('say', () => ({ text }))(); } },
        reply, el('button', { type: 'submit', class: 'primary' }, t('inbox.send'))) : null,
      mine ? el('div', { class: 'row' }, el('button', { id: 'release', onclick: act('release') }, t('inbox.release')),
        el('label', { class: 'row' }, el('span', {}, t('inbox.transferTo')), colleague), handOver) : null,
      mine ? el('details', { ontoggle: prefill }, el('summary', {}, t('inbox.fileReport')),
        el('div', { class: 'row' }, description, topic, region, el('button', { id: 'file-report', onclick: act('report', () => ({ description: description.value, topic: topic.value || null, regionCode: region.value || null })) }, t('inbox.fileReport')))) : null,
      mine ? el('details', {}, el('summary', {}, t('inbox.link')),
        el('div', { class: 'row' }, linkNumber, el('button', { onclick: act('link', () => ({ number: linkNumber.value })) }, t('inbox.link')))) : null,
    ].filter(Boolean));
    messages.forEach(appendMessage);
    for (const b of document.querySelectorAll('#handoff-list button.handoff')) {
      if (b.dataset.id === id) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
  }

  // ---- cases ----
  function select(options, value, attrs = {}) {
    const node = el('select', attrs, ...options.map(([v, label]) => el('option', { value: v }, label)));
    node.value = value;
    return node;
  }
  const topicOptions = () => [['', t('col.topic') + ' · ' + t('cases.any')], ...state.catalog.topics.map((x) => [x.name, name(x)])];
  const regionOptions = () => [['', t('col.region') + ' · ' + t('cases.any')], ...state.catalog.regions.map((r) => [r.code, name(r)])];
  const departmentOptions = () => state.catalog.departments.map((d) => [d.id, name(d)]);

  function fillFilters() {
    const form = $('#case-filter');
    const replace = (field, options) => form.elements[field].replaceChildren(...options.map(([v, label]) => el('option', { value: v }, label)));
    replace('status', [['', t('col.status') + ' · ' + t('cases.any')], ...STATUSES.map((s) => [s, status(s)])]);
    replace('topic', topicOptions());
    replace('region', regionOptions());
    replace('department', [['', t('col.department') + ' · ' + t('cases.any')], ...departmentOptions()]);
    // Imported past cases stay out of the working list unless asked for ('' is the API's default, exclude).
    replace('imported', [['', t('cases.importedExclude')], ['include', t('cases.importedInclude')], ['only', t('cases.importedOnly')]]);
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
    const columns = ['number', 'status', 'topic', 'region', 'department', 'deadline', 'created'];
    $('#case-table thead tr').replaceChildren(...columns.map((c) => el('th', { scope: 'col' }, t('col.' + c))));
    // On a phone each row is a card: every cell says what it is (data-label, shown by desk.css).
    const cell = (column, ...content) => el('td', { 'data-label': t('col.' + column) }, ...content);
    const flag = (text) => [' ', el('span', { class: 'flag' }, text)];
    $('#case-table tbody').replaceChildren(...(data.cases.length ? data.cases.map((c) => el('tr', { onclick: () => { location.hash = 'case/' + c.id; } },
      cell('number', el('a', { href: '#case/' + c.id }, c.number)),
      cell('status', el('span', {}, status(c.status)), c.overdueAt ? flag(t('cases.overdue')) : null, c.supervisedAt ? flag(t('cases.supervised')) : null, c.source ? flag(t('cases.imported')) : null),
      cell('topic', topicName(c.topic)), cell('region', regionName(c.regionCode, c.region?.name)), cell('department', name(c.department)),
      cell('deadline', fmtDay(c.deadline)), cell('created', fmt(c.createdAt)))) : [el('tr', {}, el('td', { colspan: 7 }, t('cases.none')))]));
    $('#prev').disabled = state.page <= 1;
    $('#next').disabled = state.page * data.pageSize >= data.total;
    // Pages in their own files add to the list (projects.js: a column to pick cases for a supervision project).
    document.dispatchEvent(new CustomEvent('desk:cases', { detail: data }));
  }

  // ---- case detail and its action panel ----
  /** What each action asks for (in order) and whether it needs a confirmation: the irreversible ones do. */
  const ACTION_FORMS = {
    accept: { fields: ['remark'] },
    reject: { fields: ['reason'], confirm: true },
    requestInfo: { fields: ['question'] },
    assign: { fields: ['department', 'remark'] },
    reply: { fields: ['message'] },
    note: { fields: ['note'] },
    resolve: { fields: ['answer', 'evidence'], confirm: true },
    reopen: { fields: ['reason'] },
    supervise: { fields: ['remark'] },
    approve: { fields: ['remark'], confirm: true },
    return: { fields: ['returnReason'] },
    requestExtension: { fields: ['until', 'reason'] },
    handBack: { fields: ['reason'] },
    approveRequest: { fields: ['remark'], confirm: true },
    refuseRequest: { fields: ['refuseReason'] },
    correctTopic: { fields: ['topic'] },
    correctPlace: { fields: ['region', 'place'] },
  };
  const TEXT_FIELDS = new Map([['remark', false], ['reason', true], ['question', true], ['message', true], ['note', true], ['answer', true], ['returnReason', true], ['refuseReason', true]]);
  const topicChoices = () => state.catalog.topics.flatMap((x) => [[x.name, name(x)], ...(x.children ?? []).map((child) => [`${x.name}/${child.name}`, `${name(x)} / ${child.name}`])]);

  /** One labelled control of an action's form, and what it adds to the request's body. */
  function actionField(field, c) {
    const id = `field-${field}`;
    const label = (control) => el('label', { class: 'field', for: id }, el('span', {}, t('field.' + field)), control);
    if (TEXT_FIELDS.has(field)) {
      const box = el('textarea', { id, name: 'text', rows: 3, required: TEXT_FIELDS.get(field) });
      return { node: label(box), read: async () => ({ text: box.value }) };
    }
    if (field === 'department') {
      const box = select(departmentOptions(), c.departmentId || '', { id, required: true });
      return { node: label(box), read: async () => ({ departmentId: box.value }) };
    }
    if (field === 'until') {
      const box = el('input', { id, type: 'date', required: true, min: fmtDay(c.deadline || new Date().toISOString()) });
      return { node: label(box), read: async () => ({ until: box.value }) };
    }
    if (field === 'topic') {
      const box = select(topicChoices(), c.topic || '', { id, required: true });
      return { node: label(box), read: async () => ({ topic: box.value }) };
    }
    if (field === 'region') {
      const box = select([['', '—'], ...state.catalog.regions.map((r) => [r.code, r.name])], c.regionCode || '', { id });
      return { node: label(box), read: async () => ({ regionCode: box.value || null }) };
    }
    if (field === 'place') {
      const box = el('input', { id, type: 'text' });
      box.value = c.placeText || '';
      return { node: label(box), read: async () => ({ placeText: box.value }) };
    }
    // Evidence: each file is uploaded (and checked by the server) before the resolution is sent.
    const box = el('input', { id, type: 'file', multiple: true, accept: 'image/jpeg,image/png,image/gif,image/webp,application/pdf' });
    return {
      node: label(box),
      read: async () => {
        const ids = [];
        for (const file of box.files) {
          notice(t('case.uploading'));
          const res = await fetch(`/console/api/cases/${c.id}/evidence`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': state.csrf }, body: file, credentials: 'same-origin' });
          if (!res.ok) throw new Error(t('case.uploadRefused', { name: file.name }));
          ids.push((await res.json()).id);
        }
        return { evidence: ids };
      },
    };
  }

  /** The form of one action: its own labelled fields, a confirmation where it cannot be undone. */
  function actionForm(action, c) {
    const spec = ACTION_FORMS[action];
    const fields = spec.fields.map((f) => actionField(f, c));
    const form = el('form', { class: 'action-form', 'data-form': action, 'aria-label': t('action.' + action), onsubmit: async (e) => {
      e.preventDefault();
      if (spec.confirm && !window.confirm(t('confirm.' + action, { number: c.number }))) return;
      const submit = e.target.querySelector('button[type=submit]');
      submit.disabled = true;
      try {
        const body = Object.assign({}, ...(await Promise.all(fields.map((f) => f.read()))));
        await api(`cases/${c.id}/${action}`, { method: 'POST', body });
        notice(t('case.done', { action: t('action.' + action) }));
        await openCase(c.id);
      } catch (err) {
        submit.disabled = false;
        notice(t('error', { reason: err.message }));
      }
    } }, el('h4', {}, t('action.' + action)), ...fields.map((f) => f.node), el('button', { type: 'submit', class: 'primary' }, t('action.' + action)));
    // Feature files add to the form (templates.js: a template picker for its text).
    document.dispatchEvent(new CustomEvent('desk:action-form', { detail: { action, case: c, form } }));
    return form;
  }

  /** Only the actions this member of staff may take in the case's status; each opens its own form. */
  function actionPanel(c) {
    if (!c.actions.length) return el('div', { class: 'card' }, el('h3', {}, t('case.actions')), el('p', { class: 'hint' }, t('case.noActions')));
    const slot = el('div', { id: 'action-form' });
    const buttons = c.actions.map((a) => el('button', { type: 'button', 'data-action': a, 'aria-expanded': 'false', onclick: (e) => {
      const open = e.target.getAttribute('aria-expanded') === 'true';
      for (const b of buttons) b.setAttribute('aria-expanded', 'false');
      slot.replaceChildren();
      if (open) return;
      e.target.setAttribute('aria-expanded', 'true');
      slot.append(actionForm(a, c));
      slot.querySelector('textarea, input, select')?.focus();
    } }, t('action.' + a)));
    return el('div', { class: 'card' }, el('h3', {}, t('case.actions')), el('div', { class: 'row', id: 'action-buttons' }, ...buttons), slot);
  }

  const evidenceLinks = (c, files) => files.map((f) => el('a', { href: `/console/api/cases/${c.id}/attachments/${f.id}` }, `${f.kind || (f.mimeType.startsWith('image/') ? 'photo' : 'file')} `));

  /** A request or an answer waiting for the supervision office, shown above the actions. */
  function waiting(c) {
    const cards = [];
    const r = c.pendingRequest;
    if (r) {
      const vars = { department: name(r.department), until: fmtDay(r.until), text: r.text, who: r.staffName, at: fmt(r.createdAt) };
      cards.push(el('div', { class: 'card waiting', id: 'pending-request' }, el('h3', {}, t('case.request')), el('p', {}, t(r.kind === 'extension' ? 'case.requestExtension' : 'case.requestHandback', vars))));
    }
    if (c.review) {
      cards.push(el('div', { class: 'card waiting', id: 'pending-review' }, el('h3', {}, t('case.review')), el('p', {}, c.review.note), el('p', {}, ...evidenceLinks(c, c.review.data?.evidence ?? []))));
    }
    return cards;
  }

  async function openCase(id) {
    show('case');
    const c = await api(`cases/${id}?lang=${state.lang}`);
    const attachments = c.submission?.attachments ?? [];
    $('#view-case').replaceChildren(el('div', { class: 'detail' },
      el('p', {}, el('a', { href: '#cases' }, t('case.back'))),
      el('h2', {}, `${c.number} · ${status(c.status)}`, c.overdueAt ? el('span', { class: 'flag' }, t('cases.overdue')) : null, c.supervisedAt ? el('span', { class: 'flag' }, t('cases.supervised')) : null),
      el('div', { class: 'card' }, el('dl', {},
        el('dt', {}, t('case.description')), el('dd', { id: 'case-description' }, c.description),
        el('dt', {}, t('col.topic')), el('dd', {}, topicName(c.topic)),
        el('dt', {}, t('case.place')), el('dd', {}, [c.region && name(c.region), c.placeText].filter(Boolean).join(' · ') || '—'),
        el('dt', {}, t('col.department')), el('dd', {}, name(c.department)),
        el('dt', {}, t('col.deadline')), el('dd', {}, fmtDay(c.deadline), c.returnedCount || c.extensionCount ? el('span', { class: 'hint' }, ' · ' + t('case.counts', { returned: c.returnedCount, extended: c.extensionCount })) : null),
        el('dt', {}, t('case.priority')), el('dd', { id: 'case-priority' }, t('priority.' + c.priority)),
        el('dt', {}, t('case.phone')), el('dd', {}, c.submission?.phone || '—'),
        el('dt', {}, t('case.linked')), el('dd', {}, [c.duplicateOf, ...c.duplicates].filter(Boolean).map((d) => el('a', { href: '#case/' + d.id }, d.number + ' ')).concat(c.duplicateOf || c.duplicates.length ? [] : ['—'])),
        c.project ? [el('dt', {}, t('case.project')), el('dd', {}, el('a', { id: 'case-project', href: '#projects/' + c.project.id }, `${c.project.code} ${c.project.title}`))] : null,
        el('dt', {}, t('case.attachments')), el('dd', {}, attachments.length ? attachments.map((a) => el('a', { href: `/console/api/cases/${c.id}/attachments/${a.id}` }, `${a.kind} (${Math.ceil(a.size / 1024)} KiB) `)) : '—'),
        c.evidence?.length ? [el('dt', {}, t('case.evidence')), el('dd', {}, ...evidenceLinks(c, c.evidence))] : null)),
      ...waiting(c),
      actionPanel(c),
      el('div', { class: 'card' }, el('h3', {}, t('case.timeline')), el('ol', { class: 'timeline' }, ...c.events.map((e) =>
        el('li', {}, el('time', {}, fmt(e.at)), el('strong', {}, e.text), ` · ${e.actorName}`, e.note && !e.text.includes(e.note) ? `\n${e.note}` : '')))),
    ));
    // Panels kept in files of their own (similar.js: past answers) add themselves to the case shown.
    document.dispatchEvent(new CustomEvent('desk:case', { detail: c }));
  }

  // ---- the supervision office's queue: answers to review, requests to decide ----
  async function loadRequests() {
    const { requests, reviews } = await api('requests');
    const caseLink = (c) => el('a', { href: '#case/' + c.id }, c.number);
    $('#view-requests').replaceChildren(el('div', { class: 'detail' },
      el('div', { class: 'card' }, el('h2', {}, t('requests.reviews')), el('ul', { class: 'list', id: 'review-queue' },
        ...(reviews.length ? reviews.map((r) => el('li', {}, caseLink(r), ` · ${name(r.department)} · ${r.topic || '—'}`, el('div', { class: 'meta' }, `${t('col.deadline')} ${fmtDay(r.deadline)} · ${fmt(r.updatedAt)}`)))
          : [el('li', { class: 'hint' }, t('requests.noReviews'))]))),
      el('div', { class: 'card' }, el('h2', {}, t('requests.title')), el('ul', { class: 'list', id: 'request-queue' },
        ...(requests.length ? requests.map((r) => el('li', {},
          el('strong', {}, t('requests.kind.' + r.kind)), ' ', caseLink(r.case),
          el('div', {}, t(r.kind === 'extension' ? 'case.requestExtension' : 'case.requestHandback', { department: name(r.staff.department), until: fmtDay(r.until), text: r.text, who: r.staff.displayName || r.staff.username, at: fmt(r.createdAt) }))))
          : [el('li', { class: 'hint' }, t('requests.empty'))]))),
    ));
  }

  // ---- dashboard ----
  // Each chart: a drawing with readable HTML labels and a legend (hidden from screen readers), and
  // the same numbers as a table for them (visually hidden). The figure is named by its caption.
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    for (const c of children) node.append(c);
    return node;
  }
  const legend = (...items) => el('ul', { class: 'legend' }, ...items.map(([cls, label]) => el('li', {}, el('span', { class: 'swatch ' + cls }), label)));
  const RECEIVED_CLOSED = () => [['received', t('dash.received')], ['closed', t('dash.closed')]];
  function table(caption, head, rows) {
    return el('table', { class: 'sr-only' }, el('caption', {}, caption),
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows.map(([first, ...rest]) => el('tr', {}, el('th', { scope: 'row' }, first), ...rest.map((v) => el('td', {}, String(v)))))));
  }
  const noData = () => el('p', { class: 'hint' }, t('dash.noData'));

  /** One row per label: received (grey-blue) with closed (red) over it, and the two numbers in words. */
  function bars(rows, caption, column) {
    if (!rows.length) return [noData()];
    const max = Math.max(1, ...rows.map((r) => r.received));
    const drawing = el('div', { class: 'bars', 'aria-hidden': 'true' }, ...rows.map((r) => el('div', { class: 'bar-row' },
      el('span', { class: 'bar-label' }, r.label),
      svg('svg', { class: 'meter', viewBox: '0 0 100 10', preserveAspectRatio: 'none' },
        svg('rect', { class: 'received', x: 0, y: 0, width: (r.received / max) * 100, height: 10 }),
        svg('rect', { class: 'closed', x: 0, y: 0, width: (r.closed / max) * 100, height: 10 })),
      el('span', { class: 'bar-value' }, t('dash.barValue', r)))));
    return [el('div', { 'aria-hidden': 'true' }, legend(...RECEIVED_CLOSED())), drawing,
      table(caption, [column, t('dash.received'), t('dash.closed')], rows.map((r) => [r.label, r.received, r.closed]))];
  }

  /** Two lines over the days: received and closed. */
  function lines(days, caption) {
    if (!days.length) return [noData()];
    const w = 400, h = 120, max = Math.max(1, ...days.flatMap((d) => [d.received, d.closed]));
    const x = (i) => (i / Math.max(1, days.length - 1)) * w;
    const y = (v) => h - 2 - (v / max) * (h - 4);
    const path = (key) => days.map((d, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(d[key]).toFixed(1)}`).join(' ');
    const drawing = el('div', { class: 'lines', 'aria-hidden': 'true' },
      el('span', { class: 'axis-max' }, String(max)),
      svg('svg', { viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: 'none' },
        svg('path', { class: 'received', d: path('received'), 'vector-effect': 'non-scaling-stroke' }),
        svg('path', { class: 'closed', d: path('closed'), 'vector-effect': 'non-scaling-stroke' })),
      el('span', { class: 'axis-days' }, el('span', {}, days[0].day), el('span', {}, days.at(-1).day)));
    return [el('div', { 'aria-hidden': 'true' }, legend(...RECEIVED_CLOSED())), drawing,
      table(caption, [t('dash.day'), t('dash.received'), t('dash.closed')], days.map((d) => [d.day, d.received, d.closed]))];
  }

  /** Satisfaction as one stacked bar, its parts named in the legend with their counts. */
  function stack(parts, caption) {
    const total = parts.reduce((s, p) => s + p.value, 0);
    if (total === 0) return [noData()];
    let x = 0;
    const bar = svg('svg', { class: 'meter', viewBox: '0 0 100 10', preserveAspectRatio: 'none' }, ...parts.map((p) => {
      const rect = svg('rect', { class: p.cls, x, y: 0, width: (p.value / total) * 100, height: 10 });
      x += (p.value / total) * 100;
      return rect;
    }));
    return [el('div', { class: 'stack', 'aria-hidden': 'true' }, bar, legend(...parts.map((p) => [p.cls, t('dash.satValue', p)]))),
      table(caption, [t('col.status'), t('dash.count')], parts.map((p) => [p.label, p.value]))];
  }

  async function loadDashboard() {
    const range = new FormData($('#dash-range'));
    const d = await api(`dashboard?from=${range.get('from')}&to=${range.get('to')}&lang=${state.lang}`);
    $('#dash-summary').textContent = d.summary;
    $('#dash-cards').replaceChildren(...['received', 'valid', 'closed', 'inProgress', 'overdue', 'satisfaction'].map((k) =>
      el('div', { class: 'card' }, el('span', {}, t('dash.' + k)), el('strong', {}, k === 'satisfaction' ? (d.cards.satisfactionRate === null ? '—' : `${Math.round(d.cards.satisfactionRate * 100)}%`) : String(d.cards[k])))));
    const caption = (id) => $(`#${id}`).closest('figure').querySelector('figcaption').textContent;
    $('#chart-days').replaceChildren(...lines(d.daily, caption('chart-days')));
    $('#chart-topics').replaceChildren(...bars(d.byTopic.map((r) => ({ ...r, label: topicName(r.key) })), caption('chart-topics'), t('col.topic')));
    $('#chart-regions').replaceChildren(...bars(d.byRegion.map((r) => ({ ...r, label: regionName(r.key, r.label) })), caption('chart-regions'), t('col.region')));
    $('#chart-satisfaction').replaceChildren(...stack(['satisfied', 'basic', 'unsatisfied'].map((k) => ({ cls: 'sat-' + k, label: STRINGS[state.lang]['sat.' + k], value: d.satisfaction[k] })), caption('chart-satisfaction')));
    $('#hotspots').replaceChildren(...(d.hotspots.length ? d.hotspots.map((h) => el('li', {},
      el('strong', {}, `${topicName(h.topic)} · ${h.count}`), el('div', {}, h.description), el('div', { class: 'meta' }, h.regions.map((r) => regionName(r.code, r.name)).join(state.lang === 'en' ? ', ' : '、') + ' · ' + h.caseNumbers.join(' ')))) : [el('li', { class: 'hint' }, t('dash.noHotspots'))]));
    // Pages in their own files add to the figures (projects.js: its card, a button on each hot spot).
    document.dispatchEvent(new CustomEvent('desk:dashboard', { detail: d }));
  }

  // ---- administration ----
  async function loadAdmin() {
    // The FAQ editor (faq.js) loads its own part of the page.
    document.dispatchEvent(new CustomEvent('desk:admin', { detail: { csrf: state.csrf, lang: state.lang } }));
    const { staff } = await api('admin/staff');
    $('#staff-table thead tr').replaceChildren(...['username', 'name', 'role', 'department', 'action'].map((c) => el('th', { scope: 'col' }, t('admin.col.' + c))));
    $('#staff-table tbody').replaceChildren(...staff.map((s) => el('tr', {},
      el('td', {}, s.username), el('td', {}, s.displayName || ''), el('td', {}, t('role.' + s.role)), el('td', {}, s.department ? name(s.department) : '—'),
      el('td', {}, s.id === state.staff.id ? '' : el('button', { type: 'button', onclick: async () => {
        await api('admin/staff/' + s.id, { method: 'POST', body: { disabled: !s.disabled } }).catch(failed);
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
      // Wrong password, locked for this address (423), too many tries from this address (429): the server says which.
      notice(t('loginFailed', { reason: err.message }));
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
  $('#chat-link-check').addEventListener('click', () => checkChatLink().catch(failed));
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
    $('#routing-result').textContent = res.ok ? t('admin.imported', { count: data.imported }) : [refusal(data) ?? data.error, ...(data.errors ?? []).map((x) => t('admin.routingLine', x))].join('\n');
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
    } catch (err) { failed(err); }
  });
  window.addEventListener('hashchange', route);

  applyTexts();
  api('me').then(signedIn, showLogin);
})();
