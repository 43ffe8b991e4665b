import { status } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { promClient } from '../telemetry/prom-client.js';

/** Outcomes of custody recovery after a driver restart (recover.ts). */
export interface CustodyOutcome {
  adopted: number;
  withFds: number;
  dropped: number;
  failed: number;
}

/**
 * What the driver counts, served on its health port at /metrics (the port the chart's
 * ServiceMonitor scrapes). Every RPC by method and gRPC code (publish and unpublish errors are
 * the codes other than OK), custody recovery by outcome, failed fd handoffs, the volumes held,
 * and build info. No `pod`/`namespace` labels of its own: discovery adds them (ADR 0051).
 */
export interface CsiMetrics {
  readonly registry: Registry;
  rpc(service: string, method: string, code: status): void;
  custody(outcome: CustodyOutcome): void;
  handoffError(): void;
}

export interface CsiMetricsOptions {
  version: string;
  /** Volumes this driver holds custody of right now, read at scrape time. */
  liveVolumes: () => number;
  registry?: Registry;
}

const codeName = (code: status): string => status[code] ?? String(code);

export function createCsiMetrics(o: CsiMetricsOptions): CsiMetrics {
  const prom = promClient();
  const registry = o.registry ?? new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  // Gauges named *_total fail promtool (see telemetry/registry.ts).
  for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(n);
  }
  const info = new prom.Gauge({
    name: 'fs_interposer_csi_build_info',
    help: 'Always 1; the labels name the running driver build',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
  });
  info.set({ version: o.version, nodejs: process.version }, 1);
  const requests = new prom.Counter({
    name: 'fs_interposer_csi_requests_total',
    help: 'CSI RPCs answered, by service, method and gRPC code (OK or the error)',
    labelNames: ['service', 'method', 'code'],
    registers: [registry],
  });
  const custody = new prom.Counter({
    name: 'fs_interposer_csi_custody_recoveries_total',
    help: 'Volumes found at driver start: adopted, adopted with fds back from the sidecar, dropped (mount gone), failed',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of ['adopted', 'with_fds', 'dropped', 'failed']) custody.inc({ outcome }, 0);
  const handoff = new prom.Counter({
    name: 'fs_interposer_csi_handoff_errors_total',
    help: 'FUSE fd handoffs to a sidecar that failed',
    registers: [registry],
  });
  new prom.Gauge({
    name: 'fs_interposer_csi_volumes',
    help: 'Volumes this driver holds custody of',
    registers: [registry],
    collect() {
      this.set(o.liveVolumes());
    },
  });
  return {
    registry,
    rpc: (service, method, code) => requests.inc({ service, method, code: codeName(code) }),
    custody(r) {
      custody.inc({ outcome: 'adopted' }, r.adopted);
      custody.inc({ outcome: 'with_fds' }, r.withFds);
      custody.inc({ outcome: 'dropped' }, r.dropped);
      custody.inc({ outcome: 'failed' }, r.failed);
    },
    handoffError: () => handoff.inc(),
  };
}
