import type { StaffErrorKey, Vars } from '../i18n/index.js';

export type HandoffErrorCode = 'not_found' | 'forbidden' | 'conflict' | 'invalid';

/** A handoff action refused; the console answers it with the code's HTTP status and tells staff why in their language. */
export class HandoffError extends Error {
  constructor(
    readonly code: HandoffErrorCode,
    message: string,
    readonly key: StaffErrorKey,
    readonly params: Vars = {},
  ) {
    super(message);
  }
}
