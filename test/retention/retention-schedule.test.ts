import { SchedulerRegistry } from '@nestjs/schedule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionService } from '../../apps/platform/src/retention/retention.service.js';
import { startStack, TestStack } from '../support/stack.js';

/** The retention job is part of the platform, scheduled only where schedulers run. */
describe('retention schedule', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      platform: { retention: { eventLogDays: 7, cron: '0 3 * * * *' } },
      initialTicket: false,
    });
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('is registered with the configured schedule when schedulers are on, not otherwise', async () => {
    const registry = stack.platform.get(SchedulerRegistry);
    expect(registry.doesExist('cron', 'platform:retention')).toBe(true);
    expect(stack.platform.get(RetentionService).config).toMatchObject({
      eventLogDays: 7,
      refreshLogDays: 30,
      accessLogDays: 365,
      doneJobDays: 14,
      cron: '0 3 * * * *',
    });
    const quiet = await stack.startInstance({ schedulers: false });
    try {
      expect(quiet.get(SchedulerRegistry).doesExist('cron', 'platform:retention')).toBe(false);
      // Run by hand, it works there too (nothing to prune in a fresh database).
      const results = await quiet.get(RetentionService).runOnce();
      expect(results.map((r) => r.stopped)).toEqual(['done', 'done', 'done', 'done']);
    } finally {
      await quiet.stop();
    }
  });
});
