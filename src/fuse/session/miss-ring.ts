/**
 * The negative entries the reader threads hand the kernel (direct-miss.ts), listed for the main
 * thread's kept-miss list (kept-misses.ts) through a bounded ring in shared memory, and the
 * counters the readers need to follow the main thread's negative-entry rule
 * (ops/negative-entry.ts): renames and rmdirs through the mount (name-changes.ts) and the readers
 * between their decision to keep a miss and its reply written (a swap waits for them before it
 * takes the listed misses back).
 *
 * The ring is a bounded multi-producer queue with a sequence number per slot: a reader claims
 * the next position with a compare-and-swap of TAIL, writes its (parent, name) and publishes it
 * by storing the slot's sequence; the main thread, the only consumer, takes published slots in
 * order. A full ring refuses the claim (the reader then hands the LOOKUP over). A reader never
 * dies between its claim and its publication (nothing in between can throw; the pool terminates
 * threads only when the session ends), so a claimed slot is always published.
 *
 * The same ring, a second one per session, lists the names the readers removed with an UNLINK
 * (direct-unlink.ts) and the nodes they made for a LOOKUP (direct-new-node.ts) for the main
 * thread's node table (removals.ts), in one order: a node is made before a reply names it, and
 * removed only after; its counters other than ANSWERED are unused there.
 */
import { decodeName } from '../../vfs/names.js';

/** Slots in the ring: a reader hands a miss over when the main thread has not taken these yet. */
export const RING_SLOTS = 256;
/**
 * A slot: parent node ID (u32), a value (u32: the node ID, for removals.ts), name length (u16,
 * 0: a claimed slot with nothing in it), the name (at most NAME_MAX + 3 bytes), then a kind (u8:
 * REMOVED or MADE, for removals.ts) and an inode number (u64: a MADE node's).
 */
const SLOT_BYTES = 280;
const VALUE_AT = 4;
const LEN_AT = 8;
const NAME_AT = 10;
const KIND_AT = 268;
const INO_AT = 272;
/** What a removal-ring entry says: a name removed, or a node a reader made (direct-new-node.ts). */
export const REMOVED = 0;
export const MADE = 1;

/** Readers between the decision to keep a miss and their reply written. */
const INSIDE = 0;
/** Misses the readers answered, kept or not (ctl status). */
const ANSWERED = 1;
/** Name changes through the mount: a generation (bumped at each begin and end), those in flight. */
export const NAMES_GEN = 2;
export const NAMES_IN_FLIGHT = 3;
/** The next position a producer claims. */
const TAIL = 4;
/** The per-slot sequence numbers start here. */
const SEQ0 = 8;

export interface RingView {
  readonly h: Int32Array;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly mask: number;
  readonly dataAt: number;
  readonly slotBytes: number;
}

/** A ring of `slotBytes` slots (the miss ring's by default; span-ring.ts has longer ones). */
export function ringView(sab: SharedArrayBuffer, slotBytes = SLOT_BYTES): RingView {
  const slots = (sab.byteLength - SEQ0 * 4) / (4 + slotBytes);
  return {
    h: new Int32Array(sab, 0, SEQ0 + slots),
    bytes: new Uint8Array(sab),
    view: new DataView(sab),
    mask: slots - 1,
    dataAt: (SEQ0 + slots) * 4,
    slotBytes,
  };
}

/** The consumer's side of a ring of any slot size (the one thread that takes entries). */
export interface SlotRing {
  readonly sab: SharedArrayBuffer;
  readonly v: RingView;
  /** Calls `take` with the byte offset of every slot published since the last call, in order. */
  drain(take: (at: number) => void): void;
  /** No slot claimed since the last drain took every one (a producer's entry may be on its way). */
  readonly idle: boolean;
}

export function createSlotRing(slots: number, slotBytes: number): SlotRing {
  if (slots < 2 || (slots & (slots - 1)) !== 0) throw new Error('ring: slots must be 2^k');
  const sab = new SharedArrayBuffer(SEQ0 * 4 + slots * (4 + slotBytes));
  const v = ringView(sab, slotBytes);
  for (let i = 0; i < slots; i++) v.h[SEQ0 + i] = i;
  let head = 0;
  /** Slots between head and TAIL already taken (published past one that was not). */
  const taken = new Uint8Array(slots);
  return {
    sab,
    v,
    drain(take) {
      const tail = Atomics.load(v.h, TAIL);
      if (tail === head) return;
      // Every published slot, in order, past any claimed but not yet published (a producer
      // still in its system call must not hold back the others' entries); a slot is freed for
      // reuse only once every slot before it is taken.
      for (let pos = head; pos !== tail; pos = (pos + 1) | 0) {
        const i = pos & v.mask;
        if (taken[i] === 1 || Atomics.load(v.h, SEQ0 + i) !== ((pos + 1) | 0)) continue;
        taken[i] = 1;
        take(v.dataAt + i * slotBytes);
      }
      while (head !== tail && taken[head & v.mask] === 1) {
        taken[head & v.mask] = 0;
        Atomics.store(v.h, SEQ0 + (head & v.mask), (head + slots) | 0);
        head = (head + 1) | 0;
      }
    },
    get idle() {
      return Atomics.load(v.h, TAIL) === head;
    },
  };
}

/** One listed miss. */
export interface RingMiss {
  parent: number;
  name: string;
  /** What the reader put beside the name (removals: the node ID the name led to). */
  value: number;
  /** REMOVED or MADE (removals.ts); REMOVED in the miss ring. */
  kind: number;
  /** A MADE node's inode number. */
  ino: bigint;
}

/** The main thread's side. */
export interface MissRing {
  readonly sab: SharedArrayBuffer;
  /** The name-change counters (name-changes.ts keeps them here, where the readers see them). */
  readonly names: Int32Array;
  /** Every entry published since the last call, in the order claimed. */
  drain(): readonly RingMiss[];
  /** Resolves once no reader is between its decision to keep a miss and its reply (or `ms`). */
  settled(ms?: number): Promise<boolean>;
  /** Misses the readers answered. */
  readonly answered: number;
  /** No slot claimed since the last drain took every one (a reader's entry may be on its way). */
  readonly idle: boolean;
}

const NOTHING: readonly RingMiss[] = Object.freeze([]);

export function createMissRing(slots = RING_SLOTS): MissRing {
  const ring = createSlotRing(slots, SLOT_BYTES);
  const v = ring.v;
  return {
    sab: ring.sab,
    names: new Int32Array(ring.sab, NAMES_GEN * 4, 2),
    drain() {
      // Nothing claimed since the last call (every request of the main thread asks: removals.ts).
      if (ring.idle) return NOTHING;
      const out: RingMiss[] = [];
      ring.drain((at) => {
        const len = v.view.getUint16(at + LEN_AT, true);
        if (len === 0) return;
        const name = decodeName(v.bytes, at + NAME_AT, at + NAME_AT + len);
        const value = v.view.getUint32(at + VALUE_AT, true);
        const kind = v.bytes[at + KIND_AT]!;
        const ino = v.view.getBigUint64(at + INO_AT, true);
        out.push({ parent: v.view.getUint32(at, true), name, value, kind, ino });
      });
      return out;
    },
    async settled(ms = 1000) {
      const until = Date.now() + ms;
      while (Atomics.load(v.h, INSIDE) !== 0) {
        if (Date.now() >= until) return false;
        // Every millisecond for the first second, then every 100 ms (a reader gone in the window).
        // Unref'd: a reader gone inside the window must not keep the process alive.
        await new Promise((r) => setTimeout(r, Date.now() - until + ms < 1000 ? 1 : 100).unref());
      }
      return true;
    },
    get answered() {
      return Atomics.load(v.h, ANSWERED) >>> 0;
    },
    get idle() {
      return ring.idle;
    },
  };
}

/** A reader enters the window in which a swap must wait for it (before it checks the mode). */
export const enterKeep = (v: RingView): void => void Atomics.add(v.h, INSIDE, 1);
/** ...and leaves it once its reply is written (or it decided not to keep the miss). */
export const leaveKeep = (v: RingView): void => void Atomics.sub(v.h, INSIDE, 1);
export const countAnswered = (v: RingView): void => void Atomics.add(v.h, ANSWERED, 1);

/** Claim the next slot: its position, or undefined when the ring is full. */
export function claimSlot(v: RingView): number | undefined {
  for (;;) {
    const pos = Atomics.load(v.h, TAIL);
    const seq = Atomics.load(v.h, SEQ0 + (pos & v.mask));
    const ahead = (seq - pos) | 0;
    if (ahead < 0) return undefined;
    if (ahead === 0 && Atomics.compareExchange(v.h, TAIL, pos, (pos + 1) | 0) === pos) return pos;
  }
}

/** The byte offset of the slot at claimed position `pos`. */
export const slotAt = (v: RingView, pos: number): number => v.dataAt + (pos & v.mask) * v.slotBytes;

/** Publish the claimed slot `pos`, its bytes written: the consumer may take it now. */
export const commitSlot = (v: RingView, pos: number): void =>
  void Atomics.store(v.h, SEQ0 + (pos & v.mask), (pos + 1) | 0);

/**
 * Publish the claimed slot `pos` with (parent, name) and `value`; an empty name: a claim not
 * used.
 */
export function publishSlot(
  v: RingView,
  pos: number,
  at: { parent: number; name: Uint8Array; value?: number; kind?: number; ino?: bigint },
): void {
  const len = at.name.length;
  // Callers take names of at most NAME_MAX (direct-meta-paths.ts); never write past the slot.
  if (len > KIND_AT - NAME_AT) throw new RangeError(`miss ring: a name of ${len} bytes`);
  const base = slotAt(v, pos);
  v.view.setUint32(base, at.parent, true);
  v.view.setUint32(base + VALUE_AT, at.value ?? 0, true);
  v.view.setUint16(base + LEN_AT, len, true);
  v.bytes.set(at.name, base + NAME_AT);
  v.bytes[base + KIND_AT] = at.kind ?? REMOVED;
  v.view.setBigUint64(base + INO_AT, at.ino ?? 0n, true);
  commitSlot(v, pos);
}

/** A mark of the name changes, taken before the path is read: undefined while one is in flight. */
export function namesMark(v: RingView): number | undefined {
  const gen = Atomics.load(v.h, NAMES_GEN);
  return Atomics.load(v.h, NAMES_IN_FLIGHT) === 0 ? gen : undefined;
}

/** No name change began or ended since `mark` (and none is in flight). */
export const namesUnchanged = (v: RingView, mark: number | undefined): boolean =>
  mark !== undefined &&
  Atomics.load(v.h, NAMES_IN_FLIGHT) === 0 &&
  Atomics.load(v.h, NAMES_GEN) === mark;
