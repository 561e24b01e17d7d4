// 专项督查 (举一反三): supervision projects. The list (one line each, with its progress bar and an
// overdue mark), a project's page with its cases, the form that opens one (prefilled from a hot
// spot of the figures view), and the projects' card on that view. Uses desk.js's helpers (window.Desk).
(() => {
  'use strict';
  const $ = (sel) => document.querySelector(sel);
  const section = () => $('#view-projects');
  const office = () => ['admin', 'supervisor'].includes(window.Desk.state.staff?.role);
  // What a hot spot's button or the cases picked in the case list hand to the form.
  let draft = null;
  const picked = new Set();

  const failed = (err) => window.Desk.notice(window.Desk.t('error', { reason: err.message }));
  const numbers = (text) => text.split(/[\s,，、]+/).map((n) => n.trim()).filter(Boolean);

  /** The share of finished cases, as a bar and in words. */
  function progress(p) {
    const { t, el } = window.Desk;
    return el('span', { class: 'progress' },
      el('progress', { max: '100', value: String(p.progress.percent), 'aria-label': t('projects.progressLabel', { code: p.code }) }),
      ' ', t('projects.progress', p.progress),
      p.progress.overdueCases ? el('span', { class: 'hint' }, ' · ' + t('projects.overdueCases', { count: p.progress.overdueCases })) : null);
  }

  const flags = (p) => {
    const { t, el } = window.Desk;
    return [
      p.overdue ? el('span', { class: 'flag project-overdue' }, t('projects.overdue')) : null,
      el('span', { class: 'hint' }, ' ' + t('projects.status.' + p.status)),
    ];
  };

  function line(p) {
    const { el, name, t } = window.Desk;
    return el('li', { class: 'project', 'data-id': p.id },
      el('a', { href: '#projects/' + p.id }, el('strong', {}, `${p.code} ${p.title}`)), ' ', ...flags(p),
      el('div', { class: 'meta' }, `${name(p.department)} · ${t('projects.deadline')} ${p.deadline}`),
      progress(p));
  }

  function openForm(prefill) {
    const { el, t, name, api, notice, state } = window.Desk;
    const field = (label, control) => el('label', { class: 'field' }, el('span', {}, t(label)), control);
    const title = el('input', { name: 'title', required: true, maxlength: '200', value: prefill?.title ?? '' });
    const reason = el('textarea', { name: 'reason', rows: '3', required: true, maxlength: '2000' });
    reason.value = prefill?.reason ?? '';
    const department = el('select', { name: 'departmentId', required: true },
      el('option', { value: '' }, '—'), ...state.catalog.departments.map((d) => el('option', { value: d.id }, name(d))));
    const deadline = el('input', { name: 'deadline', type: 'date', required: true });
    const cases = el('textarea', { name: 'caseNumbers', rows: '3', required: true });
    cases.value = (prefill?.caseNumbers ?? []).join(' ');
    return el('details', { class: 'card', open: prefill ? true : null },
      el('summary', {}, t('projects.new')),
      el('form', { id: 'project-form', class: 'detail', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const opened = await api('projects', { method: 'POST', body: { title: title.value, reason: reason.value, departmentId: department.value, deadline: deadline.value, caseNumbers: numbers(cases.value) } });
          draft = null;
          picked.clear();
          notice(t('projects.opened', { code: opened.code }));
          location.hash = 'projects/' + opened.id;
        } catch (err) { failed(err); }
      } },
      field('projects.name', title), field('projects.reason', reason), field('projects.department', department),
      field('projects.deadline', deadline), field('projects.caseNumbers', cases),
      el('button', { type: 'submit', class: 'primary' }, t('projects.open'))));
  }

  /** Every open project and the newest closed ones; older closed ones a page at a time. */
  async function loadList(prefill) {
    const { api, el, t } = window.Desk;
    const { projects, more } = await api('projects');
    const list = el('ul', { class: 'list', id: 'project-list' }, ...(projects.length ? projects.map(line) : [el('li', { class: 'hint' }, t('projects.none'))]));
    const moreButton = (from) => {
      if (from === null) return null;
      const button = el('button', { type: 'button', id: 'projects-more', onclick: async () => {
        try {
          const page = await api('projects?closedBefore=' + from);
          list.append(...page.projects.map(line));
          button.replaceWith(moreButton(page.more) ?? '');
        } catch (err) { failed(err); }
      } }, t('projects.more'));
      return button;
    };
    section().replaceChildren(el('div', { class: 'detail' },
      el('h2', {}, t('nav.projects')),
      office() ? openForm(prefill) : null,
      list, moreButton(more)));
    if (prefill) $('#project-form [name=deadline]').focus();
  }

  async function loadProject(id) {
    const { api, el, t, name, notice } = window.Desk;
    const p = await api('projects/' + id);
    const change = (path, body, done) => async (e) => {
      e?.preventDefault();
      try {
        await api(`projects/${id}/${path}`, { method: 'POST', body });
        if (done) notice(done);
        await loadProject(id);
      } catch (err) { failed(err); }
    };
    const editable = office() && p.status === 'open';
    const adding = el('input', { name: 'add', 'aria-label': t('projects.caseNumbers') });
    const note = el('textarea', { name: 'note', rows: '2', 'aria-label': t('projects.closeNote'), placeholder: t('projects.closeNote') });
    section().replaceChildren(el('div', { class: 'detail', id: 'project' },
      el('p', {}, el('a', { href: '#projects' }, t('projects.back'))),
      el('h2', {}, `${p.code} ${p.title} `, ...flags(p)),
      el('div', { class: 'card' }, el('dl', {},
        el('dt', {}, t('projects.reason')), el('dd', {}, p.reason),
        el('dt', {}, t('projects.department')), el('dd', {}, name(p.department)),
        el('dt', {}, t('projects.deadline')), el('dd', {}, p.deadline),
        el('dt', {}, t('projects.createdBy')), el('dd', {}, p.createdBy),
        p.closeNote ? [el('dt', {}, t('projects.close')), el('dd', {}, p.closeNote)] : null),
      progress(p)),
      el('div', { class: 'card' }, el('h3', {}, t('projects.cases')),
        el('div', { class: 'table-wrap' }, el('table', { id: 'project-cases' },
          el('thead', {}, el('tr', {}, ...['number', 'status', 'department', 'deadline'].map((c) => el('th', { scope: 'col' }, t('col.' + c))), editable ? el('th', { scope: 'col' }, t('admin.col.action')) : null)),
          el('tbody', {}, ...p.cases.map((c) => el('tr', {},
            el('td', {}, el('a', { href: '#case/' + c.id }, c.number)),
            el('td', {}, t('status.' + c.status), c.overdueAt ? el('span', { class: 'flag' }, t('cases.overdue')) : null),
            el('td', {}, name(c.department)),
            el('td', {}, c.deadline ? c.deadline.slice(0, 10) : '—'),
            editable ? el('td', {}, el('button', { type: 'button', onclick: change('cases', { remove: [c.number] }) }, t('projects.remove'))) : null))))),
        editable ? el('form', { class: 'row', id: 'project-add', onsubmit: (e) => change('cases', { add: numbers(adding.value) })(e) }, adding, el('button', { type: 'submit' }, t('projects.add'))) : null),
      editable ? el('form', { class: 'card detail', id: 'project-close', onsubmit: (e) => change('close', note.value.trim() ? { note: note.value.trim() } : {}, t('projects.closedNotice', { code: p.code }))(e) },
        note, el('button', { type: 'submit' }, t('projects.close'))) : null));
  }

  function route() {
    const [, id] = location.hash.slice(1).split('/');
    const shown = id === 'new' ? loadList(draft) : id ? loadProject(id) : loadList(null);
    shown.catch(failed);
  }

  // The figures view: the projects' card, and a button on each hot spot that opens the form with its cases.
  document.addEventListener('desk:dashboard', (e) => {
    const { el, t, name, state } = window.Desk;
    const d = e.detail;
    $('#dash-cards').append(el('div', { class: 'card', id: 'projects-card' }, el('span', {}, t('dash.projects')), el('strong', {}, t('dash.projectsValue', d.projects))));
    if (!office()) return;
    [...document.querySelectorAll('#hotspots > li')].forEach((item, i) => {
      const h = d.hotspots[i];
      if (!h) return;
      const topic = name(state.catalog.topics.find((x) => x.name === h.topic) ?? { name: h.topic });
      item.append(el('button', { type: 'button', class: 'open-project', onclick: () => {
        draft = { title: t('projects.defaultTitle', { topic }), reason: h.description, caseNumbers: h.caseNumbers };
        location.hash = 'projects/new';
      } }, t('projects.fromHotspot')));
    });
  });

  // The case list: the office picks cases (kept across its pages) and opens a project with them.
  document.addEventListener('desk:cases', (e) => {
    if (!office()) return;
    const { el, t } = window.Desk;
    const button = $('#cases-to-project') ?? el('button', { type: 'button', id: 'cases-to-project', onclick: () => {
      draft = { caseNumbers: [...picked] };
      location.hash = 'projects/new';
    } });
    const count = () => {
      button.textContent = t('projects.fromPicked', { count: picked.size });
      button.disabled = picked.size === 0;
    };
    $('#case-total').after(button);
    count();
    if (!e.detail.cases.length) return;
    $('#case-table thead tr').append(el('th', { scope: 'col' }, t('projects.pick')));
    [...document.querySelectorAll('#case-table tbody tr')].forEach((row, i) => {
      const number = e.detail.cases[i].number;
      const box = el('input', { type: 'checkbox', 'aria-label': t('projects.pickCase', { number }), checked: picked.has(number), onchange: () => {
        if (box.checked) picked.add(number);
        else picked.delete(number);
        count();
      } });
      // The row opens the case; ticking the box does not.
      row.append(el('td', { class: 'pick', onclick: (ev) => ev.stopPropagation() }, box));
    });
  });

  document.addEventListener('desk:show', (e) => { if (e.detail === 'projects') route(); });
})();
