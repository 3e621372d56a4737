import { loadAssignmentRules } from '../rules/assignment-rules.js';
import { loadBaseTemplate } from '../rules/base-template.js';
import { loadJourney } from '../rules/load-journey.js';
import { loadNurtureSteps } from '../rules/nurture-rules.js';
import { loadReturnReasons } from '../rules/return-reasons.js';
import { loadRoutingRules } from '../rules/routing-rules.js';
import { loadScoringRules } from '../rules/scoring-rules.js';
import { loadWorkCalendar } from '../rules/work-calendar.js';

/**
 * Everything the use cases decide by: the journey (stages, transitions, guards), the Base template, and
 * the rule tables (分配, 评分, 分配规则, 退回原因, 培育步骤) with the working calendar. Loaded once from
 * `bitable-templates/`; the use cases read the rule tables through getters on this object, so a set
 * replaced later (rules edited in the Base) takes effect without rebuilding anything.
 */
export function loadRuleSet(journeyIdOrPath: string) {
  const journey = loadJourney(journeyIdOrPath);
  const template = loadBaseTemplate();
  const workCalendar = loadWorkCalendar();
  return {
    journey,
    template,
    workCalendar,
    calendar: workCalendar.calendar,
    assignment: loadAssignmentRules(journey, template),
    scoring: loadScoringRules(journey, template),
    routing: loadRoutingRules(template),
    returnReasons: loadReturnReasons(template, journey),
    nurtureSteps: loadNurtureSteps(journey, template),
  };
}

export type RuleSet = ReturnType<typeof loadRuleSet>;
