/** Builds AdmissionReview v1 responses (the only place that knows their shape). */
import type { PatchOperation } from './json-patch.js';

export interface AdmissionReviewResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string; reason?: string };
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: string[];
  };
}

function envelope(response: AdmissionReviewResponse['response']): AdmissionReviewResponse {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

export function allow(uid: string, patch?: readonly PatchOperation[], warnings?: readonly string[]) {
  const response: AdmissionReviewResponse['response'] = { uid, allowed: true };
  if (patch && patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  // Admission warnings are capped by the apiserver (120 chars each is the guidance).
  if (warnings && warnings.length > 0) response.warnings = warnings.map((w) => `fs-interposer: ${w}`.slice(0, 120));
  return envelope(response);
}

export function deny(uid: string, message: string, code = 403) {
  return envelope({ uid, allowed: false, status: { code, message, reason: code === 403 ? 'Forbidden' : 'BadRequest' } });
}
