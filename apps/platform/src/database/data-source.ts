import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { WECHAT_OPEN_ENTITIES } from '@app/wechat-open';
import { PLATFORM_ENTITIES } from '../entities.js';
// The library's migrations (wechatOpenMigrations), then the platform's own (migrations/).
import { MIGRATIONS } from '../../../../migrations/index.js';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:generate`). It needs DATABASE_URL: the
 * CLI cannot start the embedded database. The service itself migrates with migration-runner.ts.
 */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must point at a PostgreSQL for the TypeORM CLI');

export default new DataSource({
  type: 'postgres',
  url,
  entities: [...WECHAT_OPEN_ENTITIES, ...PLATFORM_ENTITIES],
  migrations: MIGRATIONS,
  migrationsTableName: 'typeorm_migrations',
});
