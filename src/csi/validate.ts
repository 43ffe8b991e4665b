import { isAbsolute, normalize } from 'node:path';
import { VolumeAttributes as VolumeAttr } from '../contract/pod.js';
import { PodInfoKey } from './constants.js';
import { CsiError, invalidArgument } from './csi-error.js';

/** A NodePublishVolume request after validation: every field the driver relies on is present. */
export interface PublishRequest {
  volumeId: string;
  targetPath: string;
  readOnly: boolean;
  sourceVolume: string;
  layers?: string;
  config?: string;
  /** The sidecar serves the volume from memory or null, not from a PV. */
  backend?: 'memory' | 'null';
  pod: { name: string; namespace: string; uid: string };
}

export interface UnpublishRequest {
  volumeId: string;
  targetPath: string;
}

type Raw = Record<string, unknown>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const UID = /^[0-9a-fA-F-]{8,64}$/;
const WRITABLE_MODES = new Set([
  'SINGLE_NODE_WRITER',
  'SINGLE_NODE_SINGLE_WRITER',
  'SINGLE_NODE_MULTI_WRITER',
]);
const READ_ONLY_MODES = new Set(['SINGLE_NODE_READER_ONLY']);

function str(req: Raw, field: string): string {
  const v = req[field];
  if (typeof v !== 'string' || v === '') throw invalidArgument(field, 'required');
  return v;
}

const TARGET_SHAPE = 'pods/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount';

/** The Pod uid of `pods/<uid>/volumes/kubernetes.io~csi/<volume>/mount`, else undefined. */
function csiTargetPodUid(parts: string[]): string | undefined {
  if (parts.length !== 6) return undefined;
  const [pods, podUid = '', volumes, plugin, volume = '', mount] = parts;
  const fixed = pods === 'pods' && volumes === 'volumes' && mount === 'mount';
  const ok = fixed && plugin === 'kubernetes.io~csi' && UID.test(podUid) && DNS_LABEL.test(volume);
  return ok ? podUid : undefined;
}

/**
 * Where the kubelet publishes an inline CSI volume: nothing else is ever mounted or unmounted,
 * so a request naming another path (a host directory, another plugin's mount) is refused before
 * any side effect. Returns the path and the Pod uid it names.
 */
function target(req: Raw, kubeletRoot: string): { path: string; podUid: string } {
  const raw = str(req, 'target_path');
  const p = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
  if (!isAbsolute(p) || normalize(p) !== p) {
    throw invalidArgument('target_path', `must be an absolute, normalized path (got ${raw})`);
  }
  if (!p.startsWith(`${kubeletRoot}/`)) {
    throw invalidArgument('target_path', `must be below the kubelet root ${kubeletRoot}`);
  }
  const podUid = csiTargetPodUid(p.slice(kubeletRoot.length + 1).split('/'));
  if (podUid === undefined) {
    throw invalidArgument('target_path', `must be ${kubeletRoot}/${TARGET_SHAPE} (got ${raw})`);
  }
  return { path: p, podUid };
}

function capability(req: Raw): string {
  const cap = req.volume_capability as Raw | null | undefined;
  if (cap === null || cap === undefined) throw invalidArgument('volume_capability', 'required');
  if (cap.block !== null && cap.block !== undefined) {
    throw invalidArgument('volume_capability.block', 'block access is not supported, use mount');
  }
  const mode = (cap.access_mode as Raw | null | undefined)?.mode;
  if (typeof mode !== 'string' || mode === 'UNKNOWN') {
    throw invalidArgument('volume_capability.access_mode.mode', 'required');
  }
  if (!WRITABLE_MODES.has(mode) && !READ_ONLY_MODES.has(mode)) {
    throw invalidArgument(
      'volume_capability.access_mode.mode',
      `${mode} is not supported (accepted: ${[...WRITABLE_MODES, ...READ_ONLY_MODES].join(', ')})`,
    );
  }
  return mode;
}

function ctxValue(ctx: Raw, key: string, pattern?: RegExp): string {
  const v = ctx[key];
  const field = `volume_context["${key}"]`;
  if (typeof v !== 'string' || v === '') throw invalidArgument(field, 'required');
  if (pattern !== undefined && !pattern.test(v)) throw invalidArgument(field, `malformed: ${v}`);
  return v;
}

function backendOf(ctx: Raw): Pick<PublishRequest, 'backend'> {
  const v = ctx[VolumeAttr.backend];
  if (v === undefined || v === '') return {};
  if (v === 'memory' || v === 'null') return { backend: v };
  throw invalidArgument(`volume_context["${VolumeAttr.backend}"]`, `${String(v)} is not accepted (accepted: memory, null, or none for passthrough)`);
}

function context(req: Raw): Pick<PublishRequest, 'sourceVolume' | 'layers' | 'config' | 'backend' | 'pod'> {
  const ctx = (req.volume_context ?? {}) as Raw;
  if (ctx[PodInfoKey.ephemeral] !== 'true') {
    throw new CsiError(
      'INVALID_ARGUMENT',
      `volume_context["${PodInfoKey.ephemeral}"]: only inline ephemeral volumes are served (CSIDriver volumeLifecycleModes: [Ephemeral])`,
    );
  }
  const layers = ctx[VolumeAttr.layers];
  const config = ctx[VolumeAttr.config];
  return {
    sourceVolume: ctxValue(ctx, VolumeAttr.sourceVolume, DNS_LABEL),
    ...(typeof layers === 'string' && layers !== '' ? { layers } : {}),
    ...(typeof config === 'string' && config !== '' ? { config } : {}),
    ...backendOf(ctx),
    pod: {
      name: ctxValue(ctx, PodInfoKey.name),
      namespace: ctxValue(ctx, PodInfoKey.namespace, DNS_LABEL),
      uid: ctxValue(ctx, PodInfoKey.uid, UID),
    },
  };
}

/** Validation first: every problem is INVALID_ARGUMENT naming the field, before any side effect. */
export function validatePublish(req: Raw, kubeletRoot: string): PublishRequest {
  const volumeId = str(req, 'volume_id');
  const { path: targetPath, podUid } = target(req, kubeletRoot);
  const mode = capability(req);
  const readOnly = req.readonly === true || READ_ONLY_MODES.has(mode);
  const ctx = context(req);
  if (ctx.pod.uid !== podUid) {
    throw invalidArgument(
      'target_path',
      `names Pod ${podUid}, but volume_context["${PodInfoKey.uid}"] is ${ctx.pod.uid}`,
    );
  }
  return { volumeId, targetPath, readOnly, ...ctx };
}

export function validateUnpublish(req: Raw, kubeletRoot: string): UnpublishRequest {
  return { volumeId: str(req, 'volume_id'), targetPath: target(req, kubeletRoot).path };
}
