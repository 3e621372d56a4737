/**
 * What the server tells its operators while it works (docs/operations.md#metrics): the composition root
 * hands each component this interface; `src/ops/prometheus.ts` turns it into counters and histograms
 * for GET /metrics, and tests and scripts that do not care pass NO_TELEMETRY. Labels are small closed
 * sets (a route pattern, an API path with its ids taken out, an error code), never ids or people.
 */
export interface Telemetry {
  /** an HTTP request answered: its route pattern, status, seconds, and why it was refused (if it was) */
  httpRequest(o: { route: string; method: string; status: number; seconds: number; refused?: string | undefined }): void;
  /** a verified platform event taken in (`fresh`: stored; else a repeat of one we had) */
  eventReceived(transport: EventTransport, fresh: boolean): void;
  /** a call to a platform's API and its outcome: '0' ok, else the platform's error code, `http_<status>`, `timeout` or `network` */
  platformCall(platform: 'feishu' | 'dingtalk', api: string, code: string): void;
  /** one Bitable write call and how many records it carried */
  tableWrite(op: 'create' | 'update', records: number): void;
  /** a card button pressed: what it asked (accept, return, approve …) and how it was answered (success, info, warning, error) */
  cardAction(kind: string, result: string): void;
  /** a durable timer fired: its kind, how late (seconds past due on the server's clock), and an SLA step's name */
  timerFired(kind: string, lateSeconds: number, slaStep?: string): void;
}

export type EventTransport = 'webhook' | 'long-connection';

export const NO_TELEMETRY: Telemetry = {
  httpRequest: () => undefined,
  eventReceived: () => undefined,
  platformCall: () => undefined,
  tableWrite: () => undefined,
  cardAction: () => undefined,
  timerFired: () => undefined,
};
