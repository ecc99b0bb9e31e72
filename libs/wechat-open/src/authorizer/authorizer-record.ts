import { EventDisposition } from '../events/event-bus.js';
import { AuthorizerRecord } from './authorizer.types.js';

/** A record for an account the registry has not seen yet. */
export function blankRecord(componentAppid: string, authorizerAppid: string): AuthorizerRecord {
  return {
    componentAppid,
    authorizerAppid,
    tenantId: null,
    status: 'authorized',
    accountKind: null,
    nickName: null,
    userName: null,
    alias: null,
    principalName: null,
    signature: null,
    serviceType: null,
    verifyType: null,
    accountStatus: null,
    headImg: null,
    qrcodeUrl: null,
    funcInfo: [],
    authorizedAt: null,
    updatedAt: new Date(0),
    revokedAt: null,
    profileRefreshedAt: null,
  };
}

/** Changed fields between two records, for the history table. */
export function diffRecords(
  before: AuthorizerRecord | null,
  after: AuthorizerRecord,
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  const skip = new Set(['updatedAt', 'componentAppid', 'authorizerAppid', 'profileRefreshedAt']);
  for (const key of Object.keys(after) as (keyof AuthorizerRecord)[]) {
    if (skip.has(key)) continue;
    const a = before ? before[key] : null;
    const b = after[key];
    if (JSON.stringify(a) !== JSON.stringify(b)) out[key] = { from: a ?? null, to: b ?? null };
  }
  return out;
}

/** A state change's time on our clock, in whole seconds like WeChat's CreateTime. */
export const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** The disposition of a push older than the account's last state change. */
export const olderPush = (
  createTime: Date,
  last: Date,
): Extract<EventDisposition, { outcome: 'ignored' }> => ({
  outcome: 'ignored',
  reason: `older (${createTime.toISOString()}) than the last state change of the account (${last.toISOString()})`,
});
