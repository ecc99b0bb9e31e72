import { describe, expect, it } from 'vitest';
import vectors from '../../../test/fixtures/test-vectors.json' with { type: 'json' };
import { runCli } from './cli.js';

async function cli(args: string[], stdin = '') {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    stdin: () => stdin,
  });
  return { code, out, err };
}

const e = vectors.crypto[0];
const req = e.request!;
const envelope = `<xml><ToUserName><![CDATA[${req.toUserName}]]></ToUserName><Encrypt><![CDATA[${req.encrypt}]]></Encrypt></xml>`;
const baseArgs = ['--token', e.token, '--aes-key', e.encodingAesKey, '--appid', e.receiveAppid];

describe('cli decrypt', () => {
  it('decrypts official vector E byte for byte', async () => {
    const r = await cli(
      [
        'decrypt',
        ...baseArgs,
        '--timestamp',
        req.timestamp,
        '--nonce',
        req.nonce,
        '--msg-signature',
        req.msg_signature,
        '--signature',
        req.signature,
      ],
      envelope,
    );
    expect(r).toEqual({ code: 0, out: req.decrypted.msg, err: '' });
  });

  it('names the cause on one line and exits non-zero on a bad signature', async () => {
    const r = await cli(
      [
        'decrypt',
        ...baseArgs,
        '--timestamp',
        req.timestamp,
        '--nonce',
        '1',
        '--msg-signature',
        req.msg_signature,
      ],
      envelope,
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('error: CRYPTO_BAD_SIGNATURE: msg_signature does not match\n');
  });

  it('rejects a body that is not the envelope', async () => {
    const r = await cli(
      ['decrypt', ...baseArgs, '--timestamp', '1', '--nonce', '1', '--msg-signature', 'x'],
      '<xml><Nope/></xml>',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: XML_MISSING_FIELD: .*Encrypt/);
  });

  it('reports a missing option', async () => {
    const r = await cli(['decrypt', ...baseArgs], envelope);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('--timestamp');
  });
});

describe('cli encrypt', () => {
  it('prints a reply envelope that decrypt reads back', async () => {
    const enc = await cli(
      ['encrypt', ...baseArgs, '--timestamp', '1713424427', '--nonce', '415670741'],
      '<xml>hi</xml>',
    );
    expect(enc.code).toBe(0);
    const sig = /<MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]>/.exec(enc.out)![1];
    const dec = await cli(
      [
        'decrypt',
        ...baseArgs,
        '--timestamp',
        '1713424427',
        '--nonce',
        '415670741',
        '--msg-signature',
        sig,
      ],
      enc.out,
    );
    expect(dec).toEqual({ code: 0, out: '<xml>hi</xml>', err: '' });
  });
});

describe('cli jssdk-sign', () => {
  const v = vectors.jssdk[0];
  const args = [
    'jssdk-sign',
    '--ticket',
    v.jsapi_ticket,
    '--noncestr',
    v.noncestr,
    '--timestamp',
    String(v.timestamp),
  ];

  it('prints string1 and the official signature', async () => {
    const r = await cli([...args, '--url', v.url]);
    expect(r).toEqual({
      code: 0,
      out: `string1=${v.string1}\nsignature=${v.signature}\n`,
      err: '',
    });
  });

  it('drops a #fragment and says so on standard error', async () => {
    const r = await cli([...args, '--url', `${v.url}#section`]);
    expect(r.out).toBe(`string1=${v.string1}\nsignature=${v.signature}\n`);
    expect(r.err).toContain('dropped the #fragment');
  });
});

describe('cli auditor-role-sql', () => {
  it('prints a NOLOGIN role with SELECT on the audit schema only', async () => {
    const r = await cli(['auditor-role-sql']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('CREATE ROLE wop_auditor NOLOGIN;');
    expect(r.out).toContain('GRANT USAGE ON SCHEMA audit TO wop_auditor;');
    expect(r.out).toContain('GRANT SELECT ON ALL TABLES IN SCHEMA audit TO wop_auditor;');
    expect(r.out).toContain('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM wop_auditor;');
    expect(r.out).not.toMatch(/\bLOGIN PASSWORD\b/);
    // Every GRANT is on the audit schema, or CONNECT on the database.
    const grants = r.out.split('\n').filter((l) => /^\s*(EXECUTE format\(')?GRANT\b/.test(l));
    expect(grants.every((l) => /audit|CONNECT ON DATABASE/.test(l))).toBe(true);
  });

  it('takes a role name, and a login role whose password psql fills in', async () => {
    const r = await cli(['auditor-role-sql', '--role', 'dba_reader', '--login']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('CREATE ROLE dba_reader NOLOGIN;');
    expect(r.out).toContain(`ALTER ROLE dba_reader LOGIN PASSWORD :'auditor_password';`);
    expect(r.out).not.toContain('wop_auditor');
  });

  it('refuses a role name that would need quoting', async () => {
    const r = await cli(['auditor-role-sql', '--role', 'x; DROP TABLE tenant']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error: role name/);
  });
});
