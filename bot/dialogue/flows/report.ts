import { randomUUID } from 'node:crypto';
import { addressAfter, detectUrgency, findDate, isGibberish, parseMobilePhone, parseQinghaiLandline } from '../../../nlp-models/index.js';
import type { Context } from '../context.js';
import { requestHandoff } from '../request-handoff.js';
import type { Flow, Outcome, Step } from '../flow.js';
import type { Button, Reply } from '../../../core/messages.js';
import { meaningfulLength } from '../text.js';
import { reportDraftSchema, type ReportDraft } from './report-draft.js';
import { submitReport } from './submit-report.js';

function isSkip(ctx: Context): boolean {
  return ctx.payload === 'skip' || ctx.intent === 'deny';
}

function isConfirm(ctx: Context): boolean {
  return ctx.intent === 'confirm';
}

const description: Step<ReportDraft> = {
  id: 'description',
  title: 'step.description',
  hint: 'report.hint.description',
  prompt: (ctx) => ({ text: ctx.t('report.askDescription', { min: ctx.deps.config.DESCRIPTION_MIN_CHARS }) }),
  async read(ctx, data) {
    // Over-long messages never get here: the input guard asks for them to be shortened.
    const min = ctx.deps.config.DESCRIPTION_MIN_CHARS;
    const text = ctx.text;
    if (meaningfulLength(text) < min) return { kind: 'retry', reply: { text: ctx.t('report.descriptionTooShort', { min }) } };
    if (isGibberish(text)) return { kind: 'retry', reply: { text: ctx.t('report.descriptionUnclear') } };
    const now = ctx.deps.now();
    const urgency = detectUrgency(text, { now, timeZone: ctx.deps.config.TIMEZONE });
    const patch: Partial<ReportDraft> = {
      draftId: data.draftId ?? randomUUID(),
      description: text,
      candidates: ctx.deps.nlu.classifyTopic(text).slice(0, 4),
      urgent: urgency.urgent,
      occurredOn: findDate(text, now, ctx.deps.config.TIMEZONE)?.date,
    };
    // A safety hazard or distress goes to a person at once; the report goes on meanwhile.
    if (urgency.urgent && !data.urgent) await requestHandoff(ctx, 'urgent', urgency.signals.includes('distress'));
    // A place named in the description is not asked again, with the village or street it names
    // (海东市乐都区 + 碾伯镇七里店村); an edited description keeps a place given before.
    const region = data.placeText === undefined ? ctx.deps.catalog.matchRegion(text) : null;
    if (region) Object.assign(patch, { regionCode: region.code, placeText: `${ctx.deps.catalog.regionFullName(region.code) ?? region.name}${addressAfter(text, region)}` });
    return { kind: 'next', patch };
  },
};

function topicButtons(ctx: Context, labels: string[]): Button[] {
  return labels.map((name) => ({ label: ctx.deps.catalog.topicLabel(name, ctx.lang), payload: `topic:${name}` }));
}

function allTopics(ctx: Context, intro: string): Reply {
  const names = ctx.deps.catalog.topics.map((t) => t.name);
  return { text: intro, buttons: [...topicButtons(ctx, names), { label: ctx.t('report.unknownTopic'), payload: 'topic:?' }] };
}

const topic: Step<ReportDraft> = {
  id: 'topic',
  title: 'step.topic',
  hint: 'report.hint.topic',
  prompt(ctx, data) {
    const [best, ...rest] = data.candidates ?? [];
    const other = { label: ctx.t('report.otherTopics'), payload: 'topic:*' };
    if (!best) return allTopics(ctx, ctx.t('report.allTopics'));
    if (best.score < ctx.deps.config.TOPIC_CONFIDENCE_THRESHOLD) {
      const top3 = [best, ...rest].slice(0, 3).map((c) => c.label);
      return { text: ctx.t('report.askTopicUnsure'), buttons: [...topicButtons(ctx, top3), other] };
    }
    const label = ctx.deps.catalog.topicLabel(best.label, ctx.lang);
    return {
      text: ctx.t('report.askTopic', { topic: label }),
      buttons: [
        { label: ctx.t('report.confirmTopic', { topic: label }), payload: `topic:${best.label}` },
        ...topicButtons(ctx, rest.slice(0, 2).map((c) => c.label)),
        other,
      ],
    };
  },
  read(ctx, data) {
    // "是" / "yes" to "it looks like X" accepts X.
    const best = data.candidates?.[0];
    if (!ctx.payload && best && isConfirm(ctx)) return { kind: 'next', patch: { topic: best.label } };
    const chosen = ctx.payload?.startsWith('topic:') ? ctx.payload.slice('topic:'.length) : ctx.intent === 'deny' ? '*' : ctx.text;
    if (chosen === '*') return { kind: 'retry', reply: allTopics(ctx, ctx.t('report.allTopics')), miss: false };
    if (chosen === '?') return { kind: 'next', patch: { topic: null } };
    const found = ctx.deps.catalog.findTopic(chosen);
    if (found) return { kind: 'next', patch: { topic: found.name } };
    return { kind: 'retry', reply: allTopics(ctx, ctx.t('report.topicInvalid')) };
  },
};

/** A shared location as the report's place: its name or address when there is one, else the coordinates. */
export function placeOfLocation(ctx: Context, location: NonNullable<Context['inbound']['location']>): Partial<ReportDraft> {
  const placeText = location.name || `${location.latitude.toFixed(5)}, ${location.longitude.toFixed(5)}`;
  return { placeText, regionCode: location.name ? (ctx.deps.catalog.matchRegion(location.name)?.code ?? null) : null };
}

const place: Step<ReportDraft> = {
  id: 'place',
  title: 'step.place',
  hint: 'report.hint.place',
  skip: (data) => data.placeText !== undefined,
  prompt: (ctx) => ({ text: ctx.t('report.askPlace') }),
  read(ctx, data): Outcome<ReportDraft> {
    if (ctx.inbound.location) return { kind: 'next', patch: placeOfLocation(ctx, ctx.inbound.location) };
    if (isSkip(ctx)) return { kind: 'next', patch: { placeText: data.pendingPlace ?? null, regionCode: null } };
    if (meaningfulLength(ctx.text) < 2) return { kind: 'retry', reply: { text: ctx.t('report.placeTooShort') } };
    const region = ctx.deps.catalog.matchRegion(ctx.text);
    if (region) return { kind: 'next', patch: { placeText: ctx.text, regionCode: region.code } };
    // Understood, only without a county: no miss.
    return {
      kind: 'retry',
      miss: false,
      patch: { pendingPlace: ctx.text },
      reply: { text: ctx.t('report.placeNoRegion'), buttons: [ctx.button('nav.skip', 'skip')] },
    };
  },
};

const phone: Step<ReportDraft> = {
  id: 'phone',
  title: 'step.phone',
  hint: 'report.hint.phone',
  prompt: (ctx) => ({ text: ctx.t('report.askPhone'), buttons: [ctx.button('nav.skip', 'skip')] }),
  read(ctx) {
    if (isSkip(ctx)) return { kind: 'next', patch: { phone: null } };
    const number = parseMobilePhone(ctx.text) ?? parseQinghaiLandline(ctx.text);
    if (number) return { kind: 'next', patch: { phone: number } };
    return {
      kind: 'retry',
      reply: { text: ctx.t('report.phoneInvalid', { value: ctx.text.slice(0, 40) }), buttons: [ctx.button('nav.skip', 'skip')] },
    };
  },
};

function summary(ctx: Context, data: ReportDraft): Reply {
  const notGiven = ctx.t('report.notGiven');
  return {
    text: ctx.t('report.summary', {
      description: data.description ?? notGiven,
      topic: data.topic ? ctx.deps.catalog.topicLabel(data.topic, ctx.lang) : ctx.t('report.unknownTopic'),
      place: data.placeText ?? notGiven,
      when: data.occurredOn ?? ctx.t('report.whenUnknown'),
      phone: data.phone ?? notGiven,
      attachments: data.attachments?.length ? String(data.attachments.length) : ctx.t('attach.none'),
    }),
    buttons: [
      ctx.button('report.submit', 'confirm'),
      ctx.button('report.editDescription', 'edit:description'),
      ctx.button('report.editTopic', 'edit:topic'),
      ctx.button('report.editPlace', 'edit:place'),
      ctx.button('report.editPhone', 'edit:phone'),
      ctx.button('nav.cancel', 'cancel'),
    ],
  };
}

const confirm: Step<ReportDraft> = {
  id: 'confirm',
  title: 'step.confirm',
  hint: 'report.hint.confirm',
  prompt: summary,
  read(ctx, data) {
    if (ctx.payload === 'confirm' || isConfirm(ctx)) return { kind: 'finish' };
    const edit = ctx.payload?.match(/^edit:(description|topic|place|phone)$/)?.[1];
    if (edit) return { kind: 'goto', step: edit };
    const reply = summary(ctx, data);
    return { kind: 'retry', reply: { text: ctx.t('report.hint.confirm'), buttons: reply.buttons } };
  },
};

export const reportFlow: Flow<ReportDraft> = {
  name: 'report',
  schema: reportDraftSchema,
  steps: [description, topic, place, phone, confirm],
  finish: submitReport,
};
