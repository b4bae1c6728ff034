import { describe, expect, it } from 'vitest';
import { schoolPseudonym, schoolPseudonymiser } from '../../server/exports/export';
import { seededRandom } from '../../server/demo/data/random';

// The export's pseudonyms come from schoolPseudonymiser (HMAC written out over crypto.hash, issue
// 21); schoolPseudonym (node's createHmac) is the reference the other exports use. A school must
// get the same code from both, for any secret and any location code.
describe('school pseudonyms', () => {
  it('are the same from the export’s pseudonymiser as from schoolPseudonym', () => {
    const rng = seededRandom(4);
    const secrets = ['bench-secret'.repeat(4), 'k', 'x'.repeat(64), 'y'.repeat(65), 'géheim-🔑'.repeat(9), ''];
    const codes = ['00AA00', '12345', '', 'é', '🏫', 'a'.repeat(85), 'b'.repeat(86), 'c'.repeat(300), 'ü'.repeat(90)];
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(rng() * 12);
      codes.push(Array.from({ length }, () => String.fromCharCode(rng() < 0.9 ? 48 + Math.floor(rng() * 43) : 0xa0 + Math.floor(rng() * 0x700))).join(''));
    }
    for (const secret of secrets) {
      const pseudonym = schoolPseudonymiser(secret);
      const wrong = codes.filter((code) => pseudonym(code) !== schoolPseudonym(secret, code));
      expect(wrong, secret).toEqual([]);
    }
  });

  it('are ten characters of letters and digits', () => {
    const pseudonym = schoolPseudonymiser('s'.repeat(48));
    for (let i = 0; i < 500; i++) expect(pseudonym(String(100000 + i))).toMatch(/^[A-Z0-9]{10}$/);
  });
});
