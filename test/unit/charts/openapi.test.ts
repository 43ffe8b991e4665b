import { describe, expect, it } from '@jest/globals';
import { ALL_FEATURES, renderChart } from './helm.js';
import type { K8sObject, RenderOptions } from './helm.js';
import { unknownFieldErrors, validateObject } from './k8s-validate.js';

const CONFIGS: ReadonlyArray<[string, RenderOptions]> = [
  ['defaults (self-signed TLS)', {}],
  ['every optional feature', ALL_FEATURES],
  ['Kubernetes 1.20 (policy/v1beta1, local cluster values)', {
    kubeVersion: '1.20.2',
    values: { hostNetwork: true, webhook: { replicas: 1, service: { externalName: 'localhost', port: 8443 } } },
  }],
  ['url client config, existing ClusterIssuer, RollingUpdate driver', {
    apiVersions: ['cert-manager.io/v1'],
    values: {
      certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } },
      webhook: { url: 'https://127.0.0.1:8443' },
      csi: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } },
    },
  }],
];

describe('rendered objects against the Kubernetes OpenAPI schemas', () => {
  it.each(CONFIGS)('%s: every object validates', async (_name, opts) => {
    const objects = renderChart(opts);
    expect(objects.length).toBeGreaterThan(10);
    const errors = (await Promise.all(objects.map(validateObject))).flat();
    expect(errors).toEqual([]);
  });

  it('rejects an object with a wrong type (the validator can fail)', async () => {
    const bad: K8sObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'x' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 'http' }] }] } } },
    };
    expect((await validateObject(bad)).join('\n')).toMatch(/containerPort/);
  });

  it('rejects an unknown field that the schema pass lets through', async () => {
    const typo: K8sObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'x' },
      spec: {
        selector: {},
        template: { spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'v', mountPath: '/v', mountPropogation: 'Bidirectional' }] }] } },
      },
    };
    expect(unknownFieldErrors(typo)).toEqual([
      'DaemonSet.spec.template.spec.containers[0].volumeMounts[0].mountPropogation: unknown field (not in V1VolumeMount)',
    ]);
    expect(await validateObject(typo)).toHaveLength(1);
  });

  it('reports a kind it has no schema for instead of passing it', async () => {
    const unknown: K8sObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(await validateObject(unknown)).toEqual(['Widget/w: no schema for example.com/v1 Widget']);
  });
});
