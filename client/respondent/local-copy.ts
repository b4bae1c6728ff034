import type { Answers } from '../shared/survey/model';

/**
 * A copy of unsaved answers in localStorage, so answers typed while the server is unreachable
 * survive a closed tab. The key is a hash of the token, never the token itself: the link stays
 * a secret even to whoever reads the browser's storage.
 */

export interface LocalCopy {
  data: Answers;
  currentPage: number;
  /** The server revision these answers were based on. */
  baseRevision: number;
  changedAt: string;
}

const PREFIX = 'meetronde:antwoorden:';

/** 64-bit FNV-1a, for browsers without SubtleCrypto (plain http outside localhost). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

export async function localKey(token: string): Promise<string> {
  const input = 'meetronde-local-copy:' + token;
  try {
    if (globalThis.crypto?.subtle) {
      const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input));
      const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      return PREFIX + hex.slice(0, 32);
    }
  } catch {
    // fall back below
  }
  return PREFIX + fnv1a64(input);
}

export class LocalStore {
  constructor(private readonly key: string) {}

  read(): LocalCopy | null {
    try {
      const raw = window.localStorage.getItem(this.key);
      if (!raw) return null;
      const value = JSON.parse(raw) as Partial<LocalCopy>;
      if (typeof value !== 'object' || value === null || typeof value.data !== 'object' || value.data === null) return null;
      if (typeof value.baseRevision !== 'number' || typeof value.currentPage !== 'number') return null;
      return { data: value.data, currentPage: value.currentPage, baseRevision: value.baseRevision, changedAt: String(value.changedAt ?? '') };
    } catch {
      return null;
    }
  }

  write(copy: LocalCopy): void {
    try {
      window.localStorage.setItem(this.key, JSON.stringify(copy));
    } catch {
      // Storage full or disabled (private mode): the server copy is all we have.
    }
  }

  clear(): void {
    try {
      window.localStorage.removeItem(this.key);
    } catch {
      // ignore
    }
  }
}
