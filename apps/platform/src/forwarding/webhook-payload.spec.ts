import { describe, expect, it } from 'vitest';
import type { ComponentEventContext } from '@app/wechat-open';
import { eventForwardable, redactXml } from './webhook-payload.js';

const xml =
  '<xml><AppId><![CDATA[wxc0000000000001]]></AppId><CreateTime>1700000000</CreateTime>' +
  '<InfoType><![CDATA[authorized]]></InfoType><AuthorizerAppid><![CDATA[wxa0000000000001]]></AuthorizerAppid>' +
  '<AuthorizationCode><![CDATA[queryauthcode@@@secret-code]]></AuthorizationCode>' +
  '<AuthorizationCodeExpiredTime>1700003600</AuthorizationCodeExpiredTime>' +
  '<PreAuthCode><![CDATA[preauthcode@@@secret-pre]]></PreAuthCode></xml>';

const ctx: ComponentEventContext = {
  componentAppid: 'wxc0000000000001',
  infoType: 'authorized',
  authorizerAppid: 'wxa0000000000001',
  tenantId: 'acme',
  createTime: new Date(1_700_000_000_000),
  payload: {},
  fields: {
    AppId: 'wxc0000000000001',
    CreateTime: '1700000000',
    InfoType: 'authorized',
    AuthorizerAppid: 'wxa0000000000001',
    AuthorizationCode: 'queryauthcode@@@secret-code',
    AuthorizationCodeExpiredTime: '1700003600',
    PreAuthCode: 'preauthcode@@@secret-pre',
  },
  xml,
  eventId: '1',
  receivedAt: new Date(1_700_000_000_500),
};

describe('forwarded pushes', () => {
  it('never carry a credential: fields and XML redacted, everything else verbatim', () => {
    const item = eventForwardable(ctx)!;
    const body = JSON.stringify(item.content);
    expect(body).not.toContain('secret-code');
    expect(body).not.toContain('secret-pre');
    expect(item.content.fields).toMatchObject({
      AuthorizationCode: '[redacted]',
      PreAuthCode: '[redacted]',
      AuthorizationCodeExpiredTime: '1700003600',
      AuthorizerAppid: 'wxa0000000000001',
    });
    expect(item.content.xml).toBe(
      xml
        .replace('<![CDATA[queryauthcode@@@secret-code]]>', '[redacted]')
        .replace('<![CDATA[preauthcode@@@secret-pre]]>', '[redacted]'),
    );
  });

  it('keys a push by its raw XML, so a retry is the same delivery', () => {
    expect(eventForwardable({ ...ctx, eventId: '2' })!.dedupeKey).toBe(
      eventForwardable(ctx)!.dedupeKey,
    );
    expect(eventForwardable({ ...ctx, xml: `${xml} ` })!.dedupeKey).not.toBe(
      eventForwardable(ctx)!.dedupeKey,
    );
  });

  it('redacts elements by name in any case, with attributes, nested, several times', () => {
    expect(
      redactXml(
        '<xml><info><auth_code a="1">x</auth_code></info><AUTH_CODE>y</AUTH_CODE><auth_codes>z</auth_codes></xml>',
        ['auth_code'],
      ),
    ).toBe(
      '<xml><info><auth_code a="1">[redacted]</auth_code></info><AUTH_CODE>[redacted]</AUTH_CODE><auth_codes>z</auth_codes></xml>',
    );
  });

  it('forwards nothing of a push with no tenant', () => {
    expect(eventForwardable({ ...ctx, tenantId: null })).toBeNull();
  });
});
