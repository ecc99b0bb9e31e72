import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApiKeyKind } from './access.entities.js';

/**
 * API keys: `wop_<kind>_<id>_<secret>`. The kind (`op` operator, `tn` tenant, `sv` service)
 * says what a key is at a glance (and to secret scanners); the id is the row's uuid in base64url,
 * so a key is found by primary key; the secret is 256 random bits, kept only as its SHA-256 (with
 * that much entropy a slow hash adds nothing).
 */
const KIND_TAG: Record<ApiKeyKind, string> = { operator: 'op', tenant: 'tn', service: 'sv' };
const TAG_KIND = Object.fromEntries(
  Object.entries(KIND_TAG).map(([k, v]) => [v, k as ApiKeyKind]),
) as Record<string, ApiKeyKind>;
const KEY = /^wop_(op|tn|sv)_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;

export interface NewKey {
  id: string;
  /** The whole key: shown once, never stored. */
  key: string;
  displayPrefix: string;
  secretHash: Buffer;
}

export interface ParsedKey {
  kind: ApiKeyKind;
  id: string;
  secret: string;
}

export function newApiKey(kind: ApiKeyKind): NewKey {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const displayPrefix = `wop_${KIND_TAG[kind]}_${uuidToBase64url(id)}`;
  return { id, key: `${displayPrefix}_${secret}`, displayPrefix, secretHash: hashSecret(secret) };
}

/** The parts of a well-formed key, or null (the caller answers 401 without a database read). */
export function parseApiKey(key: string): ParsedKey | null {
  const m = KEY.exec(key);
  if (!m) return null;
  const bytes = Buffer.from(m[2], 'base64url');
  if (bytes.length !== 16) return null;
  return { kind: TAG_KIND[m[1]], id: bytesToUuid(bytes), secret: m[3] };
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function secretMatches(secret: string, hash: Buffer): boolean {
  const given = hashSecret(secret);
  return given.length === hash.length && timingSafeEqual(given, hash);
}

/** The display prefix of a key id (what the admin API shows for a key). */
export function displayPrefixOf(kind: ApiKeyKind, id: string): string {
  return `wop_${KIND_TAG[kind]}_${uuidToBase64url(id)}`;
}

function uuidToBase64url(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
