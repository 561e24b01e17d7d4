// The administration page's topic model: the figures of the model bots use (F1 per topic on the
// cases staff corrected last), the history of retrainings, and the retrain button
// (GET /console/api/admin/model, POST /console/api/admin/model/retrain). Uses desk.js's helpers (window.Desk).
(() => {
  'use strict';
  const $ = (sel) => document.querySelector(sel);
  const POLL_MS = 2000;
  let polling = null;

  const pct = (x) => (typeof x === 'number' ? (100 * x).toFixed(1) + '%' : '—');
  const when = (iso) => new Date(iso).toLocaleString(window.Desk.state.lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  const topic = (label) => window.Desk.name(window.Desk.state.catalog?.topics.find((x) => x.name === label) ?? { name: label });

  function summary(model) {
    const { t } = window.Desk;
    if (!model) return t('model.shipped');
    const on = model.trainedOn;
    return t('model.summary', { at: when(model.createdAt), by: model.createdBy, macroF1: pct(model.figures.macroF1), n: model.figures.n, corpus: on.corpus, cases: on.cases, corrections: on.corrections });
  }

  function perTopic(model) {
    const { el, t } = window.Desk;
    const rows = Object.entries(model?.figures.perLabel ?? {});
    $('#model-topics thead').replaceChildren(el('tr', {}, el('th', {}, t('model.col.topic')), el('th', {}, t('model.col.f1')), el('th', {}, t('model.col.precision')), el('th', {}, t('model.col.recall'))));
    $('#model-topics tbody').replaceChildren(...rows.map(([label, m]) => el('tr', {}, el('td', {}, topic(label)), el('td', {}, pct(m.f1)), el('td', {}, pct(m.precision)), el('td', {}, pct(m.recall)))));
    $('#model-topics').hidden = rows.length === 0;
  }

  function outcome(m) {
    const { t } = window.Desk;
    if (m.active) return t('model.active');
    if (m.refusedReason) return t('model.refused', { macroF1: pct(m.figures.macroF1), current: pct(m.figures.current.macroF1) });
    return t('model.replaced');
  }

  function history(list) {
    const { el, t } = window.Desk;
    $('#model-history thead').replaceChildren(el('tr', {}, ...['at', 'by', 'macroF1', 'current', 'outcome'].map((k) => el('th', {}, t('model.col.' + k)))));
    $('#model-history tbody').replaceChildren(
      ...list.map((m) => el('tr', {}, el('td', {}, when(m.createdAt)), el('td', {}, m.createdBy), el('td', {}, pct(m.figures.macroF1)), el('td', {}, pct(m.figures.current?.macroF1)), el('td', {}, outcome(m)))),
    );
    $('#model-history').hidden = list.length === 0;
  }

  async function load() {
    const { api, t } = window.Desk;
    const data = await api('admin/model');
    $('#model-summary').textContent = summary(data.active);
    perTopic(data.active);
    history(data.history);
    $('#model-retrain').disabled = data.training;
    $('#model-status').textContent = data.training ? t('model.training') : '';
    // Look again until the training in progress is over.
    clearTimeout(polling);
    if (data.training) polling = setTimeout(() => load().catch(() => undefined), POLL_MS);
  }

  document.addEventListener('desk:show', (e) => {
    if (e.detail === 'admin' && window.Desk.state.staff?.role === 'admin') load().catch((err) => window.Desk.notice(window.Desk.t('error', { reason: err.message })));
    else clearTimeout(polling);
  });
  $('#model-retrain').addEventListener('click', async () => {
    const { api, t, notice } = window.Desk;
    try {
      await api('admin/model/retrain', { method: 'POST', body: {} });
      notice(t('model.started'));
      await load();
    } catch (err) {
      notice(t('error', { reason: err.message }));
    }
  });
})();
