import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RetainedTable } from './retention.config.js';

/** The retention function of the database (migration RetentionFunction): the only way to prune. */
@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Deletes one batch of `table`'s rows older than `before`; returns how many, or -1 when another
   * session is pruning that table right now.
   */
  async pruneBatch(table: RetainedTable, before: Date, limit: number): Promise<number> {
    const rows = await this.db.query<{ deleted: number }[]>(
      'SELECT prune_retention_batch($1, $2, $3) AS deleted',
      [table, before, limit],
    );
    return rows[0].deleted;
  }
}
