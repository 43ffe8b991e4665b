/**
 * /mutate over HTTPS with a realistic Pod (a Deployment's Pod with two PVCs, probes, SA token):
 * an open-loop phase at a fixed rate (latency measured from the scheduled send time, so a stall
 * counts against us instead of slowing the generator) and a closed-loop phase for the maximum
 * rate. The server runs in a child process, so client and server each get their own event loop,
 * as they would with a real apiserver.
 *   node --import ./bench/webhook-ts-hooks.mjs bench/webhook-bench.ts [--rate 500] [--seconds 20]
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, loadavg } from 'node:os';
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

async function serve(): Promise<void> {
  const now = new Date();
  const ca = createCa({ commonName: 'bench-ca', now, validityDays: 1 });
  const serving = createServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], now, validityDays: 1 });
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/fsi-webhook-bench-');
  writeFileSync(`${dir}/tls.crt`, serving.certPem);
  writeFileSync(`${dir}/tls.key`, serving.keyPem);
  const api = createFakeKubeApi();
  api.namespaces.set('apps', {});
  const running = await startWebhook(
    {
      port: 0, host: '127.0.0.1', sidecarImage: 'ghcr.io/fs-interposer/fs-interposer:0.1.0', imageAllowList: [],
      sidecarMode: 'auto', defaultResources: DEFAULT_SIDECAR_RESOURCES,
      tls: { mode: 'files', certPath: `${dir}/tls.crt`, keyPath: `${dir}/tls.key` },
    },
    { logger: pino({ level: 'warn' }), registry: new Registry(), api, parseLayerSpec },
  );
  // The parent asks for this process's CPU time around each phase: server cost per request,
  // independent of what else the machine runs.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  process.on('message', (m) => {
    if (m === 'reset') {
      loop.reset();
      loop.enable();
      process.send?.({ cpu: process.cpuUsage() });
    } else if (m === 'exit') {
      void running.close().then(() => process.exit(0)); // exits normally: --cpu-prof writes its profile
    } else if (m === 'report') {
      loop.disable();
      process.send?.({ cpu: process.cpuUsage(), loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6 });
    }
  });
  process.send?.({ port: running.port, ca: ca.certPem });
}

interface ServerStats { cpu: NodeJS.CpuUsage; loopP99Ms?: number; loopMaxMs?: number }

function ask(child: ChildProcess, m: string): Promise<ServerStats> {
  return new Promise((r) => {
    child.once('message', (x) => r(x as ServerStats));
    child.send(m);
  });
}

interface Shot { latencyMs: number; ok: boolean }

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

async function openLoop(send: () => Promise<boolean>, rate: number, seconds: number): Promise<Shot[]> {
  const shots: Promise<Shot>[] = [];
  const start = performance.now();
  const total = rate * seconds;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    shots.push(send().then((ok) => ({ ok, latencyMs: performance.now() - due })));
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rate: { type: 'string', default: '500' }, seconds: { type: 'string', default: '20' }, serve: { type: 'boolean' } } });
  if (values.serve) return serve();
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: process.execArgv });
  const { port, ca } = await new Promise<{ port: number; ca: string }>((r) => child.once('message', (m) => r(m as never)));
  const body = readFileSync(FIXTURE, 'utf8');
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const send = () => post(agent, port, ca, body);
  try {
    await openLoop(send, rate, 3); // warm-up: JIT, TLS sessions, connection pool
    const load = loadavg()[0]!.toFixed(1);
    const before = await ask(child, 'reset');
    const shots = await openLoop(send, rate, seconds);
    const after = await ask(child, 'report');
    const serverCpuUs = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
    const lat = shots.filter((s) => s.ok).map((s) => s.latencyMs).sort((a, b) => a - b);
    const max = await closedLoop(send, 16, 10);
    const result = {
      date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg1: load,
      bodyBytes: body.length, rate, seconds, sent: shots.length, errors: shots.filter((s) => !s.ok).length,
      achievedPerSec: +(shots.length / seconds).toFixed(1),
      p50ms: +pct(lat, 50).toFixed(2), p90ms: +pct(lat, 90).toFixed(2), p99ms: +pct(lat, 99).toFixed(2), maxMs: +pct(lat, 100).toFixed(2),
      closedLoopMaxPerSec: +max.toFixed(0),
      serverCpuUsPerRequest: +(serverCpuUs / shots.length).toFixed(0),
      serverCpuShareOfOneCore: +(serverCpuUs / 1e6 / seconds).toFixed(3),
      serverEventLoopDelayP99Ms: +(after.loopP99Ms ?? NaN).toFixed(2),
      serverEventLoopDelayMaxMs: +(after.loopMaxMs ?? NaN).toFixed(2),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    agent.destroy();
    child.send('exit');
    setTimeout(() => child.kill(), 5000).unref();
  }
}

await main();
