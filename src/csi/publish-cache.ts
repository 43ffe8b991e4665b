import type { Logger } from 'pino';
import { cacheAnnotation } from '../contract/cache-policy.js';
import type { CachePolicy } from '../contract/cache-policy.js';
import { lookupCachePolicy } from './cache-decision.js';
import type { ClaimInspector } from './cache-decision.js';
import type { PodEvents } from './pod-events.js';
import type { PodFacts } from './pod-inspector.js';
import type { PublishRequest } from './validate.js';

/**
 * The cache policy of a volume being published, said where an operator looks: the driver's log,
 * and a Warning Event on the Pod when it fell back to the safe default because something could
 * not be read (the sidecar's `ctl status` shows the policy and its reason in any case).
 */
export function createPublishCache(o: {
  claims?: ClaimInspector;
  events?: PodEvents;
  logger: Logger;
}): (req: PublishRequest, facts: PodFacts) => Promise<CachePolicy> {
  const log = o.logger.child({ component: 'csi-cache-policy' });
  return async (req, facts) => {
    const decision = await lookupCachePolicy({
      claims: o.claims,
      namespace: req.pod.namespace,
      volume: req.sourceVolume,
      annotation: facts.annotations?.[cacheAnnotation(req.sourceVolume)],
      claimName: facts.claims?.[req.sourceVolume],
    });
    const { fallback, ...policy } = decision;
    const at = { pod: `${req.pod.namespace}/${req.pod.name}`, volume: req.sourceVolume, cache: policy };
    if (fallback === true) {
      log.warn(at, 'cache policy: fell back to the safe default');
      await o.events?.warn(req.pod, 'FsInterposerCacheDefault', `volume ${req.sourceVolume}: ${policy.reason}`);
    } else log.info(at, 'cache policy');
    return policy;
  };
}
