/**
 * Callback credentials the clinic pastes into WeCom's admin console (应用管理 → 接收消息 → 设置API接收).
 * WeCom's rules: Token is English letters or digits, at most 32; EncodingAESKey is 43 characters
 * that base64-decode (with a trailing "=") to the 32-byte AES key.
 */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Base64 characters whose two low bits are zero: the only valid last characters of a 43-char key. */
const LAST = [...BASE64].filter((_, i) => i % 4 === 0 && /[A-Za-z0-9]/.test(BASE64[i] ?? '')).join('');

type Random = (bytes: Uint8Array) => Uint8Array;
const secureRandom: Random = (bytes) => crypto.getRandomValues(bytes);

function pick(alphabet: string, byte: number): string {
  // 256 is not a multiple of 62, so bytes ≥ 248 would bias; they are redrawn by the caller.
  return alphabet[byte % alphabet.length] ?? 'A';
}

function randomChars(alphabet: string, count: number, random: Random): string {
  let out = '';
  const limit = 256 - (256 % alphabet.length);
  while (out.length < count) {
    for (const byte of random(new Uint8Array(count * 2))) {
      if (byte < limit && out.length < count) out += pick(alphabet, byte);
    }
  }
  return out;
}

/** A new EncodingAESKey: 43 letters and digits, decoding to exactly 32 bytes. */
export function generateEncodingAesKey(random: Random = secureRandom): string {
  return randomChars(ALNUM, 42, random) + randomChars(LAST, 1, random);
}

export function generateToken(random: Random = secureRandom): string {
  return randomChars(ALNUM, 32, random);
}

/** Why an EncodingAESKey is unusable, in Chinese; null when it is valid. */
export function encodingAesKeyProblem(key: string): string | null {
  if (key.length !== 43) return `EncodingAESKey 必须是 43 个字符（当前 ${key.length} 个）`;
  if (!/^[A-Za-z0-9+/]{43}$/.test(key)) return 'EncodingAESKey 只能包含英文字母和数字';
  // WeCom's own keys may carry stray bits in the last character; decoders ignore them.
  try {
    if (atob(`${key}=`).length !== 32) return 'EncodingAESKey 无效，请重新生成';
  } catch {
    return 'EncodingAESKey 无效，请重新生成';
  }
  return null;
}

export function tokenProblem(token: string): string | null {
  if (token.length === 0) return '请输入 Token';
  if (!/^[A-Za-z0-9]{1,32}$/.test(token)) return 'Token 只能包含英文字母和数字，最多 32 个字符';
  return null;
}
