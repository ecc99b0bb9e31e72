import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { AuthorizerTokenService } from './authorizer-token.service.js';
import { AuthorizerEvents } from './authorizer.events.js';

export const TOKEN_CHANNEL = 'wechat_open_authorizer_token';

/**
 * Holds one connection that LISTENs for token changes, so each instance drops its in-process
 * copy as soon as another instance refreshes a token. Without it, copies are re-checked every
 * few seconds instead.
 */
@Injectable()
export class AuthorizerTokenListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuthorizerTokenListener');
  private client?: PoolClient;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tokens: AuthorizerTokenService,
    private readonly events: AuthorizerEvents,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.authorizer.notifications) return;
    try {
      const pool = (this.db.driver as unknown as { master: Pool }).master;
      const client = await pool.connect();
      client.on('notification', (msg) => {
        const [component, authorizer, version] = (msg.payload ?? '').split(' ');
        if (component && authorizer) {
          if (version === 'erased') {
            this.events.emit('tokens_erased', {
              componentAppid: component,
              authorizerAppid: authorizer,
            });
          }
          this.tokens.onTokenChanged(
            component,
            authorizer,
            version === 'erased' ? null : Number(version),
          );
        }
      });
      client.on('error', (error) => {
        this.logger.warn(`token notifications lost (${error.message}); falling back to polling`);
        this.tokens.notified = false;
      });
      await client.query(`LISTEN ${TOKEN_CHANNEL}`);
      this.client = client;
      this.tokens.notified = true;
    } catch (error) {
      this.logger.warn(`cannot LISTEN for token changes (${String(error)}); polling instead`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.tokens.notified = false;
    if (client) {
      await client.query(`UNLISTEN ${TOKEN_CHANNEL}`).catch(() => undefined);
      client.release();
    }
  }
}
