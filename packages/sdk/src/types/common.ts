/** Scalar aliases shared by the request/response interfaces. */

/**
 * A request amount. Binance samples send JSON numbers (`25.17`) and integrators send strings
 * (`"10.00"`); both are accepted (fact sheet §7.2). Prefer strings: a JS number cannot carry
 * 8 exact decimals for large values.
 */
export type Amount = number | string;

/**
 * A JSON `long` in a response. A number while it fits Number.MAX_SAFE_INTEGER; the exact digit
 * string beyond that (the client parses responses losslessly — fact sheet §5.3, §8.3).
 */
export type Long = number | string;

/** Spot or funding wallet (fact sheet §3.8, §3.11). */
export type WalletType = 'FUNDING_WALLET' | 'SPOT_WALLET';

/** Webhook public key, the element of the certificates response array (fact sheet §3.7). */
export interface Certificate {
  /** MD5 of the public key, also sent as header `BinancePay-Certificate-SN` (§5.2). */
  certSerial: string;
  /** SPKI PEM `-----BEGIN PUBLIC KEY-----…`. */
  certPublic: string;
}
