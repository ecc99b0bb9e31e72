import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SecretAccessAction, SecretAccessLogEntity } from '../access/access.entities.js';

/** One row of secret_access_log: who was handed (or used) which account's secret. */
export interface SecretAccessRecord {
  at: Date;
  apiKeyId: string;
  action: SecretAccessAction;
  componentAppid: string;
  authorizerAppid: string;
  tenantId: string | null;
  requestId: string | null;
}

/** secret_access_log, append-only: the token API is its one writer. */
@Injectable()
export class SecretAccessLogRepository {
  constructor(
    @InjectRepository(SecretAccessLogEntity)
    private readonly rows: Repository<SecretAccessLogEntity>,
  ) {}

  /** Appends the records in one statement. */
  async append(records: SecretAccessRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.rows.insert(records);
  }
}
