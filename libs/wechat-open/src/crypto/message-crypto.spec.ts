import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import vectors from '../../../../test/fixtures/test-vectors.json' with { type: 'json' };
import { WechatCryptoError } from '../errors/crypto.errors.js';
import { buildWechatXml, parseWechatXml, requireField } from '../xml/wechat-xml.js';
import { decodeEncodingAesKey, WechatMessageCrypto } from './message-crypto.js';
import { msgSignature, plainSignature, sortedSha1 } from './signature.js';

const byId = (id: string) => {
  const v = vectors.crypto.find((c) => c.id === id);
  if (!v?.encrypt) throw new Error(`vector ${id} missing`);
  return { ...v, encrypt: v.encrypt };
};

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WechatCryptoError);
    expect((error as WechatCryptoError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('official vector E (component debug_demo)', () => {
  const v = vectors.crypto[0];
  const crypto = new WechatMessageCrypto({
    token: v.token,
    encodingAesKey: v.encodingAesKey,
    appid: v.receiveAppid,
  });
  const req = v.request!;

  it('derives the all-zero AES key', () => {
    expect(decodeEncodingAesKey(v.encodingAesKey).toString('hex')).toBe(v.aesKeyHex_derived);
  });

  it('reproduces msg_signature and the plain signature', () => {
    expect(msgSignature(v.token, req.timestamp, req.nonce, req.encrypt)).toBe(req.msg_signature);
    expect(plainSignature(v.token, req.timestamp, req.nonce)).toBe(req.signature);
  });

  it('verifies and decrypts the request byte for byte, pad byte 22 included', () => {
    const out = crypto.open(
      {
        timestamp: req.timestamp,
        nonce: req.nonce,
        msgSignature: req.msg_signature,
        signature: req.signature,
      },
      req.encrypt,
    );
    expect(out.message).toBe(req.decrypted.msg);
    expect(Buffer.byteLength(out.message)).toBe(req.decrypted.msgLen);
    expect(out.random.toString('utf8')).toBe(req.decrypted.random16);
    expect(Buffer.from(req.encrypt, 'base64').length).toBe(req.decrypted.cipherBytes);
    expect(out.keyIndex).toBe(0);
  });

  it('encrypts the reply to the published bytes and signature', () => {
    const sealed = crypto.seal(v.reply!.plaintext, {
      timestamp: v.reply!.timestamp,
      nonce: v.reply!.nonce,
      random: Buffer.from(v.reply!.random16, 'utf8'),
    });
    expect(sealed.encrypt).toBe(v.reply!.encrypt);
    expect(sealed.msgSignature).toBe(v.reply!.msgSignature);
    const envelope = parseWechatXml(sealed.xml);
    expect(requireField(envelope, 'Encrypt')).toBe(v.reply!.encrypt);
    expect(requireField(envelope, 'MsgSignature')).toBe(v.reply!.msgSignature);
    expect(requireField(envelope, 'TimeStamp')).toBe(v.reply!.timestamp);
    expect(requireField(envelope, 'Nonce')).toBe(v.reply!.nonce);
  });
});

describe.each(['A1_fixed_random_encrypt', 'A2_fixed_random_encrypt_long'])(
  'fixed-random vector %s',
  (id) => {
    const v = byId(id);
    const crypto = new WechatMessageCrypto({
      token: v.token,
      encodingAesKey: v.encodingAesKey,
      appid: v.receiveAppid,
    });

    it('encrypts to the exact published ciphertext', () => {
      expect(crypto.encrypt(v.plaintext!, { random: Buffer.from(v.random16!, 'utf8') })).toBe(
        v.encrypt,
      );
    });

    it('decrypts back to the plaintext', () => {
      const out = crypto.decrypt(v.encrypt);
      expect(out.message).toBe(v.plaintext);
      expect(out.random.toString('utf8')).toBe(v.random16);
    });
  },
);

describe('A1 derived msg_signature', () => {
  const v = byId('A1_fixed_random_encrypt');
  it('matches for timestamp 1409304348 and nonce xxxxxx', () => {
    expect(msgSignature(v.token, '1409304348', 'xxxxxx', v.encrypt)).toBe(
      v.msgSignature_derived_for_timestamp_1409304348_nonce_xxxxxx,
    );
  });
});

describe('easywechat decrypt vector EW', () => {
  const v = byId('EW_easywechat_decrypt');
  const crypto = new WechatMessageCrypto({
    token: v.token,
    encodingAesKey: v.encodingAesKey,
    appid: v.receiveAppid,
  });
  it('verifies and decrypts', () => {
    const out = crypto.open(
      { timestamp: v.timestamp!, nonce: v.nonce!, msgSignature: v.msgSignature! },
      v.encrypt,
    );
    expect(out.message).toBe(v.decrypted_msg);
    expect(out.random.toString('utf8')).toBe(v.decrypted_random16_derived);
  });
});

describe('signature-only vectors', () => {
  it.each(vectors.signatureOnly)('$id', (v) => {
    expect(sortedSha1(v.parts)).toBe(v.sha1_of_sorted_concat);
  });
});

describe('failures carry stable codes', () => {
  const v = byId('A1_fixed_random_encrypt');
  const opts = { token: v.token, encodingAesKey: v.encodingAesKey, appid: v.receiveAppid };
  const crypto = new WechatMessageCrypto(opts);
  const q = { timestamp: '1409304348', nonce: 'xxxxxx' };
  const good = v.msgSignature_derived_for_timestamp_1409304348_nonce_xxxxxx!;

  it('CRYPTO_BAD_SIGNATURE for a wrong msg_signature or a tampered body', () => {
    expectCode(
      () => crypto.open({ ...q, msgSignature: '0'.repeat(40) }, v.encrypt),
      'CRYPTO_BAD_SIGNATURE',
    );
    const tampered = `${v.encrypt.slice(0, 10)}A${v.encrypt.slice(11)}`;
    expectCode(() => crypto.open({ ...q, msgSignature: good }, tampered), 'CRYPTO_BAD_SIGNATURE');
  });

  it('CRYPTO_BAD_SIGNATURE for a wrong plain signature', () => {
    expectCode(
      () => crypto.open({ ...q, msgSignature: good, signature: 'f'.repeat(40) }, v.encrypt),
      'CRYPTO_BAD_SIGNATURE',
    );
  });

  it('CRYPTO_BAD_BASE64 for text that is not base64', () => {
    expectCode(() => crypto.decrypt('not base64!'), 'CRYPTO_BAD_BASE64');
    expectCode(() => crypto.decrypt(''), 'CRYPTO_BAD_BASE64');
  });

  it('CRYPTO_BAD_PADDING when another key decrypts to garbage', () => {
    const other = new WechatMessageCrypto({ ...opts, encodingAesKey: 'B'.repeat(43) });
    expectCode(() => other.decrypt(v.encrypt), 'CRYPTO_BAD_PADDING');
  });

  it('CRYPTO_APPID_MISMATCH when the receive id is another appid', () => {
    const other = new WechatMessageCrypto({ ...opts, appid: 'wx0000000000000000' });
    expectCode(() => other.decrypt(v.encrypt), 'CRYPTO_APPID_MISMATCH');
  });

  it('CRYPTO_BAD_KEY for a key of the wrong length or alphabet', () => {
    expectCode(() => decodeEncodingAesKey('abc'), 'CRYPTO_BAD_KEY');
    expectCode(() => decodeEncodingAesKey(`${'a'.repeat(42)}!`), 'CRYPTO_BAD_KEY');
    expectCode(
      () => new WechatMessageCrypto({ ...opts, encodingAesKey: 'a'.repeat(44) }),
      'CRYPTO_BAD_KEY',
    );
  });

  it('CRYPTO_BAD_LAYOUT for a ciphertext that is not whole AES blocks', () => {
    expectCode(() => crypto.decrypt(Buffer.alloc(20).toString('base64')), 'CRYPTO_BAD_LAYOUT');
  });
});

describe('key rotation', () => {
  const oldKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const newKey = 'Z'.repeat(43);
  const base = { token: 't', appid: 'wxcomponent00000001' };

  it('decrypts with the previous key and reports it, so the reply uses the same key', () => {
    const sender = new WechatMessageCrypto({ ...base, encodingAesKey: oldKey });
    const receiver = new WechatMessageCrypto({
      ...base,
      encodingAesKey: newKey,
      previousEncodingAesKey: oldKey,
    });
    const out = receiver.decrypt(sender.encrypt('<xml>hi</xml>'));
    expect(out).toMatchObject({ message: '<xml>hi</xml>', keyIndex: 1 });
    const reply = receiver.encrypt('<xml>back</xml>', { keyIndex: out.keyIndex });
    expect(sender.decrypt(reply).message).toBe('<xml>back</xml>');
  });

  it('round-trips with the current key, block-aligned message included', () => {
    const c = new WechatMessageCrypto({ ...base, encodingAesKey: newKey });
    // 16 + 4 + 25 + 19 = 64 bytes: block aligned, so a full block of 32 x 0x20 is appended.
    const msg = 'x'.repeat(25);
    expect(c.decrypt(c.encrypt(msg)).message).toBe(msg);
    expect(Buffer.from(c.encrypt(msg), 'base64').length).toBe(96);
  });
});

describe('errors about decrypted data', () => {
  const crypto = new WechatMessageCrypto({
    token: 'tok',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    appid: 'wx0123456789abcdef',
  });
  const ticket = 'ticket@@@SECRETsecretSECRETsecretQWERTYzxcv';
  const message = `<xml><ComponentVerifyTicket>${ticket}</ComponentVerifyTicket></xml>`;

  /**
   * CBC is malleable: flipping bits of the first ciphertext block flips the same bits of the
   * second plaintext block, which holds the length field. No key needed, only a captured push.
   */
  const withLength = (length: number): string => {
    const c = Buffer.from(crypto.encrypt(message), 'base64');
    const real = Buffer.byteLength(message);
    const delta = Buffer.alloc(4);
    delta.writeUInt32BE((real ^ length) >>> 0, 0);
    for (let i = 0; i < 4; i++) c[i] ^= delta[i];
    return c.toString('base64');
  };

  it('carry lengths and codes, never bytes of the plaintext (length-field flip)', () => {
    for (const length of [0, 5, 20]) {
      try {
        crypto.decrypt(withLength(length));
        throw new Error('decrypted a tampered message');
      } catch (error) {
        expect(error).toBeInstanceOf(WechatCryptoError);
        const text = JSON.stringify({
          m: (error as Error).message,
          meta: (error as WechatCryptoError).meta,
        });
        for (let i = 0; i + 8 <= ticket.length; i++) {
          expect(text).not.toContain(ticket.slice(i, i + 8));
        }
        expect(text).not.toContain('ComponentVerifyTicket');
      }
    }
  });
});

describe('checks kept on the fast path', () => {
  const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const appid = 'wx0123456789abcdef';
  const crypto = new WechatMessageCrypto({ token: 'tok', encodingAesKey, appid });
  const key = decodeEncodingAesKey(encodingAesKey);

  /** Encrypts raw plaintext bytes (any layout, any padding) under the test key. */
  const encryptRaw = (plain: Buffer): string => {
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
  };
  const layout = (message: Buffer, receiveId = appid, padByte?: number): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(message.length, 0);
    const body = Buffer.concat([Buffer.alloc(16, 7), length, message, Buffer.from(receiveId)]);
    const n = 32 - (body.length % 32);
    return Buffer.concat([body, Buffer.alloc(n, padByte ?? n)]);
  };

  it('refuses a message that is not valid UTF-8', () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const encrypt = encryptRaw(layout(Buffer.from([0x3c, ...bad, 0x3e])));
      expectCode(() => crypto.decrypt(encrypt), 'CRYPTO_BAD_LAYOUT');
    }
  });

  it('keeps the message exactly, and drops a leading byte order mark as before', () => {
    const text = '<xml>\n中文 \u0000 é</xml>\n';
    expect(crypto.decrypt(encryptRaw(layout(Buffer.from(text)))).message).toBe(text);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    expect(crypto.decrypt(encryptRaw(layout(withBom))).message).toBe(text);
    expect(crypto.decrypt(encryptRaw(layout(Buffer.alloc(0)))).message).toBe('');
  });

  it('refuses padding whose bytes are not all equal, or out of 1..32', () => {
    const plain = layout(Buffer.from('<xml>hi</xml>'));
    const n = plain[plain.length - 1];
    plain[plain.length - n] ^= 1;
    expectCode(() => crypto.decrypt(encryptRaw(plain)), 'CRYPTO_BAD_PADDING');
    const zero = layout(Buffer.from('<xml>hi</xml>'), appid, 0);
    expectCode(() => crypto.decrypt(encryptRaw(zero)), 'CRYPTO_BAD_PADDING');
  });

  it('refuses a receive id that differs, is longer or is a prefix', () => {
    for (const id of ['wx0123456789abcdeF', `${appid}x`, appid.slice(0, -1), '']) {
      const encrypt = encryptRaw(layout(Buffer.from('<xml/>'), id));
      expectCode(() => crypto.decrypt(encrypt), 'CRYPTO_APPID_MISMATCH');
    }
  });

  it('refuses Encrypt with stray low bits, URL-safe characters or a line break', () => {
    // 16 + 4 + 13 + 18 = 51 bytes, padded to 64: the text ends in '==', four unused bits before.
    const good = crypto.encrypt('<xml>hi</xml>');
    expect(good.endsWith('==')).toBe(true);
    expect(crypto.decrypt(good).message).toBe('<xml>hi</xml>');
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = good[good.length - 3];
    const loose = `${good.slice(0, -3)}${chars[chars.indexOf(last) ^ 1]}==`;
    expect(Buffer.from(loose, 'base64')).toEqual(Buffer.from(good, 'base64'));
    expectCode(() => crypto.decrypt(loose), 'CRYPTO_BAD_BASE64');
    // The ciphertext is random and may hold no '+' or '/' at all: put the URL-safe characters in.
    for (const urlSafe of ['-', '_']) {
      expectCode(() => crypto.decrypt(`${urlSafe}${good.slice(1)}`), 'CRYPTO_BAD_BASE64');
    }
    expectCode(
      () => crypto.decrypt(`${good.slice(0, 64)}\n${good.slice(64)}`),
      'CRYPTO_BAD_BASE64',
    );
  });

  it('accepts an uppercase msg_signature and refuses a malformed one', () => {
    const encrypt = crypto.encrypt('<xml>hi</xml>');
    const q = { timestamp: '1700000000', nonce: 'n0nce' };
    const signature = crypto.signature(q.timestamp, q.nonce, encrypt);
    expect(crypto.open({ ...q, msgSignature: signature.toUpperCase() }, encrypt).message).toBe(
      '<xml>hi</xml>',
    );
    for (const bad of [`${signature.slice(0, 39)}g`, `${signature} `, signature.slice(1)]) {
      expectCode(() => crypto.open({ ...q, msgSignature: bad }, encrypt), 'CRYPTO_BAD_SIGNATURE');
    }
  });

  it('uses a fresh random prefix for every message', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) {
      seen.add(crypto.decrypt(crypto.encrypt('<xml/>')).random.toString('hex'));
    }
    expect(seen.size).toBe(600);
  });

  it('writes the reply envelope exactly as buildWechatXml does', () => {
    const timestamps = [
      '1713424427',
      '0',
      '7',
      '0012',
      '-1',
      '1e3',
      ' 12',
      '',
      'abc',
      '9'.repeat(16),
    ];
    const nonces = ['415670741', '', 'a&b<c>"\'', 'x]]>y', ']]>', '中文', 'n\nonce'];
    for (const timestamp of timestamps) {
      for (const nonce of nonces) {
        const sealed = crypto.seal('<xml>hi</xml>', { timestamp, nonce });
        expect(sealed.xml).toBe(
          buildWechatXml({
            Encrypt: sealed.encrypt,
            MsgSignature: sealed.msgSignature,
            TimeStamp: Number(timestamp),
            Nonce: nonce,
          }),
        );
      }
    }
  });
});
