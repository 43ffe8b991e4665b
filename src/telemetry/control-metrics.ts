import type { Counter, Registry } from 'prom-client';
import { promClient } from './prom-client.js';

/** Commands a control socket accepts; anything else is counted as `unknown` (bounded labels). */
const KNOWN = new Set(['status', 'set-layers', 'set-config', 'kill', 'bypass', 'powerloss']);

const cache = new WeakMap<Registry, Counter<'volume' | 'command' | 'result'>>();

/**
 * `fs_interposer_control_actions_total{volume, command, result}`: every command a volume's control
 * socket served (status, set-layers, bypass, powerloss ...), so what an operator did to a Pod is
 * visible next to what it caused.
 */
export function controlActionCounter(
  registry: Registry,
): (volume: string, command: string, ok: boolean) => void {
  let c = cache.get(registry);
  if (c === undefined) {
    const { Counter } = promClient();
    c = new Counter({
      name: 'fs_interposer_control_actions_total',
      help: 'Commands served by the control socket, by volume, command and result (ok or error).',
      labelNames: ['volume', 'command', 'result'],
      registers: [registry],
    });
    cache.set(registry, c);
  }
  const counter = c;
  return (volume, command, ok) =>
    counter.inc({
      volume,
      command: KNOWN.has(command) ? command : 'unknown',
      result: ok ? 'ok' : 'error',
    });
}
