import { WechatXmlError } from '../errors/crypto.errors.js';
import type { ComponentEventContext } from '../handlers/handler.types.js';
import type { XmlFields, XmlValue } from '../xml/wechat-xml.js';
import type {
  ApplyIcpFilingResultPayload,
  AuthorizedPayload,
  ComponentVerifyTicketPayload,
  EnterpriseRegistrationInfo,
  FastRegisterBetaAppPayload,
  FastRegisterPayload,
  FastVerifyBetaAppPayload,
  IcpFilingVerifyResultPayload,
  InfoTypePayloads,
  OrderPathApplyResult,
  OrderPathApplyResultPayload,
  OrderPathAuditResult,
  OrderPathAuditResultPayload,
  PersonalRegistrationInfo,
  TypedInfoType,
  UnauthorizedPayload,
  VerificationDispatchInfo,
  WxaAuthAndIcpPayload,
  WxaAuthPayload,
  WxaNicknameAuditPayload,
  WxaWxverifyPayload,
} from './info-type-payloads.js';

/** Reads one InfoType's payload from the decrypted fields (CreateTime already read). */
type PayloadParser<P> = (fields: XmlFields, createTime: Date) => P;

/** WeChat's integers: an optional sign and up to 15 digits (bigger is no field of WeChat's). */
const INTEGER = /^-?[0-9]{1,15}$/;
/** Latest epoch second taken for a date (2100-01-01), as readCreateTime does. */
const MAX_EPOCH_SEC = 4_102_444_800;

// A field WeChat sent twice arrives as an array; an element with children as an object. Text
// fields read the first string found; anything else is "not there" (null), never a throw, unless
// the field is essential.

function text(fields: XmlFields, name: string): string | null {
  const value: XmlValue | undefined = fields[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : null;
}

function integer(fields: XmlFields, name: string): number | null {
  const value = text(fields, name)?.trim();
  return value !== undefined && INTEGER.test(value) ? Number(value) : null;
}

function epochSeconds(fields: XmlFields, name: string): Date | null {
  const seconds = integer(fields, name);
  return seconds !== null && seconds > 0 && seconds < MAX_EPOCH_SEC
    ? new Date(seconds * 1000)
    : null;
}

function child(fields: XmlFields, name: string): XmlFields | null {
  const value: XmlValue | undefined = fields[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' && first !== null && !Array.isArray(first) ? first : null;
}

/** Every element `name` that has children (one element, or repeated ones). */
function children(fields: XmlFields, name: string): XmlFields[] {
  const value: XmlValue | undefined = fields[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter(
    (v): v is XmlFields => typeof v === 'object' && v !== null && !Array.isArray(v),
  );
}

function essentialText(fields: XmlFields, name: string): string {
  const value = text(fields, name);
  if (value === null) {
    throw new WechatXmlError('XML_MISSING_FIELD', `XML field <${name}> is missing`, {
      field: name,
    });
  }
  return value;
}

function essentialInteger(fields: XmlFields, name: string): number {
  if (fields[name] === undefined) {
    throw new WechatXmlError('XML_MISSING_FIELD', `XML field <${name}> is missing`, {
      field: name,
    });
  }
  const value = integer(fields, name);
  if (value === null) {
    throw new WechatXmlError('XML_BAD_FIELD', `XML field <${name}> is not an integer`, {
      field: name,
    });
  }
  return value;
}

const componentVerifyTicket: PayloadParser<ComponentVerifyTicketPayload> = (f) => ({
  componentVerifyTicket: essentialText(f, 'ComponentVerifyTicket'),
});

const authorized: PayloadParser<AuthorizedPayload> = (f, createTime) => {
  const expires = integer(f, 'AuthorizationCodeExpiredTime');
  return {
    authorizerAppid: text(f, 'AuthorizerAppid'),
    authorizationCode: essentialText(f, 'AuthorizationCode'),
    // §2: absolute epoch seconds in every fixture seen, relative seconds by one reading.
    authorizationCodeExpiresAt:
      expires === null || expires <= 0 || expires >= MAX_EPOCH_SEC
        ? null
        : new Date(expires > 1e9 ? expires * 1000 : createTime.getTime() + expires * 1000),
    preAuthCode: text(f, 'PreAuthCode'),
  };
};

const unauthorized: PayloadParser<UnauthorizedPayload> = (f) => ({
  authorizerAppid: essentialText(f, 'AuthorizerAppid'),
});

function enterpriseInfo(info: XmlFields): EnterpriseRegistrationInfo {
  return {
    name: text(info, 'name'),
    code: text(info, 'code'),
    codeType: integer(info, 'code_type'),
    legalPersonaWechat: text(info, 'legal_persona_wechat'),
    legalPersonaName: text(info, 'legal_persona_name'),
    componentPhone: text(info, 'component_phone'),
  };
}

function personalInfo(info: XmlFields): PersonalRegistrationInfo {
  return {
    wxuser: text(info, 'wxuser'),
    idname: text(info, 'idname'),
    componentPhone: text(info, 'component_phone'),
  };
}

const fastRegister: PayloadParser<FastRegisterPayload> = (f) => {
  const common = {
    appid: text(f, 'appid'),
    status: essentialInteger(f, 'status'),
    authCode: text(f, 'auth_code'),
    msg: text(f, 'msg'),
  };
  const info = child(f, 'info') ?? {};
  // The enterprise form names the company (name, code, legal person); the personal form names
  // the applicant (wxuser, idname). WeChat sends no kind of its own.
  if (['name', 'code', 'legal_persona_wechat', 'legal_persona_name'].some((k) => text(info, k))) {
    return { ...common, kind: 'enterprise', info: enterpriseInfo(info) };
  }
  if (['wxuser', 'idname'].some((k) => text(info, k))) {
    return { ...common, kind: 'personal', info: personalInfo(info) };
  }
  return { ...common, kind: 'unknown', info: { raw: { ...info } } };
};

const fastRegisterBetaApp: PayloadParser<FastRegisterBetaAppPayload> = (f) => {
  const info = child(f, 'info') ?? {};
  return {
    appid: text(f, 'appid'),
    status: essentialInteger(f, 'status'),
    msg: text(f, 'msg'),
    uniqueId: text(info, 'unique_id'),
    name: text(info, 'name'),
  };
};

const fastVerifyBetaApp: PayloadParser<FastVerifyBetaAppPayload> = (f) => ({
  appid: text(f, 'appid'),
  status: essentialInteger(f, 'status'),
  msg: text(f, 'msg'),
  info: enterpriseInfo(child(f, 'info') ?? {}),
});

const wxaNicknameAudit: PayloadParser<WxaNicknameAuditPayload> = (f) => ({
  appid: text(f, 'AuthorizerAppid') ?? text(f, 'appid'),
  ret: essentialInteger(f, 'ret'),
  nickname: text(f, 'nickname'),
  reason: text(f, 'reason'),
});

const icpFilingVerifyResult: PayloadParser<IcpFilingVerifyResultPayload> = (f) => ({
  taskId: text(f, 'task_id'),
  verifyAppid: text(f, 'verify_appid'),
  result: essentialInteger(f, 'result'),
  alongWithAuthResult: integer(f, 'along_with_auth_result'),
});

const applyIcpFilingResult: PayloadParser<ApplyIcpFilingResultPayload> = (f) => ({
  authorizerAppid: text(f, 'authorizer_appid'),
  beianStatus: essentialInteger(f, 'beian_status'),
});

function dispatchInfo(f: XmlFields): VerificationDispatchInfo | null {
  const info = child(f, 'dispatch_info');
  if (!info) return null;
  return {
    provider: text(info, 'provider'),
    contact: text(info, 'contact'),
    dispatchTime: epochSeconds(info, 'dispatch_time'),
  };
}

const wxaAuth: PayloadParser<WxaAuthPayload> = (f) => ({
  appid: text(f, 'appid'),
  taskid: text(f, 'taskid'),
  taskStatus: essentialInteger(f, 'task_status'),
  applyStatus: integer(f, 'apply_status'),
  message: text(f, 'message'),
  dispatchInfo: dispatchInfo(f),
});

const wxaWxverify: PayloadParser<WxaWxverifyPayload> = (f) => ({
  appid: text(f, 'appid'),
  expired: epochSeconds(f, 'expired'),
  message: text(f, 'message'),
});

const wxaAuthAndIcp: PayloadParser<WxaAuthAndIcpPayload> = (f) => ({
  appid: text(f, 'appid'),
  procedureId: text(f, 'procedure_id'),
  procedureStatus: essentialInteger(f, 'procedure_status'),
});

/** The `list` entries that name an account; none at all makes the push unusable. */
function accountList(f: XmlFields): XmlFields[] {
  const list = children(f, 'list').filter((item) => text(item, 'appid') !== null);
  if (list.length === 0) {
    throw new WechatXmlError('XML_MISSING_FIELD', 'XML field <list> names no account', {
      field: 'list',
    });
  }
  return list;
}

const orderPathApplyResult: PayloadParser<OrderPathApplyResultPayload> = (f) => ({
  list: accountList(f).map((item): OrderPathApplyResult => ({
    appid: text(item, 'appid')!,
    retCode: integer(item, 'ret_code'),
  })),
});

const orderPathAuditResult: PayloadParser<OrderPathAuditResultPayload> = (f) => ({
  list: accountList(f).map((item): OrderPathAuditResult => ({
    appid: text(item, 'appid')!,
    auditId: text(item, 'audit_id'),
    status: integer(item, 'status'),
    applyTime: epochSeconds(item, 'apply_time'),
    auditTime: epochSeconds(item, 'audit_time'),
    reason: text(item, 'reason'),
  })),
});

const PARSERS: { [K in TypedInfoType]: PayloadParser<InfoTypePayloads[K]> } = {
  component_verify_ticket: componentVerifyTicket,
  authorized,
  updateauthorized: authorized,
  unauthorized,
  notify_third_fasteregister: fastRegister,
  notify_third_fastregisterbetaapp: fastRegisterBetaApp,
  notify_third_fastverifybetaapp: fastVerifyBetaApp,
  wxa_nickname_audit: wxaNicknameAudit,
  notify_icpfiling_verify_result: icpFilingVerifyResult,
  notify_apply_icpfiling_result: applyIcpFilingResult,
  notify_3rd_wxa_auth: wxaAuth,
  notify_3rd_wxa_wxverify: wxaWxverify,
  notify_3rd_wxa_auth_and_icp: wxaAuthAndIcp,
  order_path_apply_result_notify: orderPathApplyResult,
  order_path_audit_result_notify: orderPathAuditResult,
};

/** Whether the library has a typed payload for this (lower-case) InfoType. */
export function isTypedInfoType(infoType: string): infoType is TypedInfoType {
  return Object.hasOwn(PARSERS, infoType);
}

/**
 * The push's typed payload (InfoTypePayloads) for an InfoType the library knows, else the raw
 * fields, untouched. Throws a WechatXmlError (answered 4xx, nothing stored) only when a field
 * the InfoType cannot do without is missing or unreadable.
 */
export function parseInfoTypePayload(
  infoType: string,
  fields: XmlFields,
  createTime: Date,
): unknown {
  const key = infoType.toLowerCase();
  if (!isTypedInfoType(key)) return fields;
  const parse = PARSERS[key] as PayloadParser<unknown>;
  return parse(fields, createTime);
}

/**
 * Narrows a catch-all handler's context to one InfoType's typed payload:
 * `if (isInfoType(ctx, 'wxa_nickname_audit')) ctx.payload.ret`.
 */
export function isInfoType<K extends TypedInfoType>(
  ctx: ComponentEventContext,
  infoType: K,
): ctx is ComponentEventContext<InfoTypePayloads[K]> {
  return ctx.infoType === infoType;
}
