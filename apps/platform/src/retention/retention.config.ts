/** How long each log is kept before the retention job deletes it (RETENTION_* variables). */
export interface RetentionConfig {
  /** wechat_event_log (pushes as received). Default 90 days. */
  eventLogDays: number;
  /** authorizer_refresh_log (every refresh attempt). Default 30 days. */
  refreshLogDays: number;
  /** secret_access_log (the token API's access log). Default 365 days. */
  accessLogDays: number;
  /** wechat_job rows that are done (failed ones stay for an operator). Default 14 days. */
  doneJobDays: number;
  /** Schedule of the job. Default hourly, at minute 17. */
  cron: string;
  /** Rows deleted per statement. Default 1000. */
  batchSize: number;
  /** A run stops starting batches after this long; the next run goes on. Default 60 000. */
  budgetMs: number;
}

export const RETENTION_DEFAULTS: RetentionConfig = {
  eventLogDays: 90,
  refreshLogDays: 30,
  accessLogDays: 365,
  doneJobDays: 14,
  cron: '0 17 * * * *',
  batchSize: 1000,
  budgetMs: 60_000,
};

/** The tables prune_retention_batch() accepts (migration RetentionFunction). */
export type RetainedTable =
  'wechat_event_log' | 'authorizer_refresh_log' | 'secret_access_log' | 'wechat_job';

/** Each pruned table with its age limit, in days. */
export function retentionPolicies(
  config: RetentionConfig,
): { table: RetainedTable; days: number }[] {
  return [
    { table: 'wechat_event_log', days: config.eventLogDays },
    { table: 'authorizer_refresh_log', days: config.refreshLogDays },
    { table: 'secret_access_log', days: config.accessLogDays },
    { table: 'wechat_job', days: config.doneJobDays },
  ];
}
