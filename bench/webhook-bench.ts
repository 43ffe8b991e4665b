/**
 * /mutate over HTTPS with a realistic Pod (a Deployment's Pod with two PVCs, probes, SA token):
 * an open-loop phase at a fixed rate (latency measured from the scheduled send time, so a stall
 * counts against us instead of slowing the generator) and a closed-loop phase for the maximum
 * rate. The server runs in a child process, as it would behind a real apiserver.
 *
 * The machine is shared, so every round also measures a control: a bare node:https server that
 * answers the same request with a fixed AdmissionReview. Rounds alternate webhook and control, so
 * both see the same background load; the control is the floor this machine allows at that moment.
 *   node --import ./bench/webhook-ts-hooks.mjs bench/webhook-bench.ts [--rate 500] [--seconds 10] [--rounds 3]
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseLayerSpec } from '../src/config/index.js';
import { createFakeKubeApi } from '../src/webhook/kube/fake-kube-api.js';
import { DEFAULT_SIDECAR_RESOURCES } from '../src/webhook/resources.js';
import { startWebhook } from '../src/webhook/start-webhook.js';
import { createCa, createServingCert } from '../src/webhook/tls/certificates.js';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/admission/deployment-pod.json', import.meta.url));
type Kind = 'webhook' | 'control';

async function listen(kind: Kind, certPem: string, keyPem: string): Promise<{ port: number; close(): Promise<void> }> {
  if (kind === 'control') {
    const answer = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'x', allowed: true } });
    const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as { port: number }).port, close: () => new Promise((r) => server.close(() => r())) };
  }
  const dir = mkdtempSync('/tmp/fsi-webhook-bench-');
  writeFileSync(`${dir}/tls.crt`, certPem);
  writeFileSync(`${dir}/tls.key`, keyPem);
  const api = createFakeKubeApi();
  api.namespaces.set('apps', {});
  return startWebhook(
    {
      port: 0, host: '127.0.0.1', sidecarImage: 'ghcr.io/fs-interposer/fs-interposer:0.1.0', imageAllowList: [],
      sidecarMode: 'auto', defaultResources: DEFAULT_SIDECAR_RESOURCES,
      tls: { mode: 'files', certPath: `${dir}/tls.crt`, keyPath: `${dir}/tls.key` },
      provenance: { namespace: 'fs-interposer', secretName: 'fs-interposer-provenance' },
    },
    { logger: pino({ level: 'warn' }), registry: new Registry(), api, parseLayerSpec },
  );
}

async function serve(kind: Kind): Promise<void> {
  const now = new Date();
  const ca = createCa({ commonName: 'bench-ca', now, validityDays: 1 });
  const serving = createServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], now, validityDays: 1 });
  const running = await listen(kind, serving.certPem, serving.keyPem);
  // The parent asks for this process's CPU time around each phase: server cost per request,
  // independent of what else the machine runs.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  process.on('message', (m) => {
    if (m === 'reset') {
      loop.reset();
      loop.enable();
      process.send?.({ cpu: process.cpuUsage() });
    } else if (m === 'report') {
      loop.disable();
      process.send?.({ cpu: process.cpuUsage(), loopP99Ms: loop.percentile(99) / 1e6 });
    } else if (m === 'exit') {
      void running.close().then(() => process.exit(0)); // exits normally: --cpu-prof writes its profile
    }
  });
  process.send?.({ port: running.port, ca: ca.certPem });
}

interface ServerStats { cpu: NodeJS.CpuUsage; loopP99Ms?: number }

function ask(child: ChildProcess, m: string): Promise<ServerStats> {
  return new Promise((r) => {
    child.once('message', (x) => r(x as ServerStats));
    child.send(m);
  });
}

function post(agent: Agent, port: number, ca: string, body: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/mutate', method: 'POST', agent, ca, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

interface Shot { latencyMs: number; ok: boolean }

async function openLoop(send: () => Promise<boolean>, rate: number, seconds: number): Promise<Shot[]> {
  const shots: Promise<Shot>[] = [];
  const start = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // From the scheduled time when late (a stall counts), from the real send when a timer fired early.
    const from = Math.max(due, performance.now());
    shots.push(send().then((ok) => ({ ok, latencyMs: performance.now() - from })));
  }
  return Promise.all(shots);
}

async function closedLoop(send: () => Promise<boolean>, concurrency: number, seconds: number): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) if (await send()) done++;
  }));
  return done / seconds;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const r2 = (n: number) => Math.round(n * 100) / 100;

interface Target { child: ChildProcess; send: () => Promise<boolean>; agent: Agent }

async function spawnTarget(kind: Kind, body: string): Promise<Target> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind], { execArgv: process.execArgv });
  const { port, ca } = await new Promise<{ port: number; ca: string }>((r) => child.once('message', (m) => r(m as never)));
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  return { child, agent, send: () => post(agent, port, ca, body) };
}

async function round(t: Target, rate: number, seconds: number) {
  const load = loadavg()[0]!;
  const before = await ask(t.child, 'reset');
  const shots = await openLoop(t.send, rate, seconds);
  const after = await ask(t.child, 'report');
  const cpuUs = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  const lat = shots.filter((s) => s.ok).map((s) => s.latencyMs).sort((a, b) => a - b);
  return {
    loadavg1: r2(load), errors: shots.filter((s) => !s.ok).length, perSec: r2(shots.length / seconds),
    p50ms: r2(pct(lat, 50)), p90ms: r2(pct(lat, 90)), p99ms: r2(pct(lat, 99)), maxMs: r2(pct(lat, 100)),
    serverCpuUsPerRequest: Math.round(cpuUs / shots.length), serverLoopDelayP99Ms: r2(after.loopP99Ms ?? NaN),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '500' }, seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' }, serve: { type: 'string' },
    },
  });
  if (values.serve) return serve(values.serve as Kind);
  const [rate, seconds, rounds] = [Number(values.rate), Number(values.seconds), Number(values.rounds)];
  const body = readFileSync(FIXTURE, 'utf8');
  const targets = { webhook: await spawnTarget('webhook', body), control: await spawnTarget('control', body) };
  try {
    for (const t of Object.values(targets)) await openLoop(t.send, rate, 3); // warm-up: JIT, TLS, pool
    const results: Record<string, unknown>[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const [kind, t] of Object.entries(targets)) results.push({ round: i + 1, kind, ...(await round(t, rate, seconds)) });
    }
    const max = { webhook: r2(await closedLoop(targets.webhook.send, 16, 5)), control: r2(await closedLoop(targets.control.send, 16, 5)) };
    const meta = { date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, bodyBytes: body.length, rate, seconds };
    console.log(JSON.stringify({ meta, closedLoopMaxPerSec: max, results }, null, 1));
  } finally {
    for (const t of Object.values(targets)) {
      t.agent.destroy();
      t.child.send('exit');
      setTimeout(() => t.child.kill(), 5000).unref();
    }
  }
}

await main();
