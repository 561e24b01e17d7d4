import { readFileSync } from 'node:fs';
import type { TrainingExample } from '../topics/classifier.js';
import { CsvSyntaxError, parseCsv } from './csv.js';

/** A problem with a data file, worded for the person who gave it. */
export class DataFileError extends Error {}

export type LabelledCsv = { examples: TrainingExample[]; warnings: string[] };

const REQUIRED_COLUMNS = ['title', 'detail', 'label'] as const;

function readUtf8(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot be read (${code ?? String(err)})`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataFileError(`${path}: not UTF-8 text`);
  }
}

/**
 * Labelled messages from a CSV file whose header names `title`, `detail` and `label` (any order;
 * `id` and other columns are ignored). Throws DataFileError for anything that would make a bad model.
 */
export function loadLabelledCsv(path: string): LabelledCsv {
  let records: string[][];
  try {
    records = parseCsv(readUtf8(path));
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new DataFileError(`${path}: ${err.message}`);
    throw err;
  }
  const isBlank = (r: string[]) => r.length === 1 && r[0]!.trim() === '';
  const [header, ...rows] = records.filter((r) => !isBlank(r));
  if (!header) throw new DataFileError(`${path}: the file is empty`);
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length) throw new DataFileError(`${path}: missing column(s) ${missing.join(', ')} (header: ${header.join(',')})`);
  const [title, detail, label] = REQUIRED_COLUMNS.map((c) => names.indexOf(c)) as [number, number, number];
  if (rows.length === 0) throw new DataFileError(`${path}: no data rows`);

  const examples = rows.map((row, i) => {
    const where = `${path}: row ${i + 1}`;
    if (row.length !== header.length) throw new DataFileError(`${where} has ${row.length} fields, the header has ${header.length}`);
    const example = { title: row[title]!.trim(), detail: row[detail]!.trim(), label: row[label]!.trim() };
    if (!example.label) throw new DataFileError(`${where}: empty label`);
    if (!example.title && !example.detail) throw new DataFileError(`${where}: empty title and detail`);
    return example;
  });

  const counts = new Map<string, number>();
  for (const { label: l } of examples) counts.set(l, (counts.get(l) ?? 0) + 1);
  const warnings = [...counts].filter(([, n]) => n === 1).map(([l]) => `${path}: label "${l}" has only one example`);
  return { examples, warnings };
}
