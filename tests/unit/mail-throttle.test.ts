import { describe, expect, it } from 'vitest';
import { estimateFinish } from '../../server/mailings/throttle';
import { classifySmtpError, scrubAddresses } from '../../server/mailings/transport';
import { skipReason, parseTarget, type TargetFacts } from '../../server/mailings/targets';
import { retryDelay } from '../../server/mailings/outbox';

const MIN = 60_000;
const HOUR = 60 * MIN;
const start = new Date('2026-03-02T08:00:00Z');
const after = (d: Date) => d.getTime() - start.getTime();

describe('estimateFinish', () => {
  it('finishes at once without limits or without mail', () => {
    expect(estimateFinish(start, 1400, { perMinute: 0, perHour: 0, perDay: 0 })).toEqual(start);
    expect(estimateFinish(start, 0, { perMinute: 30, perHour: 0, perDay: 0 })).toEqual(start);
  });

  it('follows one limit: 1,400 at SURFmailfilter\'s 500 an hour takes two hours', () => {
    expect(after(estimateFinish(start, 1400, { perMinute: 0, perHour: 500, perDay: 0 }))).toBe(2 * HOUR);
    expect(after(estimateFinish(start, 500, { perMinute: 0, perHour: 500, perDay: 0 }))).toBe(0);
    expect(after(estimateFinish(start, 501, { perMinute: 0, perHour: 500, perDay: 0 }))).toBe(HOUR);
  });

  it('combines limits: Microsoft 365 at 30 a minute and 10,000 a day', () => {
    expect(after(estimateFinish(start, 1400, { perMinute: 30, perHour: 0, perDay: 10_000 }))).toBe(46 * MIN);
    expect(after(estimateFinish(start, 10_001, { perMinute: 30, perHour: 0, perDay: 10_000 }))).toBe(24 * HOUR);
  });

  it('combines a minute and an hour limit as the worker does', () => {
    expect(after(estimateFinish(start, 20, { perMinute: 5, perHour: 12, perDay: 0 }))).toBe(61 * MIN);
  });

  it('counts what was already sent in the windows', () => {
    const history = [{ at: new Date(start.getTime() - 30 * MIN), count: 500 }];
    expect(after(estimateFinish(start, 1, { perMinute: 0, perHour: 500, perDay: 0 }, history))).toBe(30 * MIN);
  });
});

describe('SMTP errors', () => {
  it('treats a 5xx for the recipient or the message as a bounce', () => {
    expect(classifySmtpError(Object.assign(new Error('no'), { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, permanent: true, response: '550 5.1.1 <a@b.nl> unknown' }))).toMatchObject({ ok: false, permanent: true });
    expect(classifySmtpError(Object.assign(new Error('no'), { code: 'EMESSAGE', command: 'DATA', responseCode: 554, permanent: true }))).toMatchObject({ permanent: true });
  });

  it('retries 4xx, 503, connection failures and refusals of our own sender or login', () => {
    expect(classifySmtpError(Object.assign(new Error('later'), { command: 'RCPT TO', responseCode: 451, permanent: false }))).toMatchObject({ permanent: false, connection: false });
    expect(classifySmtpError(Object.assign(new Error('seq'), { command: 'RCPT TO', responseCode: 503, permanent: false }))).toMatchObject({ permanent: false });
    expect(classifySmtpError(Object.assign(new Error('refused'), { code: 'ESOCKET' }))).toMatchObject({ permanent: false, connection: true });
    expect(classifySmtpError(Object.assign(new Error('auth'), { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, permanent: true }))).toMatchObject({ permanent: false });
    expect(classifySmtpError(Object.assign(new Error('from'), { command: 'MAIL FROM', responseCode: 553, permanent: true }))).toMatchObject({ permanent: false });
  });

  it('keeps addresses out of what it records', () => {
    const outcome = classifySmtpError(Object.assign(new Error('Message failed for recipient school@example.nl'), { command: 'DATA', responseCode: 550, permanent: true }));
    expect(outcome.ok ? '' : outcome.error).not.toContain('school@example.nl');
    expect(scrubAddresses('<a.b+c@d.nl>: no')).toBe('<[adres]>: no');
  });

  it('backs off exponentially up to the maximum', () => {
    const policy = { baseMs: MIN, maxMs: HOUR, maxAttempts: 10 };
    expect([1, 2, 3, 7, 8, 20].map((a) => retryDelay(a, policy))).toEqual([MIN, 2 * MIN, 4 * MIN, HOUR, HOUR, HOUR]);
  });
});

describe('targets', () => {
  const now = new Date('2026-03-20T08:00:00Z');
  const school: TargetFacts = {
    email: 'a@b.nl',
    status: 'invited',
    excluded_at: null,
    opted_out_at: null,
    bounced_at: null,
    invited_at: new Date('2026-03-02T08:00:00Z'),
    completed_at: null,
    refused_at: null,
    swv_id: 1,
    situation: 'po-vo',
    school_kind: 'po',
    round_status: 'open',
    closes_at: null,
  };
  it('excludes who completed, refused, opted out, bounced, was excluded or has no address, whatever the filter', () => {
    const all = parseTarget({ status: 'not-completed' }, 'reminder');
    expect(skipReason(school, all, now)).toBeNull();
    expect(skipReason({ ...school, status: 'completed' }, all, now)).toBe('completed');
    expect(skipReason({ ...school, refused_at: now }, all, now)).toBe('refused');
    expect(skipReason({ ...school, opted_out_at: now }, all, now)).toBe('opted-out');
    expect(skipReason({ ...school, bounced_at: now }, all, now)).toBe('bounced');
    expect(skipReason({ ...school, excluded_at: now }, all, now)).toBe('excluded');
    expect(skipReason({ ...school, email: ' ' }, all, now)).toBe('no-address');
    expect(skipReason({ ...school, round_status: 'closed' }, all, now)).toBe('round-not-open');
    expect(skipReason(school, all, new Date('2027-01-01'))).toBeNull();
    expect(skipReason({ ...school, closes_at: now }, all, now)).toBe('round-not-open');
  });

  it('applies the status filter, the SWV, situation and sector filters and the policy days', () => {
    expect(skipReason(school, { status: 'not-started' }, now)).toBeNull();
    expect(skipReason({ ...school, status: 'started' }, { status: 'not-started' }, now)).toBe('started');
    expect(skipReason(school, { status: 'started-not-completed' }, now)).toBe('not-started');
    expect(skipReason(school, { status: 'not-invited' }, now)).toBe('already-invited');
    expect(skipReason(school, { status: 'not-completed', swvIds: [2] }, now)).toBe('other-swv');
    expect(skipReason(school, { status: 'not-completed', situations: ['vo-vo'] }, now)).toBe('other-situation');
    expect(skipReason(school, { status: 'not-completed', sectors: ['vo'] }, now)).toBe('other-sector');
    expect(skipReason(school, { status: 'not-completed', afterDays: 18 }, now)).toBeNull();
    expect(skipReason(school, { status: 'not-completed', afterDays: 19 }, now)).toBe('too-early');
    expect(skipReason({ ...school, invited_at: null }, { status: 'not-completed', afterDays: 1 }, now)).toBe('not-invited-yet');
  });

  it('filters on province and denominatie as DUO spells them, trimmed, together with SWV and sector', () => {
    const utrecht = { ...school, school_province: ' Utrecht ', school_denomination: 'Openbaar' };
    expect(skipReason(utrecht, { status: 'not-completed', provinces: ['Utrecht'] }, now)).toBeNull();
    expect(skipReason(utrecht, { status: 'not-completed', provinces: ['Gelderland'] }, now)).toBe('other-province');
    expect(skipReason({ ...utrecht, school_province: null }, { status: 'not-completed', provinces: ['Utrecht'] }, now)).toBe('other-province');
    expect(skipReason(utrecht, { status: 'not-completed', denominations: ['Openbaar', 'Algemeen bijzonder'] }, now)).toBeNull();
    expect(skipReason(utrecht, { status: 'not-completed', denominations: ['Rooms-Katholiek'] }, now)).toBe('other-denomination');
    expect(skipReason(utrecht, { status: 'not-completed', swvIds: [1], sectors: ['po'], provinces: ['Utrecht'] }, now)).toBeNull();
    expect(skipReason(utrecht, { status: 'not-completed', swvIds: [1], sectors: ['vo'], provinces: ['Utrecht'] }, now)).toBe('other-sector');
    expect(parseTarget({ status: 'not-completed', provinces: [' Utrecht ', 'Utrecht', '', 7, 'x'.repeat(101)], denominations: 'Openbaar' }, 'reminder')).toEqual({
      status: 'not-completed',
      provinces: ['Utrecht'],
    });
  });

  it('reads stored targets defensively', () => {
    expect(parseTarget(null, 'invitation')).toEqual({ status: 'not-invited' });
    expect(parseTarget({ status: 'x', swvIds: [1, 'a'], situations: ['po-vo', 'zz'], afterDays: -3 }, 'reminder')).toEqual({ status: 'not-completed', swvIds: [1], situations: ['po-vo'] });
  });
});
