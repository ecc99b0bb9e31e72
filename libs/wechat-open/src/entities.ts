import { AUTHORIZER_ENTITIES } from './authorizer/authorizer.entities.js';
import {
  ComponentTokenEntity,
  VerifyTicketEntity,
} from './component-ticket/component-ticket.entities.js';
import { EventDispatchEntity } from './events/event-dispatch.entity.js';
import { EventLogEntity } from './events/event-log.entity.js';
import { JobEntity } from './jobs/job.entity.js';
import { JsApiTicketEntity } from './jsapi/jsapi-ticket.entity.js';
import { MessageDedupeEntity } from './messages/message-dedupe.entity.js';
import { PreAuthSessionEntity } from './pre-auth/pre-auth-session.entity.js';

/** Every table of the library, for a DataSource built outside Nest (the TypeORM CLI). */
export const WECHAT_OPEN_ENTITIES = [
  EventLogEntity,
  EventDispatchEntity,
  JobEntity,
  VerifyTicketEntity,
  ComponentTokenEntity,
  ...AUTHORIZER_ENTITIES,
  PreAuthSessionEntity,
  JsApiTicketEntity,
  MessageDedupeEntity,
];
