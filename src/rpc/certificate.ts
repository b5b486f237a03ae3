// The cluster certificate (server.pem: key and self-signed X.509 certificate in one file),
// used by every node daemon as its server certificate, by the master as its client
// certificate, and by both sides as the only trusted CA. Node's crypto signs but cannot
// build certificates, so the DER structure is assembled here (RFC 5280, ECDSA P-256).
import {createHash, generateKeyPairSync, randomBytes, sign, type KeyObject} from 'node:crypto';
import {promises as fsp, readFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {writeFileDurable} from '../durable/files.js';

/** Ganeti's X509_CERT_CN and default validity (5 years). */
export const CERT_COMMON_NAME = 'ganeti.example.com';
export const CERT_VALIDITY_DAYS = 5 * 365;

const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_COMMON_NAME = '2.5.4.3';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_SUBJECT_KEY_ID = '2.5.29.14';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content);

function unsignedInt(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const trimmed = b.subarray(i);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift(0x80 | (x & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

function name(cn: string): Buffer {
  return seq(set(seq(oid(OID_COMMON_NAME), tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

function pemBlock(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A new key and self-signed CA certificate, as one PEM text (key first, as Ganeti writes it). */
export function generateClusterCertificate(opts: {commonName?: string; validityDays?: number; now?: Date} = {}): string {
  const {privateKey, publicKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'});
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + (opts.validityDays ?? CERT_VALIDITY_DAYS) * 86_400_000);
  const spki = publicKey.export({type: 'spki', format: 'der'});
  const algorithm = seq(oid(OID_ECDSA_SHA256));
  const subject = name(opts.commonName ?? CERT_COMMON_NAME);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const keyId = createHash('sha1').update(publicKeyBits(spki)).digest();
  const extensions = seq(
    seq(oid(OID_BASIC_CONSTRAINTS), bool(true), octets(seq(bool(true)))),
    seq(oid(OID_SUBJECT_KEY_ID), octets(octets(keyId))),
  );
  const tbs = seq(
    explicit(0, unsignedInt(Buffer.from([2]))),
    unsignedInt(serial),
    algorithm,
    subject,
    seq(time(notBefore), time(notAfter)),
    subject,
    spki,
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey as KeyObject);
  const cert = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return (privateKey.export({type: 'pkcs8', format: 'pem'}) as string) + pemBlock('CERTIFICATE', cert);
}

/** The subjectPublicKey bits of a DER SubjectPublicKeyInfo (the last BIT STRING, unused-bits byte dropped). */
function publicKeyBits(spki: Buffer): Buffer {
  for (let i = spki.length - 1; i > 0; i--) {
    if (spki[i - 1] === 0x03) {
      const len = spki[i]!;
      if (len < 0x80 && i + 1 + len === spki.length) return spki.subarray(i + 2);
    }
  }
  return spki;
}

export interface ClusterTls {
  /** The whole file (key + certificate). */
  pem: string;
  key: string;
  cert: string;
}

/** Splits server.pem into its key and certificate blocks. */
export function parseClusterPem(pem: string): ClusterTls {
  const key = /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----\n?/.exec(pem)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(pem)?.[0];
  if (key === undefined || cert === undefined) throw new Error('the cluster certificate file needs a private key and a certificate');
  return {pem, key, cert};
}

/** The cluster certificate of this node, or null when it has none. */
export function loadClusterTls(certFile: string): ClusterTls | null {
  let pem: string;
  try {
    pem = readFileSync(certFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return parseClusterPem(pem);
}

/** Writes a new cluster certificate (mode 0400: it holds the key). */
export async function writeClusterCertificate(certFile: string, pem: string): Promise<void> {
  await fsp.mkdir(dirname(certFile), {recursive: true, mode: 0o750});
  await writeFileDurable(certFile, pem, 0o400);
}
