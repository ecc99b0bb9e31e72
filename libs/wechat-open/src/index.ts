// The package's public contract. Everything not exported here is internal: the job queue, the
// event bus, the secret box, the options tokens, the repositories and the library's own modules
// (a host imports WechatOpenModule only). The package's `exports` map allows no deep import.
export * from './errors/wechat-open.error.js';
export * from './errors/crypto.errors.js';
export * from './crypto/index.js';
export * from './xml/wechat-xml.js';
export * from './wechat-open.module.js';
export * from './wechat-open.options.js';
export {
  DEFAULT_API_BASE_URL,
  DEFAULT_MP_BASE_URL,
  DEFAULT_OPEN_BASE_URL,
} from './wechat-open.constants.js';
export * from './core/clock.js';
export { DataKey, parseDataKeys } from './core/secret-box.js';
export { SecretBox } from './core/secret-box.js';
export { WechatOpenEvents, WechatOpenEventMap } from './core/wechat-open.events.js';
export { ComponentRegistry, UnknownComponentError } from './core/component-registry.js';
export * from './client/wechat-api.client.js';
export * from './client/wechat-api.errors.js';
export { WechatHttpOptions, wechatProxyFromUrl } from './client/wechat-http.options.js';
export {
  ComponentEventService,
  ReceivedEvent,
  ReplayedEvent,
} from './events/component-event.service.js';
export * from './events/component-event.errors.js';
export type { ComponentEvent, EventDisposition } from './events/event-bus.js';
export { readCreateTime } from './events/push-opener.js';
export { readPushQuery, checkFreshness } from './events/push-query.js';
export { KNOWN_INFO_TYPES, infoTypeLabel } from './events/info-types.js';
export type {
  InfoTypePayloads,
  TypedInfoType,
  ComponentVerifyTicketPayload,
  AuthorizedPayload,
  UnauthorizedPayload,
  FastRegisterPayload,
  EnterpriseRegistrationInfo,
  PersonalRegistrationInfo,
  FastRegisterBetaAppPayload,
  FastVerifyBetaAppPayload,
  WxaNicknameAuditPayload,
  IcpFilingVerifyResultPayload,
  ApplyIcpFilingResultPayload,
  WxaAuthPayload,
  VerificationDispatchInfo,
  WxaWxverifyPayload,
  WxaAuthAndIcpPayload,
  OrderPathApplyResultPayload,
  OrderPathApplyResult,
  OrderPathAuditResultPayload,
  OrderPathAuditResult,
} from './events/info-type-payloads.js';
export { parseInfoTypePayload, isTypedInfoType, isInfoType } from './events/info-type-parsers.js';
export { redactFields } from './events/redact.js';
export { isDatabaseUnavailable } from './core/database-errors.js';
export { CronTask, SchedulerMissingError } from './core/cron-task.js';
export { PermanentJobError } from './jobs/job-queue.service.js';
export { JobMonitor } from './jobs/job-monitor.service.js';
export type { JobPageQuery, JobRetryResult, JobSummary } from './jobs/job.repository.js';
export * from './component-ticket/component-ticket.errors.js';
export {
  ComponentTokenService,
  ComponentTokenStatus,
} from './component-ticket/component-token.service.js';
export {
  VerifyTicketService,
  VerifyTicketStatus,
} from './component-ticket/verify-ticket.service.js';
export {
  ComponentQuotaService,
  ApiQuota,
  ApiRateLimit,
  RidInfo,
  RidNotFoundError,
  InvalidCgiPathError,
  QuotaResetLimitError,
} from './component-ticket/component-quota.service.js';
export { RefreshBacklogReader, ComponentBacklog } from './component-ticket/refresh-backlog.js';
export * from './authorizer/authorizer.errors.js';
export * from './authorizer/authorizer.types.js';
export { AuthorizerEvents, AuthorizerEventMap } from './authorizer/authorizer.events.js';
export { AuthorizerService, RedeemContext, RedeemResult } from './authorizer/authorizer.service.js';
export { AuthorizerTokenService, RefreshResult } from './authorizer/authorizer-token.service.js';
export type { TokenReadStats } from './authorizer/authorizer-token.service.js';
export {
  AuthorizerTokenListener,
  TokenNotificationState,
} from './authorizer/authorizer-token.listener.js';
export type { IssuedToken } from './authorizer/authorizer-token.service.js';
export {
  AuthorizerRefreshScheduler,
  SweepResult,
} from './authorizer/authorizer-refresh.scheduler.js';
export * from './pre-auth/pre-auth.errors.js';
export * from './pre-auth/authorization-link.js';
export {
  PreAuthService,
  CreateSessionInput,
  CreatedSession,
  LandingResult,
} from './pre-auth/pre-auth.service.js';
export { PreAuthSession } from './pre-auth/pre-auth.repository.js';
export * from './jsapi/jsapi.errors.js';
export { JsApiTicketType } from './jsapi/jsapi-ticket.entity.js';
export { JsSdkConfig } from './jsapi/jsapi.policy.js';
export {
  JsApiService,
  CardExtInput,
  CardExtResult,
  ChooseCardConfig,
  JsApiTicketStatus,
} from './jsapi/jsapi.service.js';
export { WECHAT_OPEN_ENTITIES } from './entities.js';
export { wechatOpenMigrations } from './migrations/index.js';
export { WriteBatcher } from './concurrency/write-batcher.js';
export { OnWechatMessage, OnComponentEvent } from './handlers/handler.decorators.js';
export type {
  WechatMessageFilter,
  ComponentEventFilter,
  HandlerRunOptions,
  WechatMessageContext,
  ComponentEventContext,
  WechatReply,
  NewsArticle,
} from './handlers/handler.types.js';
export { WechatMessageService, messageKey } from './messages/wechat-message.service.js';
export type { MessageAnswer, MessageResult } from './messages/message.types.js';
export { MessageWrongAccountError, MessageHandlerFailedError } from './messages/message.errors.js';
export { InvalidReplyError, buildPassiveReplyXml } from './messages/passive-reply.js';
export type { ReplyAddress } from './messages/passive-reply.js';
export {
  FULL_RELEASE_TEST_ACCOUNTS,
  findFullReleaseTestAccount,
} from './messages/full-release-accounts.js';
export type { FullReleaseTestAccount } from './messages/full-release-accounts.js';
