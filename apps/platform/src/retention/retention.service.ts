import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '@app/wechat-open';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import type { PlatformConfig } from '../config/platform-config.js';
import {
  RETENTION_DEFAULTS,
  RetainedTable,
  RetentionConfig,
  retentionPolicies,
} from './retention.config.js';
import { RetentionRepository } from './retention.repository.js';

const DAY_MS = 86_400_000;

/** What one run did to one table. */
export interface RetentionResult {
  table: RetainedTable;
  deleted: number;
  batches: number;
  /** Why it stopped: nothing older left, another instance was on it, or out of time. */
  stopped: 'done' | 'busy' | 'budget';
}

/**
 * Applies the retention policy: per table, batches through prune_retention_batch() until nothing
 * past its age is left, another instance holds the table, or the run's time budget is spent (the
 * next run continues where this one stopped).
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);
  readonly config: RetentionConfig;

  constructor(
    @Inject(PLATFORM_CONFIG) platform: PlatformConfig,
    private readonly retention: RetentionRepository,
    private readonly clock: Clock,
  ) {
    this.config = { ...RETENTION_DEFAULTS, ...platform.retention };
  }

  async runOnce(): Promise<RetentionResult[]> {
    const started = this.clock.nowMs();
    const outOfTime = (): boolean => this.clock.nowMs() - started >= this.config.budgetMs;
    const results: RetentionResult[] = [];
    for (const { table, days } of retentionPolicies(this.config)) {
      const before = new Date(this.clock.nowMs() - days * DAY_MS);
      const result: RetentionResult = { table, deleted: 0, batches: 0, stopped: 'done' };
      results.push(result);
      for (;;) {
        if (outOfTime()) {
          result.stopped = 'budget';
          break;
        }
        const deleted = await this.retention.pruneBatch(table, before, this.config.batchSize);
        if (deleted < 0) {
          result.stopped = 'busy';
          break;
        }
        result.batches += 1;
        result.deleted += deleted;
        if (deleted < this.config.batchSize) break;
      }
      if (result.deleted > 0)
        this.logger.log(
          `retention: deleted ${result.deleted} row(s) of ${table} older than ${days} day(s)`,
        );
    }
    return results;
  }
}
