import { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyTicketService } from '@app/wechat-open';
import { libraryFixture, LibraryFixture, TestClock } from '../library/library-host.js';

describe('asking WeChat for verify ticket pushes (api_start_push_ticket)', () => {
  let fx: LibraryFixture;
  const clock = new TestClock();
  let a: INestApplicationContext;
  let b: INestApplicationContext;

  beforeAll(async () => {
    fx = await libraryFixture();
    // Two instances on one database and one (hand-moved) clock; no jobs: the test drives them.
    const options = { schedulers: false, clock, pushTimestampWindowSec: 0 };
    a = await fx.start({ options: { ...options, instanceId: 'a' } });
    b = await fx.start({ options: { ...options, instanceId: 'b' } });
  });
  afterAll(() => fx.close());

  it('asks again after 60 s without a ticket, then doubling to the 10-minute cap, counted across instances, and starts over when a ticket arrives', async () => {
    const appid = fx.component.appid;
    const instances = [a.get(VerifyTicketService), b.get(VerifyTicketService)];
    const asks = async () => (await fx.sandbox.counters()).calls.api_start_push_ticket ?? 0;

    let t = 0; // seconds since the first ask
    const at = (seconds: number) => {
      clock.advance(seconds - t);
      t = seconds;
    };
    // Asks at 0, 60, 180, 420, 900, 1500, 2100 s: 60 s doubling, capped at ticketRepushIntervalSec.
    const schedule = [0, 60, 180, 420, 900, 1500, 2100];
    for (const [i, askAt] of schedule.entries()) {
      const who = instances[i % 2];
      const other = instances[(i + 1) % 2];
      if (i > 0) {
        at(askAt - 1);
        expect(await other.restartPushesIfStale(appid), `no ask just before ${askAt} s`).toBe(
          false,
        );
      }
      at(askAt);
      expect(await who.restartPushesIfStale(appid), `an ask at ${askAt} s`).toBe(true);
      expect(await other.restartPushesIfStale(appid), `one ask at ${askAt} s`).toBe(false);
    }
    expect(await asks()).toBe(schedule.length);

    // A ticket arrives: nothing to ask while it is fresh; once it is stale, the count starts over.
    const pushed = await fx.pushTicket(a, 'ticket@@@fresh', Math.floor(clock.nowMs() / 1000));
    expect(pushed.disposition.outcome).toBe('applied');
    at(t + 60);
    expect(await instances[0].restartPushesIfStale(appid)).toBe(false);
    at(t + 1800); // ticketStaleAfterSec
    expect(await instances[1].restartPushesIfStale(appid)).toBe(true);
    at(t + 59);
    expect(await instances[0].restartPushesIfStale(appid)).toBe(false);
    at(t + 1);
    expect(await instances[0].restartPushesIfStale(appid)).toBe(true);
    expect(await asks()).toBe(schedule.length + 2);
  });
});
