import type { Text } from './text.js';

/**
 * A journey is a stage set plus the transitions allowed between its stages. It is data: presets ship
 * as JSON in bitable-templates/journeys/, and a team can edit its own.
 */
export type StageKind = 'open' | 'won' | 'lost' | 'nurture' | 'disqualified';

export interface StageDef {
  /** stable id stored in SQLite and history, e.g. 'mql' */
  id: string;
  /** short code used in entry labels: the 2nd entry into code 'MQL' is "MQL-02" */
  code: string;
  /** what people see (and what the Bitable stage option is called) */
  label: Text;
  kind: StageKind;
  description?: Text;
}

/** A fact the lead must have before it may enter a stage. */
export type Guard =
  | { type: 'required'; fact: string; label: Text }
  /** at least one of the facts, e.g. "a contact" = phone or email or WeChat */
  | { type: 'anyOf'; facts: string[]; label: Text }
  | { type: 'minScore'; min: number; label: Text };

export interface ApprovalGate {
  /** role that must approve, e.g. 'marketing_director' */
  role: string;
  label: Text;
}

export type TransitionKind = 'forward' | 'recycle' | 'exit' | 'reopen';

export interface TransitionDef {
  from: string;
  to: string;
  kind: TransitionKind;
  guards?: Guard[];
  approval?: ApprovalGate;
  /** a reason must be given (returns, disqualification, recycling) */
  reasonRequired?: boolean;
}

export interface Journey {
  id: string;
  name: Text;
  /** the stage a new lead enters */
  initial: string;
  /**
   * What a row needs before it is a lead (scored, routed, given a 线索编号): until then it is a draft
   * the server leaves alone, so a row a person is still typing is not routed on half its facts, and an
   * empty row is never a lead. Absent: DEFAULT_LEAD_MINIMUM. A minScore guard here is ignored.
   */
  leadMinimum?: Guard[];
  stages: StageDef[];
  transitions: TransitionDef[];
}

/** A name to call the customer by (a company or a person), and a way to reach them. */
export const DEFAULT_LEAD_MINIMUM: readonly Guard[] = [
  { type: 'anyOf', facts: ['company', 'contact_name'], label: { zh: '公司名称或联系人', en: 'a company or a contact name' } },
  { type: 'anyOf', facts: ['phone', 'email', 'wechat'], label: { zh: '联系方式（电话/邮箱/微信）', en: 'a way to reach them (phone, email or WeChat)' } },
];

export const leadMinimumOf = (j: Journey): readonly Guard[] => j.leadMinimum ?? DEFAULT_LEAD_MINIMUM;

export function findStage(j: Journey, id: string): StageDef | undefined {
  return j.stages.find((s) => s.id === id);
}

/** The stage a Bitable 阶段 cell names: its zh or en label (or its id). */
export function findStageByLabel(j: Journey, label: string): StageDef | undefined {
  return j.stages.find((s) => s.label.zh === label || s.label.en === label || s.id === label);
}

export function findTransition(j: Journey, from: string, to: string): TransitionDef | undefined {
  return j.transitions.find((t) => t.from === from && t.to === to);
}

/** Stages a lead in `from` may move to, in the order the journey lists them. */
/** The stages a lead is worked in (kind open): an owner's open leads count against their capacity. */
export function openStages(j: Journey): string[] {
  return j.stages.filter((s) => s.kind === 'open').map((s) => s.id);
}

export function nextStages(j: Journey, from: string): TransitionDef[] {
  return j.transitions.filter((t) => t.from === from);
}

/**
 * Consistency problems in a journey (empty when it is usable): duplicate ids or codes, an unknown
 * initial stage, transitions naming unknown stages, self-loops, duplicate transitions.
 */
export function validateJourney(j: Journey): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const codes = new Set<string>();
  for (const s of j.stages) {
    if (ids.has(s.id)) problems.push(`stage id "${s.id}" appears twice`);
    if (codes.has(s.code)) problems.push(`stage code "${s.code}" appears twice`);
    ids.add(s.id);
    codes.add(s.code);
  }
  if (!ids.has(j.initial)) problems.push(`initial stage "${j.initial}" is not a stage of this journey`);
  if (j.leadMinimum && !j.leadMinimum.some((g) => g.type !== 'minScore')) problems.push('leadMinimum needs at least one fact (an empty row must never be a lead)');
  const pairs = new Set<string>();
  for (const t of j.transitions) {
    const name = `${t.from} → ${t.to}`;
    if (!ids.has(t.from)) problems.push(`transition ${name}: unknown stage "${t.from}"`);
    if (!ids.has(t.to)) problems.push(`transition ${name}: unknown stage "${t.to}"`);
    if (t.from === t.to) problems.push(`transition ${name}: a stage cannot move to itself`);
    if (pairs.has(name)) problems.push(`transition ${name} is listed twice`);
    pairs.add(name);
  }
  return problems;
}
