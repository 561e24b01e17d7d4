import { createSql } from './core/platform/sql.js';
import { createLogger } from './core/platform/log.js';
import { pastAnswers } from './core/cases/past-answers.js';
const sql = createSql('postgresql://postgres@127.0.0.1:5432/pastans_dev', createLogger('silent'));
const { rows } = await sql.query(`SELECT id, description FROM "Case" ORDER BY random() LIMIT 5`);
for (const r of rows) {
  const t = performance.now();
  const res = await pastAnswers(sql, r.id, undefined);
  console.log('\n=== ', r.description.slice(0, 80).replace(/\n/g, ' | '), Math.round(performance.now() - t), 'ms');
  for (const p of res!) console.log('  ', p.similarity, p.topic, p.case?.description.slice(0, 60).replace(/\n/g, ' | '));
}
let t = performance.now();
await sql.query(`SELECT c."id", c."departmentId", c."features" FROM "Case" c WHERE c.status='closed' ORDER BY c."closedAt" DESC LIMIT 3000`);
console.log('all rows', Math.round(performance.now() - t));
t = performance.now();
await sql.query(`SELECT c."id", c."departmentId", c."features" FROM "Case" c WHERE c.status='closed' ORDER BY c."closedAt" DESC LIMIT 3000`);
console.log('all rows', Math.round(performance.now() - t));
await sql.end();
