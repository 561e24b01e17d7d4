// Reply templates: their own page for the supervision office and admins (list by topic and kind,
// create, edit, delete, a live preview with sample values), and a picker in the case's action forms
// that fills the text in from the case. Uses desk.js's helpers (window.Desk).
(() => {
  'use strict';
  const KINDS = ['acceptance', 'info_request', 'answer'];
  // The filter's value for the templates kept for every topic (a topic has no such name).
  const EVERY_TOPIC = '*';
  const $ = (sel) => document.querySelector(sel);
  const { el, t, api, notice, name, state } = window.Desk;
  const mayEdit = () => state.staff?.role === 'admin' || state.staff?.role === 'supervisor';
  const topicLabel = (topic) => (topic ? name(state.catalog?.topics.find((x) => x.name === topic) ?? { name: topic }) : t('templates.allTopics'));
  const options = (select, list, value) => {
    select.replaceChildren(...list.map(([v, label]) => el('option', { value: v }, label)));
    select.value = value;
  };
  let templates = [];

  // ---- the page (built here; desk.js translates its data-t texts) ----
  const filter = el('form', { id: 'templates-filter', class: 'filters' },
    el('select', { name: 'topic', 'data-t-label': 'col.topic' }), el('select', { name: 'kind', 'data-t-label': 'templates.kind' }));
  const preview = el('p', { id: 'template-preview', class: 'card', 'aria-live': 'polite' });
  const form = el('form', { id: 'template-form', class: 'detail' },
    el('input', { type: 'hidden', name: 'id' }),
    el('label', {}, el('span', { 'data-t': 'col.topic' }), ' ', el('select', { name: 'topic' })),
    el('label', {}, el('span', { 'data-t': 'templates.kind' }), ' ', el('select', { name: 'kind' })),
    el('label', {}, el('span', { 'data-t': 'templates.title' }), ' ', el('input', { name: 'title', required: true, maxlength: '50' })),
    el('label', {}, el('span', { 'data-t': 'templates.body' }), ' ', el('textarea', { name: 'body', rows: '5', required: true, maxlength: '2000' })),
    el('div', {}, el('strong', { 'data-t': 'templates.preview' }), preview),
    el('div', { class: 'row' }, el('button', { type: 'submit', class: 'primary', 'data-t': 'templates.save' }), el('button', { type: 'reset', 'data-t': 'templates.new' })));
  $('main').append(el('section', { id: 'view-templates', class: 'view detail', 'data-plugin': true, hidden: true },
    el('div', { class: 'card' }, el('h2', { 'data-t': 'nav.templates' }), el('p', { class: 'hint', 'data-t': 'templates.hint' }),
      el('p', { class: 'hint', id: 'template-placeholders', 'data-t': 'templates.placeholders' }), filter,
      el('div', { class: 'table-wrap' }, el('table', { id: 'templates-table' }, el('thead'), el('tbody')))),
    el('div', { class: 'card' }, form)));

  function fillChoices() {
    const topics = (state.catalog?.topics ?? []).map((x) => [x.name, name(x)]);
    const kinds = KINDS.map((k) => [k, t('templates.kind.' + k)]);
    options(filter.elements.topic, [['', t('col.topic') + ' · ' + t('cases.any')], [EVERY_TOPIC, t('templates.allTopics')], ...topics], filter.elements.topic.value);
    options(filter.elements.kind, [['', t('templates.kind') + ' · ' + t('cases.any')], ...kinds], filter.elements.kind.value);
    options(form.elements.topic, [['', t('templates.allTopics')], ...topics], form.elements.topic.value);
    options(form.elements.kind, kinds, form.elements.kind.value || KINDS[0]);
  }

  function draw() {
    const topic = filter.elements.topic.value;
    const kind = filter.elements.kind.value;
    const shown = templates.filter((x) => (!topic || (x.topic ?? EVERY_TOPIC) === topic) && (!kind || x.kind === kind));
    $('#templates-table thead').replaceChildren(el('tr', {}, ...['col.topic', 'templates.kind', 'templates.title', 'templates.body', 'templates.actions'].map((k) => el('th', { scope: 'col' }, t(k)))));
    $('#templates-table tbody').replaceChildren(...(shown.length ? shown.map((x) => el('tr', { 'data-id': x.id },
      el('td', {}, topicLabel(x.topic)), el('td', {}, t('templates.kind.' + x.kind)), el('td', {}, x.title), el('td', {}, x.body),
      el('td', {}, el('button', { type: 'button', onclick: () => edit(x) }, t('templates.edit')), ' ',
        el('button', { type: 'button', onclick: () => remove(x) }, t('templates.remove')))))
      : [el('tr', {}, el('td', { colspan: 5 }, t('templates.none')))]));
  }

  async function load() {
    fillChoices();
    ({ templates } = await api('admin/templates'));
    draw();
  }

  function edit(x) {
    form.elements.id.value = x?.id ?? '';
    form.elements.topic.value = x?.topic ?? '';
    form.elements.kind.value = x?.kind ?? KINDS[0];
    form.elements.title.value = x?.title ?? '';
    form.elements.body.value = x?.body ?? '';
    showPreview();
    if (x) form.elements.title.focus();
  }

  async function remove(x) {
    if (!window.confirm(t('templates.confirmRemove', { title: x.title }))) return;
    try {
      await api('admin/templates/' + x.id, { method: 'DELETE' });
      notice(t('templates.removed'));
      if (form.elements.id.value === x.id) edit(null);
      await load();
    } catch (err) { notice(t('error', { reason: err.message })); }
  }

  // The preview follows the typing (a moment after it stops): sample values, or why it cannot be saved.
  let pending = 0;
  function showPreview() {
    clearTimeout(pending);
    const body = form.elements.body.value;
    if (!body.trim()) { preview.textContent = ''; return; }
    pending = setTimeout(async () => {
      try {
        const { text } = await api('admin/templates/preview', { method: 'POST', body: { body } });
        if (form.elements.body.value === body) preview.textContent = text;
      } catch (err) {
        if (form.elements.body.value === body) preview.textContent = err.message;
      }
    }, 250);
  }
  form.elements.body.addEventListener('input', showPreview);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = form.elements.id.value;
    const body = { topic: form.elements.topic.value || null, kind: form.elements.kind.value, title: form.elements.title.value, body: form.elements.body.value };
    try {
      await api('admin/templates' + (id ? '/' + id : ''), { method: id ? 'PUT' : 'POST', body });
      notice(t('templates.saved'));
      edit(null);
      await load();
    } catch (err) { notice(t('error', { reason: err.message })); }
  });
  form.addEventListener('reset', () => setTimeout(() => edit(null)));
  filter.addEventListener('change', draw);

  document.addEventListener('desk:show', (e) => {
    $('#templates-link').hidden = !mayEdit();
    if (e.detail === 'templates' && mayEdit()) load().catch((err) => notice(t('error', { reason: err.message })));
  });

  // ---- the picker in a case's action forms: the templates that fill this action's text ----
  document.addEventListener('desk:action-form', async (e) => {
    const { action, case: c, form: actionForm } = e.detail;
    const box = actionForm.querySelector('textarea[name=text]');
    if (!box) return;
    const fitting = (await api(`cases/${c.id}/templates`).catch(() => ({ templates: [] }))).templates.filter((x) => x.actions.includes(action));
    if (!fitting.length) return;
    const picker = el('select', { id: 'template-pick', onchange: () => {
      const chosen = fitting.find((x) => x.id === picker.value);
      if (chosen) box.value = chosen.text;
    } }, el('option', { value: '' }, t('templates.pickNone')),
    ...fitting.map((x) => el('option', { value: x.id }, `${x.title}${x.topic ? ' · ' + topicLabel(x.topic) : ''}`)));
    box.closest('label').before(el('label', { class: 'field', for: 'template-pick' }, el('span', {}, t('templates.pick')), picker));
  });
})();
