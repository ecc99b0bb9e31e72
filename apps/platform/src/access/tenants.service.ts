import { Injectable } from '@nestjs/common';
import { ApiError, notFound } from '../common/api-error.js';
import { TenantEntity } from './access.entities.js';
import { AccessRepository, TenantSettings } from './access.repository.js';

export interface TenantView {
  id: string;
  name: string;
  returnUrlPrefixes: string[];
  jssdkDomains: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** Tenants and their settings (return-URL and JS-SDK domain allow-lists). */
@Injectable()
export class TenantsService {
  constructor(private readonly repo: AccessRepository) {}

  async create(input: { id: string; name: string } & TenantSettings): Promise<TenantView> {
    const settings = normalizeSettings(input);
    const created = await this.repo.insertTenant({
      id: input.id,
      name: input.name,
      returnUrlPrefixes: settings.returnUrlPrefixes ?? [],
      jssdkDomains: settings.jssdkDomains ?? [],
    });
    if (!created) throw new ApiError(409, 'TENANT_EXISTS', `tenant ${input.id} already exists`);
    return this.get(input.id);
  }

  async get(id: string): Promise<TenantView> {
    const t = await this.repo.findTenant(id);
    if (!t) throw notFound('tenant');
    return toView(t);
  }

  /** The tenant, or null (callers that must not reveal existence decide what to answer). */
  async find(id: string): Promise<TenantView | null> {
    const t = await this.repo.findTenant(id);
    return t ? toView(t) : null;
  }

  async list(): Promise<TenantView[]> {
    return (await this.repo.listTenants()).map(toView);
  }

  async update(id: string, settings: TenantSettings): Promise<TenantView> {
    const updated = await this.repo.updateTenant(id, normalizeSettings(settings));
    if (!updated) throw notFound('tenant');
    return toView(updated);
  }
}

/** Return URLs are absolute http(s) prefixes without credentials; domains are bare host names. */
function normalizeSettings(s: TenantSettings): TenantSettings {
  const out: TenantSettings = { ...(s.name !== undefined ? { name: s.name } : {}) };
  if (s.returnUrlPrefixes) {
    out.returnUrlPrefixes = s.returnUrlPrefixes.map((prefix) => {
      let url: URL;
      try {
        url = new URL(prefix);
      } catch {
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          `returnUrlPrefixes: ${prefix} is not an absolute URL`,
        );
      }
      if (
        !['http:', 'https:'].includes(url.protocol) ||
        url.username ||
        url.password ||
        url.search ||
        url.hash
      )
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          `returnUrlPrefixes: ${prefix} must be http(s), without credentials, query or fragment`,
        );
      return url.toString();
    });
  }
  if (s.jssdkDomains) {
    out.jssdkDomains = s.jssdkDomains.map((d) => {
      const host = d.toLowerCase();
      if (
        !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/.test(
          host,
        )
      )
        throw new ApiError(400, 'VALIDATION_FAILED', `jssdkDomains: ${d} is not a host name`);
      return host;
    });
  }
  return out;
}

function toView(t: TenantEntity): TenantView {
  return {
    id: t.id,
    name: t.name,
    returnUrlPrefixes: t.returnUrlPrefixes,
    jssdkDomains: t.jssdkDomains,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
