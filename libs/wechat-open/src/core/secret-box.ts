import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WechatOpenError } from '../errors/wechat-open.error.js';

export interface DataKey {
  /** Short id stored beside every ciphertext so that keys can be rotated. */
  kid: string;
  /** 32 bytes. */
  key: Buffer;
}

const FORMAT = 'v1';

/**
 * Encrypts secrets at rest (tickets, tokens, refresh tokens, codes) with AES-256-GCM. The first
 * key encrypts; every key decrypts, chosen by the key id in the stored text
 * `v1:<kid>:<iv>:<ciphertext+tag>` (base64), so an old row stays readable after a rotation.
 */
export class SecretBox {
  private readonly byKid: Map<string, Buffer>;

  constructor(private readonly keys: readonly DataKey[]) {
    if (keys.length === 0) throw new WechatOpenError('SECRET_BOX_NO_KEY', 'no data key configured');
    for (const k of keys) {
      if (k.key.length !== 32) {
        throw new WechatOpenError('SECRET_BOX_BAD_KEY', 'a data key must be 32 bytes', {
          kid: k.kid,
        });
      }
    }
    this.byKid = new Map(keys.map((k) => [k.kid, k.key]));
  }

  /** Parses `kid:base64,kid:base64` (the first is current). */
  static parseKeys(spec: string): DataKey[] {
    return spec.split(',').map((entry) => {
      const at = entry.indexOf(':');
      return { kid: entry.slice(0, at), key: Buffer.from(entry.slice(at + 1), 'base64') };
    });
  }

  seal(plaintext: string): string {
    const { kid, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(kid));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${FORMAT}:${kid}:${iv.toString('base64')}:${body.toString('base64')}`;
  }

  open(sealed: string): string {
    const [format, kid, ivText, bodyText] = sealed.split(':');
    const key = this.byKid.get(kid);
    if (format !== FORMAT || !key || !ivText || !bodyText) {
      throw new WechatOpenError('SECRET_BOX_UNREADABLE', 'stored secret cannot be decrypted', {
        kid,
      });
    }
    const body = Buffer.from(bodyText, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64'));
      decipher.setAAD(Buffer.from(kid));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw new WechatOpenError(
        'SECRET_BOX_UNREADABLE',
        'stored secret failed authentication',
        { kid },
        { cause },
      );
    }
  }
}

/** Parses data keys written `kid:base64(32 bytes)[,kid:…]` (the first encrypts). */
export function parseDataKeys(spec: string): DataKey[] {
  return SecretBox.parseKeys(spec);
}
