import { hash, verify } from '@node-rs/argon2';

export const MIN_PASSWORD_LENGTH = 12;

/** argon2id with the library's defaults (19 MiB, 2 passes), the OWASP baseline. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Checked when the username is unknown, so that a wrong name takes as long as a wrong password.
const DUMMY = hash('tingmin-no-such-user-placeholder');

export async function checkPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    await verify(await DUMMY, password);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
