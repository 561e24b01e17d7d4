import type { Middleware } from '../composer.js';
import type { FlowEngine } from '../flow.js';
import { placeOfLocation } from '../flows/report.js';

/**
 * Photos, files and shared locations. Stored attachments join the report being written (or start
 * one); a location fills the report's place. Refused files are explained; other media fall
 * through to the input guards, which ask for text.
 */
export function media(engine: FlowEngine): Middleware {
  return async (ctx, next) => {
    const { attachment, location } = ctx.inbound;
    const at = engine.current(ctx);
    const inReport = at?.flow === 'report';
    if (location) {
      // At the place question the flow reads it as the answer.
      if (inReport && at.step === 'place') return next();
      const place = placeOfLocation(ctx, location);
      ctx.reply(ctx.t('attach.locationTaken', { place: place.placeText ?? '' }));
      if (!inReport) return engine.start(ctx, 'report', { data: place });
      Object.assign(ctx.session.flow!.data, place);
      return engine.repeat(ctx);
    }
    if (attachment?.refused) {
      const max = Math.round(ctx.deps.config.ATTACHMENT_MAX_BYTES / 1024 / 1024);
      return ctx.reply(ctx.t(attachment.refused === 'too_large' ? 'attach.tooLarge' : 'attach.unsupportedType', { max }));
    }
    if (!attachment?.id) return next();
    if (!inReport) {
      ctx.reply(ctx.t('attach.addedStart'));
      return engine.start(ctx, 'report', { data: { attachments: [attachment.id] } });
    }
    const data = ctx.session.flow!.data as { attachments?: string[] };
    data.attachments = [...(data.attachments ?? []), attachment.id];
    ctx.reply(ctx.t('attach.added', { count: data.attachments.length }));
    return engine.repeat(ctx);
  };
}
