import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuthorizerEvents, AuthorizerService, Clock } from '@app/wechat-open';

/** What the token API needs to know of an account to decide who may use it. */
export interface AccountFacts {
  tenantId: string | null;
}

/**
 * How long an account's tenant is trusted without a database read. Changes made on this instance
 * drop it at once (the registry's events); made on another, they show within this time, as a
 * revoked API key does (ApiKeysService).
 */
const TTL_MS = 5_000;
/** Copies kept at most; past it the oldest are dropped (a flood of distinct appids stays bounded). */
const MAX_ENTRIES = 50_000;

/**
 * Which tenant an account belongs to, for the token API's scope checks on every request: from
 * memory on the hot path, else from the registry. Accounts that do not exist are not remembered.
 */
@Injectable()
export class AccountDirectory implements OnModuleInit {
  private readonly known = new Map<string, AccountFacts & { until: number }>();

  constructor(
    private readonly accounts: AuthorizerService,
    private readonly events: AuthorizerEvents,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    const drop = ({ record }: { record: { componentAppid: string; authorizerAppid: string } }) => {
      this.known.delete(key(record.componentAppid, record.authorizerAppid));
    };
    this.events.on('authorized', drop);
    this.events.on('revoked', drop);
    this.events.on('needs_reauth', drop);
    this.events.on('tenant_conflict', drop);
    this.events.on('tokens_erased', ({ componentAppid, authorizerAppid }) => {
      this.known.delete(key(componentAppid, authorizerAppid));
    });
  }

  /** The account's facts, or null when the component has no such account. */
  async find(componentAppid: string, authorizerAppid: string): Promise<AccountFacts | null> {
    const id = key(componentAppid, authorizerAppid);
    const now = this.clock.nowMs();
    const cached = this.known.get(id);
    if (cached && cached.until > now) return cached;
    const record = await this.accounts.find(componentAppid, authorizerAppid);
    if (!record) {
      this.known.delete(id);
      return null;
    }
    if (this.known.size >= MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
    const facts = { tenantId: record.tenantId, until: now + TTL_MS };
    this.known.delete(id);
    this.known.set(id, facts);
    return facts;
  }
}

const key = (componentAppid: string, authorizerAppid: string) =>
  `${componentAppid}/${authorizerAppid}`;
