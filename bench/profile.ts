/**
 * Summarise the .cpuprofile files of one directory (every thread of a server run under
 * `node --cpu-prof`, e.g. `bench/run.sh --cpu-prof-dir DIR --only seqread`):
 *   node dist/bench/profile.js DIR [TITLE]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderProfile, summarizeProfiles } from './lib/cpu-profile.js';
import type { CpuProfile } from './lib/cpu-profile.js';

const [dir, title] = process.argv.slice(2);
if (!dir) {
  console.error('usage: profile DIR [TITLE]');
  process.exit(2);
}
// CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread, the others are
// readers, whose samples are mostly their blocking read(2) of /dev/fuse (waiting, not work).
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
const load = (f: string): CpuProfile => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
const isMain = (f: string): boolean => f.split('.')[4] === '0';
const name = title ?? 'profile';
process.stdout.write(renderProfile(summarizeProfiles(files.filter(isMain).map(load)), `${name}, main thread`));
process.stdout.write('\n');
process.stdout.write(renderProfile(summarizeProfiles(files.filter((f) => !isMain(f)).map(load), 8), `${name}, reader threads`));
