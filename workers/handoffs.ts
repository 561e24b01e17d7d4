import { HandoffService } from '../core/handoff/service.js';
import type { WorkerDeps } from './deps.js';

/**
 * The periodic look at conversations handed to staff: residents who waited too long are offered
 * to leave a report, and the bot's silence gates of held conversations are put back in case
 * Redis lost them.
 */
export async function processHandoffs(deps: WorkerDeps): Promise<{ offered: number; gates: number }> {
  const service = new HandoffService(deps);
  return { offered: await service.offerReports(), gates: await service.restoreGates() };
}
