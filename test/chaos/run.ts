/**
 * `npm run chaos`: the fault suite at full length (CHAOS_RESIDENTS residents for CHAOS_SECONDS
 * per scenario); exits non-zero on any loss, duplicate or 500. test/faults.test.ts runs a short one.
 */
import { runChaos } from './suite.js';

const { problems, tally } = await runChaos({
  residents: Number(process.env.CHAOS_RESIDENTS ?? 20),
  scenarioMs: Number(process.env.CHAOS_SECONDS ?? 60) * 1000,
  recoveryMs: Number(process.env.CHAOS_RECOVERY_SECONDS ?? 60) * 1000,
  log: (line) => console.log(line),
});
console.log(`${tally.requests} requests: ${tally.unavailable} answered 503 (try again), ${tally.refused} refused while the bot was down, ${tally.restarts} dialogues started over`);
for (const problem of problems) console.log(`FAIL ${problem}`);
console.log(problems.length ? `${problems.length} problems` : 'nothing lost, nothing duplicated, no 500');
process.exit(problems.length ? 1 : 0);
