import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { WebhookEndpointEntity } from './webhook.entities.js';

/** What an endpoint forwards (null: everything of that sort; empty: nothing). */
export interface EndpointFilters {
  msgTypes: string[] | null;
  events: string[] | null;
  infoTypes: string[] | null;
  authorizerAppids: string[] | null;
}

export type NewEndpoint = EndpointFilters & {
  id: string;
  tenantId: string;
  url: string;
  description: string | null;
  enabled: boolean;
  secretCiphertext: string;
};

export type EndpointChange = Partial<
  EndpointFilters & { url: string; description: string | null; enabled: boolean }
>;

/** webhook_endpoint: every read and write is scoped to a tenant. */
@Injectable()
export class WebhookEndpointRepository {
  constructor(
    @InjectRepository(WebhookEndpointEntity)
    private readonly rows: Repository<WebhookEndpointEntity>,
  ) {}

  async insert(endpoint: NewEndpoint): Promise<WebhookEndpointEntity> {
    await this.rows.insert(endpoint);
    return (await this.rows.findOneBy({ id: endpoint.id }))!;
  }

  find(tenantId: string, id: string): Promise<WebhookEndpointEntity | null> {
    return this.rows.findOneBy({ tenantId, id });
  }

  list(tenantId: string): Promise<WebhookEndpointEntity[]> {
    return this.rows.find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Applies the change; null when the endpoint is not the tenant's. */
  async update(
    tenantId: string,
    id: string,
    change: EndpointChange,
  ): Promise<WebhookEndpointEntity | null> {
    const result = await this.rows.update(
      { tenantId, id },
      { ...change, updatedAt: () => 'now()' },
    );
    return result.affected ? this.find(tenantId, id) : null;
  }

  async replaceSecret(tenantId: string, id: string, secretCiphertext: string): Promise<boolean> {
    const result = await this.rows.update(
      { tenantId, id },
      { secretCiphertext, secretRotatedAt: () => 'now()', updatedAt: () => 'now()' },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Deletes the endpoint and (ON DELETE CASCADE) its deliveries. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.rows.delete({ tenantId, id });
    return (result.affected ?? 0) > 0;
  }
}
