import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TINY_CORPUS } from './fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tingmin-cli-'));

function run(script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `nlp-models/cli/${script}.ts`, ...args], { cwd: root, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('nlp CLIs', () => {
  it('train writes a model that eval scores, its last line one JSON object', () => {
    const data = join(dir, 'tiny.csv');
    const quote = (s = '') => `"${s.replace(/"/g, '""')}"`;
    writeFileSync(data, ['id,title,detail,label', ...TINY_CORPUS.map((e, i) => [i, quote(e.title), quote(e.detail), e.label].join(','))].join('\n'));
    const model = join(dir, 'model.json');

    const trained = run('train', '--data', data, '--out', model);
    expect(trained.code).toBe(0);

    const evaluated = run('eval', '--data', data, '--model', model);
    expect(evaluated.code).toBe(0);
    const last = JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(last)).toEqual(['n', 'accuracy', 'macroF1', 'perLabel']);
    expect(last.n).toBe(TINY_CORPUS.length);
    expect(last.accuracy).toBe(1);
    expect(last.perLabel['城乡建设']).toEqual({ precision: 1, recall: 1, f1: 1 });
  });

  it('reports a bad call in one line with exit code 2', () => {
    for (const result of [
      run('train', '--data', join(dir, 'missing.csv'), '--out', join(dir, 'x.json')),
      run('train', '--data', join(dir, 'missing.csv')),
      run('eval', '--data', join(dir, 'missing.csv')),
    ]) {
      expect(result.code).toBe(2);
      const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('error: '));
      expect(errorLines).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
