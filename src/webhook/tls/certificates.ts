/**
 * CA and serving certificates (self-signed mode; docs/adr/0032). node-forge builds the X.509
 * structures (Node has no API to create certificates); the RSA work (key generation and the
 * signature) is done by Node's crypto, because forge's pure-JS RSA takes seconds per certificate
 * on a loaded machine, and a replica starting up waits for it.
 */
import { X509Certificate, constants, generateKeyPairSync, privateEncrypt, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface CertPair {
  certPem: string;
  keyPem: string;
}

export interface CaOptions {
  commonName: string;
  now: Date;
  validityDays: number;
}

export interface ServingOptions {
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
  now: Date;
  validityDays: number;
}

const DAY_MS = 86_400_000;

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive, as RFC 5280 requires
  return bytes.toString('hex');
}

function base(publicKey: forge.pki.PublicKey, now: Date, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  // Backdated a little: clocks of the apiserver and this pod may disagree.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  return cert;
}

/** DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017 section 9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * The key as forge's certificate signing takes it, with the signature itself computed by Node's
 * crypto (RSASSA-PKCS1-v1_5): forge only parses the PEM, which costs no RSA arithmetic.
 */
function signer(keyPem: string): forge.pki.rsa.PrivateKey {
  const key = forge.pki.privateKeyFromPem(keyPem);
  key.sign = (md: forge.md.MessageDigest): string => {
    const digest = Buffer.from(md.digest().getBytes(), 'binary');
    const data = Buffer.concat([SHA256_DIGEST_INFO, digest]);
    return privateEncrypt({ key: keyPem, padding: constants.RSA_PKCS1_PADDING }, data).toString('binary');
  };
  return key;
}

function keyPair(): { publicKey: forge.pki.PublicKey; keyPem: string } {
  const k = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey: forge.pki.publicKeyFromPem(k.publicKey), keyPem: k.privateKey };
}

export function createCa(o: CaOptions): CertPair {
  const keys = keyPair();
  const cert = base(keys.publicKey, o.now, o.validityDays);
  const subject = [{ name: 'commonName', value: o.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(signer(keys.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

export function createServingCert(ca: CertPair, o: ServingOptions): CertPair {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const keys = keyPair();
  const cert = base(keys.publicKey, o.now, o.validityDays);
  cert.setSubject([{ name: 'commonName', value: o.dnsNames[0] ?? 'fs-interposer-webhook' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...o.dnsNames.map((value) => ({ type: 2, value })),
        ...(o.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  cert.sign(signer(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

export function notAfter(certPem: string): Date {
  return new Date(new X509Certificate(certPem).validTo);
}
