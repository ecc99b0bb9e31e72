import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WechatCryptoError } from '../errors/crypto.errors.js';
import { buildWechatXml } from '../xml/wechat-xml.js';
import { pkcs7Pad, pkcs7Unpad } from './pkcs7.js';
import { constantTimeEqual, msgSignature, plainSignature } from './signature.js';

/** The three values WeChat's console gives a component for message encryption. */
export interface MessageCryptoOptions {
  /** 消息校验Token. */
  token: string;
  /** 消息加解密Key: 43 characters of [A-Za-z0-9]. */
  encodingAesKey: string;
  /** The key in use before the last rotation; tried when the current one fails (§3.5 step 8). */
  previousEncodingAesKey?: string;
  /** The receive id checked inside every plaintext: the component appid (§3.1). */
  appid: string;
}

export interface DecryptedMessage {
  /** The message exactly as WeChat encrypted it (not trimmed). */
  message: string;
  /** The 16 random bytes that preceded it. */
  random: Buffer;
  /** Which key decrypted it: 0 the current key, 1 the previous one. Reply with the same key. */
  keyIndex: 0 | 1;
}

export interface EnvelopeQuery {
  timestamp: string;
  nonce: string;
  msgSignature: string;
  /** The plain-mode signature; verified too when present. */
  signature?: string;
}

export interface SealedReply {
  encrypt: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
  /** The reply envelope of §3.6. */
  xml: string;
}

const KEY_CHARS = /^[A-Za-z0-9]{43}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * WeChat's messages are UTF-8. A block garbled by tampering with the ciphertext (CBC lets anyone
 * holding the token do that without the key) is almost never valid UTF-8: refuse it rather than
 * let the decoder paper over it with replacement characters.
 */
function strictUtf8(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new WechatCryptoError('CRYPTO_BAD_LAYOUT', 'the decrypted message is not valid UTF-8', {
      length: bytes.length,
    });
  }
}

/** Turns an EncodingAESKey into the 32-byte AES key, refusing anything that is not exactly that. */
export function decodeEncodingAesKey(encodingAesKey: string): Buffer {
  if (!KEY_CHARS.test(encodingAesKey)) {
    throw new WechatCryptoError(
      'CRYPTO_BAD_KEY',
      `EncodingAESKey must be 43 characters of [A-Za-z0-9], got ${encodingAesKey.length}`,
    );
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) {
    throw new WechatCryptoError('CRYPTO_BAD_KEY', `EncodingAESKey decodes to ${key.length} bytes`);
  }
  return key;
}

/**
 * WeChat's message encryption (the WXBizMsgCrypt scheme of wechat-protocol.md §3): signatures,
 * AES-256-CBC with 32-byte PKCS#7 padding, the random ‖ length ‖ message ‖ appid layout, and
 * the previous-key fallback during key rotation.
 */
export class WechatMessageCrypto {
  private readonly keys: Buffer[];

  constructor(private readonly options: MessageCryptoOptions) {
    this.keys = [decodeEncodingAesKey(options.encodingAesKey)];
    if (options.previousEncodingAesKey) {
      this.keys.push(decodeEncodingAesKey(options.previousEncodingAesKey));
    }
  }

  get appid(): string {
    return this.options.appid;
  }

  signature(timestamp: string, nonce: string, encrypt: string): string {
    return msgSignature(this.options.token, timestamp, nonce, encrypt);
  }

  /** Verifies `msg_signature` (and `signature` when given); throws CRYPTO_BAD_SIGNATURE otherwise. */
  verify(query: EnvelopeQuery, encrypt: string): void {
    const expected = this.signature(query.timestamp, query.nonce, encrypt);
    if (!constantTimeEqual(expected, query.msgSignature.toLowerCase())) {
      throw new WechatCryptoError('CRYPTO_BAD_SIGNATURE', 'msg_signature does not match');
    }
    if (query.signature !== undefined) {
      const plain = plainSignature(this.options.token, query.timestamp, query.nonce);
      if (!constantTimeEqual(plain, query.signature.toLowerCase())) {
        throw new WechatCryptoError('CRYPTO_BAD_SIGNATURE', 'signature does not match');
      }
    }
  }

  /** Verifies the signatures, then decrypts: the whole of receiving a push. */
  open(query: EnvelopeQuery, encrypt: string): DecryptedMessage {
    this.verify(query, encrypt);
    return this.decrypt(encrypt);
  }

  /** Decrypts `Encrypt`, trying the current key and then the previous one. */
  decrypt(encrypt: string): DecryptedMessage {
    if (encrypt.length === 0 || !BASE64.test(encrypt)) {
      throw new WechatCryptoError('CRYPTO_BAD_BASE64', 'Encrypt is not standard base64');
    }
    const cipherText = Buffer.from(encrypt, 'base64');
    // Canonical only: unused low bits set in the last character would decode to the same bytes
    // under another text, a second signature for one message.
    if (cipherText.toString('base64') !== encrypt) {
      throw new WechatCryptoError('CRYPTO_BAD_BASE64', 'Encrypt is not canonical base64');
    }
    if (cipherText.length === 0 || cipherText.length % 16 !== 0) {
      throw new WechatCryptoError(
        'CRYPTO_BAD_LAYOUT',
        `ciphertext of ${cipherText.length} bytes is not a whole number of AES blocks`,
      );
    }
    let firstError: WechatCryptoError | undefined;
    for (let i = 0; i < this.keys.length; i++) {
      try {
        return { ...this.decryptWith(this.keys[i], cipherText), keyIndex: i === 0 ? 0 : 1 };
      } catch (error) {
        if (!(error instanceof WechatCryptoError)) throw error;
        firstError ??= error;
      }
    }
    throw firstError ?? new WechatCryptoError('CRYPTO_BAD_KEY', 'no key configured');
  }

  /** Encrypts a message; `random` is fixed only by tests that reproduce published vectors. */
  encrypt(message: string, options: { random?: Buffer; keyIndex?: 0 | 1 } = {}): string {
    const key = this.keys[options.keyIndex ?? 0] ?? this.keys[0];
    const random = options.random ?? randomBytes(RANDOM_BYTES);
    if (random.length !== RANDOM_BYTES) {
      throw new WechatCryptoError('CRYPTO_BAD_LAYOUT', 'the random prefix must be 16 bytes');
    }
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(LENGTH_BYTES);
    length.writeUInt32BE(body.length, 0);
    const plain = pkcs7Pad(
      Buffer.concat([random, length, body, Buffer.from(this.options.appid, 'utf8')]),
    );
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
  }

  /** Encrypts and signs a passive reply (§3.6). */
  seal(
    message: string,
    options: { timestamp: string; nonce: string; random?: Buffer; keyIndex?: 0 | 1 },
  ): SealedReply {
    const encrypt = this.encrypt(message, options);
    const signature = this.signature(options.timestamp, options.nonce, encrypt);
    const xml = buildWechatXml({
      Encrypt: encrypt,
      MsgSignature: signature,
      TimeStamp: Number(options.timestamp),
      Nonce: options.nonce,
    });
    return {
      encrypt,
      msgSignature: signature,
      timestamp: options.timestamp,
      nonce: options.nonce,
      xml,
    };
  }

  private decryptWith(key: Buffer, cipherText: Buffer): Omit<DecryptedMessage, 'keyIndex'> {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(cipherText), decipher.final()]);
    const plain = pkcs7Unpad(padded);
    if (plain === null) {
      throw new WechatCryptoError('CRYPTO_BAD_PADDING', 'decrypted data has invalid padding');
    }
    if (plain.length < RANDOM_BYTES + LENGTH_BYTES) {
      throw new WechatCryptoError('CRYPTO_BAD_LAYOUT', 'decrypted data is too short');
    }
    const length = plain.readUInt32BE(RANDOM_BYTES);
    const start = RANDOM_BYTES + LENGTH_BYTES;
    if (start + length > plain.length) {
      throw new WechatCryptoError('CRYPTO_BAD_LAYOUT', 'message length exceeds the decrypted data');
    }
    const appid = plain.subarray(start + length).toString('utf8');
    if (appid !== this.options.appid) {
      // Lengths only: the bytes are decrypted data (with a flipped length field, CBC's
      // malleability turns them into the secret part of the message), so they never leave here.
      throw new WechatCryptoError('CRYPTO_APPID_MISMATCH', 'receive id does not match the appid', {
        expected: this.options.appid,
        receivedLength: appid.length,
      });
    }
    return {
      message: strictUtf8(plain.subarray(start, start + length)),
      random: Buffer.from(plain.subarray(0, RANDOM_BYTES)),
    };
  }
}
