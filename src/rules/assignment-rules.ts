import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Journey } from '../domain/journey.js';
import type { BaseTemplate } from './base-template.js';
import { TEMPLATES_DIR } from './load-journey.js';

/**
 * Assignment rules (bitable-templates/assignment.json): which stages hand a lead to a person, who can
 * be picked, the accept and first-feedback SLAs and their escalation ladders. Who exactly is picked is
 * the 分配规则 (routing-rules.ts); what a return means is the 退回原因 taxonomy (return-reasons.ts).
 */

const ladder = z
  .array(
    z
      .object({
        step: z.enum(['remind', 'manager', 'reassign']),
        afterWorkingHours: z
          .number()
          .min(0)
          .max(24 * 30),
      })
      .strict(),
  )
  .refine((steps) => steps.every((s, i) => i === 0 || steps[i - 1]!.afterWorkingHours <= s.afterWorkingHours), 'steps must be in time order')
  .refine((steps) => new Set(steps.map((s) => s.step)).size === steps.length, 'each step at most once');

export const assignmentRulesSchema = z
  .object({
    description: z.string().optional(),
    assignOn: z.array(z.string().min(1)),
    candidateRoles: z.array(z.string().min(1)).min(1),
    /** working hours on the working calendar (docs/domain.md#slas-and-escalation: accept within 4 working hours) */
    acceptWithinWorkingHours: z
      .number()
      .positive()
      .max(24 * 30),
    /** working days on the working calendar (docs/domain.md#slas-and-escalation: first feedback within 5 working days) */
    followUpWithinWorkingDays: z.number().positive().max(90),
    /**
     * What happens when an SLA passes with nobody acting: steps in order, each at a number of working
     * hours after the SLA's due time, each taken once (remind the owner → @ their manager → reassign).
     */
    escalation: z.object({ accept: ladder, followUp: ladder, approval: ladder.refine((s) => s.every((x) => x.step !== 'reassign'), 'an approval is not reassigned: use remind and manager') }).strict(),
    /** an approval card waiting longer than this (working hours) starts the approval ladder */
    approvalWithinWorkingHours: z
      .number()
      .positive()
      .max(24 * 30),
  })
  .strict();

export type AssignmentRules = z.infer<typeof assignmentRulesSchema>;

/** Problems between the rules, the journey and the Base template (stage ids, roles). */
export function checkAssignmentRules(r: AssignmentRules, journey: Journey, template: BaseTemplate): string[] {
  const problems: string[] = [];
  const stages = new Set(journey.stages.map((s) => s.id));
  for (const s of r.assignOn) if (!stages.has(s)) problems.push(`assignOn: "${s}" is not a stage of journey ${journey.id}`);
  const roles = new Set(Object.values(template.roles ?? {}));
  for (const role of r.candidateRoles) if (!roles.has(role)) problems.push(`candidateRoles: "${role}" is not a role of the 销售团队 table (${[...roles].join(', ')})`);
  return problems;
}

export function loadAssignmentRules(journey: Journey, template: BaseTemplate, file = join(TEMPLATES_DIR, 'assignment.json')): AssignmentRules {
  const parsed = assignmentRulesSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`Assignment rules ${file} are not usable:\n  - ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('\n  - ')}`);
  // Stages the journey does not have are left out (the presets differ), not an error: a journey without
  // SQL simply assigns nowhere by default.
  const rules = { ...parsed.data, assignOn: parsed.data.assignOn.filter((s) => journey.stages.some((x) => x.id === s)) };
  const problems = checkAssignmentRules(rules, journey, template);
  if (problems.length) throw new Error(`Assignment rules ${file} do not fit the journey or the Base:\n  - ${problems.join('\n  - ')}`);
  return rules;
}
