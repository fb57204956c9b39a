/**
 * One signed notification request (fact sheet §5.2, §5.3): the exact body and the four
 * `BinancePay-*` headers, re-signed for every attempt with a fresh timestamp and nonce.
 */
import { webhookBody, type OutboxEvent } from '../domain/webhook.ts';
import { randomString } from '../lib/ids.ts';
import { rsaSignBase64Async, signaturePayload } from '../lib/signature.ts';

export interface WebhookSigner {
  /** `certSerial` of the key, as /certificates lists it and `BinancePay-Certificate-SN` carries it */
  certSerial: string;
  privateKeyPem: string;
  /**
   * The new platform certificate's key for a merchant that has it enabled (docs/webhooks.md): its
   * webhooks also carry `BinancePay-Certificate-SN-New` and `BinancePay-Signature-New`.
   */
  newKeyFor?(merchantId: number): { certSerial: string; privateKeyPem: string } | undefined;
}

export interface SignedWebhook {
  body: string;
  /** in the order they are sent; names as Binance writes them */
  headers: Record<string, string>;
}

export const WEBHOOK_USER_AGENT = 'binance-pay-server-webhook';

/** 32 letters and digits (fact sheet §5.2 "32-char random string"). */
export function webhookNonce(): string {
  return randomString(32);
}

/** `timestamp` is epoch ms as text (wall clock: receivers compare it with their own clock). */
/**
 * Both signatures cover the same `timestamp\nnonce\nbody\n` (one timestamp and nonce per attempt);
 * the new certificate's pair follows the legacy headers, which stay (Binance sends them "next to
 * the existing headers").
 */
export async function signWebhook(event: Pick<OutboxEvent, 'bizType' | 'bizId' | 'bizStatus' | 'data'> & { merchantId?: number }, signer: WebhookSigner, timestamp: string, nonce: string): Promise<SignedWebhook> {
  const body = webhookBody(event);
  const payload = signaturePayload(timestamp, nonce, body);
  const newKey = event.merchantId === undefined ? undefined : signer.newKeyFor?.(event.merchantId);
  const [signature, newSignature] = await Promise.all([rsaSignBase64Async(signer.privateKeyPem, payload), newKey ? rsaSignBase64Async(newKey.privateKeyPem, payload) : undefined]);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'BinancePay-Timestamp': timestamp,
    'BinancePay-Nonce': nonce,
    'BinancePay-Certificate-SN': signer.certSerial,
    'BinancePay-Signature': signature,
  };
  if (newKey && newSignature !== undefined) {
    headers['BinancePay-Certificate-SN-New'] = newKey.certSerial;
    headers['BinancePay-Signature-New'] = newSignature;
  }
  return { body, headers };
}
