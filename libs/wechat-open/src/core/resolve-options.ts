import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_API_BASE_URL,
  DEFAULT_MP_BASE_URL,
  DEFAULT_OPEN_BASE_URL,
} from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions, WechatOpenModuleOptions } from '../wechat-open.options.js';
import { WechatOpenError } from '../errors/wechat-open.error.js';
import { decodeEncodingAesKey } from '../crypto/message-crypto.js';
import { SystemClock } from './clock.js';
import { validateTokenTiming } from './token-timing.js';
import { COMPONENT_TOKEN_LEASE_SEC } from '../component-ticket/component-ticket.constants.js';

/** Fills in every default and checks what can be checked before the first push arrives. */
export function resolveOptions(options: WechatOpenModuleOptions): ResolvedWechatOpenOptions {
  if (options.components.length === 0) {
    throw new WechatOpenError('CONFIG_NO_COMPONENT', 'at least one component must be configured');
  }
  const seen = new Set<string>();
  for (const c of options.components) {
    if (seen.has(c.appid)) {
      throw new WechatOpenError('CONFIG_DUPLICATE_COMPONENT', 'component configured twice', {
        appid: c.appid,
      });
    }
    seen.add(c.appid);
    decodeEncodingAesKey(c.encodingAesKey);
    if (c.previousEncodingAesKey) decodeEncodingAesKey(c.previousEncodingAesKey);
  }
  // Every problem at once: a token never due before it becomes unusable, a lease that runs out
  // long before the margin does (a dead instance's claims free up in time).
  throwIfInvalidTiming(
    validateTokenTiming('component token', {
      marginSec: options.componentTokenRefreshMarginSec ?? 900,
      minRemainingSec: options.minTokenRemainingSec ?? 60,
      leaseSec: COMPONENT_TOKEN_LEASE_SEC,
    }),
    validateTokenTiming('authorizer', {
      marginSec: options.authorizer?.refreshMarginSec ?? 1200,
      minRemainingSec: options.minTokenRemainingSec ?? 60,
      leaseSec: options.authorizer?.leaseSec ?? 30,
    }),
    // A ticket is handed out until minTokenRemainingSec before expiry: it must come due before.
    validateTokenTiming('JS-SDK ticket', {
      marginSec: options.jsapi?.refreshMarginSec ?? 600,
      minRemainingSec: options.minTokenRemainingSec ?? 60,
    }),
  );
  const messages = resolveMessageOptions(options);
  const api = {
    baseUrl: DEFAULT_API_BASE_URL,
    timeoutMs: 5000,
    attempts: 3,
    backoffMs: 200,
    ...options.api,
  };
  return {
    components: options.components,
    dataKeys: options.dataKeys,
    api,
    http: {
      ...options.http,
      proxy: options.http?.proxy ?? false,
      timeoutMs: options.http?.timeoutMs ?? api.timeoutMs,
    },
    authPages: {
      mpBaseUrl: options.authPages?.mpBaseUrl ?? DEFAULT_MP_BASE_URL,
      openBaseUrl: options.authPages?.openBaseUrl ?? DEFAULT_OPEN_BASE_URL,
    },
    preAuth: {
      publicBaseUrl: options.preAuth?.publicBaseUrl?.replace(/\/+$/, '') ?? null,
      sessionTtlSec: options.preAuth?.sessionTtlSec ?? 1800,
      returnUrlAllowList: options.preAuth?.returnUrlAllowList ?? {},
    },
    authorizer: {
      refreshMarginSec: 1200,
      refreshJitterSec: 600,
      refreshCron: '*/10 * * * * *',
      refreshConcurrency: 50,
      refreshRatePerSec: 200,
      refreshBatchSize: 200,
      profileMaxAgeSec: 86_400,
      profileBatchSize: 50,
      profileCron: '0 */15 * * * *',
      leaseSec: 30,
      tenantConflictPolicy: 'refuse',
      notifications: true,
      syncOnStartup: false,
      ...options.authorizer,
    },
    jsapi: {
      refreshMarginSec: options.jsapi?.refreshMarginSec ?? 600,
      keepWarmSec: options.jsapi?.keepWarmSec ?? 86_400,
      cron: options.jsapi?.cron ?? '*/30 * * * * *',
      allowedDomains: options.jsapi?.allowedDomains ?? {},
    },
    messages,
    componentTokenRefreshMarginSec: options.componentTokenRefreshMarginSec ?? 900,
    minTokenRemainingSec: options.minTokenRemainingSec ?? 60,
    componentCron: options.componentCron ?? '*/30 * * * * *',
    ticketStaleAfterSec: options.ticketStaleAfterSec ?? 1800,
    ticketRepushIntervalSec: options.ticketRepushIntervalSec ?? 600,
    maxXmlBytes: options.maxXmlBytes ?? 64 * 1024,
    pushTimestampWindowSec: options.pushTimestampWindowSec ?? 300,
    schedulers: options.schedulers ?? true,
    clock: options.clock ?? new SystemClock(),
    instanceId:
      options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
}

/** The message URL's options, checked: WeChat waits 5 s for an answer, the budget must fit in it. */
function resolveMessageOptions(
  options: WechatOpenModuleOptions,
): ResolvedWechatOpenOptions['messages'] {
  const messages = {
    replyBudgetMs: options.messages?.replyBudgetMs ?? 4000,
    fullReleaseTest: options.messages?.fullReleaseTest ?? true,
    dedupeRetentionSec: options.messages?.dedupeRetentionSec ?? 86_400,
    dedupePruneCron: options.messages?.dedupePruneCron ?? '0 */10 * * * *',
  };
  const budget = messages.replyBudgetMs;
  if (!Number.isInteger(budget) || budget < 0 || budget >= 5000) {
    throw new WechatOpenError(
      'CONFIG_INVALID_OPTION',
      'messages.replyBudgetMs must be an integer from 0 to 4999 (WeChat waits 5 s for an answer)',
      { option: 'messages.replyBudgetMs' },
    );
  }
  if (!(messages.dedupeRetentionSec >= 60)) {
    throw new WechatOpenError(
      'CONFIG_INVALID_OPTION',
      'messages.dedupeRetentionSec must be at least 60 (WeChat retries within seconds)',
      { option: 'messages.dedupeRetentionSec' },
    );
  }
  return messages;
}

/**
 * Throws CONFIG_INVALID_TIMING listing every problem that validateTokenTiming found (pass the
 * results of several calls to report them all at once); does nothing when there is none.
 */
export function throwIfInvalidTiming(...problemLists: string[][]): void {
  const problems = problemLists.flat();
  if (problems.length > 0) {
    throw new WechatOpenError(
      'CONFIG_INVALID_TIMING',
      `token timing does not fit: ${problems.join('; ')}`,
      { problems: problems.length },
    );
  }
}
