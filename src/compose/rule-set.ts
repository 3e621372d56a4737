import { loadAssignmentRules } from '../rules/assignment-rules.js';
import { loadBaseTemplate } from '../rules/base-template.js';
import { loadJourney } from '../rules/load-journey.js';
import { checkNurtureRows, loadNurtureSteps, type NurtureStep } from '../rules/nurture-rules.js';
import { checkReturnRows, loadReturnReasons, type ReturnReason } from '../rules/return-reasons.js';
import { templateTable } from '../rules/base-template.js';
import type { RuleTableSpec } from '../usecases/rule-tables.js';
import type { RoutingRule } from '../domain/routing.js';
import { checkRoutingRows, compileRouting, loadRoutingRules } from '../rules/routing-rules.js';
import { checkPoolRows, loadPoolRules, type PoolRule } from '../rules/pool-rules.js';
import { checkRecycleRows, loadRecycleRules, type RecycleRule } from '../rules/recycle-rules.js';
import { checkRosterRows } from '../rules/roster-rows.js';
import { applySla, checkSlaRows, type SlaRow } from '../rules/sla-rules.js';
import { checkScoringRows, compileScoring, loadScoringRules, type ScoringRow } from '../rules/scoring-rules.js';
import { loadWorkCalendar } from '../rules/work-calendar.js';
import { loadMetricsConfig } from '../rules/metrics-config.js';

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
    pools: loadPoolRules(journey),
    recycle: loadRecycleRules(journey),
    /** how the numbers count channels (bitable-templates/metrics.json) */
    metrics: loadMetricsConfig(template),
  };
}

export type RuleSet = ReturnType<typeof loadRuleSet>;

/**
 * The rule tables the team edits in the Base (template tables with default rows), each with the
 * validator its defaults pass and the member of the rule set it replaces once every row is right; and
 * the 销售团队 rows, checked the same way (the roster reads them itself: `onTeamChanged` tells it).
 */
export function ruleTableSpecs(rules: RuleSet, o: { onTeamChanged?: () => void } = {}): RuleTableSpec[] {
  return [
    {
      // a change scores what happens next (scores already given stay); the decay job re-plans the tiers
      key: 'rules_scoring',
      name: templateTable(rules.template, 'rules_scoring').name,
      check: (rows) => checkScoringRows(rows, rules.journey, rules.template),
      apply: (values) => {
        rules.scoring = compileScoring(values.map((value) => ({ value: value as ScoringRow })));
      },
    },
    {
      key: 'rules_routing',
      name: templateTable(rules.template, 'rules_routing').name,
      check: (rows) => checkRoutingRows(rows, rules.template),
      apply: (values, rows) => {
        rules.routing = compileRouting(values.map((value, i) => ({ row: rows[i]!, value: value as RoutingRule & { order: number } })));
      },
    },
    {
      key: 'rules_returns',
      name: templateTable(rules.template, 'rules_returns').name,
      check: (rows) => checkReturnRows(rows, rules.template, rules.journey),
      apply: (values) => {
        rules.returnReasons = values as ReturnReason[];
      },
    },
    {
      // the nurture job re-plans every lead when the steps in force change
      key: 'rules_nurture',
      name: templateTable(rules.template, 'rules_nurture').name,
      check: (rows) => checkNurtureRows(rows, rules.journey, rules.template),
      apply: (values) => {
        rules.nurtureSteps = values as NurtureStep[];
      },
    },
    {
      // in place: the use cases hold the assignment rules; an SLA that already started keeps its due time
      key: 'rules_sla',
      name: templateTable(rules.template, 'rules_sla').name,
      check: (rows) => checkSlaRows(rows),
      apply: (values) => applySla(rules.assignment, values as SlaRow[]),
    },
    {
      key: 'rules_pool',
      name: templateTable(rules.template, 'rules_pool').name,
      check: (rows) => checkPoolRows(rows, rules.journey),
      apply: (values) => {
        rules.pools = values as PoolRule[];
      },
    },
    {
      key: 'rules_recycle',
      name: templateTable(rules.template, 'rules_recycle').name,
      check: (rows) => checkRecycleRows(rows, rules.journey),
      apply: (values) => {
        rules.recycle = values as RecycleRule[];
      },
    },
    {
      key: 'reps',
      name: templateTable(rules.template, 'reps').name,
      check: (rows) => checkRosterRows(rows, rules.template),
      apply: () => o.onTeamChanged?.(),
      whileWrong: '这些人按其行上次正确的内容分配 / rows with problems (see 校验结果): those people are routed as their rows last read right',
    },
  ];
}
