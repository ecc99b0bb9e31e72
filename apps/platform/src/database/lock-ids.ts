/** PostgreSQL advisory lock ids taken by the platform itself (the library has its own range). */
export enum PlatformLock {
  Migrations = 7_301_001,
}
