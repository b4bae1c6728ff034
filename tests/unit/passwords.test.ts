import { describe, expect, it } from 'vitest';
import { passwordProblem, WEAK_PASSWORD_MESSAGES } from '../../server/auth/password';

describe('new passwords', () => {
  it('refuses passwords from the common-password list, in any case and with a few digits or symbols added', async () => {
    for (const password of ['qwertyuiop', 'Wachtwoord', 'WACHTWOORD', 'wachtwoord2026', 'Wachtwoord123!', 'welkom01234', 'iloveyou12', 'passw0rd12']) {
      expect(await passwordProblem(password), password).toBe(WEAK_PASSWORD_MESSAGES.common);
    }
  });

  it('refuses repeated and repetitive passwords', async () => {
    for (const password of ['aaaaaaaaaa', 'AAAAAAAAAAAAAAAAAAAA', '1111111111', 'abababababab', 'abcabcabcabc', 'xyzxyzxyz!!', '..........']) {
      expect(await passwordProblem(password), password).toBe(WEAK_PASSWORD_MESSAGES.repetitive);
    }
  });

  it('refuses short passwords with the length message', async () => {
    expect(await passwordProblem('kort')).toBe('Kies een wachtwoord van minstens 10 tekens.');
  });

  it('accepts long, uncommon passwords such as a few words', async () => {
    for (const password of ['een-lang-genoeg-wachtwoord', 'fiets regen koffie lamp', 'crème-brûlée-2026', 'Zeer-geheim-beheer-2026', 'mijn-eigen-wachtwoord']) {
      expect(await passwordProblem(password), password).toBeNull();
    }
  });
});
