import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { CaseActionError } from '../../core/cases/actions.js';
import { HandoffError } from '../../core/handoff/service.js';
import type { StaffErrorKey, Vars } from '../../core/i18n/index.js';
import { problem } from '../http/problem.js';

const STATUS = { not_found: 404, forbidden: 403, invalid: 400, conflict: 409 } as const;

/**
 * A console refusal: `error` in English for API clients and logs, `key` and `params` for the page
 * to say it in the staff member's language (the page strings hold every `staffError.*` text).
 */
export function refuse(reply: FastifyReply, status: number, error: string, key: StaffErrorKey, params: Vars = {}): FastifyReply {
  return reply.code(status).send({ error, key, params });
}

/** A refused action as the HTTP answer every console route gives; anything else is rethrown (500). */
export function sendRefusal(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof CaseActionError || err instanceof HandoffError) {
    return reply.code(STATUS[err.code]).send({ error: err.message, code: err.code, key: err.key, params: err.params });
  }
  throw err;
}

export function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const { error: detail } = problem(error);
  return refuse(reply, 400, detail, 'staffError.badRequest', { detail });
}
