/**
 * The persona workloads of test/e2e/personas.test.ts: the objects a user would apply, and the
 * parsing of what they print. Kept apart so the test reads as the story.
 */
export const PERSONAS_NS = 'personas';

/** A hostPath PV and the PVC bound to it by label (no provisioner on the local cluster). */
export function pvAndClaim(name: string, hostDir: string): object[] {
  return [
    {
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name: `${PERSONAS_NS}-${name}`, labels: { e2e: `${PERSONAS_NS}-${name}` } },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: hostDir } },
    },
    {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: PERSONAS_NS },
      spec: {
        accessModes: ['ReadWriteOnce'], storageClassName: '',
        selector: { matchLabels: { e2e: `${PERSONAS_NS}-${name}` } }, resources: { requests: { storage: '1Gi' } },
      },
    },
  ];
}

/**
 * The ML reader: reads every file of /dataset in 1 MiB reads, as a training loop's data loader
 * does, and prints one JSON line per second with the bytes read so far, for `seconds` seconds.
 * Exits 3 if the dataset runs out first (the sample would then be shorter than asked).
 */
const READER = `
const fs = require('fs');
const seconds = Number(process.env.SAMPLE_SECONDS);
const files = fs.readdirSync('/dataset').filter((f) => f.endsWith('.bin')).sort();
const buf = Buffer.alloc(1 << 20);
let total = 0, next = 1000, fd = -1, i = 0;
const t0 = performance.now();
for (;;) {
  if (fd < 0) {
    if (i === files.length) { console.log(JSON.stringify({ exhausted: total })); process.exit(3); }
    fd = fs.openSync('/dataset/' + files[i++], 'r');
  }
  const n = fs.readSync(fd, buf, 0, buf.length, null);
  if (n === 0) { fs.closeSync(fd); fd = -1; continue; }
  total += n;
  const ms = performance.now() - t0;
  if (ms >= next) {
    console.log(JSON.stringify({ ms: Math.round(ms), bytes: total }));
    next = (Math.floor(ms / 1000) + 1) * 1000;
    if (ms >= seconds * 1000) break;
  }
}`;

export function readerJob(image: string, layers: string, seconds: number): object {
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'ml-reader', namespace: PERSONAS_NS },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations: { 'fs-interposer/layers': layers } },
        spec: {
          hostNetwork: true,
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 5,
          securityContext: { runAsUser: 1000, runAsGroup: 1000 },
          containers: [{
            name: 'reader', image, imagePullPolicy: 'Never',
            command: ['node', '-e', READER],
            env: [{ name: 'SAMPLE_SECONDS', value: String(seconds) }],
            volumeMounts: [{ name: 'dataset', mountPath: '/dataset', readOnly: true }],
          }],
          volumes: [{ name: 'dataset', persistentVolumeClaim: { claimName: 'dataset' } }],
        },
      },
    },
  };
}

export interface RateSample {
  ms: number;
  bytes: number;
}

/** The reader's JSON lines (other lines, if any, are not samples). */
export function parseSamples(log: string): RateSample[] {
  return log.split('\n').filter((l) => l.startsWith('{"ms"')).map((l) => JSON.parse(l) as RateSample);
}

/**
 * PostgreSQL as a Pod: PID 1 is a small shell that initialises the data directory once, runs
 * the server and exits when the server dies, so a crash restarts the container (the data
 * directory, on the injected PVC, survives it). fsync and synchronous_commit are on (defaults,
 * spelled out): an acknowledged commit is on stable storage.
 */
export function postgresPod(image: string, port: number): object {
  const opts = [
    `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=/tmp`,
    '-c shared_buffers=16MB -c max_connections=10 -c jit=off',
    '-c fsync=on -c synchronous_commit=on -c full_page_writes=on',
  ].join(' ');
  // PID 1 ignores signals it has no handler for: SIGTERM (Pod deletion) becomes a fast shutdown,
  // so the server is down before the sidecar stops serving its volume.
  const script = [
    '[ -f /data/pg/PG_VERSION ] || initdb -D /data/pg -A trust -U postgres -E UTF8 --locale=C >/dev/null || exit 1',
    `postgres -D /data/pg ${opts} & pid=$!`,
    "trap 'stopping=1; kill -INT $pid' TERM INT",
    'wait $pid; rc=$?',
    '[ -n "$stopping" ] && { wait $pid; exit 0; }',
    'echo "postgres exited with $rc" >&2',
    'exit 1',
  ].join('\n');
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'pg', namespace: PERSONAS_NS, annotations: { 'fs-interposer/layers': 'powerloss' } },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 10,
      securityContext: { runAsUser: 999, runAsGroup: 999 },
      containers: [{
        name: 'postgres', image, imagePullPolicy: 'Never', command: ['sh', '-c', script],
        volumeMounts: [{ name: 'pgdata', mountPath: '/data' }],
      }],
      volumes: [{ name: 'pgdata', persistentVolumeClaim: { claimName: 'pgdata' } }],
    },
  };
}

/**
 * The client's script for psql: a bulk table first (more than shared_buffers, so the server
 * writes data pages it has not yet fsynced), then one committed INSERT after another, each
 * followed by an `ack N` line that psql prints only once the commit has returned.
 */
export function commitScript(commits: number): string {
  const lines = [
    'CREATE TABLE bulk AS SELECT g AS id, repeat(\'x\', 100) AS pad FROM generate_series(1, 100000) g;',
    'CREATE TABLE acked (id int PRIMARY KEY, at timestamptz DEFAULT now());',
    '\\echo ready',
  ];
  for (let i = 1; i <= commits; i += 1) lines.push(`INSERT INTO acked (id) VALUES (${i});`, `\\echo ack ${i}`);
  return `${lines.join('\n')}\n`;
}

export const acks = (out: string): number[] =>
  [...out.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
