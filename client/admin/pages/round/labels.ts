import { NO_SITUATION_LABEL } from '../../../../contract/vocabulary';
import type { RoundSchool } from '../../../../contract/api/rounds';

/** Label of an SWV's situation, also when it has none (an SWV's own monitor). */
export const NO_SITUATION = NO_SITUATION_LABEL;
export function situationText(situations: Map<string, string>, situation: string | null): string {
  return situation ? (situations.get(situation) ?? situation) : NO_SITUATION;
}


export const STATE_LABELS: Record<RoundSchool['state'], string> = {
  invited: 'uitgenodigd',
  'to-invite': 'uit te nodigen',
  unreachable: 'onbereikbaar',
  excluded: 'uitgesloten',
};
