/** The open-file check at start-up, as the daemon runs it: after the listeners are bound, one warning or nothing. */
import { internalLog } from '../../core/internal-log.ts';
import type { Plan } from '../../config/plan.ts';
import { fdLimitWarning, fdNeeds, openFdCount, readNofile } from './fd-limit.ts';

export function checkFdLimit(plan: Plan): void {
  const open = openFdCount();
  if (open === undefined) return;
  const warning = fdLimitWarning(readNofile(), fdNeeds(plan, open));
  if (warning) internalLog('warning', warning);
}
