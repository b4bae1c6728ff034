import type { Kysely } from 'kysely';
import type { DB, MailingKind } from '../../db/types';
import { notFound } from '../../errors';
import type { Candidate } from '../targets';
import { renderTemplate, type TemplateContent } from '../templates';
import { mailContext, placeholderValues } from '../waves';
import { schoolsToInvite } from './planning';
import type { Preview } from '../../../contract/api/mailings';

/** A template as a school would get it. */

/**
 * A template rendered for a real school of the round. The links are shown as examples: the
 * admin app does not need a working personal link to judge a text.
 */
export async function previewTemplate(
  db: Kysely<DB>,
  roundId: number,
  template: TemplateContent,
  invitationId: number | undefined,
  publicUrl: string,
  mailFrom: string,
): Promise<Preview> {
  const ctx = await mailContext(db, roundId, mailFrom);
  let school: { id: number; school_name: string; swv_name: string } | undefined;
  let query = db
    .selectFrom('invitations as i')
    .innerJoin('schools as s', 's.id', 'i.school_id')
    .innerJoin('swvs as w', 'w.id', 'i.swv_id')
    .select(['i.id', 's.name as school_name', 'w.name as swv_name'])
    .where('i.round_id', '=', roundId)
    .orderBy('s.name')
    .orderBy('i.id');
  if (invitationId !== undefined) query = query.where('i.id', '=', invitationId);
  school = await query.executeTakeFirst();
  if (invitationId !== undefined && !school) throw notFound('Deze school hoort niet bij deze meting.');
  // Before opening there are no invitations: the first school (by name) opening will invite.
  let planned: Candidate | undefined;
  if (!school) planned = (await schoolsToInvite(db, roundId)).sort((a, b) => a.school_name.localeCompare(b.school_name, 'nl'))[0];
  const links = { link: `${publicUrl}/s/voorbeeld-persoonlijke-link`, afmelden: `${publicUrl}/api/optout/voorbeeld-afmeldlink` };
  const values = placeholderValues(school ?? planned ?? { school_name: 'Voorbeeldschool', swv_name: 'Voorbeeld-samenwerkingsverband' }, ctx, links);
  const mail = renderTemplate(template, values);
  return {
    ...mail,
    school: school ? { invitationId: school.id, name: school.school_name } : planned ? { invitationId: null, name: planned.school_name } : null,
  };
}

