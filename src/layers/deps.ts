import type { Logger } from 'pino';
import type { Backend } from '../vfs/types.js';
import type { LayerClock } from './clock.js';
import type { LayerDecisions } from './decisions.js';
import type { Random } from './random.js';

/** What buildStack hands each layer factory. */
export interface LayerDeps {
  /** Instance name (config `name` or the type). */
  readonly name: string;
  readonly clock: LayerClock;
  /** This layer's own stream, forked from the stack seed by layer name and position. */
  readonly random: Random;
  readonly decisions: LayerDecisions;
  readonly logger?: Logger;
  /**
   * The backend under the whole stack, for side calls a layer makes on its own behalf (quota's
   * usage scan, powerloss's undo reads and writes); those bypass the layers below it.
   */
  readonly backend: Backend;
}
