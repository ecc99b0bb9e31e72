import { Inject, Injectable, Logger } from '@nestjs/common';
import { ComponentTokenService } from '../component-ticket/component-token.service.js';
import { Clock } from '../core/clock.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { AuthorizerProfileService } from './authorizer-profile.service.js';
import { blankRecord, diffRecords } from './authorizer-record.js';
import { AuthorizerTokenStore } from './authorizer-token.store.js';
import { AuthorizerRepository } from './authorizer.repository.js';
import { AuthorizerRecord } from './authorizer.types.js';

/** One account of api_get_authorizer_list. */
interface ListedAuthorizer {
  authorizer_appid: string;
  refresh_token?: string;
  auth_time?: number;
}

/** Where a list sync has got to: accounts handled so far out of WeChat's total_count. */
export interface ListSyncProgress {
  done: number;
  total: number;
}

/** A page of api_get_authorizer_list: WeChat's limit. */
const PAGE_SIZE = 500;

/**
 * api_get_authorizer_list: where a lost refresh token is found again (61023 recovery), and how
 * the registry learns of accounts the database does not know (after a restore, say).
 */
@Injectable()
export class AuthorizerListSyncService {
  private readonly logger = new Logger('AuthorizerListSyncService');

  constructor(
    private readonly repo: AuthorizerRepository,
    private readonly tokens: AuthorizerTokenStore,
    private readonly profiles: AuthorizerProfileService,
    private readonly componentTokens: ComponentTokenService,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  /**
   * Looks up the account's refresh token in api_get_authorizer_list (61023 recovery); null for
   * an account the platform detached (only a new authorization brings it back).
   */
  async recoverRefreshToken(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<string | null> {
    const record = await this.repo.find(componentAppid, authorizerAppid);
    if (record?.status === 'detached') return null;
    for await (const item of this.authorizerList(componentAppid)) {
      if (item.authorizer_appid === authorizerAppid) return item.refresh_token || null;
    }
    return null;
  }

  /**
   * api_get_authorizer_list sync: recovers refresh tokens and registers accounts the database
   * does not know (after a restore, say); revoked and detached accounts are left as they are.
   * Returns what it changed. `onProgress` is called as each account is taken up (a CLI's progress bar).
   */
  async syncAuthorizerList(
    componentAppid: string,
    onProgress?: (progress: ListSyncProgress) => void,
  ): Promise<{ seen: number; created: number; recovered: number }> {
    let seen = 0;
    let created = 0;
    let recovered = 0;
    const total = { count: 0 };
    for await (const item of this.authorizerList(componentAppid, total)) {
      seen++;
      // Reported before the work of the account, so that a `continue` below cannot skip it.
      onProgress?.({ done: seen, total: Math.max(total.count, seen) });
      const refreshToken = item.refresh_token;
      if (!refreshToken) continue;
      const now = this.clock.now();
      const changed = await this.repo.transaction(async (m) => {
        const before = await this.repo.find(componentAppid, item.authorizer_appid, m);
        // WeChat still lists a detached account (it is still authorized there): leave it be.
        if (before?.status === 'revoked' || before?.status === 'detached') return null;
        const current = before
          ? await this.tokens.refreshToken(m, componentAppid, item.authorizer_appid)
          : null;
        if (before && current === refreshToken && before.status === 'authorized') return null;
        const after: AuthorizerRecord = {
          ...(before ?? blankRecord(componentAppid, item.authorizer_appid)),
          status: 'authorized',
          authorizedAt:
            before?.authorizedAt ?? (item.auth_time ? new Date(item.auth_time * 1000) : now),
          updatedAt: now,
        };
        await this.repo.save(m, after);
        await this.tokens.storeRecovered(
          m,
          componentAppid,
          item.authorizer_appid,
          refreshToken,
          now,
        );
        await this.repo.appendHistory(m, {
          componentAppid,
          authorizerAppid: item.authorizer_appid,
          tenantId: after.tenantId,
          action: before ? 'recovered' : 'discovered',
          changes: diffRecords(before, after),
          cause: 'sync',
          actor: this.options.instanceId,
          at: now,
        });
        return before ? 'recovered' : 'created';
      });
      if (changed === 'created') created++;
      if (changed === 'recovered') recovered++;
      if (changed === 'created') {
        await this.profiles.queue(componentAppid, item.authorizer_appid, now);
      }
    }
    this.logger.log(
      `authorizer list sync of ${componentAppid}: ${seen} seen, ${created} new, ${recovered} recovered`,
    );
    return { seen, created, recovered };
  }

  private async *authorizerList(
    componentAppid: string,
    total: { count: number } = { count: 0 },
  ): AsyncGenerator<ListedAuthorizer> {
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const page = await this.componentTokens.post(
        componentAppid,
        '/cgi-bin/component/api_get_authorizer_list',
        {
          component_appid: componentAppid,
          offset,
          count: PAGE_SIZE,
        },
      );
      const list = (page.list ?? []) as ListedAuthorizer[];
      total.count = Number(page.total_count ?? 0);
      yield* list;
      if (list.length < PAGE_SIZE || offset + PAGE_SIZE >= Number(page.total_count ?? 0)) return;
    }
  }
}
