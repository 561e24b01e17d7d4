import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { CaseActionError } from '../../core/cases/actions.js';
import { HandoffError } from '../../core/handoff/service.js';
import { problem } from '../http/problem.js';

const STATUS = { not_found: 404, forbidden: 403, invalid: 400, conflict: 409 } as const;

/** A refused action as the HTTP answer every console route gives; anything else is rethrown (500). */
export function sendRefusal(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof CaseActionError || err instanceof HandoffError) return reply.code(STATUS[err.code]).send({ error: err.message, code: err.code });
  throw err;
}

export function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  return reply.code(400).send(problem(error));
}
