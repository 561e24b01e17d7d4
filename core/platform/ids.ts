import { z } from 'zod';

const uuid = z.string().uuid();

/** Whether an id from outside (a URL, a body) can be a row's id: anything else is no row, not a database error. */
export function isUuid(value: unknown): value is string {
  return uuid.safeParse(value).success;
}
