import { Injectable } from '@nestjs/common';
import { Cron, SchedulerRegistry } from '@nestjs/schedule';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CapturingLogger, libraryFixture, LibraryFixture } from './library-host.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The host's own job: the library must not make it run twice. */
@Injectable()
class HostTicker {
  static ticks = 0;
  @Cron('* * * * * *')
  tick(): void {
    HostTicker.ticks++;
  }
}

describe('the library inside a host application (scheduling)', () => {
  // Each test has its own database and sandbox: asks for tickets are counted in the database.
  let fx: LibraryFixture;
  beforeEach(async () => {
    fx = await libraryFixture();
  });
  afterEach(() => fx.close());

  it("runs the host's own @Cron job once per tick next to the library (5 ticks in 5 s, not 10)", async () => {
    const host = await fx.start({ providers: [HostTicker] });
    try {
      await sleep(1100 - (Date.now() % 1000)); // start counting just after a second boundary
      const before = HostTicker.ticks;
      await sleep(5000);
      const ticks = HostTicker.ticks - before;
      expect(ticks).toBeGreaterThanOrEqual(4);
      expect(ticks).toBeLessThanOrEqual(6);
      // The library's own jobs are in the host's scheduler.
      expect(host.get(SchedulerRegistry).doesExist('cron', 'wechat-open:component-token')).toBe(
        true,
      );
    } finally {
      await host.close();
    }
  });

  it('refuses to start, saying what to import, when schedulers are on and the host has no ScheduleModule', async () => {
    await expect(fx.start({ schedule: false })).rejects.toThrow(/ScheduleModule\.forRoot\(\)/);
  });

  it('asks for a first ticket at bootstrap when there is no HTTP server, and logs no error while waiting', async () => {
    const logger = new CapturingLogger();
    const host = await fx.start({ logger, options: { componentCron: '* * * * * *' } });
    try {
      await sleep(2500); // two or three passes of the component job with no ticket
      expect((await fx.sandbox.counters()).calls.api_start_push_ticket).toBe(1);
      const errors = logger.lines.filter(
        (l) =>
          l.level === 'error' && /ticket|component token/i.test(`${l.context ?? ''} ${l.message}`),
      );
      expect(errors).toEqual([]);
    } finally {
      await host.close();
    }
  });
});
