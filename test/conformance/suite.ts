import { afterEach, beforeEach, describe } from '@jest/globals';
import { aclCases } from './cases-acl.js';
import { attrCases } from './cases-attrs.js';
import { coherenceCases } from './cases-coherence.js';
import { confinementCases } from './cases-confinement.js';
import { dataCases } from './cases-data.js';
import { deepCases } from './cases-deep.js';
import { dirCases } from './cases-dirs.js';
import { errorCases } from './cases-errors.js';
import { fileCases } from './cases-files.js';
import { hostCases } from './cases-host.js';
import { lockCases } from './cases-locks.js';
import { nameCases } from './cases-names.js';
import { namespaceCases } from './cases-namespace.js';
import { ownershipCases } from './cases-ownership.js';
import { xattrCases } from './cases-xattr.js';
import type { Capability, ConformanceTarget, Harness, SuiteContext } from './harness.js';
import { createHarness, createSuiteContext } from './harness.js';

export type { Capability, ConformanceTarget, Harness } from './harness.js';

/**
 * What the passthrough backend supports, in-process or through a mount: `root` adds ownership,
 * device nodes and trusted.* xattrs; `lockOwners` (explicit FUSE lock owners) is in-process only.
 * `posixAcl` assumes the temp directory's filesystem keeps ACLs (ext4, xfs, btrfs, tmpfs do).
 */
export function passthroughCapabilities(o: { root: boolean; lockOwners: boolean }): Set<Capability> {
  return new Set<Capability>([
    'hostDir',
    'xattr',
    'fallocate',
    'seekHole',
    'copyFileRange',
    'locks',
    'strictSymlinks',
    'blocks',
    'posixAcl',
    ...(o.lockOwners ? (['lockOwners'] as const) : []),
    ...(o.root ? (['ownership', 'devices', 'privileged'] as const) : []),
  ]);
}

/** A group of cases: one `describe` of the suite. */
export type CaseGroup = (s: SuiteContext) => void;

export const ALL_CASES: readonly CaseGroup[] = [
  fileCases,
  namespaceCases,
  dirCases,
  errorCases,
  nameCases,
  deepCases,
  coherenceCases,
  attrCases,
  ownershipCases,
  dataCases,
  xattrCases,
  aclCases,
  lockCases,
  confinementCases,
  hostCases,
];

export { coherenceCases } from './cases-coherence.js';

/**
 * The POSIX conformance suite, written once and run against any Backend in-process through
 * `createStack([], backend)` (go-fuse's posixtest is the model). `makeTarget` gives a fresh,
 * empty volume per case; `caps` names what the backend supports beyond the core ops, so cases
 * for the rest are reported as skipped rather than silently passing. `groups` runs a part of the
 * suite (a mount with attribute caching on runs the cache-sensitive groups again).
 */
export function describeConformance(
  name: string,
  makeTarget: () => Promise<ConformanceTarget>,
  caps: ReadonlySet<Capability>,
  groups: readonly CaseGroup[] = ALL_CASES,
): void {
  describe(`POSIX conformance: ${name}`, () => {
    let target: ConformanceTarget | undefined;
    let harness: Harness | undefined;
    beforeEach(async () => {
      target = await makeTarget();
      harness = createHarness(target);
    });
    afterEach(async () => {
      await target?.cleanup();
      target = undefined;
      harness = undefined;
    });
    const s = createSuiteContext(caps, () => {
      if (harness === undefined) throw new Error('no conformance target (beforeEach failed)');
      return harness;
    });
    for (const group of groups) group(s);
  });
}
