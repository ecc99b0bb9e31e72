import { BlockList, isIP } from 'node:net';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock, ComponentRegistry, ComponentTokenService, WechatApiClient } from '@app/wechat-open';
import { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { CallbackIpRepository } from './callback-ip.repository.js';

/** WeChat's path (§13.6): GET with the component token as `access_token`. */
export const GETCALLBACKIP_PATH = '/cgi-bin/getcallbackip';

/** The list is refreshed once it is this old (WeChat changes it; daily is what WeChat advises). */
export const CALLBACK_IP_MAX_AGE_MS = 24 * 3600 * 1000;

/** Which URL a refused push was sent to (a closed set: a metric label). */
export type PushUrl = 'events' | 'messages';

/** `::ffff:1.2.3.4` (IPv4 on an IPv6 socket) is 1.2.3.4. */
export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1] : ip;
}

/** An entry of ip_list: an address, or a CIDR block (accepted in case WeChat gives one). */
function addEntry(list: BlockList, entry: string): boolean {
  const [address, bits] = entry.split('/');
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(address, type);
    return true;
  }
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false;
  list.addSubnet(address, prefix, type);
  return true;
}

/**
 * WeChat's callback address list (getcallbackip): fetched with each component's token, kept in
 * memory and in wechat_callback_ip (read at start, so that a restarted instance checks pushes
 * before its first fetch), and asked whether a push's source is one of WeChat's.
 */
@Injectable()
export class CallbackIpService implements OnApplicationBootstrap {
  private readonly logger = new Logger('CallbackIpService');
  /** null until a list was fetched or loaded: nothing is known, so nothing is refused. */
  private allowed: BlockList | null = null;
  private entries: string[] = [];
  private fetchedAt: Date | null = null;
  private readonly refused: Counter<'url'>;

  constructor(
    private readonly repo: CallbackIpRepository,
    private readonly components: ComponentRegistry,
    private readonly componentTokens: ComponentTokenService,
    private readonly api: WechatApiClient,
    private readonly clock: Clock,
    metrics: MetricsService,
  ) {
    this.refused = new Counter({
      name: 'wechat_push_refused_callback_ip_total',
      help: "Pushes refused because their source is not in WeChat's callback IP list",
      labelNames: ['url'],
      registers: [metrics.registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.load();
  }

  /** The addresses known now (every component's list, deduplicated), and when last fetched. */
  current(): { ipList: string[]; fetchedAt: Date | null } {
    return { ipList: [...this.entries], fetchedAt: this.fetchedAt };
  }

  /** Whether `ip` is one of WeChat's; null while no list is known. */
  isWechat(ip: string): boolean | null {
    if (!this.allowed) return null;
    const address = normalizeIp(ip);
    const family = isIP(address);
    if (family === 0) return false;
    return this.allowed.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  countRefused(url: PushUrl): void {
    this.refused.inc({ url });
  }

  /** Fetches every component's list now and keeps it; returns how many components answered. */
  async refresh(): Promise<number> {
    let fetched = 0;
    for (const appid of this.components.appids()) {
      try {
        const answer = await this.componentTokens.withComponentToken(appid, (token) =>
          this.api.request(GETCALLBACKIP_PATH, { method: 'GET', query: { access_token: token } }),
        );
        const list = Array.isArray(answer.ip_list)
          ? answer.ip_list.filter((e): e is string => typeof e === 'string')
          : [];
        if (list.length === 0) {
          this.logger.warn(`getcallbackip for ${appid} listed no address; the list is kept as was`);
          continue;
        }
        await this.repo.saveList(appid, list, this.clock.now());
        fetched++;
      } catch (error) {
        this.logger.warn(
          `getcallbackip for ${appid} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    await this.load();
    return fetched;
  }

  /** Refreshes when no list is known or the oldest is a day old (the cron asks hourly). */
  async refreshIfStale(): Promise<void> {
    const age = this.fetchedAt ? this.clock.nowMs() - this.fetchedAt.getTime() : Infinity;
    if (age >= CALLBACK_IP_MAX_AGE_MS) await this.refresh();
  }

  private async load(): Promise<void> {
    const rows = await this.repo.lists();
    if (rows.length === 0) return;
    const list = new BlockList();
    const entries = new Set<string>();
    for (const row of rows) {
      for (const entry of row.ipList) if (addEntry(list, entry)) entries.add(entry);
    }
    this.allowed = list;
    this.entries = [...entries].sort();
    // The oldest row decides when to fetch again.
    this.fetchedAt = rows.reduce<Date>(
      (oldest, r) => (r.fetchedAt < oldest ? r.fetchedAt : oldest),
      rows[0].fetchedAt,
    );
  }
}
