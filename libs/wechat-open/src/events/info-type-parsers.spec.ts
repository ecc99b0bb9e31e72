import { describe, expect, it } from 'vitest';
import { WechatXmlError } from '../errors/crypto.errors.js';
import { parseWechatXml } from '../xml/wechat-xml.js';
import type { InfoTypePayloads } from './info-type-payloads.js';
import { isTypedInfoType, parseInfoTypePayload } from './info-type-parsers.js';

const CREATE_TIME = new Date(1_700_000_000_000);

/** Parses a decrypted push shaped as WeChat writes it (CDATA strings, bare numbers). */
function parse<K extends keyof InfoTypePayloads>(infoType: K, body: string): InfoTypePayloads[K] {
  const xml =
    `<xml><AppId><![CDATA[wx_component]]></AppId><CreateTime>1700000000</CreateTime>` +
    `<InfoType><![CDATA[${infoType}]]></InfoType>${body}</xml>`;
  return parseInfoTypePayload(infoType, parseWechatXml(xml), CREATE_TIME) as InfoTypePayloads[K];
}

function refusal(infoType: keyof InfoTypePayloads, body: string): string | undefined {
  try {
    parse(infoType, body);
  } catch (error) {
    return error instanceof WechatXmlError ? `${error.code} ${String(error.meta.field)}` : 'other';
  }
  return undefined;
}

describe('the four original InfoTypes', () => {
  it('component_verify_ticket: the ticket, essential', () => {
    expect(
      parse(
        'component_verify_ticket',
        '<ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket>',
      ),
    ).toEqual({ componentVerifyTicket: 'ticket@@@abc' });
    expect(refusal('component_verify_ticket', '')).toBe('XML_MISSING_FIELD ComponentVerifyTicket');
  });

  it('authorized: the code, the account, the expiry read either way', () => {
    const absolute = parse(
      'authorized',
      '<AuthorizerAppid><![CDATA[wxa1]]></AuthorizerAppid>' +
        '<AuthorizationCode><![CDATA[queryauthcode@@@x]]></AuthorizationCode>' +
        '<AuthorizationCodeExpiredTime>1700003600</AuthorizationCodeExpiredTime>' +
        '<PreAuthCode><![CDATA[preauthcode@@@y]]></PreAuthCode>',
    );
    expect(absolute).toEqual({
      authorizerAppid: 'wxa1',
      authorizationCode: 'queryauthcode@@@x',
      authorizationCodeExpiresAt: new Date(1_700_003_600_000),
      preAuthCode: 'preauthcode@@@y',
    });
    const relative = parse(
      'updateauthorized',
      '<AuthorizationCode>c</AuthorizationCode><AuthorizationCodeExpiredTime>3600</AuthorizationCodeExpiredTime>',
    );
    expect(relative.authorizationCodeExpiresAt).toEqual(new Date(1_700_003_600_000));
    expect(relative.authorizerAppid).toBeNull();
    expect(relative.preAuthCode).toBeNull();
    expect(refusal('authorized', '<AuthorizerAppid>wxa1</AuthorizerAppid>')).toBe(
      'XML_MISSING_FIELD AuthorizationCode',
    );
  });

  it('unauthorized: the account, essential', () => {
    expect(parse('unauthorized', '<AuthorizerAppid>wxa1</AuthorizerAppid>')).toEqual({
      authorizerAppid: 'wxa1',
    });
    expect(refusal('unauthorized', '')).toBe('XML_MISSING_FIELD AuthorizerAppid');
  });
});

describe('notify_third_fasteregister', () => {
  it('reads an enterprise registration', () => {
    const payload = parse(
      'notify_third_fasteregister',
      '<appid>wxnew1</appid><status>0</status><auth_code>queryauthcode@@@z</auth_code><msg>OK</msg>' +
        '<info><name><![CDATA[某某有限公司]]></name><code><![CDATA[91310000X]]></code>' +
        '<code_type>1</code_type><legal_persona_wechat><![CDATA[legalwx]]></legal_persona_wechat>' +
        '<legal_persona_name><![CDATA[张三]]></legal_persona_name>' +
        '<component_phone><![CDATA[13800000000]]></component_phone></info>',
    );
    expect(payload).toEqual({
      kind: 'enterprise',
      appid: 'wxnew1',
      status: 0,
      authCode: 'queryauthcode@@@z',
      msg: 'OK',
      info: {
        name: '某某有限公司',
        code: '91310000X',
        codeType: 1,
        legalPersonaWechat: 'legalwx',
        legalPersonaName: '张三',
        componentPhone: '13800000000',
      },
    });
  });

  it('reads a personal registration, and a failed one without appid or code', () => {
    const payload = parse(
      'notify_third_fasteregister',
      '<status>-1</status><msg><![CDATA[open verity failed]]></msg>' +
        '<info><wxuser><![CDATA[applicantwx]]></wxuser><idname><![CDATA[李四]]></idname>' +
        '<component_phone>13900000000</component_phone></info>',
    );
    expect(payload).toEqual({
      kind: 'personal',
      appid: null,
      status: -1,
      authCode: null,
      msg: 'open verity failed',
      info: { wxuser: 'applicantwx', idname: '李四', componentPhone: '13900000000' },
    });
    // The union narrows on kind.
    if (payload.kind === 'personal') expect(payload.info.idname).toBe('李四');
  });

  it('keeps an info block it cannot classify, and refuses a push without a readable status', () => {
    const payload = parse('notify_third_fasteregister', '<status>0</status><info><x>1</x></info>');
    expect(payload).toMatchObject({ kind: 'unknown', info: { raw: { x: '1' } } });
    expect(refusal('notify_third_fasteregister', '<appid>wx</appid>')).toBe(
      'XML_MISSING_FIELD status',
    );
    expect(refusal('notify_third_fasteregister', '<status>ok</status>')).toBe(
      'XML_BAD_FIELD status',
    );
  });
});

describe('beta mini programs', () => {
  it('notify_third_fastregisterbetaapp', () => {
    expect(
      parse(
        'notify_third_fastregisterbetaapp',
        '<appid>wxbeta</appid><status>0</status><msg>OK</msg>' +
          '<info><unique_id><![CDATA[uid-1]]></unique_id><name><![CDATA[试用小程序]]></name></info>',
      ),
    ).toEqual({ appid: 'wxbeta', status: 0, msg: 'OK', uniqueId: 'uid-1', name: '试用小程序' });
    expect(refusal('notify_third_fastregisterbetaapp', '<appid>wxbeta</appid>')).toBe(
      'XML_MISSING_FIELD status',
    );
  });

  it('notify_third_fastverifybetaapp', () => {
    expect(
      parse(
        'notify_third_fastverifybetaapp',
        '<appid>wxbeta</appid><status>89250</status><msg>bad</msg>' +
          '<info><name>公司</name><code>C1</code><code_type>2</code_type></info>',
      ),
    ).toEqual({
      appid: 'wxbeta',
      status: 89250,
      msg: 'bad',
      info: {
        name: '公司',
        code: 'C1',
        codeType: 2,
        legalPersonaWechat: null,
        legalPersonaName: null,
        componentPhone: null,
      },
    });
  });
});

describe('audits, filings and verification', () => {
  it('wxa_nickname_audit', () => {
    expect(
      parse(
        'wxa_nickname_audit',
        '<AuthorizerAppid>wxmp</AuthorizerAppid><ret>2</ret><nickname><![CDATA[昵称]]></nickname>' +
          '<reason><![CDATA[驳回原因]]></reason>',
      ),
    ).toEqual({ appid: 'wxmp', ret: 2, nickname: '昵称', reason: '驳回原因' });
    expect(refusal('wxa_nickname_audit', '<nickname>x</nickname>')).toBe('XML_MISSING_FIELD ret');
  });

  it('notify_icpfiling_verify_result', () => {
    expect(
      parse(
        'notify_icpfiling_verify_result',
        '<task_id><![CDATA[task-9]]></task_id><verify_appid>wxmp</verify_appid><result>3</result>',
      ),
    ).toEqual({ taskId: 'task-9', verifyAppid: 'wxmp', result: 3, alongWithAuthResult: null });
    expect(refusal('notify_icpfiling_verify_result', '<result></result>')).toBe(
      'XML_BAD_FIELD result',
    );
  });

  it('notify_apply_icpfiling_result', () => {
    expect(
      parse(
        'notify_apply_icpfiling_result',
        '<authorizer_appid>wxmp</authorizer_appid><beian_status>1026</beian_status>',
      ),
    ).toEqual({ authorizerAppid: 'wxmp', beianStatus: 1026 });
  });

  it('notify_3rd_wxa_auth, with and without dispatch_info', () => {
    expect(
      parse(
        'notify_3rd_wxa_auth',
        '<appid>wxmp</appid><taskid><![CDATA[t-1]]></taskid><task_status>12</task_status>' +
          '<apply_status>2</apply_status><message><![CDATA[审核中]]></message>' +
          '<dispatch_info><provider><![CDATA[某征信公司]]></provider><contact>0411-1</contact>' +
          '<dispatch_time>1704952913</dispatch_time></dispatch_info>',
      ),
    ).toEqual({
      appid: 'wxmp',
      taskid: 't-1',
      taskStatus: 12,
      applyStatus: 2,
      message: '审核中',
      dispatchInfo: {
        provider: '某征信公司',
        contact: '0411-1',
        dispatchTime: new Date(1_704_952_913_000),
      },
    });
    expect(parse('notify_3rd_wxa_auth', '<task_status>9</task_status>').dispatchInfo).toBeNull();
    expect(refusal('notify_3rd_wxa_auth', '<appid>wxmp</appid>')).toBe(
      'XML_MISSING_FIELD task_status',
    );
  });

  it('notify_3rd_wxa_wxverify: keeps going without a readable expiry', () => {
    expect(
      parse(
        'notify_3rd_wxa_wxverify',
        '<appid>wxmp</appid><expired>1710000000</expired><message>即将过期</message>',
      ),
    ).toEqual({ appid: 'wxmp', expired: new Date(1_710_000_000_000), message: '即将过期' });
    expect(parse('notify_3rd_wxa_wxverify', '<expired>soon</expired>')).toEqual({
      appid: null,
      expired: null,
      message: null,
    });
  });

  it('notify_3rd_wxa_auth_and_icp', () => {
    expect(
      parse(
        'notify_3rd_wxa_auth_and_icp',
        '<appid>wxmp</appid><procedure_id>p-7</procedure_id><procedure_status>26</procedure_status>',
      ),
    ).toEqual({ appid: 'wxmp', procedureId: 'p-7', procedureStatus: 26 });
  });
});

describe('order paths', () => {
  it('order_path_apply_result_notify: one list element or several', () => {
    expect(
      parse(
        'order_path_apply_result_notify',
        '<list><appid>wx1</appid><ret_code>0</ret_code></list>',
      ),
    ).toEqual({ list: [{ appid: 'wx1', retCode: 0 }] });
    expect(
      parse(
        'order_path_apply_result_notify',
        '<list><appid>wx1</appid><ret_code>0</ret_code></list>' +
          '<list><appid>wx2</appid><ret_code>-2</ret_code></list><list><ret_code>1</ret_code></list>',
      ),
    ).toEqual({
      list: [
        { appid: 'wx1', retCode: 0 },
        { appid: 'wx2', retCode: -2 },
      ],
    });
    expect(refusal('order_path_apply_result_notify', '<list></list>')).toBe(
      'XML_MISSING_FIELD list',
    );
  });

  it('order_path_audit_result_notify', () => {
    expect(
      parse(
        'order_path_audit_result_notify',
        '<list><appid>wx1</appid><audit_id>42</audit_id><status>4</status>' +
          '<apply_time>1700000000</apply_time><audit_time>1700000600</audit_time>' +
          '<reason><![CDATA[通过]]></reason></list>',
      ),
    ).toEqual({
      list: [
        {
          appid: 'wx1',
          auditId: '42',
          status: 4,
          applyTime: new Date(1_700_000_000_000),
          auditTime: new Date(1_700_000_600_000),
          reason: '通过',
        },
      ],
    });
    expect(refusal('order_path_audit_result_notify', '')).toBe('XML_MISSING_FIELD list');
  });
});

describe('InfoTypes nobody knows yet', () => {
  it('come back as the raw fields, whatever they hold', () => {
    const xml =
      '<xml><AppId>wx_component</AppId><CreateTime>1700000000</CreateTime>' +
      '<InfoType>notify_something_new</InfoType><foo><bar>1</bar></foo></xml>';
    const fields = parseWechatXml(xml);
    expect(isTypedInfoType('notify_something_new')).toBe(false);
    expect(parseInfoTypePayload('notify_something_new', fields, CREATE_TIME)).toBe(fields);
  });

  it('the typed ones are matched case-insensitively', () => {
    const fields = parseWechatXml('<xml><ret>3</ret></xml>');
    expect(parseInfoTypePayload('WXA_NICKNAME_AUDIT', fields, CREATE_TIME)).toMatchObject({
      ret: 3,
    });
  });
});
