import { readFileSync } from 'node:fs';
import { summarizeProfile } from '/work/wt/speed/bench/lib';
const p = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const s = summarizeProfile(p, 30);
console.log(s.byPackage.slice(0, 10));
for (const l of s.lines) console.log(l.selfMs.toFixed(0), l.fn, l.where);
console.log('--- own inclusive');
for (const l of s.ownInclusive) console.log(l.selfMs.toFixed(0), l.fn, l.where);
