import { chmodSync, mkdirSync } from 'node:fs';
import { openRootDir } from '../handoff/safe-path.js';
import { emptyDirPath } from './constants.js';

/**
 * Opens the Pod's handoff emptyDir as a trusted directory fd. The kubelet may not have set the
 * emptyDir up yet when it publishes our volume (volumes are prepared in parallel), so we create
 * it, with the mode the kubelet gives emptyDirs. Everything up to and including this directory
 * is root-owned kubelet state; everything inside it is Pod-writable and only ever reached
 * through the returned fd with openat2 (src/handoff/safe-path.ts).
 */
export function openHandoffDir(kubeletRoot: string, podUid: string, volume: string): number {
  const path = emptyDirPath(kubeletRoot, podUid, volume);
  mkdirSync(path, { recursive: true, mode: 0o777 });
  chmodSync(path, 0o777);
  return openRootDir(path);
}
