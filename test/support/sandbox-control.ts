/** A thin client of the sandbox's control API (/sandbox/...), as tests use it. */
export class SandboxControl {
  constructor(readonly url: string) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  addComponent(c: Record<string, unknown>) {
    return this.request('POST', '/sandbox/components', c);
  }
  addAccount(a: Record<string, unknown>) {
    return this.request('POST', '/sandbox/accounts', a);
  }
  settings(s: Record<string, unknown>) {
    return this.request('PUT', '/sandbox/settings', s);
  }
  pushTicket(componentAppid: string) {
    return this.request<{ ticket: string; delivered: boolean; attempts: number }>(
      'POST',
      `/sandbox/components/${componentAppid}/push-ticket`,
    );
  }
  authorize(componentAppid: string, appid: string, funcInfo?: number[]) {
    return this.request<{ authCode: string; pushed: boolean }>(
      'POST',
      `/sandbox/components/${componentAppid}/accounts/${appid}/authorize`,
      funcInfo ? { funcInfo } : {},
    );
  }
  update(componentAppid: string, appid: string, funcInfo: number[]) {
    return this.request('POST', `/sandbox/components/${componentAppid}/accounts/${appid}/update`, {
      funcInfo,
    });
  }
  /** Pushes any InfoType with these fields to the component's event URL. */
  pushEvent(componentAppid: string, infoType: string, fields: Record<string, unknown> = {}) {
    return this.request<PushEventResult>(
      'POST',
      `/sandbox/components/${componentAppid}/push-event`,
      { infoType, fields },
    );
  }
  revoke(componentAppid: string, appid: string) {
    return this.request('POST', `/sandbox/components/${componentAppid}/accounts/${appid}/revoke`);
  }
  invalidateToken(appid: string) {
    return this.request('POST', `/sandbox/accounts/${appid}/invalidate-token`);
  }
  fault(f: Record<string, unknown>) {
    return this.request<{ id: string }>('POST', '/sandbox/faults', f);
  }
  clearFaults() {
    return this.request('DELETE', '/sandbox/faults');
  }
  counters() {
    return this.request<SandboxCounters>('GET', '/sandbox/counters');
  }
  resetCounters() {
    return this.request('POST', '/sandbox/counters/reset');
  }
}

export interface SandboxCounters {
  calls: Record<string, number>;
  callsByAccount: Record<string, Record<string, number>>;
  tokensIssued: Record<string, number>;
  errcodes: Record<string, number>;
  invalidTokensPresented: { endpoint: string; reason: string; tokenKind: string; at: string }[];
  pushes: unknown[];
}

/** What the sandbox's push-event control call answers. */
export interface PushEventResult {
  pushed: boolean;
  push: {
    id: number;
    outcome: 'delivered' | 'failed' | 'bad_reply' | 'no_url';
    attempts: number;
    lastStatus: number | null;
    lastError: string | null;
  };
}
