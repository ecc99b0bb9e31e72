import { describe, expect, it } from 'vitest';
import { isPublicAddress, webhookUrlProblem } from './webhook-url.js';

describe('webhook URLs', () => {
  it('accepts http(s) URLs with a path and a query', () => {
    expect(webhookUrlProblem('https://bots.acme.example/hook?x=1', false)).toBeNull();
    expect(webhookUrlProblem('http://93.184.216.34:8080/hook', false)).toBeNull();
  });

  it('refuses other schemes, credentials, fragments, relative and overlong URLs', () => {
    expect(webhookUrlProblem('ftp://acme.example/', false)).toMatch(/http or https/);
    expect(webhookUrlProblem('javascript:alert(1)', false)).toMatch(/http or https/);
    expect(webhookUrlProblem('https://user:pw@acme.example/', false)).toMatch(/credentials/);
    expect(webhookUrlProblem('https://user@acme.example/', false)).toMatch(/credentials/);
    expect(webhookUrlProblem('https://acme.example/#x', false)).toMatch(/fragment/);
    expect(webhookUrlProblem('/hook', false)).toMatch(/absolute/);
    expect(webhookUrlProblem(`https://acme.example/${'a'.repeat(2048)}`, false)).toMatch(/2048/);
  });

  it('refuses plainly private hosts unless private networks are allowed', () => {
    for (const url of [
      'http://127.0.0.1:3000/',
      'http://localhost/',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://192.168.0.10/',
    ]) {
      expect(webhookUrlProblem(url, false), url).toMatch(/public/);
      expect(webhookUrlProblem(url, true), url).toBeNull();
    }
  });

  it('tells public addresses from the rest', () => {
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('2606:4700:4700::1111')).toBe(true);
    expect(isPublicAddress('172.20.0.1')).toBe(false);
    expect(isPublicAddress('100.64.1.1')).toBe(false);
    expect(isPublicAddress('fd00::1')).toBe(false);
    expect(isPublicAddress('fe80::1')).toBe(false);
    expect(isPublicAddress('::ffff:10.0.0.1')).toBe(false);
    expect(isPublicAddress('not-an-ip')).toBe(false);
  });
});
