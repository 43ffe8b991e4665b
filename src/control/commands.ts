import { parseConfigFile, parseLayerSpec } from '../config/index.js';
import type { ConfigError, ParseResult, StackConfig } from '../config/index.js';
import type { ApplyResult, StackController } from '../layers/stack/controller.js';

/** A control request: one JSON object per line on the control socket. */
export type ControlRequest =
  | { command: 'status' }
  | { command: 'set-layers'; spec: string }
  | { command: 'set-config'; text: string }
  | { command: 'kill' }
  | { command: 'unmount' }
  | { command: 'powerloss'; action: 'drop' | 'tear' | 'report' };

export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: string; errors?: ConfigError[] };

export const CONTROL_COMMANDS = ['status', 'set-layers SPEC', 'set-config FILE', 'kill', 'unmount', 'powerloss drop|tear|report'];

export interface ControlTarget {
  controller: StackController;
  mountpoint: string;
  /** The FUSE engine's counters (open handles, requests the reader threads served). */
  engine?: () => unknown;
  /** What this host refuses in a new configuration beyond the schema (files inside the mount). */
  admit?: (config: StackConfig) => ConfigError[];
  /** Unmount cleanly, as SIGTERM does (`fs-interposer umount`); absent where the host cannot. */
  stop?: (reason: string) => void;
}

const REFUSED = 'invalid configuration: the current stack stays';

function status(t: ControlTarget): unknown {
  return { mountpoint: t.mountpoint, pid: process.pid, ...t.controller.status(), ...(t.engine && { engine: t.engine() }) };
}

/**
 * Admit, then apply (which imports the modules of layers not loaded yet). An invalid
 * configuration is left to `apply`, which reports every error.
 */
async function applyParsed(
  t: ControlTarget,
  parsed: ParseResult<StackConfig>,
  apply: () => Promise<ApplyResult>,
): Promise<ControlResponse> {
  if (parsed.ok) {
    const refused = t.admit?.(parsed.value) ?? [];
    if (refused.length > 0) return { ok: false, error: REFUSED, errors: refused };
  }
  const r = await apply();
  if (!r.ok) return { ok: false, error: REFUSED, errors: r.errors };
  return { ok: true, result: status(t) };
}

async function powerloss(t: ControlTarget, action: string): Promise<ControlResponse> {
  const s = t.controller.status();
  if (action === 'report') return { ok: true, result: s.unsynced };
  if (action !== 'drop' && action !== 'tear') return { ok: false, error: `powerloss ${action}: accepted: drop, tear, report` };
  const reports = await (action === 'drop' ? t.controller.powerlossDrop() : t.controller.powerlossTear());
  if (reports.length === 0) return { ok: false, error: 'no powerloss layer in the current stack' };
  return { ok: true, result: reports };
}

export async function execute(t: ControlTarget, req: ControlRequest): Promise<ControlResponse> {
  switch (req.command) {
    case 'status':
      return { ok: true, result: status(t) };
    case 'set-layers':
      return applyParsed(t, parseLayerSpec(req.spec), () => t.controller.setLayers(req.spec));
    case 'set-config':
      return applyParsed(t, parseConfigFile(req.text), () => t.controller.setConfigFile(req.text));
    case 'kill':
      await t.controller.kill();
      return { ok: true, result: status(t) };
    case 'unmount':
      if (t.stop === undefined) return { ok: false, error: 'this server cannot be unmounted from its control socket' };
      // Answer first: the unmount ends the server, and with it this connection.
      setImmediate(() => t.stop!('umount'));
      return { ok: true, result: { mountpoint: t.mountpoint, pid: process.pid, unmounting: true } };
    case 'powerloss':
      return powerloss(t, req.action);
    default:
      return { ok: false, error: `unknown command; accepted: ${CONTROL_COMMANDS.join(', ')}` };
  }
}
