import { describe, expect, it } from 'vitest';
import { encodingAesKeyProblem, generateEncodingAesKey, generateToken, tokenProblem } from './keys';

describe('generated callback keys', () => {
  it('makes EncodingAESKeys of 43 letters and digits that decode to a 32-byte AES key', () => {
    for (let i = 0; i < 200; i += 1) {
      const key = generateEncodingAesKey();
      expect(key).toMatch(/^[A-Za-z0-9]{43}$/);
      expect(atob(`${key}=`)).toHaveLength(32);
      expect(encodingAesKeyProblem(key)).toBeNull();
    }
  });

  it('never makes the same key twice in a row', () => {
    expect(generateEncodingAesKey()).not.toEqual(generateEncodingAesKey());
  });

  it('makes Tokens WeCom accepts', () => {
    const token = generateToken();
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(tokenProblem(token)).toBeNull();
  });
});

describe('EncodingAESKey checks', () => {
  it('accepts the WeCom sample key', () => {
    expect(encodingAesKeyProblem('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C')).toBeNull();
  });

  it('names the length when it is wrong', () => {
    expect(encodingAesKeyProblem('abc')).toBe('EncodingAESKey 必须是 43 个字符（当前 3 个）');
  });

  it('refuses characters outside base64', () => {
    expect(encodingAesKeyProblem(`${'a'.repeat(42)}-`)).toMatch(/只能包含英文字母和数字/);
  });

  it('accepts a last character with stray bits, as WeCom generates them', () => {
    expect(encodingAesKeyProblem(`${'A'.repeat(42)}B`)).toBeNull();
  });
});

describe('Token checks', () => {
  it('refuses punctuation and over-long tokens', () => {
    expect(tokenProblem('abc-def')).not.toBeNull();
    expect(tokenProblem('a'.repeat(33))).not.toBeNull();
    expect(tokenProblem('')).toBe('请输入 Token');
  });
});
