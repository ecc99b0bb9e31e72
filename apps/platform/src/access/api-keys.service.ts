import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ApiError, notFound } from '../common/api-error.js';
import { ApiKeyEntity, ApiKeyKind } from './access.entities.js';
import { AccessRepository } from './access.repository.js';
import { newApiKey, parseApiKey, secretMatches } from './api-key.codec.js';
import { Principal } from './principal.js';

export interface CreateKeyInput {
  kind: ApiKeyKind;
  name: string;
  tenantId?: string;
  scopeTenantIds?: string[];
  scopeAuthorizerAppids?: string[];
  /** Display prefix of the creating key, or `cli`. */
  createdBy: string;
}

/** A key as the API shows it: never its secret nor its hash. */
export interface ApiKeyView {
  id: string;
  kind: ApiKeyKind;
  name: string;
  prefix: string;
  tenantId: string | null;
  scopeTenantIds: string[] | null;
  scopeAuthorizerAppids: string[] | null;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who created the sandbox run's demo operator key (how a start finds the earlier ones). */
export const DEMO_KEY_CREATOR = 'sandbox-demo';
export const DEMO_KEY_NAME = 'demo operator key (sandbox run, replaced at each start)';

/** How long an authenticated key is trusted without a database read (revocation elsewhere). */
const CACHE_MS = 5_000;
/** last_used_at is written at most this often per key. */
const TOUCH_EVERY_MS = 60_000;

const unauthorized = () =>
  new ApiError(401, 'AUTH_INVALID', 'the API key is missing, malformed, unknown or revoked');

/**
 * API keys: created (the key shown once), listed, revoked, and checked on every request. A
 * checked key is cached for 5 s, so the token API's hot path reads no database; a revocation
 * takes effect at once on the instance that made it and within 5 s on the others.
 */
@Injectable()
export class ApiKeysService implements OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeys');
  private readonly cache = new Map<
    string,
    { principal: Principal | null; hash: Buffer | null; until: number }
  >();
  private readonly touched = new Map<string, number>();
  private pendingTouch = new Set<string>();
  private touchTimer?: NodeJS.Timeout;

  constructor(private readonly repo: AccessRepository) {}

  async create(input: CreateKeyInput): Promise<{ key: string; view: ApiKeyView }> {
    if (input.kind === 'tenant') {
      if (!input.tenantId)
        throw new ApiError(400, 'VALIDATION_FAILED', 'tenantId is required for a tenant key');
      if (!(await this.repo.findTenant(input.tenantId))) throw notFound('tenant');
    } else if (input.tenantId) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'tenantId is only for tenant keys');
    }
    if (input.kind !== 'service' && (input.scopeTenantIds || input.scopeAuthorizerAppids)) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'scopes are only for service keys');
    }
    const made = newApiKey(input.kind);
    const row = await this.repo.insertKey({
      id: made.id,
      kind: input.kind,
      name: input.name,
      tenantId: input.kind === 'tenant' ? input.tenantId! : null,
      displayPrefix: made.displayPrefix,
      secretHash: made.secretHash,
      scopeTenantIds: input.scopeTenantIds ?? null,
      scopeAuthorizerAppids: input.scopeAuthorizerAppids ?? null,
      createdBy: input.createdBy,
    });
    this.logger.log(`created ${input.kind} key ${made.displayPrefix}`);
    return { key: made.key, view: toView(row) };
  }

  /**
   * The sandbox run's demo operator key: a new one, the earlier demo keys revoked, so that only
   * the key printed by the latest start works. Never called against real WeChat.
   */
  async replaceDemoOperatorKey(): Promise<{ key: string; view: ApiKeyView }> {
    for (const earlier of await this.repo.listKeys({ kind: 'operator' })) {
      if (earlier.createdBy === DEMO_KEY_CREATOR && !earlier.revokedAt)
        await this.revoke(earlier.id);
    }
    return this.create({ kind: 'operator', name: DEMO_KEY_NAME, createdBy: DEMO_KEY_CREATOR });
  }

  async list(filter: { tenantId?: string; kind?: ApiKeyKind } = {}): Promise<ApiKeyView[]> {
    return (await this.repo.listKeys(filter)).map(toView);
  }

  async revoke(id: string): Promise<ApiKeyView> {
    const existing = await this.repo.findKey(id);
    if (!existing) throw notFound('key');
    await this.repo.revokeKey(id);
    this.cache.delete(id);
    this.logger.log(`revoked key ${existing.displayPrefix}`);
    return toView((await this.repo.findKey(id))!);
  }

  /** The principal of an `Authorization` header value; 401 for anything but a live key. */
  async authenticate(header: string | undefined): Promise<Principal> {
    const match = header ? /^Bearer ([^\s]+)$/.exec(header) : null;
    if (!match)
      throw new ApiError(401, 'AUTH_MISSING', 'send the API key as Authorization: Bearer <key>');
    const parsed = parseApiKey(match[1]);
    if (!parsed) throw unauthorized();
    const now = Date.now();
    let entry = this.cache.get(parsed.id);
    if (!entry || entry.until <= now) {
      const row = await this.repo.findKey(parsed.id);
      entry = {
        principal: row && !row.revokedAt && row.kind === parsed.kind ? toPrincipal(row) : null,
        hash: row?.secretHash ?? null,
        until: now + CACHE_MS,
      };
      this.cache.set(parsed.id, entry);
    }
    if (!entry.principal || !entry.hash || !secretMatches(parsed.secret, entry.hash))
      throw unauthorized();
    this.noteUse(parsed.id, now);
    return entry.principal;
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.touchTimer);
    await this.flushTouches();
  }

  /** Records last use in the background, at most once a minute per key, in one statement. */
  private noteUse(id: string, now: number): void {
    if ((this.touched.get(id) ?? 0) + TOUCH_EVERY_MS > now) return;
    this.touched.set(id, now);
    this.pendingTouch.add(id);
    this.touchTimer ??= setTimeout(() => {
      this.touchTimer = undefined;
      void this.flushTouches();
    }, 1_000);
  }

  private async flushTouches(): Promise<void> {
    const ids = [...this.pendingTouch];
    this.pendingTouch = new Set();
    try {
      await this.repo.touchKeys(ids, new Date());
    } catch (error) {
      // Not worth failing requests over; the next use tries again.
      for (const id of ids) this.touched.delete(id);
      this.logger.warn(
        `could not record key use: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

function toPrincipal(row: ApiKeyEntity): Principal {
  return {
    keyId: row.id,
    kind: row.kind,
    displayPrefix: row.displayPrefix,
    tenantId: row.tenantId,
    scopeTenantIds: row.scopeTenantIds,
    scopeAuthorizerAppids: row.scopeAuthorizerAppids,
  };
}

export function toView(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    prefix: row.displayPrefix,
    tenantId: row.tenantId,
    scopeTenantIds: row.scopeTenantIds,
    scopeAuthorizerAppids: row.scopeAuthorizerAppids,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}
