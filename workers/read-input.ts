import { readFile } from 'node:fs/promises';

/** A command's input file as text, or undefined after telling the operator it cannot be read. */
export async function readInput(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) console.error(`${file}: cannot be read`);
  return text;
}
