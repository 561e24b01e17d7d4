import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockFrom, INSTANTS } from './support/clock.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

/**
 * What depends on the time of day, run at fixed instants (Asia/Shanghai, office hours
 * 08:30-12:00 and 14:30-18:00 on working days, the seeded 2026 holiday calendar), whatever the
 * machine's clock and time zone say: the answer to a safety hazard (staff at work or not), the
 * case number's day, the deadline in working days, and "yesterday" in a description.
 */
const cases = [
  { name: 'a working morning', at: INSTANTS.workingMorning, back: null, day: '261202', yesterday: '2026-12-01', deadline: '2026-12-03' },
  { name: 'before dawn (still the previous day in UTC)', at: INSTANTS.beforeDawn, back: '2026-12-02 08:30', day: '261202', yesterday: '2026-12-01', deadline: '2026-12-03' },
  { name: 'the lunch break', at: INSTANTS.lunchBreak, back: '2026-12-02 14:30', day: '261202', yesterday: '2026-12-01', deadline: '2026-12-03' },
  { name: 'a Saturday', at: INSTANTS.weekend, back: '2026-12-07 08:30', day: '261205', yesterday: '2026-12-04', deadline: '2026-12-07' },
  { name: 'the National Day holiday', at: INSTANTS.holiday, back: '2026-10-08 08:30', day: '261002', yesterday: '2026-10-01', deadline: '2026-10-08' },
  { name: 'late in the evening', at: INSTANTS.lateEvening, back: '2026-12-03 08:30', day: '261202', yesterday: '2026-12-01', deadline: '2026-12-03' },
];

describe.each(cases)('at $name ($at)', ({ at, back, day, yesterday, deadline }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ workers: true, now: clockFrom(at) });
  });
  afterAll(() => h.close());

  it('answers a safety hazard as the office hours say, and files the report with the day and deadline of that instant', async () => {
    const user = uniqueUser();
    const replies = await h.say(user, '城中区南大街小区楼道里从昨天开始一直有很浓的燃气泄漏的味道');
    const text = replies.map((r) => r.text).join('\n');
    if (back) {
      expect(text).toContain(`现在是非工作时间，工作人员将于 ${back} 上班后处理您的请求`);
    } else {
      expect(text).toContain('我们已同时为您转接人工服务');
      expect(text).not.toContain('非工作时间');
    }
    // The report goes on: the classifier's suggestion, no phone, confirm.
    const topic = replies.flatMap((r) => r.buttons ?? []).find((b) => b.payload.startsWith('topic:'));
    expect(topic, 'a topic to choose').toBeDefined();
    await h.press(user, topic!.payload);
    const summary = (await h.say(user, '不留')).map((r) => r.text).join('\n');
    expect(summary).toContain(`【发生时间】${yesterday}`);
    const { cursor } = await h.poll(user);
    await h.press(user, 'confirm');

    const note = await eventually(async () => (await h.poll(user, cursor)).messages.find((m) => /QH\d{10}/.test(m.text)));
    expect(note.text).toMatch(new RegExp(`QH${day}\\d{4}`));
    expect(note.text).toContain(`办理时限：${deadline}`);
  });
});

describe('a supply cut off in summer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ workers: true, now: clockFrom('2026-07-15T10:00:00+08:00') });
  });
  afterAll(() => h.close());

  it('is not an emergency then, but still gets high priority and its shorter deadline', async () => {
    const user = uniqueUser();
    await h.say(user, '互助县威远镇小寨村的自来水已经停了五天，村里老人用水非常困难');
    await h.press(user, 'topic:城乡建设');
    await h.say(user, '不留');
    const { cursor } = await h.poll(user);
    await h.press(user, 'confirm');
    const note = await eventually(async () => (await h.poll(user, cursor)).messages.find((m) => /QH\d{10}/.test(m.text)));
    // Five working days from Wednesday 15 July: Wednesday 22 July.
    expect(note.text).toContain('办理时限：2026-07-22');
    const number = note.text.match(/QH\d{10}/)![0];
    expect((await h.services.db.case.findUniqueOrThrow({ where: { number } })).priority).toBe('high');
  });
});
