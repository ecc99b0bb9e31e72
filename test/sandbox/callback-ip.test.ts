import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SandboxClient } from './sandbox-helpers.js';

describe('sandbox getcallbackip', () => {
  let sandbox: SandboxClient;

  beforeAll(async () => {
    sandbox = await SandboxClient.start();
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.ok('POST', '/reset'));

  it('lists loopback by default, with a component token', async () => {
    const cat = await sandbox.componentToken();
    expect(await sandbox.api('/cgi-bin/getcallbackip', undefined, { access_token: cat })).toEqual({
      ip_list: ['127.0.0.1', '::1'],
    });
    expect((await sandbox.counters()).calls.getcallbackip).toBe(1);
  });

  it('lists the configured addresses; refuses a bad token and a bad setting', async () => {
    const set = await sandbox.control('PUT', '/settings', { callbackIps: ['203.0.113.7'] });
    expect(set.status).toBe(200);
    const cat = await sandbox.componentToken();
    expect(await sandbox.api('/cgi-bin/getcallbackip', undefined, { access_token: cat })).toEqual({
      ip_list: ['203.0.113.7'],
    });
    const bad = await sandbox.api('/cgi-bin/getcallbackip', undefined, { access_token: 'nope' });
    expect(bad.errcode).toBe(40001);
    const refused = await sandbox.control('PUT', '/settings', { callbackIps: ['not an ip'] });
    expect(refused.status).toBe(400);
  });
});
