import { parseConfigFile, parseLayerSpec } from '../config/index.js';
import type { ConfigError, StackConfig } from '../config/index.js';
import type { StackRuntime } from '../runtime/stack-runtime.js';

/** A control request: one JSON object per line on the control socket. */
export type ControlRequest =
  | { command: 'status' }
  | { command: 'set-layers'; spec: string }
  | { command: 'set-config'; text: string }
  | { command: 'kill' }
  | { command: 'powerloss'; action: 'drop' | 'tear' | 'report' };

export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: string; errors?: ConfigError[] };

export const CONTROL_COMMANDS = ['status', 'set-layers SPEC', 'set-config FILE', 'kill', 'powerloss drop|tear|report'];

export interface ControlTarget {
  runtime: StackRuntime;
  mountpoint: string;
  inFlight(): number;
}

function status(t: ControlTarget): unknown {
  const s = t.runtime.current();
  return {
    mountpoint: t.mountpoint,
    layers: t.runtime.holder.current().layers.map((l) => l.name),
    configured: t.runtime.config.layers.map((l) => l.type),
    killed: t.runtime.holder.killed,
    seed: s.seed,
    inFlight: t.inFlight(),
    unsynced: s.powerloss.flatMap((p) => p.unsynced()),
  };
}

async function swap(t: ControlTarget, parsed: { ok: true; value: StackConfig } | { ok: false; errors: ConfigError[] }): Promise<ControlResponse> {
  if (!parsed.ok) return { ok: false, error: 'invalid configuration: the current stack stays', errors: parsed.errors };
  try {
    await t.runtime.reconfigure(parsed.value);
  } catch (err) {
    return { ok: false, error: `cannot build the new stack (the current one stays): ${(err as Error).message}` };
  }
  return { ok: true, result: status(t) };
}

async function powerloss(t: ControlTarget, action: string): Promise<ControlResponse> {
  const layers = t.runtime.current().powerloss;
  if (layers.length === 0) return { ok: false, error: 'no powerloss layer in the current stack' };
  if (action === 'report') return { ok: true, result: layers.map((l) => l.unsynced()) };
  if (action !== 'drop' && action !== 'tear') return { ok: false, error: `powerloss ${action}: accepted: drop, tear, report` };
  const reports = [];
  for (const l of layers) reports.push(await (action === 'drop' ? l.drop() : l.tear()));
  return { ok: true, result: reports };
}

export async function execute(t: ControlTarget, req: ControlRequest): Promise<ControlResponse> {
  switch (req.command) {
    case 'status':
      return { ok: true, result: status(t) };
    case 'set-layers':
      return swap(t, parseLayerSpec(req.spec));
    case 'set-config':
      return swap(t, parseConfigFile(req.text));
    case 'kill':
      await t.runtime.kill();
      return { ok: true, result: status(t) };
    case 'powerloss':
      return powerloss(t, req.action);
    default:
      return { ok: false, error: `unknown command; accepted: ${CONTROL_COMMANDS.join(', ')}` };
  }
}
