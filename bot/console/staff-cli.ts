// npm run staff:add -- --username <u> --role admin|supervisor|handler [--department <code>] [--display-name <n>] [--password-stdin] [--reset-password]
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../../core/platform/config.js';
import { createDb, Prisma } from '../../core/platform/db.js';
import { createLogger } from '../../core/platform/log.js';
import { connectAppRedis } from '../../core/platform/redis.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';
import { ConsoleSessions } from './sessions.js';

const USAGE = 'usage: npm run staff:add -- --username <name> --role admin|supervisor|handler [--department <code>] [--display-name <name>] [--password-stdin] [--reset-password]';

function fail(message: string): never {
  process.stderr.write(`staff:add: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** The password from stdin (one line, for scripts) or typed at a terminal without echo. */
async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    return input.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      process.stdout.write(prompt);
      // Hide what is typed: the terminal shows nothing until Enter.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
      rl.question('', (answer) => {
        process.stdout.write('\n');
        resolve(answer);
      });
    });
  const first = await ask('Password: ');
  const again = await ask('Password again: ');
  rl.close();
  if (first !== again) fail('the two passwords differ');
  return first;
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      department: { type: 'string' },
      'display-name': { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      'reset-password': { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
const username = z.string().regex(/^[A-Za-z0-9._-]{2,64}$/).safeParse(values.username);
if (!username.success) fail('--username is required: 2-64 letters, digits, dot, dash or underscore');

const config = loadConfig();
const db = createDb(config.DATABASE_URL);
try {
  if (values['reset-password']) {
    const existing = await db.staff.findUnique({ where: { username: username.data } });
    if (!existing) fail(`no staff account named ${username.data}`);
    const password = await readPassword(values['password-stdin']);
    if (password.length < MIN_PASSWORD_LENGTH) fail(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    await db.staff.update({ where: { id: existing.id }, data: { passwordHash: await hashPassword(password) } });
    // Whoever signed in with the old password (perhaps the reason for the reset) is signed out.
    const redis = await connectAppRedis(config.REDIS_URL, createLogger(config.LOG_LEVEL));
    try {
      await ConsoleSessions.of({ redis, config }).endAll(existing.id);
    } finally {
      await redis.quit();
    }
    process.stdout.write(`password reset for ${username.data}; its console sessions are ended\n`);
  } else {
    const role = z.enum(['admin', 'supervisor', 'handler']).safeParse(values.role);
    if (!role.success) fail('--role must be admin, supervisor or handler');
    if (role.data === 'handler' && !values.department) fail('a handler needs --department <department code>');
    const department = values.department ? await db.department.findUnique({ where: { code: values.department } }) : null;
    if (values.department && !department) fail(`no department with code ${values.department}`);
    const password = await readPassword(values['password-stdin']);
    if (password.length < MIN_PASSWORD_LENGTH) fail(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    try {
      await db.staff.create({
        data: { username: username.data, role: role.data, departmentId: department?.id ?? null, displayName: values['display-name'] ?? null, passwordHash: await hashPassword(password) },
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') fail(`a staff account named ${username.data} already exists`);
      throw err;
    }
    process.stdout.write(`created ${role.data} ${username.data}${department ? ` (${department.name})` : ''}\n`);
  }
} finally {
  await db.$disconnect();
}
