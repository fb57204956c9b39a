/** @binance-pay-server/sdk — public surface. Zero runtime dependencies (node: built-ins + fetch). */
export { buildSignaturePayload, signRequest, generateNonce, verifyWebhookSignature } from './signing.ts';
export type { VerifyWebhookSignatureInput } from './signing.ts';

export { BinancePayClient } from './client.ts';
export type { BinancePayClientOptions, RequestOptions } from './client.ts';

export { isSuccessStatus, parseEnvelope } from './envelope.ts';
export type { Envelope, EnvelopeStatus, RawResponse } from './envelope.ts';

export { BinancePayError, BinancePayTransportError, WebhookVerificationError } from './errors.ts';
export type { WebhookFailureReason } from './errors.ts';

export { parseWebhookBody, verifyWebhook, webhookAck } from './webhook.ts';
export type { VerifyWebhookOptions, WebhookHeaders } from './webhook.ts';
export { CertificateStore } from './certificate-store.ts';
export type { CertificateFetcher, CertificateSource, CertificateStoreOptions } from './certificate-store.ts';

export { parseJsonLossless } from './json-scan.ts';
export { decryptSharedData } from './shared-data.ts';
export { PATHS, DEFAULT_BASE_URL } from './paths.ts';

export type * from './types/common.ts';
export type * from './types/order.ts';
export type * from './types/payout.ts';
export type * from './types/wallet.ts';
export type * from './types/sub-merchant.ts';
export type * from './types/profit-sharing.ts';
export type * from './types/webhook.ts';
