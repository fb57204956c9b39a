/**
 * Authenticates a Binance Pay API request (fact sheet §1), in the order §1.6 suggests:
 * headers present and well-formed → timestamp → key and IP → signature → account → nonce replay.
 * It knows headers as strings only; the HTTP layer extracts them.
 */
import { BlockList, isIP } from 'node:net';
import { AppError, Errors, fail } from '../domain/errors.ts';
import type { Merchant } from '../domain/merchant.ts';
import { isApiKeyUsable } from '../domain/merchant.ts';
import { constantTimeEqual, hmacSha512UpperHex, signaturePayloadBytes } from '../lib/signature.ts';
import { type ApiKeyAndMerchant, findApiKeyAndMerchant } from '../store/merchants-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { explainSignatureMismatch } from './signature-debug.ts';

export interface RequestCredentials {
  apiKey: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
  /** The exact body bytes received. */
  body: Buffer;
  clientIp: string;
}

export interface AuthenticatedRequest {
  merchant: Merchant;
  apiKey: string;
}

const API_KEY = /^[A-Za-z0-9]{64}$/;
const NONCE = /^[A-Za-z0-9]{32}$/;
const HEADER = {
  apiKey: 'BinancePay-Certificate-SN',
  timestamp: 'BinancePay-Timestamp',
  nonce: 'BinancePay-Nonce',
  signature: 'BinancePay-Signature',
} as const;

/**
 * What authenticating one API key needs: its row, its merchant and its opened secret, as of one
 * auth epoch. Kept per node and used only while the epoch the nonce statement reads is the same,
 * so a revoked key, a suspended merchant or a new allow-list takes effect with the next request on
 * every node (migration 0007). Saves a query per request: a round trip on PostgreSQL.
 */
export interface AuthEntry {
  found: ApiKeyAndMerchant;
  secret: string;
}

const AUTH_CACHE_LIMIT = 10_000;

async function loadEntry(deps: ServiceDeps, apiKey: string): Promise<AuthEntry | undefined> {
  const cache = deps.caches.auth;
  const found = await findApiKeyAndMerchant(deps.store.db, apiKey);
  if (!found) {
    cache.delete(apiKey);
    return undefined;
  }
  // shared by every request of this key until the epoch moves: nobody may change it
  if (found.merchant) deepFreeze(found.merchant);
  const entry: AuthEntry = { found: Object.freeze(found), secret: deps.secrets.open(found.secretSealed) };
  if (cache.size >= AUTH_CACHE_LIMIT) cache.clear();
  cache.set(apiKey, entry);
  return entry;
}

function deepFreeze(value: object): void {
  for (const inner of Object.values(value)) if (inner !== null && typeof inner === 'object') deepFreeze(inner as object);
  Object.freeze(value);
}

function hinted(spec: (typeof Errors)[keyof typeof Errors], deps: ServiceDeps, hint: string): AppError {
  return new AppError(spec, undefined, deps.settings.signatureDebug ? { extra: { hint } } : undefined);
}

/** Why this request may not be served with this key, in §1.6's order; undefined when it may. */
function refusal(deps: ServiceDeps, entry: AuthEntry | undefined, req: RequestCredentials & { timestamp: string; nonce: string; signature: string }): AppError | undefined {
  const found = entry?.found;
  if (!entry || !found || !isApiKeyUsable(found.key, deps.clock.now())) {
    return hinted(Errors.INVALID_API_KEY_OR_IP, deps, found ? 'This API key has been revoked or has expired after rotation.' : 'No API key with this value exists on this server.');
  }
  const merchant = found.merchant;
  if (!merchant) return new AppError(Errors.INVALID_API_KEY_OR_IP);
  if (merchant.ipAllowlist !== null && !ipAllowed(merchant.ipAllowlist, req.clientIp)) {
    return hinted(Errors.INVALID_API_KEY_OR_IP, deps, `Your IP ${req.clientIp} is not in this merchant's IP allow-list.`);
  }
  const { secret } = entry;
  const expected = hmacSha512UpperHex(secret, signaturePayloadBytes(req.timestamp, req.nonce, req.body));
  const presented = deps.settings.signatureCaseInsensitive ? req.signature.toUpperCase() : req.signature;
  if (!constantTimeEqual(presented, expected)) {
    const extra = deps.settings.signatureDebug
      ? { signatureDebug: explainSignatureMismatch({ secret, timestamp: req.timestamp, nonce: req.nonce, body: req.body, received: req.signature }) }
      : undefined;
    return new AppError(Errors.INVALID_SIGNATURE, undefined, extra ? { extra } : undefined);
  }
  if (merchant.status !== 'ACTIVE') return new AppError(Errors.INVALID_ACCOUNT_STATUS, 'This merchant account is suspended.');
  return undefined;
}

export async function authenticateRequest(deps: ServiceDeps, req: RequestCredentials): Promise<AuthenticatedRequest> {
  for (const field of ['apiKey', 'timestamp', 'nonce', 'signature'] as const) {
    if (!req[field]) fail(Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED, `Header ${HEADER[field]} is missing or empty.`);
  }
  const apiKey = req.apiKey as string;
  const credentials = { ...req, timestamp: req.timestamp as string, nonce: req.nonce as string, signature: req.signature as string };
  const { nonce } = credentials;

  if (!API_KEY.test(apiKey)) throw hinted(Errors.BAD_API_KEY_FMT, deps, `${HEADER.apiKey} must be your 64-character API key; got ${apiKey.length} characters.`);
  if (!NONCE.test(nonce)) {
    fail(Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED, `Header ${HEADER.nonce} must be 32 letters or digits; got ${nonce.length} characters.`);
  }

  checkTimestamp(deps, credentials.timestamp);

  // Not cached, or cached and refusing (it may be stale): decide on the rows as they are now.
  let entry = deps.caches.auth.get(apiKey);
  let refused = refusal(deps, entry, credentials);
  if (refused) {
    entry = await loadEntry(deps, apiKey);
    refused = refusal(deps, entry, credentials);
    if (refused) throw refused;
  }

  // Recorded only after the signature holds, so nobody can burn another merchant's nonces.
  const recorded = await deps.nonces.record({ apiKey, nonce, expiresAtMs: deps.clock.wall.now() + 2 * deps.settings.timestampWindowMs });
  if (recorded === undefined) fail(Errors.INVALID_REQUEST, `${HEADER.nonce} was already used by this API key within the timestamp window (replayed request). Use a new random nonce for every request.`);
  // time another node moved (time control) applies to this request already
  deps.clock.catchUp(recorded.clockOffsetMs);
  if (entry?.found.epoch !== recorded.epoch) {
    // a key or merchant changed since the entry was read: decide on the rows as they are now
    entry = await loadEntry(deps, apiKey);
    refused = refusal(deps, entry, credentials);
    if (refused) throw refused;
  }
  return { merchant: entry?.found.merchant as Merchant, apiKey };
}

function checkTimestamp(deps: ServiceDeps, timestamp: string): void {
  const window = deps.settings.timestampWindowMs;
  if (!/^\d{1,16}$/.test(timestamp)) throw hinted(Errors.INVALID_TIMESTAMP, deps, `${HEADER.timestamp} must be Unix time in milliseconds (digits only); got "${timestamp.slice(0, 40)}".`);
  const ts = Number(timestamp);
  const now = deps.clock.wall.now();
  if (ts < 100_000_000_000 && Math.abs(ts * 1000 - now) <= Math.max(window, 60_000)) {
    throw hinted(Errors.INVALID_TIMESTAMP, deps, `${HEADER.timestamp} ${timestamp} looks like seconds: send milliseconds (${ts * 1000}).`);
  }
  const skew = ts - now;
  if (Math.abs(skew) > window) {
    const where = skew < 0 ? `${-skew} ms behind` : `${skew} ms ahead of`;
    throw hinted(Errors.INVALID_TIMESTAMP, deps, `Request timestamp ${ts} is ${where} server time ${now}; the window is ±${window} ms.`);
  }
}

function ipAllowed(allowlist: string[], ip: string): boolean {
  const normalised = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(normalised) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const entry of allowlist) {
    const [address, prefix] = entry.split('/');
    if (!address) continue;
    const entryFamily = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, entryFamily);
    else list.addSubnet(address, Number(prefix), entryFamily);
  }
  return list.check(normalised, family);
}

/** Validates allow-list entries (IP or CIDR) for the admin API. */
export function isValidAllowlistEntry(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (!address || extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
