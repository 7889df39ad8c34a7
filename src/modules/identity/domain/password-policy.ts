/*
 * Password rules of OWASP ASVS 5.0 level 2 (proof.md): at least 8 characters, at least 64 allowed (we allow 128),
 * any characters, and refused when it is one of the passwords people most often choose — here the usual
 * international list plus the favourites of Chinese users (拼音, dates, 520/1314 love numbers).
 */

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

const COMMON = new Set(
  [
    '12345678',
    '123456789',
    '1234567890',
    '87654321',
    '11111111',
    '00000000',
    '88888888',
    '66666666',
    '12341234',
    '11223344',
    '12121212',
    '123123123',
    'password',
    'password1',
    'password123',
    'passw0rd',
    'qwertyui',
    'qwerty123',
    'qwertyuiop',
    '1qaz2wsx',
    'zaq12wsx',
    'abc12345',
    'abcd1234',
    'abcdefgh',
    'iloveyou',
    'sunshine',
    'princess',
    'football',
    'baseball',
    'welcome1',
    'admin123',
    'administrator',
    'letmein1',
    'trustno1',
    'superman',
    'whatever',
    'a1234567',
    'aa123456',
    'a12345678',
    'q1w2e3r4',
    'asdfghjk',
    'asdf1234',
    'zxcvbnm1',
    '1q2w3e4r',
    'changeme',
    '5201314520',
    '52013145',
    '520520520',
    '13145201',
    '1314520520',
    'woaini1314',
    'woaini520',
    'woaini123',
    'wodemima',
    'mima1234',
    'zhang123',
    'wang1234',
    'li123456',
    'liu123456',
    'chen1234',
    'aini1314',
    'qq123456',
    'qq5201314',
    'a5201314',
    'dearbook',
    'shifan123',
    'zhengfu123',
    '19491001',
    '20080808',
    '147258369',
    '159357258',
    '123qweasd',
    'qweasdzxc',
    '1qazxsw2',
    'p@ssw0rd',
    'p@ssword',
    'password!',
    'yiwang123',
    '12345qwert',
  ].map((p) => p.toLowerCase()),
);

/** Why a password is refused, as a catalogue key for the person's language. */
export type PasswordProblem = 'too-short' | 'too-long' | 'common' | 'contains-username';

/** The first problem with a new password, or undefined when it is acceptable. */
export function passwordProblem(password: string, username?: string): PasswordProblem | undefined {
  const length = [...password].length; // code points: a Chinese character counts once
  if (length < PASSWORD_MIN) return 'too-short';
  if (length > PASSWORD_MAX) return 'too-long';
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(password)) return 'common';
  if (username && username.length >= 3 && lower.includes(username.toLowerCase())) return 'contains-username';
  return undefined;
}
