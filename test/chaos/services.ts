/**
 * Private PostgreSQL and Redis servers for the fault suite, on free ports in a temporary folder,
 * so that they can be stopped and restarted without touching the machine's shared ones.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';

/**
 * The private servers keep the machine's real time, like the shared PostgreSQL and Redis: a clock
 * moved with libfaketime (npm run test:any-hour) is for Tingmin's own processes only.
 */
const SERVER_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'LD_PRELOAD' && !name.startsWith('FAKETIME')));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what}: not up after ${timeoutMs} ms`);
    await sleep(100);
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** A Redis without persistence: a restart starts empty, as after `shutdown nosave`. */
export class PrivateRedis {
  private child?: ChildProcess;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore', env: SERVER_ENV });
    await until('redis', async () => {
      const client = createClient({ url: this.url, socket: { reconnectStrategy: false } });
      client.on('error', () => undefined);
      await client.connect();
      await client.ping();
      await client.quit();
      return true;
    });
  }

  /** Gone at once, with everything it held. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    if (this.child) await exited(this.child);
  }
}

const PG_BIN = () => {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error(`no PostgreSQL binaries under ${root}`);
  return join(root, version, 'bin');
};

/** A PostgreSQL cluster of its own; as root (CI) it runs as the `postgres` user, which initdb requires. */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'tingmin-chaos-pg-'));
    const server = new PrivatePostgres(await freePort(), dir);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
    }
    server.run(join(PG_BIN(), 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    await server.up();
    return server;
  }

  url(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private run(cmd: string, args: string[]): void {
    const [bin, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    execFileSync(bin as string, argv as string[], { stdio: 'ignore', env: SERVER_ENV });
  }

  private pgCtl(...args: string[]): void {
    this.run(join(PG_BIN(), 'pg_ctl'), ['-D', join(this.dir, 'data'), '-s', ...args]);
  }

  async up(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    this.pgCtl('start', '-w', '-l', join(this.dir, 'log'), '-o', options);
    await until('postgres', async () => {
      const client = new pg.Client({ connectionString: this.url('postgres') });
      await client.connect();
      await client.end();
      return true;
    });
  }

  /** A fast shutdown: sessions are cut, committed data stays. */
  async stop(): Promise<void> {
    this.pgCtl('stop', '-w', '-m', 'fast');
  }

  async remove(): Promise<void> {
    try {
      this.pgCtl('stop', '-w', '-m', 'immediate');
    } catch {
      // Already stopped.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
