/**
 * The sidecar's identity (docs/adr/0031-sidecar-identity.md). By default it runs as the uid/gid of
 * the containers that use the interposed volumes, with no capability at all, so files it creates
 * are owned as if the app had written them; fsGroup and supplementalGroups are Pod-level and
 * apply to it as they do to the app. A Pod whose users are root, unknown or mixed must opt in to
 * the privileged identity, which may switch fs ids per request, or is denied.
 */
import { Annotations } from '../contract/pod.js';
import type { IdentityChoice } from './annotations.js';
import type { Container, Pod, SecurityContext } from './pod-types.js';

export type IdentityResult = { ok: true; securityContext: SecurityContext } | { ok: false; error: string };

const PRIVILEGED_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID'];
const OPT_IN = `annotate the Pod ${Annotations.identity}: privileged (accepted: default, privileged)`;

function hardened(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function privileged(): SecurityContext {
  return {
    ...hardened(),
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    capabilities: { drop: ['ALL'], add: PRIVILEGED_CAPS },
  };
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export function sidecarIdentity(pod: Pod, users: Container[], choice: IdentityChoice): IdentityResult {
  if (choice === 'privileged') return { ok: true, securityContext: privileged() };
  const podCtx = pod.spec?.securityContext;
  const uids = users.map((c) => c.securityContext?.runAsUser ?? podCtx?.runAsUser);
  const gids = distinct(users.map((c) => c.securityContext?.runAsGroup ?? podCtx?.runAsGroup));
  const unknown = users.filter((_, i) => uids[i] === undefined).map((c) => c.name);
  if (unknown.length > 0) {
    return {
      ok: false,
      error: `containers ${unknown.join(', ')} set no runAsUser (nor does the Pod): the sidecar runs as the app's uid; set securityContext.runAsUser, or ${OPT_IN}`,
    };
  }
  const known = distinct(uids as number[]);
  if (known.length > 1 || gids.length > 1) {
    return {
      ok: false,
      error: `containers using the volumes run as different users (uid ${known.join(', ')}, gid ${gids.map((g) => g ?? 'image default').join(', ')}); ${OPT_IN}`,
    };
  }
  const [uid] = known;
  if (uid === 0) return { ok: false, error: `containers using the volumes run as root (uid 0); ${OPT_IN}` };
  const ctx: SecurityContext = { ...hardened(), runAsUser: uid, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
  if (gids[0] !== undefined) ctx.runAsGroup = gids[0];
  return { ok: true, securityContext: ctx };
}
