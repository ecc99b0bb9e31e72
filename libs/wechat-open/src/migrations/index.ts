import { InitialSchema1795000000000 } from './1795000000000-InitialSchema.js';
import { AuthorizerRegistry1795000100000 } from './1795000100000-AuthorizerRegistry.js';
import { JsApiTickets1795000200000 } from './1795000200000-JsApiTickets.js';
import { EventOutcomes1795000300000 } from './1795000300000-EventOutcomes.js';
import { TicketRequests1795000310000 } from './1795000310000-TicketRequests.js';
import { RefreshBackoff1795000320000 } from './1795000320000-RefreshBackoff.js';
import { DurableRedemption1795000330000 } from './1795000330000-DurableRedemption.js';
import { AdminDashboard1795000340000 } from './1795000340000-AdminDashboard.js';
import { MessageDedupe1795000370000 } from './1795000370000-MessageDedupe.js';
import { EventDispatch1795000375000 } from './1795000375000-EventDispatch.js';
import { RefreshLogAppendOnly1796271664579 } from './1796271664579-RefreshLogAppendOnly.js';
import { SchemaComments1796271668101 } from './1796271668101-SchemaComments.js';
import { EventDispatchComments1796272293530 } from './1796272293530-EventDispatchComments.js';
import { AppendOnlyTruncate1796272974823 } from './1796272974823-AppendOnlyTruncate.js';
import { MessageDedupeMsgType1796281552205 } from './1796281552205-MessageDedupeMsgType.js';
import { RetentionRoleExemption1796293422443 } from './1796293422443-RetentionRoleExemption.js';

/**
 * The library's schema, every migration oldest first (raw SQL, each with a real down()). Give it
 * to the host's DataSource: `migrations: wechatOpenMigrations` (plus the host's own, if any).
 * A new file in this folder must be added here (`npm run migration:create` does it; a test checks).
 */
export const wechatOpenMigrations = [
  InitialSchema1795000000000,
  AuthorizerRegistry1795000100000,
  JsApiTickets1795000200000,
  EventOutcomes1795000300000,
  TicketRequests1795000310000,
  RefreshBackoff1795000320000,
  DurableRedemption1795000330000,
  AdminDashboard1795000340000,
  MessageDedupe1795000370000,
  EventDispatch1795000375000,
  RefreshLogAppendOnly1796271664579,
  SchemaComments1796271668101,
  EventDispatchComments1796272293530,
  AppendOnlyTruncate1796272974823,
  MessageDedupeMsgType1796281552205,
  RetentionRoleExemption1796293422443,
];
