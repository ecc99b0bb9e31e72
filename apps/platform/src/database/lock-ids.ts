/** PostgreSQL advisory lock ids taken by the platform itself (the library has its own range). */
export enum PlatformLock {
  Migrations = 7_301_001,
  /** Taken per table (two-int form) by prune_retention_batch() in SQL (migration RetentionFunction). */
  Retention = 7_301_002,
}
