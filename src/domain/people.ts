/**
 * A person on the team (销售团队) as the use cases know them: one id (the chat platform's id for the
 * person: what person cells and @-mentions carry), their name, the journey roles they hold, their
 * manager, and what routing weighs (团队, 负责地区/行业, 分配权重, 跟进上限, 休假至, 对接SDR).
 */
export interface Member {
  /** the person's id on the chat platform in use (what person cells and mentions carry) */
  id: string;
  name: string;
  roles: string[];
  managerId?: string | undefined;
  onDuty: boolean;
  /** 团队 */
  team?: string | undefined;
  /** 负责地区, 负责行业 (empty: any) */
  regions?: string[] | undefined;
  industries?: string[] | undefined;
  /** 分配权重 (default 1) */
  weight?: number | undefined;
  /** 跟进上限: open leads at most */
  capacity?: number | undefined;
  /** 每日新线索上限: leads routed to them per day at most */
  dailyCap?: number | undefined;
  /** 休假至 (ms) */
  leaveUntil?: number | undefined;
  /** 对接SDR: the SDR whose qualified leads this rep takes */
  sdrId?: string | undefined;
  /** 离职: leaving (never on duty); their open leads are handed over */
  leaving?: boolean | undefined;
  /** 交接给: who takes a leaver's leads (absent: the pool, opportunities to the manager) */
  successorId?: string | undefined;
  /** 钉钉ID: the person's DingTalk userId (@-mentions and card clicks in a DingTalk group) */
  dingtalkId?: string | undefined;
}

/** On duty (在岗) and not on leave (休假至) at `now`: someone a card or a lead can go to. */
export const atWork = (m: Member | undefined, now: Date): m is Member => !!m && m.onDuty && !(m.leaveUntil && m.leaveUntil > now.getTime());

/** A person's id, not the server's own actors (system:…, rule:…) nor an unknown editor. */
export const isPersonId = (id: string | undefined): id is string => !!id && id !== 'unknown' && !id.startsWith('system') && !id.startsWith('rule:');
