import { describe, expect, it } from '@jest/globals';
import { createBackingTable } from '../../../src/fuse/session/backing.js';
import { FUSE_DEV_IOC_BACKING_CLOSE, FUSE_DEV_IOC_BACKING_OPEN } from '../../../src/fuse/protocol/constants.js';
import { createSilentLogger } from '../../../src/log/logger.js';

/** A double of the kernel's backing-id registry: ids from 1, fd numbers mapped to inodes. */
function fakeKernel(inodes: Record<number, string>, refuse = false) {
  const open = new Map<number, number>(); // id -> fd
  const calls: string[] = [];
  let next = 1;
  const ioctl = (devFd: number, request: number, arg: Buffer): number => {
    if (request === FUSE_DEV_IOC_BACKING_OPEN) {
      if (refuse) throw Object.assign(new Error('ioctl: EPERM'), { code: 'EPERM' });
      expect(arg.length).toBe(16);
      const fd = arg.readInt32LE(0);
      calls.push(`open ${fd} on ${devFd}`);
      open.set(next, fd);
      return next++;
    }
    expect(request).toBe(FUSE_DEV_IOC_BACKING_CLOSE);
    const id = arg.readUInt32LE(0);
    calls.push(`close ${id}`);
    if (!open.delete(id)) throw new Error('EINVAL');
    return 0;
  };
  const inodeKey = (fd: number): string => inodes[fd] ?? `fd${fd}`;
  return { ioctl, inodeKey, open, calls };
}

describe('backing table', () => {
  it('shares one backing id per inode and closes it with the last reference', () => {
    const k = fakeKernel({ 10: 'i1', 11: 'i1', 12: 'i2' });
    const t = createBackingTable({ devFd: 3, logger: createSilentLogger(), ioctl: k.ioctl, inodeKey: k.inodeKey });
    const a = t.open(10);
    const b = t.open(11);
    const c = t.open(12);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(t.size).toBe(2);
    t.close(a);
    expect(k.open.has(a)).toBe(true); // one reference left
    t.close(b);
    expect(k.open.has(a)).toBe(false);
    expect(k.calls).toEqual(['open 10 on 3', 'open 12 on 3', `close ${a}`]);
    t.close(a); // already gone: no second BACKING_CLOSE
    expect(k.calls).toHaveLength(3);
    expect(t.size).toBe(1);
  });

  it('answers 0 when the kernel refuses (no CAP_SYS_ADMIN), so the file is served by the daemon', () => {
    const k = fakeKernel({}, true);
    const t = createBackingTable({ devFd: 3, logger: createSilentLogger(), ioctl: k.ioctl, inodeKey: k.inodeKey });
    expect(t.open(10)).toBe(0);
    expect(t.open(11)).toBe(0);
    expect(t.size).toBe(0);
  });
});
