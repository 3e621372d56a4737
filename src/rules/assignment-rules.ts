import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Journey } from '../domain/journey.js';
import type { BaseTemplate } from './base-template.js';
import { TEMPLATES_DIR } from './load-journey.js';
import { loadSla, type SlaPolicy } from './sla-rules.js';

/**
 * Assignment rules (bitable-templates/assignment.json): which stages hand a lead to a person and who can
 * be picked; with the SLA 策略 (rules/sla.json, sla-rules.ts): the accept, first-feedback and approval
 * times and their escalation ladders. Who exactly is picked is the 分配规则 (routing-rules.ts); what a
 * return means is the 退回原因 taxonomy (return-reasons.ts).
 */
export const assignmentFileSchema = z
  .object({
    description: z.string().optional(),
    assignOn: z.array(z.string().min(1)),
    candidateRoles: z.array(z.string().min(1)).min(1),
  })
  .strict();

/**
 * The SLA part is replaced in place when the SLA 策略 table changes (the use cases hold this object):
 * docs/domain.md#slas-and-escalation.
 */
export type AssignmentRules = z.infer<typeof assignmentFileSchema> & SlaPolicy;

/** Problems between the rules, the journey and the Base template (stage ids, roles). */
export function checkAssignmentRules(r: AssignmentRules, journey: Journey, template: BaseTemplate): string[] {
  const problems: string[] = [];
  const stages = new Set(journey.stages.map((s) => s.id));
  for (const s of r.assignOn) if (!stages.has(s)) problems.push(`assignOn: "${s}" is not a stage of journey ${journey.id}`);
  const roles = new Set(Object.values(template.roles ?? {}));
  for (const role of r.candidateRoles) if (!roles.has(role)) problems.push(`candidateRoles: "${role}" is not a role of the 销售团队 table (${[...roles].join(', ')})`);
  return problems;
}

export function loadAssignmentRules(journey: Journey, template: BaseTemplate, file = join(TEMPLATES_DIR, 'assignment.json'), slaFile?: string): AssignmentRules {
  const parsed = assignmentFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`Assignment rules ${file} are not usable:\n  - ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('\n  - ')}`);
  // Stages the journey does not have are left out (the presets differ), not an error: a journey without
  // SQL simply assigns nowhere by default.
  const rules = { ...parsed.data, assignOn: parsed.data.assignOn.filter((s) => journey.stages.some((x) => x.id === s)), ...loadSla(slaFile) };
  const problems = checkAssignmentRules(rules, journey, template);
  if (problems.length) throw new Error(`Assignment rules ${file} do not fit the journey or the Base:\n  - ${problems.join('\n  - ')}`);
  return rules;
}
