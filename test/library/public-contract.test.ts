import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as library from '@app/wechat-open';
import {
  AuthorizerEvents,
  AuthorizerRefreshScheduler,
  AuthorizerService,
  AuthorizerTokenService,
  Clock,
  ComponentEventService,
  ComponentRegistry,
  ComponentTokenService,
  JobMonitor,
  JsApiService,
  PreAuthService,
  VerifyTicketService,
  WechatApiClient,
  WechatMessageService,
  WechatOpenEvents,
} from '@app/wechat-open';
// The internals, reached by path as only the library's own tests can (the package's `exports`
// map has no deep entry; test/library/packed-tarball.test.ts checks that side).
import { AuthorizerTokenRepository } from '../../libs/wechat-open/src/authorizer/authorizer-token.repository.js';
import { AuthorizerLocator } from '../../libs/wechat-open/src/authorizer/authorizer.locator.js';
import { AuthorizerRepository } from '../../libs/wechat-open/src/authorizer/authorizer.repository.js';
import { ComponentTicketRepository } from '../../libs/wechat-open/src/component-ticket/component-ticket.repository.js';
import { SecretBox } from '../../libs/wechat-open/src/core/secret-box.js';
import { WECHAT_OPEN_RAW_OPTIONS } from '../../libs/wechat-open/src/core/wechat-open-options.module.js';
import { WechatEventBus } from '../../libs/wechat-open/src/events/event-bus.js';
import { PushOpener } from '../../libs/wechat-open/src/events/push-opener.js';
import { JobQueue } from '../../libs/wechat-open/src/jobs/job-queue.service.js';
import { JobRepository } from '../../libs/wechat-open/src/jobs/job.repository.js';
import { JsApiTicketRepository } from '../../libs/wechat-open/src/jsapi/jsapi-ticket.repository.js';
import { MessageDedupeRepository } from '../../libs/wechat-open/src/messages/message-dedupe.repository.js';
import { PreAuthRepository } from '../../libs/wechat-open/src/pre-auth/pre-auth.repository.js';
import { libraryFixture, LibraryFixture } from './library-host.js';

/** A provider of the host's own module that asks the container for `tokens`. */
const probe = (tokens: unknown[]) => ({
  provide: 'HOST_PROBE',
  useFactory: (...got: unknown[]) => got,
  inject: tokens as never[],
});

const INTERNALS: [string, unknown][] = [
  ['JobQueue', JobQueue],
  ['SecretBox', SecretBox],
  ['WechatEventBus', WechatEventBus],
  ['PushOpener', PushOpener],
  ['AuthorizerLocator', AuthorizerLocator],
  ['the raw options', WECHAT_OPEN_RAW_OPTIONS],
  ['JobRepository', JobRepository],
  ['ComponentTicketRepository', ComponentTicketRepository],
  ['AuthorizerRepository', AuthorizerRepository],
  ['AuthorizerTokenRepository', AuthorizerTokenRepository],
  ['JsApiTicketRepository', JsApiTicketRepository],
  ['PreAuthRepository', PreAuthRepository],
  ['MessageDedupeRepository', MessageDedupeRepository],
];

describe('the public contract of the library inside a host', () => {
  let fx: LibraryFixture;
  beforeAll(async () => {
    fx = await libraryFixture();
  });
  afterAll(() => fx.close());

  it("lets the host's own providers inject the services, events and the core's public parts", async () => {
    const publicTokens = [
      ComponentTokenService,
      VerifyTicketService,
      PreAuthService,
      AuthorizerService,
      AuthorizerTokenService,
      AuthorizerRefreshScheduler,
      AuthorizerEvents,
      JsApiService,
      WechatOpenEvents,
      ComponentEventService,
      WechatMessageService,
      ComponentRegistry,
      WechatApiClient,
      JobMonitor,
      Clock,
    ];
    const host = await fx.start({
      options: { schedulers: false },
      providers: [probe(publicTokens)],
    });
    try {
      const got = host.get<unknown[]>('HOST_PROBE');
      expect(got).toHaveLength(publicTokens.length);
      got.forEach((instance, i) => expect(instance).toBeInstanceOf(publicTokens[i]));
      expect(await host.get(JobMonitor).countFailed()).toBe(0);
    } finally {
      await host.close();
    }
  });

  it.each(INTERNALS)(
    "does not let the host's providers inject %s (start-up fails on the dependency)",
    async (_name, token) => {
      await expect(
        fx.start({ options: { schedulers: false }, providers: [probe([token])] }),
      ).rejects.toThrow(/can't resolve dependencies of the HOST_PROBE/i);
    },
  );

  it('keeps the secret box, event bus, job queue and account locator out of reach of a host lookup, even non-strict', async () => {
    const host = await fx.start({ options: { schedulers: false } });
    try {
      for (const internal of [SecretBox, WechatEventBus, JobQueue, AuthorizerLocator]) {
        expect(() => host.get(internal, { strict: false }), internal.name).toThrow();
      }
      expect(host.get(JsApiService, { strict: false })).toBeInstanceOf(JsApiService);
    } finally {
      await host.close();
    }
  });

  it('does not export the internals from the package root', () => {
    const exported = Object.keys(library);
    // SecretBox is exported as a class, for a host's own secrets sealed with its own instance
    // (the platform's webhook secrets); the library's instance stays out of reach (tests above).
    expect(library.SecretBox).toBe(SecretBox);
    for (const name of [
      'JobQueue',
      'WechatEventBus',
      'PushOpener',
      'AuthorizerLocator',
      'WechatOpenCoreModule',
      'WechatOpenOptionsModule',
      'WECHAT_OPEN_RAW_OPTIONS',
      'WECHAT_OPEN_OPTIONS',
      'WECHAT_OPEN_DATA_SOURCE',
      ...INTERNALS.map(([name]) => name).filter((n) => n.endsWith('Repository')),
    ])
      expect(exported, name).not.toContain(name);
    for (const name of [
      'WechatOpenModule',
      'WECHAT_OPEN_ENTITIES',
      'wechatOpenMigrations',
      'ComponentTokenService',
      'VerifyTicketService',
      'PreAuthService',
      'AuthorizerService',
      'AuthorizerTokenService',
      'JsApiService',
      'WechatOpenEvents',
      'AuthorizerEvents',
      'WechatOpenError',
      'WechatMessageCrypto',
      'signJsSdk',
      'JobMonitor',
      'WechatMessageService',
      'OnWechatMessage',
    ])
      expect(exported, name).toContain(name);
  });
});
