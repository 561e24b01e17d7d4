import type { z } from 'zod';

/** A validation failure as the JSON body of a 400: every issue, with the field it concerns. */
export function problem(error: z.ZodError): { error: string } {
  return { error: error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') };
}
