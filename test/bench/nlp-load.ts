/**
 * What the shipped model costs a bot process: run alone (tsx test/bench/nlp-load.ts [model]), it
 * loads the NLU as the bot does, classifies one message and prints one JSON line with the time
 * taken and the process's resident memory.
 */
import { loadNlu } from '../../nlp-models/index.js';

const started = performance.now();
const nlu = await loadNlu(process.argv[2]);
nlu.classifyTopic('小区门口的道路塌陷了，晚上很危险');
const ms = performance.now() - started;
console.log(JSON.stringify({ loadAndFirstMs: Math.round(ms), rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) }));
