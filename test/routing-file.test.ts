import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDepartment } from '../core/routing/resolve-department.js';
import { exportRules, importRules } from '../core/routing/rules-file.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('routing rules as a file', () => {
  it('exports every rule and imports the export unchanged', async () => {
    const csv = await exportRules(h.services.db);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('region,region_name,topic,department,department_name,priority');
    expect(lines).toHaveLength(1 + (await h.services.db.routingRule.count()));
    expect(lines).toContain('630102,城东区,,G630102,西宁市城东区人民政府,100');
    expect(await importRules(h.services.db, csv)).toEqual({ imported: lines.length - 1, errors: [] });
    expect(await exportRules(h.services.db)).toBe(csv);
  });

  it('lists every bad line with its number and changes nothing', async () => {
    const before = await exportRules(h.services.db);
    const file = [
      'region,topic,department,priority',
      '城东,城乡建设,P01,10',
      '火星,城乡建设,P01,10',
      ',天气,P01,10',
      '630102,,NOPE,x',
      ',,P01,10',
    ].join('\n');
    const { imported, errors } = await importRules(h.services.db, file);
    expect(imported).toBe(0);
    expect(errors).toEqual([
      { line: 3, message: 'unknown region "火星"' },
      { line: 4, message: 'unknown topic "天气"' },
      { line: 5, message: 'unknown department "NOPE"; priority must be a whole number, got "x"' },
      { line: 6, message: expect.stringContaining('needs a region or a topic') },
    ]);
    expect(await exportRules(h.services.db)).toBe(before);
    const missing = await importRules(h.services.db, 'region,department\n630102,P01');
    expect(missing.errors.map((e) => e.message)).toEqual(['missing column "topic"', 'missing column "priority"']);
  });

  it('routes by the imported rules, second-level topics and region names included', async () => {
    const file = ['region,topic,department,priority', '城东,城乡建设/安全生产,P02,1', '格尔木,,G632801,100', ',城乡建设,P01,100'].join('\n');
    expect((await importRules(h.services.db, file)).imported).toBe(3);
    const route = async (regionCode: string | null, topic: string | null) => (await resolveDepartment(h.services.sql, { regionCode, topic })).code;
    expect(await route('630102', '城乡建设/安全生产')).toBe('P02');
    expect(await route('632801', '教育文体')).toBe('G632801');
    expect(await route('630102', '城乡建设')).toBe('P01');
    expect(await route('630121', '教育文体')).toBe('DCS');
  });

  it('has a command that prints the errors and exits with 2', async () => {
    const path = join(tmpdir(), `rules-${process.pid}.csv`);
    await writeFile(path, 'region,topic,department,priority\n火星,,P01,1\n');
    const cli = fileURLToPath(new URL('../workers/rules-cli.ts', import.meta.url));
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'import', path], {
      env: { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL },
    });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('line 2: unknown region "火星"') });
  });
});
