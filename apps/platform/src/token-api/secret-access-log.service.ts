import { BeforeApplicationShutdown, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { WriteBatcher } from '@app/wechat-open';
import { SecretAccessLogRepository, SecretAccessRecord } from './secret-access-log.repository.js';

/** Records from requests within this long of each other are written by one INSERT. */
const GROUP_DELAY_MS = 2;
/** A group is written at once when it reaches this size. */
const GROUP_MAX = 200;

/**
 * The audit trail of the token API: every secret handed out or used is recorded before the
 * answer leaves (a token is never given out unrecorded), with group commit so that a burst of
 * reads costs one INSERT per group rather than one per read. Never the secret itself.
 */
@Injectable()
export class SecretAccessLog implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly writes: WriteBatcher<SecretAccessRecord, void>;

  constructor(repo: SecretAccessLogRepository) {
    this.writes = new WriteBatcher<SecretAccessRecord, void>(
      async (records) => {
        await repo.append(records);
        return records.map(() => undefined);
      },
      GROUP_MAX,
      GROUP_DELAY_MS,
    );
  }

  /** Resolves once the record is committed (with the others of its group). */
  record(entry: Omit<SecretAccessRecord, 'at'>): Promise<void> {
    return this.writes.submit({ ...entry, at: new Date() });
  }

  /** While the database is still there: write what is waiting. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Requests that finished while the server closed may have added records since. */
  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    // A failed group is reported to the requests that wait on it; close() itself never throws.
    await this.writes.close();
  }
}
