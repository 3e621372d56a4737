import type { Context } from 'hono';
import type { z } from 'zod';

/** The control API's answer to a body that is not JSON or does not fit the route's schema. */
export const invalidBody = (issues: unknown) => ({ error: 'invalid_body', issues });

export type BodyResult<T> = { ok: true; data: T } | { ok: false; response: Response };

/**
 * Read a control request's JSON body (or one property of it) and check it against `schema`; on failure
 * the ready 400 reply names every problem.
 */
export async function readBody<S extends z.ZodType>(ctx: Context, schema: S, pick?: string): Promise<BodyResult<z.output<S>>> {
  const raw: unknown = await ctx.req.json().catch(() => null);
  const value = pick === undefined ? raw : raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[pick] : undefined;
  const p = schema.safeParse(value);
  return p.success ? { ok: true, data: p.data } : { ok: false, response: ctx.json(invalidBody(p.error.issues), 400) };
}
