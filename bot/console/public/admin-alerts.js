// The administration page's department alerts: WeCom and DingTalk robots and e-mail per department
// (PUT /console/api/admin/departments/:code). Uses desk.js's helpers (window.Desk).
(() => {
  'use strict';
  const KINDS = ['wecom', 'dingtalk', 'email'];
  const $ = (sel) => document.querySelector(sel);
  let departments = [];

  /** One contact as a row of fields; its id keeps the stored secrets the masked values stand for. */
  function contactRow(contact) {
    const { el, t } = window.Desk;
    const kind = el('select', { name: 'kind', 'aria-label': t('admin.alertKind') }, ...KINDS.map((k) => el('option', { value: k, selected: k === contact.kind }, t('alertKind.' + k))));
    const url = el('input', { name: 'url', value: contact.url ?? '', 'aria-label': t('admin.alertUrl'), placeholder: t('admin.alertUrl') });
    const secret = el('input', { name: 'secret', value: contact.secret ?? '', 'aria-label': t('admin.alertSecret'), placeholder: t('admin.alertSecret'), autocomplete: 'off' });
    const to = el('input', { name: 'to', value: (contact.to ?? []).join(', '), 'aria-label': t('admin.alertTo'), placeholder: t('admin.alertTo') });
    const row = el('li', { class: 'alert-contact', 'data-id': contact.id ?? '' }, kind, url, secret, to,
      el('button', { type: 'button', onclick: () => row.remove() }, t('admin.alertRemove')));
    const fit = () => {
      url.hidden = kind.value === 'email';
      secret.hidden = kind.value !== 'dingtalk';
      to.hidden = kind.value !== 'email';
    };
    kind.addEventListener('change', fit);
    fit();
    return row;
  }

  function readRows() {
    return [...document.querySelectorAll('#alerts-list li.alert-contact')].map((row) => {
      const field = (n) => row.querySelector(`[name=${n}]`).value.trim();
      const kind = field('kind');
      const id = row.dataset.id || undefined;
      if (kind === 'email') return { id, kind, to: field('to').split(/[,，;\s]+/).filter(Boolean) };
      if (kind === 'wecom') return { id, kind, url: field('url') };
      return { id, kind, url: field('url'), secret: field('secret') || undefined };
    });
  }

  /** A department in the list of departments, with how many contacts it has. */
  const optionLabel = (d, contacts) => `${window.Desk.name(d)} (${d.code})${contacts ? ' · ' + contacts : ''}`;

  /** A department's contacts and digest in the form, and its count in the list of departments. */
  function showContacts(d) {
    const { t, el } = window.Desk;
    $('#alerts-list').replaceChildren(...(d.alerts.length ? d.alerts.map(contactRow) : [el('li', { class: 'hint' }, t('admin.alertNone'))]));
    $('#alerts-form').elements.digest.checked = d.digest;
    const option = [...$('#alerts-department').options].find((o) => o.value === d.code);
    if (option) option.textContent = optionLabel(d, d.alerts.length);
  }

  let asked = 0;
  async function showDepartment(code) {
    const { api } = window.Desk;
    // Emptied at once, and a slower answer for a department chosen before is dropped: it would put
    // that department's contacts under this one, and saving would give them to this one.
    const ask = ++asked;
    $('#alerts-list').replaceChildren();
    const d = await api('admin/departments/' + encodeURIComponent(code));
    if (ask === asked) showContacts(d);
  }

  async function load() {
    const { api, el } = window.Desk;
    const select = $('#alerts-department');
    const chosen = select.value;
    ({ departments } = await api('admin/departments'));
    select.replaceChildren(...departments.map((d) => el('option', { value: d.code, selected: d.code === chosen }, optionLabel(d, d.alerts))));
    if (departments.length) await showDepartment(select.value);
  }

  document.addEventListener('desk:show', (e) => {
    if (e.detail === 'admin' && window.Desk.state.staff?.role === 'admin') load().catch((err) => window.Desk.notice(window.Desk.t('error', { reason: err.message })));
  });
  $('#alerts-department').addEventListener('change', (e) => showDepartment(e.target.value));
  $('#alerts-add').addEventListener('click', () => {
    $('#alerts-list .hint')?.remove();
    $('#alerts-list').append(contactRow({ kind: 'wecom' }));
  });
  $('#alerts-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const { api, t, notice } = window.Desk;
    const code = $('#alerts-department').value;
    try {
      const saved = await api('admin/departments/' + encodeURIComponent(code), { method: 'PUT', body: { alerts: readRows(), digest: e.target.elements.digest.checked } });
      // The answer is what is stored: shown before the notice, and no reload after it replaces a
      // contact the admin starts adding meanwhile. A department chosen since keeps its own list.
      if (code === $('#alerts-department').value) {
        asked++;
        showContacts(saved);
      }
      notice(t('admin.alertSaved', { count: saved.alerts.length }));
    } catch (err) {
      notice(t('error', { reason: err.message }));
    }
  });
})();
