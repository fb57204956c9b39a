/**
 * Receiving Binance Pay webhooks: verify the RSA signature over the exact raw body, then parse it
 * without losing the 64-bit `bizId` (fact sheet §5).
 */
import { CertificateStore } from './certificate-store.ts';
import { WebhookVerificationError } from './errors.ts';
import { parseJsonLossless, rawTopLevelMember } from './json-scan.ts';
import { verifyWebhookSignature } from './signing.ts';
import type { Certificate } from './types/common.ts';
import type { WebhookAck, WebhookEvent } from './types/webhook.ts';

export { CertificateStore };

/** Node's `req.headers`, a plain record, or a fetch `Headers`. Lookup is case-insensitive. */
export type WebhookHeaders = Record<string, string | string[] | undefined> | { get(name: string): string | null };

export interface VerifyWebhookOptions {
  /** Reject when |now − BinancePay-Timestamp| exceeds this, ms. Off by default: retries re-sign (§5.2) but delivery may lag. */
  toleranceMs?: number;
  now?: () => number;
  /**
   * Binance's new platform certificate ("query certificate new": `client.getNewCertificates()`, or a
   * `CertificateStore` over it). When given and the webhook carries `BinancePay-Certificate-SN-New`
   * and `BinancePay-Signature-New`, that signature is checked first; the legacy
   * `BinancePay-Signature` is the fallback, so a webhook verifies with either certificate.
   */
  newCertificates?: Certificate[] | CertificateStore;
}

// fact sheet §5.2
const H_TIMESTAMP = 'BinancePay-Timestamp';
const H_NONCE = 'BinancePay-Nonce';
const H_SERIAL = 'BinancePay-Certificate-SN';
const H_SIGNATURE = 'BinancePay-Signature';
// Binance's new platform certificate, sent next to the headers above
const H_SERIAL_NEW = 'BinancePay-Certificate-SN-New';
const H_SIGNATURE_NEW = 'BinancePay-Signature-New';

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() !== lower) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A parsed-object body cannot be verified: the signature covers bytes (§8.3 "re-serialising"). */
function toText(rawBody: string | Uint8Array): string {
  if (typeof rawBody === 'string') return rawBody;
  if (rawBody instanceof Uint8Array) {
    try {
      return utf8.decode(rawBody);
    } catch {
      throw new WebhookVerificationError('MALFORMED_BODY', 'webhook body is not valid UTF-8');
    }
  }
  throw new WebhookVerificationError(
    'MALFORMED_BODY',
    'webhook body must be the raw request body (string or Buffer), not a parsed object — use express.raw() or a fastify parser with parseAs: "string"',
  );
}

function toBytes(rawBody: string | Uint8Array): Uint8Array {
  return rawBody instanceof Uint8Array ? rawBody : Buffer.from(toText(rawBody), 'utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DIGITS = /^-?\d+$/;

/**
 * `bizId` is a JSON number that may exceed 2^64 (§5.3 sample 29383937493038367292), so its digits
 * are read from the raw text. `bizIdStr` (added by Binance for JS clients) is preferred when it
 * agrees; on disagreement the literal `bizId` — the documented field — wins.
 */
function resolveBizId(text: string, bizIdStr: string | undefined): string {
  const raw = rawTopLevelMember(text, 'bizId');
  let literal: string | undefined;
  if (raw !== undefined && DIGITS.test(raw)) literal = raw;
  else if (raw?.startsWith('"')) literal = (JSON.parse(raw) as string) || undefined;
  if (bizIdStr !== undefined && bizIdStr !== '' && (literal === undefined || literal === bizIdStr)) return bizIdStr;
  if (literal !== undefined) return literal;
  throw new WebhookVerificationError('MALFORMED_BODY', 'webhook body has no usable bizId / bizIdStr');
}

/**
 * Parses a webhook body (fact sheet §5.3). Does NOT verify anything — use `verifyWebhook`.
 * `data` is `JSON.parse` of the `data` string, or the object itself for MERCHANT_QR_CODE (§5.4);
 * integers beyond 2^53 inside it become exact digit strings.
 */
export function parseWebhookBody(rawBody: string | Uint8Array): WebhookEvent {
  const raw = toText(rawBody);
  let body: unknown;
  try {
    body = parseJsonLossless(raw);
  } catch {
    throw new WebhookVerificationError('MALFORMED_BODY', 'webhook body is not valid JSON');
  }
  if (!isRecord(body)) throw new WebhookVerificationError('MALFORMED_BODY', 'webhook body is not a JSON object');
  const { bizType, bizStatus } = body;
  if (typeof bizType !== 'string' || typeof bizStatus !== 'string') {
    throw new WebhookVerificationError('MALFORMED_BODY', 'webhook body lacks string bizType / bizStatus');
  }
  const bizIdStr = typeof body.bizIdStr === 'string' ? body.bizIdStr : undefined;
  const bizId = resolveBizId(raw, bizIdStr);
  let data: unknown = body.data ?? null;
  if (typeof data === 'string') {
    try {
      data = parseJsonLossless(data);
    } catch {
      throw new WebhookVerificationError('MALFORMED_BODY', 'webhook "data" string is not valid JSON');
    }
  }
  return { bizType, bizId, ...(bizIdStr !== undefined ? { bizIdStr } : {}), bizStatus, data, raw };
}

async function pickCertificate(certificates: Certificate[] | CertificateStore, serial: string | undefined): Promise<Certificate> {
  const list = Array.isArray(certificates) ? certificates : undefined;
  if (serial) {
    const cert = list
      ? list.find((c) => c.certSerial.toUpperCase() === serial.toUpperCase())
      : await (certificates as CertificateStore).get(serial);
    if (!cert) throw new WebhookVerificationError('UNKNOWN_CERTIFICATE', `no certificate with serial ${serial}`);
    return cert;
  }
  // Without the SN header the key is only unambiguous when there is exactly one.
  const all = list ?? (await (certificates as CertificateStore).list());
  if (all.length === 1) return all[0] as Certificate;
  throw new WebhookVerificationError('MISSING_HEADER', `missing header ${H_SERIAL} and ${all.length} certificates to choose from`);
}

/** The new certificate's signature, if the webhook has one and `certificates` knows its key. */
async function verifiesWithNewCertificate(payload: Buffer, headers: WebhookHeaders, certificates: Certificate[] | CertificateStore): Promise<WebhookVerificationError | true> {
  const serial = header(headers, H_SERIAL_NEW);
  const signature = header(headers, H_SIGNATURE_NEW);
  if (!serial || !signature) return new WebhookVerificationError('MISSING_HEADER', `missing header ${serial ? H_SIGNATURE_NEW : H_SERIAL_NEW}`);
  const cert = Array.isArray(certificates) ? certificates.find((c) => c.certSerial.toUpperCase() === serial.toUpperCase()) : await certificates.get(serial);
  if (!cert) return new WebhookVerificationError('UNKNOWN_CERTIFICATE', `no new certificate with serial ${serial}`);
  if (!verifyWebhookSignature({ payload, signatureBase64: signature, publicKeyPem: cert.certPublic })) {
    return new WebhookVerificationError('BAD_SIGNATURE', 'webhook new-certificate signature does not match body and headers');
  }
  return true;
}

/**
 * Verifies a webhook and returns its parsed body. Throws `WebhookVerificationError` when it must
 * not be trusted (answer non-200 so Binance retries, §5.1). A failure to fetch certificates from a
 * `CertificateStore` propagates as-is.
 *
 * Checks, in order: headers present → (with `opts.newCertificates`: the new certificate's
 * signature, and if it does not verify the legacy one) certificate by `BinancePay-Certificate-SN`
 * → RSA-SHA256 over `ts\nnonce\nrawBody\n` (§5.2) → timestamp tolerance (if set) → body shape.
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  certificates: Certificate[] | CertificateStore,
  opts: VerifyWebhookOptions = {},
): Promise<WebhookEvent> {
  const bytes = toBytes(rawBody);
  const timestamp = header(headers, H_TIMESTAMP);
  const nonce = header(headers, H_NONCE);
  for (const [name, value] of [
    [H_TIMESTAMP, timestamp],
    [H_NONCE, nonce],
  ] as const) {
    if (!value) throw new WebhookVerificationError('MISSING_HEADER', `missing header ${name}`);
  }

  // Same layout as buildSignaturePayload (§5.2), assembled from bytes so a Buffer body is verified
  // exactly as received rather than after a UTF-8 round trip. Both certificates sign the same payload.
  const payload = Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), bytes, Buffer.from('\n', 'utf8')]);
  const byNew = opts.newCertificates ? await verifiesWithNewCertificate(payload, headers, opts.newCertificates) : undefined;
  if (byNew !== true) {
    try {
      const signature = header(headers, H_SIGNATURE);
      if (!signature) throw new WebhookVerificationError('MISSING_HEADER', `missing header ${H_SIGNATURE}`);
      const cert = await pickCertificate(certificates, header(headers, H_SERIAL));
      if (!verifyWebhookSignature({ payload, signatureBase64: signature, publicKeyPem: cert.certPublic })) {
        throw new WebhookVerificationError('BAD_SIGNATURE', 'webhook signature does not match body and headers');
      }
    } catch (error) {
      // a new signature that did not match says more than a legacy header one cannot check
      if (error instanceof WebhookVerificationError && error.reason !== 'BAD_SIGNATURE' && byNew && byNew.reason === 'BAD_SIGNATURE') throw byNew;
      throw error;
    }
  }

  if (opts.toleranceMs !== undefined) {
    const now = (opts.now ?? Date.now)();
    const ts = Number(timestamp);
    if (!/^\d+$/.test(timestamp as string) || Math.abs(now - ts) > opts.toleranceMs) {
      throw new WebhookVerificationError('STALE_TIMESTAMP', `webhook timestamp ${timestamp} is outside ±${opts.toleranceMs} ms`);
    }
  }
  return parseWebhookBody(rawBody);
}

/** The body to answer a handled webhook with, with HTTP 200 (fact sheet §5.5). */
export function webhookAck(): WebhookAck {
  return { returnCode: 'SUCCESS', returnMessage: null };
}
