import type { AuthorizerRecord, AuthorizerTokenHealth } from '@app/wechat-open';
import type { AuthorizerDto, TokenHealthDto } from './dashboard.dto.js';
import { permissionSets } from './permission-sets.js';

/** An account as the admin API shows it: the record with named permission sets. */
export function authorizerView(record: AuthorizerRecord): AuthorizerDto {
  const { funcInfo, ...rest } = record;
  return { ...rest, permissionSets: permissionSets(funcInfo) };
}

/** Times and counters of the account's tokens (never a token). */
export function tokenHealthView(
  record: AuthorizerRecord,
  health: AuthorizerTokenHealth | null,
  now: Date,
): TokenHealthDto | null {
  if (!health) return null;
  return {
    hasAccessToken: health.hasAccessToken,
    hasRefreshToken: health.hasRefreshToken,
    expiresAt: health.expiresAt,
    expiresInSec: health.expiresAt
      ? Math.floor((health.expiresAt.getTime() - now.getTime()) / 1000)
      : null,
    nextRefreshAt: health.nextRefreshAt,
    lastRefreshAt: health.refreshedAt,
    failures: health.failureCount,
    lastErrcode: health.lastErrcode,
    paused: record.status !== 'authorized' || !health.hasRefreshToken,
  };
}
