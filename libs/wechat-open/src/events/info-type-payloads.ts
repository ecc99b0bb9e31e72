/**
 * Typed payloads of the pushes on the authorization-event URL, one per InfoType
 * (wechat-protocol.md §2, §13.1). Field names follow WeChat's own spelling in camelCase; numbers
 * WeChat sends as digits are numbers here, and a field WeChat left out (or sent in a shape that
 * cannot be read) is null, unless the type says it is essential: then the push is refused with
 * a WechatXmlError (4xx, nothing stored). Every context also carries the raw `fields` and `xml`.
 */

/** `component_verify_ticket`: the ticket WeChat pushes every 10 minutes. */
export interface ComponentVerifyTicketPayload {
  /** A credential: never log it. Essential. */
  componentVerifyTicket: string;
}

/** `authorized` and `updateauthorized`: an account granted (or changed) its permission sets. */
export interface AuthorizedPayload {
  /** Null only if WeChat left it out (the code still identifies the account). */
  authorizerAppid: string | null;
  /** The authorization code for api_query_auth: a credential, never log it. Essential. */
  authorizationCode: string;
  /**
   * When the code expires: `AuthorizationCodeExpiredTime` read as epoch seconds when above 1e9,
   * otherwise as seconds after CreateTime (the docs are ambiguous). Null when absent.
   */
  authorizationCodeExpiresAt: Date | null;
  /** The pre_auth_code the authorization started from: a credential, never log it. */
  preAuthCode: string | null;
}

/** `unauthorized`: an account revoked the authorization. */
export interface UnauthorizedPayload {
  /** Essential. */
  authorizerAppid: string;
}

/** What the enterprise registration was filed with (`info` of `notify_third_fasteregister`). */
export interface EnterpriseRegistrationInfo {
  /** 企业名称. */
  name: string | null;
  /** The enterprise's code (统一社会信用代码, ...). */
  code: string | null;
  /** 1 统一社会信用代码, 2 组织机构代码, 3 营业执照注册号. */
  codeType: number | null;
  legalPersonaWechat: string | null;
  legalPersonaName: string | null;
  componentPhone: string | null;
}

/** What the personal registration was filed with. */
export interface PersonalRegistrationInfo {
  /** The applicant's WeChat id. */
  wxuser: string | null;
  /** The applicant's name. */
  idname: string | null;
  componentPhone: string | null;
}

interface FastRegisterCommon {
  /** The new mini program's appid (absent when the registration failed). */
  appid: string | null;
  /** 0: registered; anything else: failed (`msg` says why). Essential. */
  status: number;
  /**
   * On success, an authorization code for the new mini program (api_query_auth): a credential,
   * never log it.
   */
  authCode: string | null;
  msg: string | null;
}

/**
 * `notify_third_fasteregister`: result of a fast registration (快速注册). The `info` block tells
 * an enterprise registration (name, code, legal person) from a personal one (wxuser, idname);
 * `unknown` when it holds neither (its fields are in `raw`).
 */
export type FastRegisterPayload =
  | (FastRegisterCommon & { kind: 'enterprise'; info: EnterpriseRegistrationInfo })
  | (FastRegisterCommon & { kind: 'personal'; info: PersonalRegistrationInfo })
  | (FastRegisterCommon & { kind: 'unknown'; info: { raw: Record<string, unknown> } });

/** `notify_third_fastregisterbetaapp`: a beta (trial) mini program was created, or not. */
export interface FastRegisterBetaAppPayload {
  /** The beta mini program's appid (absent on failure). */
  appid: string | null;
  /** 0: created; anything else: failed. Essential. */
  status: number;
  msg: string | null;
  /** The request's unique id (`info.unique_id`), to match it with the call that asked. */
  uniqueId: string | null;
  /** The name asked for (`info.name`). */
  name: string | null;
}

/** `notify_third_fastverifybetaapp`: a beta mini program's verification (转正) result. */
export interface FastVerifyBetaAppPayload {
  appid: string | null;
  /** 0: verified; anything else: failed. Essential. */
  status: number;
  msg: string | null;
  /** What the verification was filed with (an enterprise's details). */
  info: EnterpriseRegistrationInfo;
}

/** `wxa_nickname_audit`: result of a mini program name audit. */
export interface WxaNicknameAuditPayload {
  /** The mini program (`AuthorizerAppid`, else `appid`), when the push names it. */
  appid: string | null;
  /** 2: rejected, 3: approved. Essential. */
  ret: number;
  nickname: string | null;
  /** Why it was rejected. */
  reason: string | null;
}

/** `notify_icpfiling_verify_result`: the face verification of an ICP filing (备案人脸核验). */
export interface IcpFilingVerifyResultPayload {
  /** The verification task's id. */
  taskId: string | null;
  /** The mini program being filed. */
  verifyAppid: string | null;
  /** 2: failed, 3: succeeded. Essential. */
  result: number;
  /** With along_with_auth: 9 when the verification's SMS check passed too. */
  alongWithAuthResult: number | null;
}

/** `notify_apply_icpfiling_result`: an ICP filing was approved or rejected. */
export interface ApplyIcpFilingResultPayload {
  authorizerAppid: string | null;
  /** WeChat's filing status (see 获取小程序备案状态). Essential. */
  beianStatus: number;
}

/** Who reviews a verification (认证) order (`dispatch_info`). */
export interface VerificationDispatchInfo {
  provider: string | null;
  contact: string | null;
  dispatchTime: Date | null;
}

/** `notify_3rd_wxa_auth`: progress of a mini program verification (认证) task. */
export interface WxaAuthPayload {
  appid: string | null;
  taskid: string | null;
  /** The task's state (9 phone verified, 12 review order created, 15 awaiting payment...). Essential. */
  taskStatus: number;
  /** The review order's state (2 in review, 3 to fill again, 4 approved, 5 failed for good). */
  applyStatus: number | null;
  message: string | null;
  dispatchInfo: VerificationDispatchInfo | null;
}

/** `notify_3rd_wxa_wxverify`: the verification (年审) expires soon, or has expired. */
export interface WxaWxverifyPayload {
  appid: string | null;
  /** When the verification expires (`expired`, epoch seconds). */
  expired: Date | null;
  message: string | null;
}

/** `notify_3rd_wxa_auth_and_icp`: progress of a combined verification and ICP filing procedure. */
export interface WxaAuthAndIcpPayload {
  appid: string | null;
  procedureId: string | null;
  /** 17 in review, 19 approved, 22-25 filing review steps, 26 done, 27-29 expired/ended. Essential. */
  procedureStatus: number;
}

/** One account's result in `order_path_apply_result_notify`. */
export interface OrderPathApplyResult {
  appid: string;
  /** 0 submitted, 1 submitted already, -1 busy, -2 invalid appid. */
  retCode: number | null;
}

/** `order_path_apply_result_notify`: the order-page path applications were submitted. */
export interface OrderPathApplyResultPayload {
  /** At least one. Essential. */
  list: OrderPathApplyResult[];
}

/** One account's result in `order_path_audit_result_notify`. */
export interface OrderPathAuditResult {
  appid: string;
  auditId: string | null;
  /** 4: approved; other values: see WeChat's order path docs. */
  status: number | null;
  applyTime: Date | null;
  auditTime: Date | null;
  reason: string | null;
}

/** `order_path_audit_result_notify`: the order-page path audits are done. */
export interface OrderPathAuditResultPayload {
  /** At least one. Essential. */
  list: OrderPathAuditResult[];
}

/** Every InfoType the library types, with its payload. */
export interface InfoTypePayloads {
  component_verify_ticket: ComponentVerifyTicketPayload;
  authorized: AuthorizedPayload;
  updateauthorized: AuthorizedPayload;
  unauthorized: UnauthorizedPayload;
  notify_third_fasteregister: FastRegisterPayload;
  notify_third_fastregisterbetaapp: FastRegisterBetaAppPayload;
  notify_third_fastverifybetaapp: FastVerifyBetaAppPayload;
  wxa_nickname_audit: WxaNicknameAuditPayload;
  notify_icpfiling_verify_result: IcpFilingVerifyResultPayload;
  notify_apply_icpfiling_result: ApplyIcpFilingResultPayload;
  notify_3rd_wxa_auth: WxaAuthPayload;
  notify_3rd_wxa_wxverify: WxaWxverifyPayload;
  notify_3rd_wxa_auth_and_icp: WxaAuthAndIcpPayload;
  order_path_apply_result_notify: OrderPathApplyResultPayload;
  order_path_audit_result_notify: OrderPathAuditResultPayload;
}

/** An InfoType with a typed payload (lower case). */
export type TypedInfoType = keyof InfoTypePayloads;
