import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ApiKeyEntity, ApiKeyKind, TenantEntity } from './access.entities.js';

export interface TenantSettings {
  returnUrlPrefixes?: string[];
  jssdkDomains?: string[];
  name?: string;
}

/** Tenants and their API keys (the access tables). */
@Injectable()
export class AccessRepository {
  constructor(
    @InjectRepository(TenantEntity) private readonly tenants: Repository<TenantEntity>,
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
  ) {}

  /** Creates a tenant; false when the id is taken. */
  async insertTenant(
    t: Pick<TenantEntity, 'id' | 'name' | 'returnUrlPrefixes' | 'jssdkDomains'>,
  ): Promise<boolean> {
    const result = await this.tenants
      .createQueryBuilder()
      .insert()
      .values(t)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  findTenant(id: string): Promise<TenantEntity | null> {
    return this.tenants.findOneBy({ id });
  }

  listTenants(): Promise<TenantEntity[]> {
    return this.tenants.find({ order: { id: 'ASC' } });
  }

  async updateTenant(id: string, settings: TenantSettings): Promise<TenantEntity | null> {
    await this.tenants.update({ id }, { ...settings, updatedAt: () => 'now()' });
    return this.findTenant(id);
  }

  async insertKey(
    k: Omit<ApiKeyEntity, 'createdAt' | 'lastUsedAt' | 'revokedAt' | 'tenant'>,
  ): Promise<ApiKeyEntity> {
    await this.keys.insert(k);
    return (await this.keys.findOneBy({ id: k.id }))!;
  }

  findKey(id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id });
  }

  listKeys(filter: { tenantId?: string; kind?: ApiKeyKind } = {}): Promise<ApiKeyEntity[]> {
    // TypeORM 1.x refuses undefined in a where: name only the filters given.
    const where = {
      ...(filter.tenantId !== undefined ? { tenantId: filter.tenantId } : {}),
      ...(filter.kind !== undefined ? { kind: filter.kind } : {}),
    };
    return this.keys.find({ where, order: { createdAt: 'ASC' } });
  }

  /** Revokes a key; false when it does not exist or was already revoked. */
  async revokeKey(id: string): Promise<boolean> {
    const r = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return (r.affected ?? 0) > 0;
  }

  async touchKeys(ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.keys.createQueryBuilder().update().set({ lastUsedAt: at }).whereInIds(ids).execute();
  }
}
