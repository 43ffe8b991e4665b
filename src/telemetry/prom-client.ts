import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

/**
 * prom-client, loaded on first use rather than with the modules that mention it: a mount
 * without metrics does not pay its ~17 MiB of resident memory (docs/performance.md, memory).
 * It is CommonJS, so a synchronous require works from ESM.
 */
const requireCjs = createRequire(import.meta.url);
export const promClient = (): typeof PromClient => requireCjs('prom-client') as typeof PromClient;
