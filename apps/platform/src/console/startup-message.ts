import type { ConsoleStatus } from './console.server.js';

export interface StartupFacts {
  /** How a browser reaches the platform (PUBLIC_BASE_URL), no trailing slash. */
  baseUrl: string;
  console: ConsoleStatus;
  /** Where /health is served (the ops listener when OPS_PORT is set). */
  healthBaseUrl: string;
  /** Set while the sandbox stands in for WeChat. */
  sandbox?: { url: string; demoOperatorKey: string };
}

/**
 * What the terminal shows once the platform listens, in plain words: where to go, and in the
 * sandbox run the demo operator key to sign in with. Printed, never logged: the key must not
 * reach a log collector, and the block is for the person who ran `npm start`.
 */
export function startupMessage(facts: StartupFacts): string {
  const rows: [string, string][] = [];
  if (facts.console.enabled) {
    const note = facts.console.built ? '' : '   (not built yet: run npm run build)';
    rows.push(['Console', `${facts.baseUrl}${facts.console.path}${note}`]);
  }
  rows.push(['API docs', `${facts.baseUrl}/docs`]);
  rows.push(['Health', `${facts.healthBaseUrl}/health`]);
  if (facts.sandbox) {
    rows.push(['Connect an account', `${facts.baseUrl}/dev/connect?tenant=demo`]);
    rows.push(['WeChat sandbox', `${facts.sandbox.url}  (no real WeChat is called)`]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    '',
    'The WeChat third-party platform is running.',
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ];
  if (facts.sandbox) {
    lines.push(
      '',
      'Demo operator key (sandbox only; a new one at each start, the previous one revoked).',
      'Sign in to the console with it, or send it as "Authorization: Bearer <key>":',
      '',
      `  ${facts.sandbox.demoOperatorKey}`,
    );
  }
  lines.push('', 'Stop with Ctrl+C.', '');
  return `${lines.join('\n')}\n`;
}
