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
 * (direct-unlink.ts) for the main thread's node table (removals.ts); its counters other than
 * ANSWERED are unused there.
 */
import { decodeName } from '../../vfs/names.js';

/** Slots in the ring: a reader hands a miss over when the main thread has not taken these yet. */
export const RING_SLOTS = 256;
/** A slot: parent node ID (u32), name length (u16, 0: a claimed slot with nothing in it), name. */
const SLOT_BYTES = 264;
const NAME_AT = 6;

/** Readers between the decision to keep a miss and their reply written. */
const INSIDE = 0;
/** Misses the readers answered, kept or not (ctl status). */
const ANSWERED = 1;
/** Name changes through the mount: a generation (bumped at every begin and end), those in flight. */
export const NAMES_GEN = 2;
export const NAMES_IN_FLIGHT = 3;
/** The next position a producer claims. */
const TAIL = 4;
/** The per-slot sequence numbers start here. */
const SEQ0 = 8;

export interface RingView {
  readonly h: Int32Array;
  readonly bytes: Uint8Array;
  readonly mask: number;
  readonly dataAt: number;
}

export function ringView(sab: SharedArrayBuffer): RingView {
  const slots = (sab.byteLength - SEQ0 * 4) / (4 + SLOT_BYTES);
  return {
    h: new Int32Array(sab, 0, SEQ0 + slots),
    bytes: new Uint8Array(sab),
    mask: slots - 1,
    dataAt: (SEQ0 + slots) * 4,
  };
}

/** One listed miss. */
export interface RingMiss {
  parent: number;
  name: string;
}

/** The main thread's side. */
export interface MissRing {
  readonly sab: SharedArrayBuffer;
  /** The name-change counters (name-changes.ts keeps them here, where the readers see them). */
  readonly names: Int32Array;
  /** Every miss published since the last call, in order. */
  drain(): readonly RingMiss[];
  /** Resolves once no reader is between its decision to keep a miss and its reply (or after `ms`). */
  settled(ms?: number): Promise<boolean>;
  /** Misses the readers answered. */
  readonly answered: number;
}

const NOTHING: readonly RingMiss[] = Object.freeze([]);

export function createMissRing(slots = RING_SLOTS): MissRing {
  if (slots < 2 || (slots & (slots - 1)) !== 0) throw new Error('miss ring: slots must be 2^k');
  const sab = new SharedArrayBuffer(SEQ0 * 4 + slots * (4 + SLOT_BYTES));
  const v = ringView(sab);
  for (let i = 0; i < slots; i++) v.h[SEQ0 + i] = i;
  let head = 0;
  return {
    sab,
    names: new Int32Array(sab, NAMES_GEN * 4, 2),
    drain() {
      // Nothing published (every request of the main thread asks: direct-unlink.ts).
      if (Atomics.load(v.h, SEQ0 + (head & v.mask)) !== ((head + 1) | 0)) return NOTHING;
      const out: RingMiss[] = [];
      for (;;) {
        const i = head & v.mask;
        if (Atomics.load(v.h, SEQ0 + i) !== ((head + 1) | 0)) return out;
        const at = v.dataAt + i * SLOT_BYTES;
        const len = v.bytes[at + 4]! | (v.bytes[at + 5]! << 8);
        if (len > 0) {
          const parent =
            (v.bytes[at]! | (v.bytes[at + 1]! << 8) | (v.bytes[at + 2]! << 16)) +
            v.bytes[at + 3]! * 0x100_0000;
          out.push({ parent, name: decodeName(v.bytes, at + NAME_AT, at + NAME_AT + len) });
        }
        Atomics.store(v.h, SEQ0 + i, (head + slots) | 0);
        head = (head + 1) | 0;
      }
    },
    async settled(ms = 1000) {
      const until = Date.now() + ms;
      while (Atomics.load(v.h, INSIDE) !== 0) {
        if (Date.now() >= until) return false;
        await new Promise((r) => setTimeout(r, 1));
      }
      return true;
    },
    get answered() {
      return Atomics.load(v.h, ANSWERED) >>> 0;
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

/** Publish the claimed slot `pos` with (parent, name); an empty name: a claim not used. */
export function publishSlot(v: RingView, pos: number, parent: number, name: Uint8Array): void {
  const len = name.length;
  const at = v.dataAt + (pos & v.mask) * SLOT_BYTES;
  v.bytes[at] = parent & 0xff;
  v.bytes[at + 1] = (parent >>> 8) & 0xff;
  v.bytes[at + 2] = (parent >>> 16) & 0xff;
  v.bytes[at + 3] = (parent >>> 24) & 0xff;
  v.bytes[at + 4] = len & 0xff;
  v.bytes[at + 5] = len >>> 8;
  v.bytes.set(name, at + NAME_AT);
  Atomics.store(v.h, SEQ0 + (pos & v.mask), (pos + 1) | 0);
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
