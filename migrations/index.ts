import type { MigrationInterface } from 'typeorm';
import { wechatOpenMigrations } from '@app/wechat-open';
import { TenantsAndKeys1796000000000 } from './1796000000000-TenantsAndKeys.js';
import { QuotaResets1796100000000 } from './1796100000000-QuotaResets.js';
import { Webhooks1796271304433 } from './1796271304433-Webhooks.js';
import { AuditSchema1796271671065 } from './1796271671065-AuditSchema.js';
import { WebhookDeliveryRetention1796272550497 } from './1796272550497-WebhookDeliveryRetention.js';
import { AppendOnlyTruncate1796272976869 } from './1796272976869-AppendOnlyTruncate.js';
import { RetentionFunction1796275106027 } from './1796275106027-RetentionFunction.js';
import { CallbackIps1796275636924 } from './1796275636924-CallbackIps.js';
import { RetentionRole1796293422444 } from './1796293422444-RetentionRole.js';

/**
 * The platform's own migrations (tables of the app, not the library's: tenants, API keys,
 * webhooks...), oldest first. A new file in this folder must be added here
 * (`npm run migration:create -- --app Name` does it; a test checks).
 */
export const APP_MIGRATIONS: (new () => MigrationInterface)[] = [
  TenantsAndKeys1796000000000,
  QuotaResets1796100000000,
  Webhooks1796271304433,
  AuditSchema1796271671065,
  WebhookDeliveryRetention1796272550497,
  AppendOnlyTruncate1796272976869,
  RetentionFunction1796275106027,
  CallbackIps1796275636924,
  RetentionRole1796293422444,
];

/**
 * Everything the platform's database runs: the library's schema (libs/wechat-open/src/migrations,
 * exported as `wechatOpenMigrations`), then the app's own. TypeORM orders them by timestamp.
 */
export const MIGRATIONS = [...wechatOpenMigrations, ...APP_MIGRATIONS];
