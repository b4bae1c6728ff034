/** What the admin app shows: waves with their counts, estimates, message logs, the outbox. */
export * from './waves';
export * from './planning';
export * from './previews';
export * from './invitation-mail';
export * from './outbox';
