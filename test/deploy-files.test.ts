import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TRANSITIONS } from '../core/cases/status-machine.js';
import { loadConfig } from '../core/platform/config.js';

const read = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

/** Every setting config.ts reads: the keys of its schema, one per line. */
const SETTINGS = [...read('core/platform/config.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+): z(?:\.|$)/gm)].map((m) => m[1]!);
const DEFAULTS = loadConfig({}) as Record<string, unknown>;
/** .env.example's lines `NAME=value` and `# NAME=value`. */
const EXAMPLE = new Map([...read('.env.example').matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));

type Service = { image?: string; build?: string; command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> };

describe('deployment files', () => {
  it('finds the settings in config.ts', () => {
    expect(SETTINGS.length).toBeGreaterThan(50);
    expect(SETTINGS).toEqual(expect.arrayContaining(['DATABASE_URL', 'TELEGRAM_API_ROOT', 'WORKER_LOCK_MS', 'METRICS_TOKEN', 'API_DOCS']));
  });

  it('.env.example lists every setting with its default', () => {
    expect(SETTINGS.filter((name) => !EXAMPLE.has(name))).toEqual([]);
    for (const name of SETTINGS) {
      const value = EXAMPLE.get(name)!;
      // The example's value is the default: an empty one for a setting without a default.
      if (value === '') expect(DEFAULTS[name], name).toBeUndefined();
      else expect((loadConfig({ [name]: value }) as Record<string, unknown>)[name], name).toEqual(DEFAULTS[name]);
    }
    expect([...EXAMPLE.keys()].filter((name) => !SETTINGS.includes(name))).toEqual(['POSTGRES_PASSWORD']);
  });

  it("README's settings table names every setting", () => {
    const table = read('README.md').split('## Settings')[1]!.split('\n## ')[0]!;
    expect(SETTINGS.filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
  });

  it("README's table of a case's moves is the status machine's", () => {
    const table = read('README.md').split('<!-- status-moves -->')[1]!.split('<!-- /status-moves -->')[0]!;
    const rows = [...table.matchAll(/^\| `(\w+)` \| (.+) \|$/gm)].map((m) => [m[1]!, [...m[2]!.matchAll(/`(\w+)`/g)].map((n) => n[1]!)] as const);
    expect(Object.fromEntries(rows)).toEqual(TRANSITIONS);
  });

  it('compose.yaml runs PostgreSQL, Redis, a migration, then bot and worker processes with known settings', () => {
    const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
    const { postgres, redis, migrate, bot, worker } = compose.services;
    expect(Object.keys(compose.services).sort()).toEqual(['bot', 'migrate', 'postgres', 'redis', 'worker']);
    expect(postgres?.image).toMatch(/^postgres:1[3-9]/);
    expect(redis?.image).toMatch(/^redis:[6-9]/);
    expect(redis?.command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
    expect(migrate?.command).toEqual(['npm', 'run', 'db:migrate']);
    expect(bot?.command).toEqual(['node', 'dist/bot/main.js', 'bot']);
    expect(worker?.command).toEqual(['node', 'dist/bot/main.js', 'workers']);
    for (const [name, service] of [['bot', bot], ['worker', worker]] as const) {
      expect(service?.build, name).toBe('.');
      expect(service?.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      expect(service?.depends_on?.redis?.condition, name).toBe('service_healthy');
    }
    expect(migrate?.depends_on?.postgres?.condition).toBe('service_healthy');
    for (const service of [migrate, bot, worker]) {
      const names = Object.keys(service?.environment ?? {});
      expect(names.filter((name) => !SETTINGS.includes(name))).toEqual([]);
      expect(names).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL']));
      // What compose writes into the settings must pass config.ts's checks.
      const env = Object.fromEntries(Object.entries(service!.environment!).map(([k, v]) => [k, v.replace(/\$\{POSTGRES_PASSWORD[^}]*\}/, 'secret')]));
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it('the Dockerfile builds once and runs as an unprivileged user without building at start', () => {
    const dockerfile = read('Dockerfile');
    const instructions = dockerfile.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    const stages = instructions.split(/^FROM /m).slice(1);
    expect(stages.length).toBe(2);
    expect(stages.every((s) => /^node:20/.test(s))).toBe(true);
    expect(stages[0]).toMatch(/RUN npm ci\n/);
    expect(stages[0]).toMatch(/RUN npm run build/);
    const final = stages[1]!;
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/^CMD \["node", "dist\/bot\/main\.js", "all"\]$/m);
    expect(final).not.toMatch(/npm (run build|start)/);
  });
});
