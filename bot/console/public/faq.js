// The FAQ editor on the admin page: list, edit, add, delete, CSV upload, the unanswered count and the questions most often left unanswered.
// desk.js announces the admin page with the 'desk:admin' event (the CSRF token and the language).
(() => {
  'use strict';
  const STRINGS = JSON.parse(document.getElementById('desk-strings').textContent);
  const $ = (sel) => document.querySelector(sel);
  let csrf = '';
  let lang = 'zh';
  const t = (key, vars = {}) => (STRINGS[lang][key] ?? key).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

  async function call(method, path, body, type = 'application/json') {
    const res = await fetch('/console/api/admin/faq' + path, {
      method,
      headers: { 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': type }) },
      body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(data.error || data.title || res.statusText), { data });
    return data;
  }

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  }

  function button(label, onclick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', onclick);
    return b;
  }

  function say(text) {
    $('#faq-result').textContent = text;
  }

  function fill(entry) {
    const form = $('#faq-form');
    for (const name of ['id', 'questionZh', 'answerZh', 'questionEn', 'answerEn']) form.elements[name].value = entry?.[name] ?? '';
    form.elements.questionZh.focus();
  }

  // The unanswered questions asked most often: what the office should write answers for.
  function showFrequent({ days, frequent }) {
    let box = $('#faq-frequent');
    if (!box) {
      box = document.createElement('div');
      box.id = 'faq-frequent';
      $('#faq-asked').after(box);
    }
    const intro = document.createElement('p');
    intro.textContent = t(frequent.length ? 'faq.frequent' : 'faq.noFrequent', { days });
    const list = document.createElement('ol');
    for (const f of frequent) {
      const item = document.createElement('li');
      item.textContent = t('faq.frequentItem', f);
      list.append(item);
    }
    box.replaceChildren(intro, ...(frequent.length ? [list] : []));
  }

  async function load() {
    const { entries, asked } = await call('GET', '');
    $('#faq-asked').textContent = t('faq.asked', { ...asked, unanswered: asked.unmatched + asked.notHelped });
    showFrequent(asked);
    const rows = entries.map((e) => {
      const tr = document.createElement('tr');
      const actions = document.createElement('td');
      actions.append(button(t('faq.edit'), () => fill(e)), ' ', button(t('faq.remove'), () => call('DELETE', '/' + e.id).then(load, (err) => say(err.message))));
      tr.append(cell(e.questionZh), cell(e.answerZh), actions);
      return tr;
    });
    $('#faq-table tbody').replaceChildren(...rows);
  }

  $('#faq-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const body = Object.fromEntries(['questionZh', 'answerZh', 'questionEn', 'answerEn'].map((n) => [n, form.elements[n].value]));
    const id = form.elements.id.value;
    try {
      await (id ? call('PUT', '/' + id, body) : call('POST', '', body));
      fill(null);
      say(t('faq.saved'));
      await load();
    } catch (err) {
      say(t('error', { reason: err.message }));
    }
  });
  $('#faq-form').addEventListener('reset', () => setTimeout(() => fill(null)));

  $('#faq-import').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = ev.target.elements.file.files[0];
    if (!file) return;
    try {
      const { imported } = await call('POST', '/import', await file.text(), 'text/csv');
      say(t('faq.imported', { count: imported }));
      await load();
    } catch (err) {
      say([err.message, ...(err.data?.errors ?? []).map((x) => (x.row ? t('faq.row', x) : x.message))].join('\n'));
    }
  });

  document.addEventListener('desk:admin', (ev) => {
    ({ csrf, lang } = ev.detail);
    load().catch((err) => say(t('error', { reason: err.message })));
  });
})();
