import { Injectable, OnApplicationShutdown } from '@nestjs/common';

export interface FaultInput {
  /** WeChat endpoint name (e.g. `api_authorizer_token`, see README) or `*` for all. */
  endpoint: string;
  /** Answer HTTP 200 `{errcode, errmsg}` with this errcode instead of the real answer. */
  errcode?: number;
  /** Answer with this HTTP status (body: JSON with `errcode` if given, else plain text). */
  httpStatus?: number;
  /** Wait this long before answering (combined with the other effects, or alone). */
  latencyMs?: number;
  /** Never answer; the connection is held until the client gives up or the sandbox closes. */
  hang?: boolean;
  /**
   * Serve the call in full (it takes effect: a code is consumed, a token issued), then never send
   * the answer, held as with `hang`: WeChat acted but the client cannot know it.
   */
  loseAnswer?: boolean;
  /** Chance (0..1) that a matching call is affected. Default 1. */
  probability?: number;
  /** Affect this many calls, then remove the fault. Default: unlimited. */
  count?: number;
  /**
   * Affect only calls made for these accounts: the `authorizer_appid` of the request body
   * (component endpoints that name an account). Calls that name no account never match.
   * Default: every call.
   */
  appids?: string[];
}

export interface Fault extends FaultInput {
  id: string;
  /** How many calls it has affected so far. */
  served: number;
  createdAt: string;
}

/** Injected failures for the WeChat-facing endpoints (never for /sandbox/...). */
@Injectable()
export class FaultInjector implements OnApplicationShutdown {
  private faults: Fault[] = [];
  private seq = 0;
  private readonly hung = new Set<() => void>();

  add(input: FaultInput): Fault {
    const fault: Fault = {
      ...input,
      id: `fault-${++this.seq}`,
      served: 0,
      createdAt: new Date().toISOString(),
    };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  /**
   * The fault that applies to this call, if any: the first one, in creation order, whose
   * endpoint (and account, when the fault names accounts) matches and whose dice roll hits.
   * Counts it as served.
   */
  take(endpoint: string, appid?: string): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.endpoint !== '*' && fault.endpoint !== endpoint) continue;
      if (fault.appids && !(appid !== undefined && fault.appids.includes(appid))) continue;
      if (Math.random() >= (fault.probability ?? 1)) continue;
      fault.served += 1;
      if (fault.count !== undefined && fault.served >= fault.count) this.remove(fault.id);
      return { ...fault };
    }
    return undefined;
  }

  /** Resolves when `release` fires or the sandbox shuts down. */
  hang(onRelease: (release: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        this.hung.delete(release);
        resolve();
      };
      this.hung.add(release);
      onRelease(release);
    });
  }

  onApplicationShutdown(): void {
    for (const release of [...this.hung]) release();
  }
}
