import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { Client, ClientConfig } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { TOKEN_CHANNEL } from './authorizer-token.repository.js';
import { AuthorizerTokenService } from './authorizer-token.service.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AuthorizerRepository, RECORD_CHANGED } from './authorizer.repository.js';

/**
 * Where the LISTEN connection stands: `off` when notifications are not configured (the embedded
 * database), `listening` while LISTEN holds, `reconnecting` while it is down (copies are polled).
 */
export type TokenNotificationState = 'off' | 'listening' | 'reconnecting';

/** Reconnect after 1 s, doubling up to 30 s, while the LISTEN connection is down. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** PostgreSQL keeps application names to 63 bytes. */
const MAX_APPLICATION_NAME = 63;

/**
 * Holds one connection of its own that LISTENs for token changes, so each instance drops its
 * in-process copy as soon as another instance refreshes a token. While that connection is down,
 * copies are re-checked every few seconds instead, and it is re-established with backoff; when
 * it is back, every copy is dropped (changes made meanwhile were never announced).
 */
@Injectable()
export class AuthorizerTokenListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuthorizerTokenListener');
  /** The connection that LISTENs, once LISTEN succeeded. */
  private client?: Client;
  private retryMs = FIRST_RETRY_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private connecting?: Promise<void>;
  private stopped = false;

  constructor(
    @InjectWechatOpenDataSource() private readonly db: DataSource,
    private readonly tokens: AuthorizerTokenService,
    private readonly events: AuthorizerEvents,
    private readonly records: AuthorizerRepository,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  /** Where the LISTEN connection stands, for health checks (cheap: no query). */
  state(): TokenNotificationState {
    if (!this.options.authorizer.notifications) return 'off';
    return this.client ? 'listening' : 'reconnecting';
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.authorizer.notifications) return;
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    this.tokens.notificationsDown();
    this.records.setCaching(false);
    if (client) {
      // Raw SQL: LISTEN/UNLISTEN have no TypeORM form (and this connection is not TypeORM's).
      await client.query(`UNLISTEN ${TOKEN_CHANNEL}`).catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }

  /** Opens a connection and LISTENs; on failure, plans the next try. Never throws. */
  private connect(): Promise<void> {
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new Client(this.connectionConfig());
    // Listeners first: an error event without one would crash the process.
    client.on('notification', (msg) => this.onNotification(msg.payload));
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection closed'));
    try {
      await client.connect();
      // Raw SQL: LISTEN has no TypeORM form; it holds on this dedicated connection.
      await client.query(`LISTEN ${TOKEN_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.logger.warn(`cannot LISTEN for token changes (${String(error)}); polling meanwhile`);
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    this.tokens.notificationsUp();
    this.records.setCaching(true);
  }

  /** The LISTEN connection failed or closed: poll, and reconnect with backoff. */
  private lost(client: Client, reason: string): void {
    if (this.client !== client) return; // not established yet (open() handles it), or handled
    this.client = undefined;
    this.tokens.notificationsDown();
    this.records.setCaching(false);
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(`token notifications lost (${reason}); polling until reconnected`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: unknown) =>
        this.logger.error(`reconnecting the token listener failed: ${String(error)}`),
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private onNotification(payload: string | undefined): void {
    const [component, authorizer, version] = (payload ?? '').split(' ');
    if (!component || !authorizer) return;
    // Any change of the account (its record or its tokens) drops the record's copy.
    this.records.forgetCached(component, authorizer);
    if (version === RECORD_CHANGED) return;
    if (version === 'erased') {
      this.events.emit('tokens_erased', { componentAppid: component, authorizerAppid: authorizer });
    }
    this.tokens.onTokenChanged(
      component,
      authorizer,
      version === 'erased' ? null : Number(version),
    );
  }

  /**
   * The application's own connection settings (what TypeORM was given), for a connection that
   * lives outside its pool; named, so that it can be told apart in pg_stat_activity.
   */
  private connectionConfig(): ClientConfig {
    const o = this.db.options as Extract<DataSourceOptions, { type: 'postgres' }>;
    const extra = (o.extra ?? {}) as ClientConfig;
    return {
      ...extra,
      connectionString: o.url,
      host: o.host,
      port: o.port,
      user: o.username,
      password: o.password,
      database: o.database,
      // TypeORM types `ssl` as Node's TlsOptions; pg takes the same object for its TLS socket.
      ssl: (o.ssl as ClientConfig['ssl']) ?? extra.ssl,
      connectionTimeoutMillis: o.connectTimeoutMS ?? extra.connectionTimeoutMillis ?? 10_000,
      keepAlive: true,
      application_name: `wechat-open token listener ${this.options.instanceId}`.slice(
        0,
        MAX_APPLICATION_NAME,
      ),
    };
  }
}
