/**
 * Reading FAIL envelopes the way docs/errors.md describes them: a code whose Binance text is known
 * (`verbatim` in the catalog) answers that text word for word in `errorMessage`, and this server's
 * detail (the field at fault) in `hint`; other codes name the field in `errorMessage` itself.
 */
import { expect } from 'vitest';
import { allErrorSpecs } from '../../src/domain/errors.ts';

export interface FailEnvelope {
  status?: unknown;
  code?: unknown;
  errorMessage?: unknown;
  hint?: unknown;
}

/** errorMessage and hint together: where a test looks for the field or value named. */
export function failureText(envelope: FailEnvelope | undefined | null): string {
  return [envelope?.errorMessage, envelope?.hint].filter((s): s is string => typeof s === 'string').join(' | ');
}

/** The detail names `needle`, and a verbatim code keeps Binance's text in errorMessage. */
export function expectNamed(envelope: FailEnvelope | undefined | null, needle: string, context = ''): void {
  expect(failureText(envelope), context).toContain(needle);
  const spec = allErrorSpecs.find((s) => s.code === envelope?.code);
  if (spec?.verbatim) expect(envelope?.errorMessage, context).toBe(spec.message);
}
