/** moved to core/: unix socket sources resolve owner()/group() too */
export { resolveId } from '../core/account-ids.ts';
