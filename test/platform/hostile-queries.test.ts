import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestStack } from '../support/stack.js';

describe('query strings on the browser-facing routes', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ initialTicket: false, platform: { schedulers: false } });
  });
  afterAll(() => stack.close());

  it('a repeated session or auth_code on the landing is a 400 page, not a 500', async () => {
    const base = `${stack.platform.url}/wechat/${stack.component.appid}/authorized`;
    for (const q of ['session=a&session=b&auth_code=x', 'session=a&auth_code=x&auth_code=y']) {
      const res = await fetch(`${base}?${q}`, { redirect: 'manual' });
      expect(res.status, q).toBe(400);
      expect(await res.text(), q).toContain('INVALID_QUERY');
    }
  });
});
