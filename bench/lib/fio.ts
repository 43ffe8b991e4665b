import { sh } from './sh.js';

export interface FioJob {
  filename: string;
  rw: 'read' | 'write' | 'randread' | 'randwrite';
  bs: string;
  size: string;
  direct?: boolean;
  numjobs?: number;
  /** Seconds; when set the job runs for this long instead of one pass over `size`. */
  runtime?: number;
  fsync?: number;
  /** Drop the file's cached pages before the job (on a FUSE mount: the mount's cache only). */
  invalidate?: boolean;
  /** Job i starts at i * offsetIncrement (jobs split the file instead of each reading all of it). */
  offsetIncrement?: string;
}

export interface FioResult {
  bytesPerSecond: number;
  iops: number;
  ios: number;
}

export function fioArgs(j: FioJob): string[] {
  const a = [
    '--name=bench',
    `--filename=${j.filename}`,
    `--rw=${j.rw}`,
    `--bs=${j.bs}`,
    `--size=${j.size}`,
    '--ioengine=psync',
    '--output-format=json',
    `--direct=${j.direct ? 1 : 0}`,
    `--invalidate=${j.invalidate === false ? 0 : 1}`,
    `--numjobs=${j.numjobs ?? 1}`,
    '--group_reporting',
  ];
  if (j.runtime !== undefined) a.push('--time_based', `--runtime=${j.runtime}`);
  if (j.fsync !== undefined) a.push(`--fsync=${j.fsync}`);
  if (j.offsetIncrement !== undefined) a.push(`--offset_increment=${j.offsetIncrement}`);
  return a;
}

/** The read or write side of fio's JSON, whichever the job did. */
export function parseFio(json: string, rw: FioJob['rw']): FioResult {
  // fio may print warnings before the JSON document.
  const doc = JSON.parse(json.slice(json.indexOf('{'))) as {
    jobs: Array<Record<'read' | 'write', { bw_bytes: number; iops: number; total_ios: number }>>;
  };
  const job = doc.jobs[0];
  if (!job) throw new Error('fio reported no job');
  const side = rw === 'read' || rw === 'randread' ? job.read : job.write;
  return { bytesPerSecond: side.bw_bytes, iops: side.iops, ios: side.total_ios };
}

export async function fio(j: FioJob): Promise<FioResult> {
  const r = await sh('fio', fioArgs(j), { timeoutMs: 600_000 });
  return parseFio(r.stdout, j.rw);
}
