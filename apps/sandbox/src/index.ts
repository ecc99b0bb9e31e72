export { startSandbox, createSandboxApp } from './sandbox.js';
export { SandboxModule } from './sandbox.module.js';
export { DEMO_ACCOUNTS, seedDemo } from './demo-accounts.js';
export {
  DEFAULT_SETTINGS,
  type AccountKind,
  type AuthorizedPushTiming,
  type SandboxAccountInput,
  type SandboxComponentConfig,
  type SandboxHandle,
  type SandboxOptions,
  type SandboxSettings,
} from './sandbox.options.js';
export type { FaultInput, Fault } from './common/fault-injector.service.js';
export type {
  InvalidTokenPresented,
  InvalidTokenReason,
  PushKind,
  PushOutcome,
  PushRecord,
  SandboxCountersSnapshot,
  TokenKind,
} from './state/sandbox-counters.service.js';
