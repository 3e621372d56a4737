import { loadAssignmentRules } from '../rules/assignment-rules.js';
import { loadBaseTemplate } from '../rules/base-template.js';
import { loadJourney } from '../rules/load-journey.js';
import { loadNurtureSteps } from '../rules/nurture-rules.js';
import { checkReturnRows, loadReturnReasons, type ReturnReason } from '../rules/return-reasons.js';
import { templateTable } from '../rules/base-template.js';
import type { RuleTableSpec } from '../usecases/rule-tables.js';
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

/**
 * The rule tables the team edits in the Base (template tables with default rows), each with the
 * validator its defaults pass and the member of the rule set it replaces once every row is right.
 */
export function ruleTableSpecs(rules: RuleSet): RuleTableSpec[] {
  return [
    {
      key: 'rules_returns',
      name: templateTable(rules.template, 'rules_returns').name,
      check: (rows) => checkReturnRows(rows, rules.template, rules.journey),
      apply: (values) => {
        rules.returnReasons = values as ReturnReason[];
      },
    },
  ];
}
