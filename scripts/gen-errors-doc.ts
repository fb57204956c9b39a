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
    '### Extra fields: `hint` and `signatureDebug`',
    '',
    'Binance\'s messages are kept word for word, so clients that match on them keep working. To say what',
    'actually went wrong, a failure may carry extra envelope fields after `errorMessage`:',
    '',
    '- `hint` (string) — on `400003`, `400004` and `400005`: e.g. a timestamp sent in seconds, the',
    '  measured clock skew, a revoked or rotated-out key, a caller IP outside the merchant\'s allow-list.',
    '- `signatureDebug` (object) — on `400002`: `payload` (the exact text the server signed:',
    '  timestamp LF nonce LF body LF), `payloadLength` (its length in bytes), `payloadSha256` (hex),',
    '  `algorithm`, `received` (`length` and `format` of the signature you sent), `mistake` and an',
    '  `explanation`. `mistake` is one of ' + SIGNATURE_MISTAKES.map((m) => `\`${m}\``).join(', ') + '.',
    '  It never contains the expected signature or anything else derived from your API secret: it only',
    '  tells whether your own signature matches a known wrong variant of the payload.',
    '',
    'Other failures carry a more specific `errorMessage` naming the field or header at fault.',
    '',
    '### Strict mode',
    '',
    'With `BPAY_STRICT=true` (or `bpay serve --strict`) the server behaves like Binance as closely as',
    'known: a 1 s timestamp window (fact sheet §1.4) and no `hint` or `signatureDebug` fields, so a',
    '`FAIL` has exactly `status`, `code` and `errorMessage`. `BPAY_SIGNATURE_DEBUG=false` turns the extra',
    'fields off without the rest of strict mode.',
    '',
    '## Origin',
    '',
    '| origin | meaning |',
    '|---|---|',
    ...(Object.keys(ORIGIN_LEGEND) as ErrorOrigin[]).map((o) => `| \`${o}\` | ${cell(ORIGIN_LEGEND[o])} |`),
    '',
    '## Codes',
    '',
    '| code | name | HTTP | default message | when this server returns it | origin |',
    '|---|---|---|---|---|---|',
    ...specs.map((s) => `| \`${s.code}\` | ${cell(s.name)} | ${s.httpStatus} | ${cell(s.message)} | ${cell(s.when)} | ${s.origin} |`),
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
