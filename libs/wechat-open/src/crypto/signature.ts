import { hash, timingSafeEqual } from 'node:crypto';

/** sha1 of the parts sorted in code-unit order and joined with no separator (§3.4), lowercase hex. */
export function sortedSha1(parts: readonly string[]): string {
  return hash('sha1', [...parts].sort().join(''));
}

/**
 * The parts sorted in code-unit order and joined (§3.4). An insertion sort on a fixed list: the
 * hot paths sign three or four short strings, where `Array.prototype.sort` costs more than the
 * comparisons. `<` compares code units, as the default sort does.
 */
function sortedJoin(parts: string[]): string {
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    let j = i - 1;
    for (; j >= 0 && parts[j] > part; j--) parts[j + 1] = parts[j];
    parts[j + 1] = part;
  }
  return parts.join('');
}

/** The body signature WeChat sends as `msg_signature`. */
export function msgSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
): string {
  return hash('sha1', sortedJoin([token, timestamp, nonce, encrypt]));
}

/** The plain-mode `signature` query parameter. */
export function plainSignature(token: string, timestamp: string, nonce: string): string {
  return hash('sha1', sortedJoin([token, timestamp, nonce]));
}

/**
 * Whether `given` is the signature `expectedHex` (lowercase hex), in either case, compared in
 * constant time: the same answer as `constantTimeEqual(expectedHex, given.toLowerCase())`
 * without turning either into a Buffer (two allocations that cost more than the comparison). The
 * XOR accumulates over the whole expected length with no early exit; a length mismatch compares
 * the expected text with itself and fails, so it is no faster than a content mismatch.
 */
export function signatureMatches(expectedHex: string, given: string): boolean {
  const lower = given.toLowerCase();
  const sameLength = lower.length === expectedHex.length;
  const other = sameLength ? lower : expectedHex;
  let diff = sameLength ? 0 : 1;
  for (let i = 0; i < expectedHex.length; i++) {
    diff |= expectedHex.charCodeAt(i) ^ other.charCodeAt(i);
  }
  return diff === 0;
}

/** Compares two strings without leaking where they first differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Still spend the comparison so the length mismatch is not faster than a content mismatch.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
