/**
 * CPU time spent by the processes a measurement involves, read from /proc: the server under test,
 * PostgreSQL and Redis. A ratio to the baseline is a question of how the machine's two cores are
 * shared, so the bench shows where each turn's CPU time goes.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export type CpuSnapshot = { server: number; postgres: number | null; redis: number | null };

type Proc = { pid: string; parent: string; name: string; ticks: number; exitedChildren: number };

function processes(): Proc[] {
  const list: Proc[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The name is in parentheses and may hold spaces; the fields after it start with the state.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number) as [number, number, number, number];
      list.push({ pid, parent: fields[1]!, name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: utime + stime, exitedChildren: cutime + cstime });
    } catch {
      // The process ended between listing and reading.
    }
  }
  return list;
}

/** A process and its descendants (`tsx` runs the script in a child). */
function ticksOfTree(all: Proc[], root: string): number {
  const byParent = new Map<string, Proc[]>();
  for (const p of all) byParent.set(p.parent, [...(byParent.get(p.parent) ?? []), p]);
  const own = all.find((p) => p.pid === root);
  let total = 0;
  for (const stack = own ? [own] : []; stack.length; ) {
    const p = stack.pop()!;
    total += p.ticks;
    stack.push(...(byParent.get(p.pid) ?? []));
  }
  return total;
}

/** Every process named `name`; the oldest (PostgreSQL's postmaster) counted with its exited children. */
function ticksNamed(all: Proc[], name: string): number | null {
  const named = all.filter((p) => p.name === name);
  const pids = new Set(named.map((p) => p.pid));
  return named.length ? named.reduce((sum, p) => sum + p.ticks + (pids.has(p.parent) ? 0 : p.exitedChildren), 0) : null;
}

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  const all = processes();
  return { server: ticksOfTree(all, String(serverPid)), postgres: ticksNamed(all, 'postgres'), redis: ticksNamed(all, 'redis-server') };
}

export type CpuPerTurn = { server: number; postgres: number | null; redis: number | null; load: number; total: number };

/** Milliseconds of CPU per turn between two snapshots; `loadMs` is what the load generator reported. */
export function cpuPerTurn(before: CpuSnapshot, after: CpuSnapshot, loadMs: number, turns: number): CpuPerTurn {
  const per = (a: number | null, b: number | null) => (a === null || b === null ? null : ((b - a) * TICK_MS) / turns);
  const server = per(before.server, after.server)!;
  const postgres = per(before.postgres, after.postgres);
  const redis = per(before.redis, after.redis);
  const load = loadMs / turns;
  return { server, postgres, redis, load, total: server + (postgres ?? 0) + (redis ?? 0) + load };
}
