/**
 * Renames and rmdirs through the mount, counted so that a LOOKUP can tell whether its parent's
 * path may have moved while it ran. The server computes a LOOKUP's backend path from the node
 * table when the request arrives, then awaits the stack and the backend; a RENAME of that
 * directory or of an ancestor served meanwhile (the kernel locks only the parents of a rename,
 * so lookups deeper down run beside it) makes the backend answer ENOENT because the old parent
 * path is gone, not because the name is missing. Such an ENOENT must not become a negative
 * entry the kernel keeps for a day (negative-entry.ts): the name would read as missing while
 * `readdir` lists it.
 */
export interface NameChanges {
  /** A rename or rmdir begins; `end` when it has finished, failed or not. */
  begin(): { end(): void };
  /** A mark to compare with later: undefined while a change is in flight. */
  mark(): number | undefined;
  /** No change began or ended since `mark` was taken (and none is in flight). */
  unchangedSince(mark: number | undefined): boolean;
}

export function createNameChanges(): NameChanges {
  let generation = 0;
  let inFlight = 0;
  return {
    begin() {
      generation++;
      inFlight++;
      let ended = false;
      return {
        end() {
          if (ended) return;
          ended = true;
          generation++;
          inFlight--;
        },
      };
    },
    mark: () => (inFlight === 0 ? generation : undefined),
    unchangedSince: (mark) => mark !== undefined && inFlight === 0 && generation === mark,
  };
}
