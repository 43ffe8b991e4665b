import { describe, expect, it } from '@jest/globals';
import { parseDriverEnv } from '../../../src/csi/driver-env.js';
import { INJECTION_LABEL, INJECTION_LABEL_VALUE } from '../../../src/contract/pod.js';
import { findObject, renderChart } from './helm.js';
import type { K8sObject } from './helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read structurally */
const spec = (o: K8sObject): any => (o as any).spec;
const podSpec = (o: K8sObject): any => spec(o).template.spec;
const env = (container: any): Record<string, string> =>
  Object.fromEntries((container.env ?? []).filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));

describe('default render (self-signed TLS)', () => {
  const objects = renderChart();
  const deployment = findObject(objects, 'Deployment', '-webhook');
  const daemonset = findObject(objects, 'DaemonSet', '-csi');
  const mwc = findObject(objects, 'MutatingWebhookConfiguration');
  const webhook = (mwc as any).webhooks[0];

  it('runs two webhook replicas that never drop to zero, guarded by a PDB', () => {
    expect(spec(deployment).replicas).toBe(2);
    expect(spec(deployment).strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pdb = findObject(objects, 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(spec(pdb).minAvailable).toBe(1);
    expect(spec(pdb).selector.matchLabels).toEqual(spec(deployment).selector.matchLabels);
  });

  it('runs the webhook unprivileged and read-only', () => {
    const ps = podSpec(deployment);
    expect(ps.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(ps.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(ps.containers[0].args).toEqual(['webhook']);
  });

  it('opts namespaces in by label, never its own; no Pod label can skip it (issue 15, item 16)', () => {
    expect(webhook.namespaceSelector.matchExpressions).toEqual([
      { key: INJECTION_LABEL, operator: 'In', values: [INJECTION_LABEL_VALUE] },
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['fs-interposer'] },
    ]);
    expect(webhook.objectSelector).toBeUndefined();
    for (const workload of [deployment, daemonset]) expect(workload.metadata.namespace).toBe('fs-interposer');
  });

  it('shares the provenance key Secret: the webhook may fill it, the driver may only read it', () => {
    const secret = findObject(objects, 'Secret', '-provenance') as any;
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toBeUndefined();
    const name = secret.metadata.name;
    const webhookRole = objects.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('-webhook')) as any;
    expect(webhookRole.rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], resourceNames: [name], verbs: ['get', 'update'] });
    const csiRole = objects.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('-csi')) as any;
    expect(csiRole.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: [name], verbs: ['get'] }]);
    expect(env(podSpec(deployment).containers[0]).FS_INTERPOSER_PROVENANCE_SECRET).toBe(name);
    expect(env(podSpec(daemonset).containers[0])).toMatchObject({
      FS_INTERPOSER_PROVENANCE_SECRET: name,
      FS_INTERPOSER_PROVENANCE_LEGACY_PODS: 'accept',
      FS_INTERPOSER_PROVENANCE_LEGACY_GRACE_SECONDS: '300',
    });
  });

  it('calls the webhook through its Service, with the values for failure policy and timeout', () => {
    const service = findObject(objects, 'Service', '-webhook');
    expect(webhook).toMatchObject({
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      timeoutSeconds: 10,
      clientConfig: { service: { name: service.metadata.name, namespace: 'fs-interposer', path: '/mutate', port: 443 } },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'], scope: 'Namespaced' }],
    });
    expect(webhook.clientConfig.caBundle).toBeUndefined();
    expect(mwc.metadata.annotations).toBeUndefined();
  });

  it('gives the webhook an empty TLS Secret to fill and the rights for exactly that', () => {
    const secret = findObject(objects, 'Secret', '-webhook-tls');
    expect((secret as any).type).toBe('Opaque');
    expect((secret as any).data).toBeUndefined();
    const role = findObject(objects, 'Role', '-webhook') as any;
    expect(role.rules[0]).toEqual({
      apiGroups: [''], resources: ['secrets'], resourceNames: [secret.metadata.name], verbs: ['get', 'update'],
    });
    const clusterRole = findObject(objects, 'ClusterRole', '-webhook') as any;
    expect(clusterRole.rules).toContainEqual({
      apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'],
      resourceNames: [mwc.metadata.name], verbs: ['get', 'patch'],
    });
    expect(env(podSpec(deployment).containers[0])).toMatchObject({
      FS_INTERPOSER_TLS_MODE: 'self-signed', FS_INTERPOSER_TLS_SECRET: secret.metadata.name, FS_INTERPOSER_WEBHOOK_CONFIGURATION: mwc.metadata.name,
    });
  });

  it('lets the driver read PVCs and PVs (get only): their access modes decide the cache policy', () => {
    const csi = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-csi')) as any;
    expect(csi.rules).toContainEqual({ apiGroups: [''], resources: ['persistentvolumeclaims', 'persistentvolumes'], verbs: ['get'] });
  });

  it('grants no wildcard and no Secret access outside its namespace', () => {
    const rules = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').flatMap((o) => (o as any).rules);
    for (const rule of rules) {
      expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
    }
    const clusterRules = objects.filter((o) => o.kind === 'ClusterRole').flatMap((o) => (o as any).rules);
    expect(clusterRules.flatMap((r: any) => r.resources)).not.toContain('secrets');
    const clusterWrites = clusterRules.filter((r: any) => r.verbs.some((v: string) => ['create', 'update', 'patch', 'delete'].includes(v)));
    // Writes cluster-wide: events only; the caBundle patch is pinned to our own configuration by name.
    for (const rule of clusterWrites) {
      expect(rule.resources[0] === 'events' || rule.resourceNames?.length === 1).toBe(true);
    }
  });

  it('runs the CSI node driver privileged with Bidirectional kubelet mounts', () => {
    const ps = podSpec(daemonset);
    const c = ps.containers[0];
    expect(c.args).toEqual(['csi']);
    expect(c.securityContext.privileged).toBe(true);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(mounts['/var/lib/kubelet'].mountPropagation).toBe('Bidirectional');
    expect(mounts['/var/lib/kubelet/plugins_registry']).toBeDefined();
    expect(mounts['/var/lib/kubelet/plugins/csi.fs-interposer.dev']).toBeDefined();
    expect(env(c).FS_INTERPOSER_CSI_ENDPOINT).toBe('unix:///var/lib/kubelet/plugins/csi.fs-interposer.dev/csi.sock');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http-health' });
    expect(ps.priorityClassName).toBe('system-node-critical');
    expect(ps.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('gives the driver the per-node volume limit it reports in NodeGetInfo', () => {
    expect(parseDriverEnv(env(podSpec(daemonset).containers[0])).maxVolumesPerNode).toBe(256);
    const custom = findObject(renderChart({ values: { csi: { maxVolumesPerNode: 40 } } }), 'DaemonSet', '-csi');
    expect(parseDriverEnv(env(podSpec(custom).containers[0])).maxVolumesPerNode).toBe(40);
  });

  it('gives the driver its bound for a volume without a running sidecar, and the RBAC to watch its Pods', () => {
    expect(parseDriverEnv(env(podSpec(daemonset).containers[0])).sidecarWaitSeconds).toBe(60);
    const custom = findObject(renderChart({ values: { csi: { sidecarWaitSeconds: 30 } } }), 'DaemonSet', '-csi');
    expect(parseDriverEnv(env(podSpec(custom).containers[0])).sidecarWaitSeconds).toBe(30);
    const role = findObject(renderChart(), 'ClusterRole', '-csi') as unknown as { rules: { resources: string[]; verbs: string[] }[] };
    expect(role.rules.find((r) => r.resources.includes('pods'))?.verbs).toEqual(['get', 'list']);
  });

  it('never restarts a driver under live mounts on upgrade (OnDelete)', () => {
    expect(spec(daemonset).updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it.each(['Deployment', 'DaemonSet'])('%s runs on Linux nodes only', (kind) => {
    expect(podSpec(findObject(objects, kind)).nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
  });

  it('registers the CSI driver for ephemeral inline volumes only', () => {
    const driver = findObject(objects, 'CSIDriver');
    expect(driver.metadata.name).toBe('csi.fs-interposer.dev');
    expect(spec(driver)).toEqual({
      attachRequired: false, podInfoOnMount: true, volumeLifecycleModes: ['Ephemeral'], fsGroupPolicy: 'None',
    });
  });

  it('refuses helm uninstall while injected Pods run (pre-delete hook; its RBAC is ordinary)', () => {
    const job = findObject(objects, 'Job', '-uninstall-check') as any;
    expect(job.metadata.annotations).toEqual({
      'helm.sh/hook': 'pre-delete',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    expect(job.spec.backoffLimit).toBe(0);
    const script = job.spec.template.spec.containers[0].command.at(-1) as string;
    expect(script).toContain("annotations?.['fs-interposer/injected']");
    const sa = findObject(objects, 'ServiceAccount', '-uninstall-check');
    expect(sa.metadata.annotations).toBeUndefined();
    expect((findObject(objects, 'ClusterRole', '-uninstall-check') as any).rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ]);
    const off = renderChart({ values: { uninstall: { refuseWithInjectedPods: false } } });
    expect(off.some((o) => o.metadata.name.endsWith('-uninstall-check'))).toBe(false);
  });

  it('renders no cert-manager, monitoring, namespace or config objects by default', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const k of ['Certificate', 'Issuer', 'ServiceMonitor', 'PodMonitor', 'Namespace', 'ConfigMap']) {
      expect(kinds.has(k)).toBe(false);
    }
  });
});
