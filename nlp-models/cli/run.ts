import { parseArgs } from 'node:util';
import { DataFileError } from '../data/labelled-csv.js';

/** A mistake in how the command was called. */
export class UsageError extends Error {}

type Options = Record<string, { type: 'string' }>;

/** `--name value` / `--name=value` options; unknown options and positionals are usage errors. */
export function readOptions<O extends Options>(options: O, usage: string): { [K in keyof O]?: string } {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values as { [K in keyof O]?: string };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; ${usage}`);
  }
}

/** Runs a command: a user's mistake is one line on stderr and exit code 2, never a stack trace. */
export function runCli(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const userError = err instanceof UsageError || err instanceof DataFileError;
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = userError ? 2 : 1;
  });
}
