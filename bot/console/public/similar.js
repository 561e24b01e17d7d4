// 过往答复 (past answers) on the case page: the office's closed cases most like this one, with the
// answer given and the resident's rating; staff may put an answer in the answer field and adapt it.
// desk.js announces every case it shows with the 'desk:case' event and lends its helpers (window.Desk).
(() => {
  'use strict';
  const $ = (sel) => document.querySelector(sel);

  /** The answer field of the resolution (else of a reply), opening its form when it is closed. */
  function answerField(c) {
    for (const [action, field] of [['resolve', '#field-answer'], ['reply', '#field-message']]) {
      if (!c.actions.includes(action)) continue;
      if (!$(field)) $(`#action-buttons [data-action="${action}"]`)?.click();
      if ($(field)) return $(field);
    }
    return null;
  }

  function item(c, past) {
    const { t, el, name, topicName, fmtDay, notice } = window.Desk;
    const meta = t('similar.meta', {
      topic: topicName(past.topic),
      department: name(past.department),
      date: fmtDay(past.closedAt),
      rating: past.satisfaction ? t('sat.' + past.satisfaction) : t('similar.noRating'),
      similarity: Math.round(past.similarity * 100),
    });
    const answer = el('p', { class: 'past-answer' }, past.answer);
    answer.style.whiteSpace = 'pre-wrap';
    const canUse = c.actions.includes('resolve') || c.actions.includes('reply');
    return el('li', {},
      el('p', { class: 'hint' }, meta, past.imported ? ` · ${t('similar.imported')}` : '', past.case ? [' · ', el('a', { href: '#case/' + past.case.id }, t('similar.open', { number: past.case.number }))] : null),
      answer,
      canUse ? el('button', { type: 'button', class: 'use-answer', onclick: () => {
        const box = answerField(c);
        if (!box) return;
        box.value = past.answer;
        box.focus();
        notice(t('similar.used'));
      } }, t('similar.use')) : null);
  }

  document.addEventListener('desk:case', (ev) => {
    const c = ev.detail;
    const { api, t, el } = window.Desk;
    const list = el('ol', { class: 'past-answers' });
    const panel = el('section', { class: 'card', id: 'past-answers', 'aria-labelledby': 'past-answers-title', 'aria-busy': 'true' },
      el('h3', { id: 'past-answers-title' }, t('similar.title')), el('p', { class: 'hint' }, t('similar.hint')), list);
    // Before the timeline, the case page's last card.
    const detail = $('#view-case .detail');
    detail.insertBefore(panel, detail.lastElementChild);
    api(`cases/${c.id}/similar`).then(
      // Nothing to number: a sentence, not a list of one.
      ({ similar }) => (similar.length ? list.replaceChildren(...similar.map((past) => item(c, past))) : list.replaceWith(el('p', {}, t('similar.none')))),
      (err) => list.replaceWith(el('p', { role: 'alert' }, t('error', { reason: err.message }))),
    ).finally(() => panel.removeAttribute('aria-busy'));
  });
})();
