import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const k1 = { kid: 'k1', key: randomBytes(32) };
  const k2 = { kid: 'k2', key: randomBytes(32) };

  it('round-trips and never stores the plaintext', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('ticket@@@secret');
    expect(sealed).not.toContain('secret');
    expect(sealed.startsWith('v1:k1:')).toBe(true);
    expect(box.open(sealed)).toBe('ticket@@@secret');
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('reads rows sealed under a previous key after rotation', () => {
    const old = new SecretBox([k1]).seal('refreshtoken@@@a');
    expect(new SecretBox([k2, k1]).open(old)).toBe('refreshtoken@@@a');
  });

  it('refuses tampered text and unknown key ids with a stable code', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('abc');
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.open(tampered)).toThrow(
      expect.objectContaining({ code: 'SECRET_BOX_UNREADABLE' }),
    );
    expect(() => new SecretBox([k2]).open(sealed)).toThrow(
      expect.objectContaining({ code: 'SECRET_BOX_UNREADABLE' }),
    );
  });

  it('parses the key list format', () => {
    const spec = `a:${k1.key.toString('base64')},b:${k2.key.toString('base64')}`;
    expect(SecretBox.parseKeys(spec).map((k) => k.kid)).toEqual(['a', 'b']);
  });
});
