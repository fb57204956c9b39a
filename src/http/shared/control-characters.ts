/**
 * The edge check for control characters (src/lib/control-characters.ts) on every surface but the
 * Binance one: registered once on the root instance, so every route of the admin API, checkout,
 * dashboard and ops — and any route added later — runs it after its body is parsed and before its
 * handler. The Binance Pay surface runs the same check itself, after authentication, to keep
 * Binance's order of checks (its plugin.ts); its answer there is 400103.
 */
import type { FastifyRequest } from 'fastify';
import { AppError, Errors } from '../../domain/errors.ts';
import { controlCharacterMessage, findControlCharacter } from '../../lib/control-characters.ts';

/** A preValidation hook refusing path parameters, query and body strings with control characters (900400). */
export function controlCharacterGuard(checkedElsewhere: readonly string[]) {
  return async function rejectControlCharacters(request: FastifyRequest): Promise<void> {
    if (checkedElsewhere.some((prefix) => request.url === prefix || request.url.startsWith(`${prefix}/`) || request.url.startsWith(`${prefix}?`))) return;
    const hit =
      findControlCharacter(request.params, 'path') ??
      findControlCharacter(request.query, 'query') ??
      (Buffer.isBuffer(request.body) ? undefined : findControlCharacter(request.body));
    if (hit) throw new AppError(Errors.BAD_ADMIN_REQUEST, controlCharacterMessage(hit));
  };
}
