// The departments' ranking on the three rates (响应率, 解决率, 满意率), for the supervision office:
// a chart with a legend and a text alternative, the table, the definitions and the Excel export.
// Uses desk.js's helpers (window.Desk).
(() => {
  'use strict';
  const $ = (sel) => document.querySelector(sel);
  const SVG = 'http://www.w3.org/2000/svg';
  // Colours told apart also without colour vision: the legend names them, the table repeats the values.
  const SERIES = [
    { key: 'responseRate', color: '#1d4ed8' },
    { key: 'resolutionRate', color: '#b42318' },
    { key: 'satisfactionRate', color: '#1f7a4d' },
  ];
  const COLUMNS = ['rank', 'cases', 'responseRate', 'resolutionRate', 'satisfactionRate', 'averageHandlingHours', 'extensions', 'returns'];
  const pct = (r) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);

  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    for (const c of children) node.append(c);
    return node;
  }

  /** Three bars per department (0-100%), each group with its values in words for screen readers. */
  function chart(departments, labels) {
    const { t, name } = window.Desk;
    const group = 3 * 14 + 12;
    const chartNode = svg('svg', { viewBox: `0 0 520 ${departments.length * group + 24}`, width: '100%', role: 'img', 'aria-labelledby': 'ranking-caption', 'aria-describedby': 'ranking-table' });
    departments.forEach((d, i) => {
      const y = i * group + 4;
      const alt = t('ranking.chartAlt', { department: name(d), response: pct(d.responseRate), resolution: pct(d.resolutionRate), satisfaction: pct(d.satisfactionRate) });
      const g = svg('g', {}, svg('title', {}, alt), svg('text', { x: 0, y: y + 26, 'font-size': 13 }, name(d).slice(0, 12)));
      SERIES.forEach((s, j) => {
        const value = d[s.key];
        const by = y + j * 14;
        g.append(svg('rect', { x: 170, y: by, width: value === null ? 0 : value * 290, height: 11, fill: s.color }),
          svg('text', { x: 174 + (value ?? 0) * 290, y: by + 10, 'font-size': 11 }, `${labels.get(s.key)} ${pct(value)}`));
      });
      chartNode.append(g);
    });
    chartNode.setAttribute('aria-roledescription', 'chart');
    return chartNode;
  }

  function thisMonth() {
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    return { from: today.slice(0, 8) + '01', to: today };
  }

  async function load() {
    const { api, t, el, name, state } = window.Desk;
    const form = $('#ranking-range');
    const month = thisMonth();
    if (!form.elements.from.value) form.elements.from.value = month.from;
    if (!form.elements.to.value) form.elements.to.value = month.to;
    const query = `from=${form.elements.from.value}&to=${form.elements.to.value}&lang=${state.lang}`;
    $('#ranking-export').href = `/console/api/ranking.xlsx?${query}`;
    const data = await api(`ranking?${query}`);
    const labels = new Map(data.definitions.map((d) => [d.key, d.label]));
    $('#ranking-legend').replaceChildren(...SERIES.map((s) => el('li', {}, el('span', { class: 'swatch', style: undefined, 'data-color': s.color }), labels.get(s.key))));
    for (const swatch of document.querySelectorAll('#ranking-legend .swatch')) swatch.style.background = swatch.dataset.color;
    $('#ranking-chart').replaceChildren(data.departments.length ? chart(data.departments, labels) : el('p', { class: 'hint' }, t('ranking.none')));
    $('#ranking-table thead').replaceChildren(el('tr', {}, el('th', { scope: 'col' }, labels.get('rank')), el('th', { scope: 'col' }, t('admin.department')), ...COLUMNS.slice(1).map((c) => el('th', { scope: 'col' }, labels.get(c)))));
    $('#ranking-table tbody').replaceChildren(...data.departments.map((d) => el('tr', {},
      el('td', {}, String(d.rank)), el('th', { scope: 'row' }, name(d)), el('td', {}, String(d.cases)),
      ...SERIES.map((s) => el('td', {}, pct(d[s.key]))),
      el('td', {}, d.averageHandlingHours === null ? '—' : d.averageHandlingHours.toFixed(1)), el('td', {}, String(d.extensions)), el('td', {}, String(d.returns)))));
    $('#ranking-definitions').replaceChildren(...data.definitions.flatMap((d) => [el('dt', {}, d.label), el('dd', {}, d.text)]));
  }

  document.addEventListener('desk:show', (e) => {
    const role = window.Desk.state.staff?.role;
    $('#ranking-link').hidden = role !== 'admin' && role !== 'supervisor';
    if (e.detail === 'ranking') load().catch((err) => window.Desk.notice(window.Desk.t('error', { reason: err.message })));
  });
  $('#ranking-range').addEventListener('submit', (e) => { e.preventDefault(); load(); });
})();
