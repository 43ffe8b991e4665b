import { afterEach, beforeEach, describe } from '@jest/globals';
import { aclCases } from './cases-acl.js';
import { attrCases } from './cases-attrs.js';
import { confinementCases } from './cases-confinement.js';
import { dataCases } from './cases-data.js';
import { deepCases } from './cases-deep.js';
import { dirCases } from './cases-dirs.js';
import { errorCases } from './cases-errors.js';
import { fileCases } from './cases-files.js';
import { hostCases } from './cases-host.js';
import { lockCases } from './cases-locks.js';
import { namespaceCases } from './cases-namespace.js';
import { ownershipCases } from './cases-ownership.js';
import { xattrCases } from './cases-xattr.js';
import type { Capability, ConformanceTarget, Harness } from './harness.js';
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

/**
 * The POSIX conformance suite, written once and run against any Backend in-process through
 * `createStack([], backend)` (go-fuse's posixtest is the model). `makeTarget` gives a fresh,
 * empty volume per case; `caps` names what the backend supports beyond the core ops, so cases
 * for the rest are reported as skipped rather than silently passing.
 */
export function describeConformance(
  name: string,
  makeTarget: () => Promise<ConformanceTarget>,
  caps: ReadonlySet<Capability>,
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
    fileCases(s);
    namespaceCases(s);
    dirCases(s);
    errorCases(s);
    deepCases(s);
    attrCases(s);
    ownershipCases(s);
    dataCases(s);
    xattrCases(s);
    aclCases(s);
    lockCases(s);
    confinementCases(s);
    hostCases(s);
  });
}
