/**
 * Renders docs/errors.md from the one error catalog (src/domain/errors.ts, ARCHITECTURE.md
 * principle 2), so the page can never disagree with the code.
 *
 *   npm run docs:errors            writes docs/errors.md
 *   npm run docs:errors -- --check exits 1 when docs/errors.md is not what this script writes
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allErrorSpecs, type ErrorOrigin, type ErrorSpec } from '../src/domain/errors.ts';
import { SIGNATURE_MISTAKES } from '../src/services/signature-debug.ts';

export const ERRORS_DOC_PATH = resolve(import.meta.dirname, '..', 'docs', 'errors.md');

const ORIGIN_LEGEND: Record<ErrorOrigin, string> = {
  binance: 'documented by Binance (code, name and message from the docs, official SDKs or samples; fact sheet §1.6, §6)',
  inferred: 'Binance uses the code but does not document when; this server\'s use is our best reading (fact sheet §10)',
  sandbox: 'this server\'s own, never sent by Binance: the admin API, the simulated payer and internal failures',
};

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

export function renderErrorsDoc(specs: readonly ErrorSpec[] = allErrorSpecs): string {
  const codes = specs.map((s) => s.code);
  const duplicates = codes.filter((c, i) => codes.indexOf(c) !== i);
  if (duplicates.length > 0) throw new Error(`duplicate error codes in the catalog: ${duplicates.join(', ')}`);

  const lines: string[] = [
    '# Error codes',
    '',
    '<!-- Generated from src/domain/errors.ts by scripts/gen-errors-doc.ts. Do not edit: run `npm run docs:errors`. -->',
    '',
    'Every failure this server answers comes from one catalog (`src/domain/errors.ts`). Binance\'s own',
    'codes keep Binance\'s names and messages (fact sheet §1.6, §6); codes this server adds are marked',
    '`sandbox` and never appear where Binance would answer.',
    '',
    '## The envelope',
    '',
    'Success and failure share Binance\'s envelope (fact sheet §2), keys in this order:',
    '',
    '```json',
    '{ "status": "SUCCESS", "code": "000000", "data": { }, "errorMessage": "" }',
    '{ "status": "FAIL", "code": "400002", "errorMessage": "Signature for this request is not valid." }',
    '```',
    '',
    '- `code` is always a string of digits; `errorMessage` is a string on every `FAIL`.',
    '- A `FAIL` carries the HTTP status of the table below: 400 for every Binance code (the mapping a',
    '  working Binance client relies on), never a bare 500 page. An unexpected failure on the Binance Pay',
    '  surface becomes `400000` and is logged with the request id.',
    '- An idempotent repeat of Transfer Fund answers `"status": "REPEAT_REQ_SUCCESS"` with code `000001`',
    '  and the original `data` (fact sheet §2, §7.7).',
    '- On the Binance Pay surface (`/binancepay/openapi/...`) only Binance codes and `404000` appear; a',
    '  `sandbox` code raised there is answered as `400000`. The admin API (`/admin/v1/...`) uses the same',
    '  envelope with the `sandbox` codes.',
    '',
    '### `errorMessage` and the extra fields `hint` and `signatureDebug`',
    '',
    'Where Binance\'s own text is known word for word (a sample, a result-code table or an official SDK:',
    'column *verbatim* below), `errorMessage` is always that text, so clients that match on it keep',
    'working. Where Binance\'s wording is unknown (the field-rule codes `400100`–`400103`, `400203`),',
    '`errorMessage` names the field or value at fault instead, e.g. `orderAmount must be at least 0.00000001`.',
    'To say what actually went wrong, a failure may carry extra envelope fields after `errorMessage`:',
    '',
    '- `hint` (string) — this server\'s precise message when the code is verbatim, e.g. `400201` answers',
    '  `"errorMessage":"merchantTradeNo is invalid or duplicated","hint":"merchantTradeNo T1 is invalid or duplicated"`',
    '  and `400008` names the field of the wrong type or the duplicate key; on `400003`, `400004` and',
    '  `400005` it tells a timestamp sent in seconds, the measured clock skew, a revoked or rotated-out',
    '  key, a caller IP outside the merchant\'s allow-list.',
    '- `signatureDebug` (object) — on `400002`: `payload` (the exact text the server signed:',
    '  timestamp LF nonce LF body LF), `payloadLength` (its length in bytes), `payloadSha256` (hex),',
    '  `algorithm`, `received` (`length` and `format` of the signature you sent), `mistake` and an',
    '  `explanation`. `mistake` is one of ' + SIGNATURE_MISTAKES.map((m) => `\`${m}\``).join(', ') + '.',
    '  It never contains the expected signature or anything else derived from your API secret: it only',
    '  tells whether your own signature matches a known wrong variant of the payload.',
    '',
    '### Strict mode',
    '',
    'With `BPAY_STRICT=true` (or `bpay serve --strict`) the server behaves like Binance as closely as',
    'known: a 1 s timestamp window (fact sheet §1.4); every `FAIL` is exactly `status`, `code` and the',
    '*default message* of the table below as `errorMessage` — no detail, no `hint` or `signatureDebug`',
    '(`test/http/strict-mode.test.ts` triggers every code over HTTP and compares the bytes); and what',
    'Binance\'s gateway refuses before any API check — a method other than POST, no `content-type`',
    'header, or no body on an endpoint that takes one — answers its own shape, HTTP 400:',
    '',
    '```json',
    '{"status":"ERROR","type":"SYS","code":"100001001","errorData":"System abnormality"}',
    '```',
    '',
    '(Binance FAQ, fact sheet §1.6; checked before authentication, as a gateway would.) The default',
    'mode answers `400006`, `400007` and `400008` there instead, which say which of the three it was.',
    'A `content-type` that is present but not JSON is `400007` in both modes. `BPAY_SIGNATURE_DEBUG=false`',
    'turns the extra fields off without the rest of strict mode.',
    '',
    '### Control characters',
    '',
    'One rule for every string of every request, on every surface (`src/lib/control-characters.ts`):',
    'C0 controls other than TAB, LF and CR (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F), DEL and the',
    'C1 controls (U+007F–U+009F), and unpaired UTF-16 surrogates are refused wherever they appear — a',
    'value, an object key, a query parameter, a path parameter — with the field named, e.g.',
    '`refundRequestId contains an illegal character (U+0000 at position 1)`. PostgreSQL cannot store',
    'U+0000 in text and none of them means anything in an id, a name or an amount, so both databases',
    'answer alike. On the Binance Pay surface the check runs on the parsed body and the query after',
    'authentication (Binance\'s order of checks) and answers `400103`; on the admin API, checkout,',
    'dashboard and ops one hook on the root instance runs it before every handler and answers `900400`',
    '(HTTP 400), so a route added later is covered too.',
    '',
    '## Origin',
    '',
    '| origin | meaning |',
    '|---|---|',
    ...(Object.keys(ORIGIN_LEGEND) as ErrorOrigin[]).map((o) => `| \`${o}\` | ${cell(ORIGIN_LEGEND[o])} |`),
    '',
    '## Codes',
    '',
    '| code | name | HTTP | default message | verbatim | when this server returns it | origin |',
    '|---|---|---|---|---|---|---|',
    ...specs.map((s) => `| \`${s.code}\` | ${cell(s.name)} | ${s.httpStatus} | ${cell(s.message)} | ${s.verbatim ? 'yes' : '—'} | ${cell(s.when)} | ${s.origin} |`),
    '',
  ];
  return lines.join('\n');
}

function main(args: string[]): number {
  const expected = renderErrorsDoc();
  if (args.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(ERRORS_DOC_PATH, 'utf8');
    } catch {
      // a missing file is simply out of date
    }
    if (current === expected) {
      process.stdout.write('docs/errors.md is up to date\n');
      return 0;
    }
    process.stderr.write('docs/errors.md is out of date with src/domain/errors.ts: run `npm run docs:errors`\n');
    return 1;
  }
  writeFileSync(ERRORS_DOC_PATH, expected);
  process.stdout.write(`wrote docs/errors.md (${allErrorSpecs.length} codes)\n`);
  return 0;
}

// Run only as a script (node bin/run-ts.mjs scripts/gen-errors-doc.ts), not when a test imports it.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
