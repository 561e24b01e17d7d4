// npm run routing:export [-- --out <file>] | npm run routing:import -- <file>
import { readFile, writeFile } from 'node:fs/promises';
import { loadConfig } from '../core/platform/config.js';
import { createDb } from '../core/platform/db.js';
import { exportRules, importRules } from '../core/routing/rules-file.js';

async function main([command, ...args]: string[]): Promise<number> {
  const db = createDb(loadConfig().DATABASE_URL);
  try {
    if (command === 'export') {
      const csv = await exportRules(db);
      const out = args[args.indexOf('--out') + 1];
      if (args.includes('--out') && out) await writeFile(out, csv);
      else process.stdout.write(csv);
      return 0;
    }
    if (command === 'import' && args[0]) {
      const text = await readFile(args[0], 'utf8').catch(() => undefined);
      if (text === undefined) {
        console.error(`cannot read ${args[0]}`);
        return 2;
      }
      const { imported, errors } = await importRules(db, text);
      for (const e of errors) console.error(`line ${e.line}: ${e.message}`);
      if (errors.length) {
        console.error(`${errors.length} error(s); no rule was changed`);
        return 2;
      }
      console.log(`imported ${imported} routing rules (the previous rules were replaced)`);
      return 0;
    }
    console.error('usage: routing:import -- <file.csv> | routing:export [-- --out <file.csv>]');
    return 2;
  } finally {
    await db.$disconnect();
  }
}

process.exitCode = await main(process.argv.slice(2));
