/**
 * One signed notification request (fact sheet §5.2, §5.3): the exact body and the four
 * `BinancePay-*` headers, re-signed for every attempt with a fresh timestamp and nonce.
 */
import { webhookBody, type OutboxEvent } from '../domain/webhook.ts';
import { randomString } from '../lib/ids.ts';
import { rsaSignBase64, signaturePayload } from '../lib/signature.ts';

export interface WebhookSigner {
  /** `certSerial` of the key, as /certificates lists it and `BinancePay-Certificate-SN` carries it */
  certSerial: string;
  privateKeyPem: string;
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
export function signWebhook(event: Pick<OutboxEvent, 'bizType' | 'bizId' | 'bizStatus' | 'data'>, signer: WebhookSigner, timestamp: string, nonce: string): SignedWebhook {
  const body = webhookBody(event);
  const signature = rsaSignBase64(signer.privateKeyPem, signaturePayload(timestamp, nonce, body));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'BinancePay-Timestamp': timestamp,
      'BinancePay-Nonce': nonce,
      'BinancePay-Certificate-SN': signer.certSerial,
      'BinancePay-Signature': signature,
    },
  };
}
