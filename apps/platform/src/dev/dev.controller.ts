import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthorizerService, LinkKind, PreAuthService } from '@app/wechat-open';
import { SingleQueryPipe } from '../common/single-query.pipe.js';
import { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Pages for the zero-configuration run only (mounted when the sandbox stands in for WeChat):
 * walk the authorization flow in a browser without writing a dashboard first.
 */
@Controller('dev')
export class DevController {
  constructor(
    private readonly preAuth: PreAuthService,
    private readonly accounts: AuthorizerService,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  /** Starts a session for `tenant` and goes to its entry page, as a dashboard's button would. */
  @Get('connect')
  async connect(
    @Query('tenant', SingleQueryPipe) tenant: string | undefined,
    @Query('kind', SingleQueryPipe) kind: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const tenantId = tenant || 'demo';
    const session = await this.preAuth.createSession(this.config.components[0].appid, {
      tenantId,
      kind: kind === 'mobile' ? 'mobile' : ('pc' satisfies LinkKind),
      returnUrl: `${this.config.publicBaseUrl}/dev/connected?tenant=${encodeURIComponent(tenantId)}`,
    });
    await reply.redirect(session.entryUrl, 302);
  }

  /** Where the flow ends: the outcome and the tenant's accounts (no secrets). */
  @Get('connected')
  async connected(
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const tenantId = new SingleQueryPipe().transform(query.tenant) ?? 'demo';
    const list = await this.accounts.listByTenant(tenantId);
    const rows = list
      .map(
        (a) =>
          `<tr><td>${escapeHtml(a.authorizerAppid)}</td><td>${escapeHtml(a.nickName ?? '')}</td>` +
          `<td>${a.accountKind ?? ''}</td><td>${a.status}</td><td>${a.funcInfo.join(', ')}</td></tr>`,
      )
      .join('');
    const outcome = Object.entries(query)
      .map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(String(v))}`)
      .join(' &middot; ');
    await reply.header('content-type', 'text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connected</title></head><body>
<h1>Authorization finished</h1><p>${outcome}</p>
<h2>Accounts of tenant ${escapeHtml(tenantId)}</h2>
<table border="1"><tr><th>appid</th><th>nick name</th><th>kind</th><th>status</th><th>permission sets</th></tr>${rows}</table>
<p><a href="/dev/connect?tenant=${encodeURIComponent(tenantId)}">Connect another account</a></p>
</body></html>`);
  }
}
