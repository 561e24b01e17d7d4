/**
 * The one way Tingmin reads the time of day. Office hours, deadlines, case numbers and
 * seasons follow it, so tests and rehearsals can run at a chosen instant.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
