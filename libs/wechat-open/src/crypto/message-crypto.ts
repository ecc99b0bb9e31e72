import { isUtf8 } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WechatCryptoError } from '../errors/crypto.errors.js';
import { buildWechatXml } from '../xml/wechat-xml.js';
import { decodeCanonicalBase64 } from './base64.js';
import { pkcs7UnpaddedLength, WECHAT_PAD_BLOCK } from './pkcs7.js';
import { msgSignature, plainSignature, signatureMatches } from './signature.js';

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
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const HEADER_BYTES = RANDOM_BYTES + LENGTH_BYTES;

/**
 * WeChat's messages are UTF-8. A block garbled by tampering with the ciphertext (CBC lets anyone
 * holding the token do that without the key) is almost never valid UTF-8: refuse it rather than
 * let the decoder paper over it with replacement characters. A leading byte order mark is
 * dropped, as the WHATWG decoder this replaced did.
 */
function strictUtf8(bytes: Buffer, start: number, end: number): string {
  const message = bytes.subarray(start, end);
  if (!isUtf8(message)) {
    throw new WechatCryptoError('CRYPTO_BAD_LAYOUT', 'the decrypted message is not valid UTF-8', {
      length: message.length,
    });
  }
  const bom = end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb;
  return bytes.toString('utf8', bom && bytes[start + 2] === 0xbf ? start + 3 : start, end);
}

/**
 * The 16 random bytes that open every plaintext, served from a pool refilled 4 KiB at a time:
 * one `randomBytes` call per reply costs more than its AES. They randomise the first block under
 * WeChat's fixed IV and are no key, so batching them is as safe as Node's own `randomUUID`
 * batching.
 */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = RANDOM_POOL_BYTES;

function copyFreshRandom(target: Buffer): void {
  if (randomOffset + RANDOM_BYTES > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  randomPool.copy(target, 0, randomOffset, randomOffset + RANDOM_BYTES);
  randomOffset += RANDOM_BYTES;
}

/** A decimal that `String(Number(text))` gives back unchanged: the usual unix-seconds timestamp. */
function isPlainInteger(text: string): boolean {
  if (text.length === 0 || text.length > 15 || (text.length > 1 && text.charCodeAt(0) === 48)) {
    return false;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The reply envelope of §3.6, byte for byte what `buildWechatXml` writes. `Encrypt` (base64) and
 * the signature (hex) never need escaping; a timestamp that is not a plain integer or a nonce
 * holding `]]>` go through the builder, which normalises the one and splits the CDATA for the other.
 */
function replyEnvelope(encrypt: string, signature: string, timestamp: string, nonce: string) {
  if (!isPlainInteger(timestamp) || nonce.includes(']]>')) {
    return buildWechatXml({
      Encrypt: encrypt,
      MsgSignature: signature,
      TimeStamp: Number(timestamp),
      Nonce: nonce,
    });
  }
  return (
    `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`
  );
}

interface AesKey {
  key: Buffer;
  iv: Buffer;
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
  private readonly keys: AesKey[];
  private readonly appidBytes: Buffer;

  constructor(private readonly options: MessageCryptoOptions) {
    const aesKey = (encodingAesKey: string): AesKey => {
      const key = decodeEncodingAesKey(encodingAesKey);
      return { key, iv: key.subarray(0, 16) };
    };
    this.keys = [aesKey(options.encodingAesKey)];
    if (options.previousEncodingAesKey) {
      this.keys.push(aesKey(options.previousEncodingAesKey));
    }
    this.appidBytes = Buffer.from(options.appid, 'utf8');
  }

  get appid(): string {
    return this.options.appid;
  }

  signature(timestamp: string, nonce: string, encrypt: string): string {
    return msgSignature(this.options.token, timestamp, nonce, encrypt);
  }

  /** Verifies `msg_signature` (and `signature` when given); throws CRYPTO_BAD_SIGNATURE otherwise. */
  verify(query: EnvelopeQuery, encrypt: string): void {
    const { token } = this.options;
    const expected = msgSignature(token, query.timestamp, query.nonce, encrypt);
    if (!signatureMatches(expected, query.msgSignature)) {
      throw new WechatCryptoError('CRYPTO_BAD_SIGNATURE', 'msg_signature does not match');
    }
    if (query.signature !== undefined) {
      const plain = plainSignature(token, query.timestamp, query.nonce);
      if (!signatureMatches(plain, query.signature)) {
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
    // Canonical only: unused low bits set in the last character would decode to the same bytes
    // under another text, a second signature for one message.
    const cipherText = decodeCanonicalBase64(encrypt);
    if (cipherText === null) {
      throw new WechatCryptoError('CRYPTO_BAD_BASE64', 'Encrypt is not canonical standard base64');
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
        return this.decryptWith(this.keys[i], cipherText, i === 0 ? 0 : 1);
      } catch (error) {
        if (!(error instanceof WechatCryptoError)) throw error;
        firstError ??= error;
      }
    }
    throw firstError ?? new WechatCryptoError('CRYPTO_BAD_KEY', 'no key configured');
  }

  /** Encrypts a message; `random` is fixed only by tests that reproduce published vectors. */
  encrypt(message: string, options: { random?: Buffer; keyIndex?: 0 | 1 } = {}): string {
    const { key, iv } = this.keys[options.keyIndex ?? 0] ?? this.keys[0];
    const random = options.random;
    if (random !== undefined && random.length !== RANDOM_BYTES) {
      throw new WechatCryptoError('CRYPTO_BAD_LAYOUT', 'the random prefix must be 16 bytes');
    }
    // random ‖ length ‖ message ‖ appid ‖ PKCS#7/32 padding, written once into one buffer.
    const bodyLength = Buffer.byteLength(message, 'utf8');
    const appidStart = HEADER_BYTES + bodyLength;
    const size = appidStart + this.appidBytes.length;
    const pad = WECHAT_PAD_BLOCK - (size % WECHAT_PAD_BLOCK);
    const plain = Buffer.allocUnsafe(size + pad);
    if (random === undefined) copyFreshRandom(plain);
    else random.copy(plain, 0);
    plain.writeUInt32BE(bodyLength, RANDOM_BYTES);
    plain.write(message, HEADER_BYTES, bodyLength, 'utf8');
    this.appidBytes.copy(plain, appidStart);
    plain.fill(pad, size);
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    cipher.setAutoPadding(false);
    // Whole blocks and no padding: update() returns all of it. final() would only return an
    // empty Buffer (a C++ allocation that costs a fifth of the AES), so it is not called.
    const cipherText = cipher.update(plain);
    // The plaintext came from the shared allocation pool: leave nothing of the reply in it.
    plain.fill(0);
    return cipherText.toString('base64');
  }

  /** Encrypts and signs a passive reply (§3.6). */
  seal(
    message: string,
    options: { timestamp: string; nonce: string; random?: Buffer; keyIndex?: 0 | 1 },
  ): SealedReply {
    const encrypt = this.encrypt(message, options);
    const signature = this.signature(options.timestamp, options.nonce, encrypt);
    const xml = replyEnvelope(encrypt, signature, options.timestamp, options.nonce);
    return {
      encrypt,
      msgSignature: signature,
      timestamp: options.timestamp,
      nonce: options.nonce,
      xml,
    };
  }

  private decryptWith({ key, iv }: AesKey, cipherText: Buffer, keyIndex: 0 | 1): DecryptedMessage {
    const decipher = createDecipheriv('aes-256-cbc', key, iv);
    decipher.setAutoPadding(false);
    // Whole blocks (checked by the caller) and no padding: update() returns all of it, and
    // final() would only return an empty Buffer, so it is not called (as in encrypt()).
    const plain = decipher.update(cipherText);
    const size = pkcs7UnpaddedLength(plain);
    if (size < 0) {
      throw new WechatCryptoError('CRYPTO_BAD_PADDING', 'decrypted data has invalid padding');
    }
    if (size < HEADER_BYTES) {
      throw new WechatCryptoError('CRYPTO_BAD_LAYOUT', 'decrypted data is too short');
    }
    const end = HEADER_BYTES + plain.readUInt32BE(RANDOM_BYTES);
    if (end > size) {
      throw new WechatCryptoError('CRYPTO_BAD_LAYOUT', 'message length exceeds the decrypted data');
    }
    const appid = this.appidBytes;
    if (size - end !== appid.length || plain.compare(appid, 0, appid.length, end, size) !== 0) {
      // Lengths only: the bytes are decrypted data (with a flipped length field, CBC's
      // malleability turns them into the secret part of the message), so they never leave here.
      throw new WechatCryptoError('CRYPTO_APPID_MISMATCH', 'receive id does not match the appid', {
        expected: this.options.appid,
        receivedLength: plain.toString('utf8', end, size).length,
      });
    }
    return {
      message: strictUtf8(plain, HEADER_BYTES, end),
      // A view, not a copy: it keeps only this decrypted block alive.
      random: plain.subarray(0, RANDOM_BYTES),
      keyIndex,
    };
  }
}
