import type { Schemas } from '../api/client';
import { formatDuration } from './ui';

type Health = Schemas['TokenHealthDto'] | null;

/** Token health in words: never a token, only its times and failures. */
export function tokenSummary(health: Health): {
  tone: 'good' | 'warn' | 'bad' | 'neutral';
  text: string;
} {
  if (!health || !health.hasAccessToken) return { tone: 'neutral', text: 'No token' };
  if (health.paused) return { tone: 'neutral', text: 'Refreshing paused' };
  const left = health.expiresInSec;
  if (left === null) return { tone: 'neutral', text: 'Expiry unknown' };
  if (left <= 0) return { tone: 'bad', text: `Expired ${formatDuration(left)} ago` };
  const failures = health.failures > 0 ? `, ${health.failures} failed refreshes` : '';
  return {
    tone: health.failures > 0 || left < 300 ? 'warn' : 'good',
    text: `Valid, ${formatDuration(left)} left${failures}`,
  };
}

export function TokenBadge({ health }: { health: Health }) {
  const { tone, text } = tokenSummary(health);
  return <span className={`badge badge-${tone}`}>{text}</span>;
}
