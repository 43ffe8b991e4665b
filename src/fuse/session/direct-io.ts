/**
 * Direct I/O in the reader threads: READ, WRITE, FSYNC and FLUSH of a file opened while the
 * plan lets the readers serve data (no layer, or only layers with a reader form) are served by
 * the reader thread that read the request, with one syscall on the backing fd (pread, pwrite,
 * fsync; none for FLUSH) and the reply written on the same queue fd. So is GETATTR with such a
 * file's handle (one fstat) while the plan's readerGetattr holds (direct-attr.ts). No hand-off to the main
 * thread, no threadpool hop, no event-loop wake-up: the request costs what it costs in libfuse.
 * An FSYNC only while another reader sits in read(2): a slow fsync must never hold the last
 * reader (direct-layout.ts, otherReaderIdle); else the main thread fsyncs on the threadpool.
 *
 * The table is a SharedArrayBuffer of (handle counter, backing fd) pairs, written only by the
 * main thread (register at OPEN/CREATE, unregister at RELEASE, clear on a stack swap that adds
 * layers or decides per handle) and read by every reader. A request the table does not cover
 * (a layer is active, a predecessor's handle, O_APPEND, a resent request, a malformed frame)
 * goes to the main thread exactly as before. This file is the main thread's side (its interface
 * in direct-io-table.ts); the readers' dispatcher is direct-serve.ts.
 *
 * Why an fd cannot be closed under a reader: the kernel sends RELEASE only after the last
 * reference to the open file is gone, and every READ/WRITE/FSYNC in flight holds one (FLUSH runs
 * in close(2) before the last reference is dropped); RELEASE clears
 * the entry before the backend closes the fd. See docs/adr/0073-direct-io-in-reader-threads.md.
 */
import { setGate } from '../../vfs/reader-gate.js';
import type { GateView } from '../../vfs/reader-gate.js';
import type { DirectIoTable } from './direct-io-table.js';
import { createNodeFds } from './direct-nodes.js';
import {
  ATTR_TIMEOUT,
  ENABLED,
  EPOCH,
  GETATTR,
  NODE_ATTR,
  META_PATHS,
  ROOT_FD,
  ENTRY_TIMEOUT,
  META_SAMPLE,
  MISSES,
  NODES,
  UNLINKS,
  MISS_KEEP,
  MISS_OFF,
  MISS_PLAIN,
  HANDED,
  HANDLE_CAP,
  HEAD,
  LISTED,
  LOCKED,
  NODE_CAP,
  SERVED,
  TAP,
  TWO32,
  entryOf,
  loadSeconds,
  storeSeconds,
} from './direct-layout.js';
import type { LookupOptions } from './direct-io-table.js';

export const DIRECT_CAPACITY = 4096;

/**
 * `epoch`: the handle table's (every handle this process issues is epoch * 2^32 + counter).
 * `gate`: where the plan's reader forms go (the port's reader tap buffer); without one, a plan
 * that has reader forms is served on the main thread. `attrTimeout`: the session's attribute
 * timeout in seconds, which the readers' GETATTR replies carry as the main thread's do; without
 * one, every GETATTR goes to the main thread.
 */
export function createDirectIoTable(
  epoch: number,
  capacity = DIRECT_CAPACITY,
  gate?: GateView,
  attrTimeout?: number,
): DirectIoTable {
  const sab = new SharedArrayBuffer((HEAD + capacity * 5) * 4);
  const t = new Int32Array(sab);
  t[EPOCH] = epoch;
  t[HANDLE_CAP] = capacity;
  t[NODE_CAP] = capacity;
  const nodes = createNodeFds(t);
  // Set before any reader starts (the buffer goes to them in workerData), never changed.
  storeSeconds(t, ATTR_TIMEOUT, attrTimeout ?? NaN);
  const attrs = attrTimeout !== undefined && Number.isFinite(attrTimeout) && attrTimeout >= 0;
  let size = 0;
  let lookups: LookupOptions | undefined;
  let entries = false;
  // Kept across setEnabled(false): locks outlive a swap to a stack with layers.
  const locked = new Set<number>();
  const slotOf = (fh: number): number | undefined => {
    const hi = Math.floor(fh / TWO32);
    const lo = fh % TWO32;
    if (hi !== epoch || lo <= 0 || lo > 0x7fff_ffff) return undefined;
    return entryOf(lo, capacity);
  };
  return {
    sab,
    register(fh, fd, nodeId, listed = false) {
      const i = slotOf(fh);
      if (i === undefined || Atomics.load(t, ENABLED) === 0 || Atomics.load(t, i) !== 0)
        return false;
      if (fd < 0 || (fd & LISTED) !== 0) return false;
      // The fd first: a reader that sees the key also sees its fd.
      Atomics.store(t, i + 1, listed ? fd | LISTED : fd);
      Atomics.store(t, i, fh % TWO32);
      size++;
      if (nodeId !== undefined && !listed) nodes.add(nodeId, fh, fd);
      return true;
    },
    unregister(fh) {
      const inUse = nodes.remove(fh);
      const i = slotOf(fh);
      if (i === undefined || Atomics.load(t, i) !== fh % TWO32) return inUse;
      Atomics.store(t, i, 0);
      size--;
      return inUse;
    },
    setEnabled(on) {
      Atomics.store(t, ENABLED, on ? 1 : 0);
      if (on) return;
      for (let i = HEAD; i < HEAD + capacity * 2; i += 2) Atomics.store(t, i, 0);
      nodes.clear();
      size = 0;
    },
    setExclusive() {
      Atomics.store(t, NODE_ATTR, 1);
    },
    enableLookups(o) {
      lookups = o;
      storeSeconds(t, ENTRY_TIMEOUT, o.entryTimeout);
      entries = Number.isFinite(o.entryTimeout) && o.entryTimeout >= 0;
    },
    get mirror() {
      return lookups?.mirror;
    },
    get missRing() {
      return lookups?.misses?.ring;
    },
    get removalRing() {
      return lookups?.removals;
    },
    get spanRing() {
      return lookups?.spans;
    },
    lockAsked(nodeId) {
      locked.add(nodeId);
      Atomics.store(t, LOCKED, locked.size);
    },
    hasLockRequest: (nodeId) => locked.has(nodeId),
    nodeClosed(nodeId) {
      if (!locked.delete(nodeId)) return;
      Atomics.store(t, LOCKED, locked.size);
    },
    setPlan(plan) {
      const serve = plan.readerData && (plan.gate === undefined || gate !== undefined);
      const getattr = serve && attrs && plan.readerGetattr === true;
      const paths = getattr && entries && lookups !== undefined && plan.metaRoot !== undefined;
      // Tap and gate on before serving starts, off only after serving stopped: nothing is
      // served uncounted or unthrottled. Metadata stops first (a layer of the new plan acts on
      // it; a swap waits for readers keeping a miss: kept-misses.ts), starts last. A new sample
      // share is written while GETATTR is off (its two ints are not one store).
      const sample = plan.metaSample ?? -1;
      const resample = sample !== loadSeconds(t, META_SAMPLE);
      const misses = lookups?.misses;
      const keep = misses?.keep === true && plan.cacheMisses === true;
      const missMode = !paths || !misses ? MISS_OFF : keep ? MISS_KEEP : MISS_PLAIN;
      if (missMode < Atomics.load(t, MISSES)) Atomics.store(t, MISSES, missMode);
      if (!paths) for (const i of [NODES, UNLINKS, META_PATHS]) Atomics.store(t, i, 0);
      if (!getattr || resample) Atomics.store(t, GETATTR, 0);
      if (resample) storeSeconds(t, META_SAMPLE, sample);
      if (!serve || plan.readerPerHandle === true) this.setEnabled(false);
      if (plan.tap) Atomics.store(t, TAP, 1);
      if (gate !== undefined) setGate(gate, serve ? plan.gate : undefined);
      this.setEnabled(serve);
      if (getattr) Atomics.store(t, GETATTR, 1);
      if (paths) {
        Atomics.store(t, ROOT_FD, plan.metaRoot!);
        Atomics.store(t, META_PATHS, 1);
        Atomics.store(t, MISSES, missMode);
        Atomics.store(t, UNLINKS, lookups?.removals ? 1 : 0);
        Atomics.store(t, NODES, lookups?.removals ? 1 : 0);
      }
      if (!plan.tap) Atomics.store(t, TAP, 0);
    },
    get enabled() {
      return Atomics.load(t, ENABLED) === 1;
    },
    get tapping() {
      return Atomics.load(t, TAP) === 1;
    },
    get servingGetattr() {
      return Atomics.load(t, GETATTR) === 1;
    },
    get lockedNodes() {
      return locked.size;
    },
    get mappedNodes() {
      return nodes.mapped;
    },
    get size() {
      return size;
    },
    get served() {
      return Atomics.load(t, SERVED) >>> 0;
    },
    get fsyncHandedOver() {
      return Atomics.load(t, HANDED) >>> 0;
    },
  };
}
