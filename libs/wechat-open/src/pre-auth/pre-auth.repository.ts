import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { AuthType, LinkKind } from './authorization-link.js';
import { PreAuthSessionEntity } from './pre-auth-session.entity.js';

export interface PreAuthSession {
  id: string;
  componentAppid: string;
  tenantId: string;
  linkKind: LinkKind;
  authType: AuthType;
  bizAppid: string | null;
  categoryIdList: number[] | null;
  returnUrl: string;
  createdAt: Date;
  expiresAt: Date;
  openedAt: Date | null;
  consumedAt: Date | null;
  authorizerAppid: string | null;
  outcome: string | null;
}

const toSession = (r: PreAuthSessionEntity): PreAuthSession => ({
  id: r.id,
  componentAppid: r.componentAppid,
  tenantId: r.tenantId,
  linkKind: r.linkKind as LinkKind,
  authType: Number(r.authType) as AuthType,
  bizAppid: r.bizAppid ?? null,
  categoryIdList: r.categoryIdList ?? null,
  returnUrl: r.returnUrl,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  openedAt: r.openedAt ?? null,
  consumedAt: r.consumedAt ?? null,
  authorizerAppid: r.authorizerAppid ?? null,
  outcome: r.outcome ?? null,
});

/** pre_auth_session. */
@Injectable()
export class PreAuthRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  private get sessions() {
    return this.db.getRepository(PreAuthSessionEntity);
  }

  async create(
    s: Omit<PreAuthSession, 'openedAt' | 'consumedAt' | 'authorizerAppid' | 'outcome'>,
  ): Promise<void> {
    await this.sessions.insert({
      id: s.id,
      componentAppid: s.componentAppid,
      tenantId: s.tenantId,
      linkKind: s.linkKind,
      authType: s.authType,
      bizAppid: s.bizAppid,
      categoryIdList: s.categoryIdList,
      returnUrl: s.returnUrl,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
    });
  }

  async find(id: string): Promise<PreAuthSession | null> {
    const row = await this.sessions.findOneBy({ id });
    return row ? toSession(row) : null;
  }

  async findByPreAuthCodeHash(hash: string): Promise<PreAuthSession | null> {
    const row = await this.sessions.findOneBy({ preAuthCodeHash: hash });
    return row ? toSession(row) : null;
  }

  async markOpened(id: string, preAuthCodeHash: string, now: Date): Promise<void> {
    await this.sessions.update({ id, consumedAt: IsNull() }, { preAuthCodeHash, openedAt: now });
  }

  /** Consumes the session once; false when it was already consumed. */
  async consume(
    id: string,
    now: Date,
    authorizerAppid: string | null,
    outcome: string,
  ): Promise<boolean> {
    const result = await this.sessions.update(
      { id, consumedAt: IsNull() },
      { consumedAt: now, authorizerAppid, outcome },
    );
    return result.affected === 1;
  }
}
