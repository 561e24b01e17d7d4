export type HandoffErrorCode = 'not_found' | 'forbidden' | 'conflict' | 'invalid';

/** A handoff action refused; the console answers it with the code's HTTP status. */
export class HandoffError extends Error {
  constructor(
    readonly code: HandoffErrorCode,
    message: string,
  ) {
    super(message);
  }
}
