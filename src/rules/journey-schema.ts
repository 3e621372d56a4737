import { z } from 'zod';
import { validateJourney, type Journey } from '../domain/journey.js';

const text = z.object({ zh: z.string().min(1), en: z.string().min(1) });

const guard = z.discriminatedUnion('type', [
  z.object({ type: z.literal('required'), fact: z.string().min(1), label: text }),
  z.object({ type: z.literal('anyOf'), facts: z.array(z.string().min(1)).min(1), label: text }),
  z.object({ type: z.literal('minScore'), min: z.number(), label: text }),
]);

export const journeySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  name: text,
  initial: z.string().min(1),
  leadMinimum: z.array(guard).min(1).optional(),
  stages: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and underscores'),
        code: z.string().regex(/^[A-Z][A-Z0-9/]*$/, 'upper-case code such as MQL'),
        label: text,
        kind: z.enum(['open', 'won', 'lost', 'nurture', 'disqualified']),
        description: text.optional(),
      }),
    )
    .min(1),
  transitions: z.array(
    z.object({
      from: z.string().min(1),
      to: z.string().min(1),
      kind: z.enum(['forward', 'recycle', 'exit', 'reopen']),
      guards: z.array(guard).optional(),
      approval: z.object({ role: z.string().min(1), label: text }).optional(),
      reasonRequired: z.boolean().optional(),
    }),
  ),
});

export class JourneyError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`Journey ${source} is not usable:\n  - ${problems.join('\n  - ')}`);
    this.name = 'JourneyError';
    this.problems = problems;
  }
}

/** Parse and check a journey definition; throws JourneyError listing every problem. */
export function parseJourney(input: unknown, source = '(inline)'): Journey {
  const parsed = journeySchema.safeParse(input);
  if (!parsed.success) {
    throw new JourneyError(
      source,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const j = parsed.data as Journey;
  const problems = validateJourney(j);
  if (problems.length) throw new JourneyError(source, problems);
  return j;
}
