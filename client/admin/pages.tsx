import { lazy, type ComponentType } from 'react';
import { AuditPage } from './pages/AuditPage';
import { ComparePage } from './pages/ComparePage';
import { ExportsPage, ReportTablesPage } from './pages/ExportsPage';
import { HomePage } from './pages/HomePage';
import { MessagesPage } from './pages/MessagesPage';
import { ImportsPage } from './pages/ImportsPage';
import { PreviewPage } from './pages/PreviewPage';
import { PrivacyPage } from './pages/PrivacyPage';
import { QuestionnaireEditorPage, QuestionnairesPage } from './pages/QuestionnairesPage';
import { RoundPage } from './pages/round/RoundPage';
import { PersonRoundPage } from './pages/PersonRoundPage';
import { SnowballPage } from './pages/SnowballPage';
import { RoundsPage } from './pages/RoundsPage';
import { SchoolsPage } from './pages/SchoolsPage';
import { UsersPage } from './pages/UsersPage';
import { MailLogPage } from './pages/mail/MailLogPage';
import { MailRoundPage } from './pages/mail/MailRoundPage';
import { MailRoundsPage } from './pages/mail/MailRoundsPage';
import { OutboxMessagePage, OutboxPage } from './pages/mail/OutboxPage';
import { TrackingRoundsPage } from './pages/TrackingRoundsPage';

/**
 * The admin app's pages. Each area adds its own entries; `nav` pages appear in the menu.
 * `role: 'admin'` hides the page from researchers (the server refuses them anyway).
 */
export interface PageDef {
  path: string;
  title: string;
  component: ComponentType<{ params: Record<string, string> }>;
  role: 'admin' | 'researcher';
  /** Menu group (1–3 in the bar, 'beheer' in the Beheer menu); pages without one are reached by links. */
  nav?: 1 | 2 | 3 | 'beheer';
  /** Other paths that belong to this menu entry (marked as the current section). */
  section?: string[];
}

// The printable questionnaire carries its own print style sheet: it loads when opened.
const QuestionnairePrintPage = lazy(() => import('./pages/QuestionnairePrintPage').then((m) => ({ default: m.QuestionnairePrintPage })));

// The dashboard pulls in chart.js (≈170 KB): it loads when a dashboard is opened, not with the app.
const TrackingDashboardPage = lazy(() => import('./pages/TrackingDashboardPage').then((m) => ({ default: m.TrackingDashboardPage })));

export const pages: PageDef[] = [
  { path: '/', title: 'Overzicht', component: HomePage, role: 'researcher' },
  // Address lists and rounds (server/schools, server/rounds).
  { path: '/rounds', title: 'Metingen', component: RoundsPage, role: 'researcher', nav: 1, section: ['/rounds/', '/voorbeeld'] },
  { path: '/rounds/:id', title: 'Meting', component: RoundPage, role: 'researcher' },
  // Person rounds: pupils, teachers, classes, consent (server/persons).
  { path: '/rounds/:id/personen', title: 'Personen', component: PersonRoundPage, role: 'researcher' },
  // Partners that a round's schools named, and the snowball round that invites them (server/snowball, issue 20).
  { path: '/rounds/:id/partners', title: 'Genoemde partners', component: SnowballPage, role: 'admin' },
  // Questionnaire versions: built-in files and versions researchers add (server/questionnaires, issue 27).
  { path: '/vragenlijsten', title: 'Vragenlijsten', component: QuestionnairesPage, role: 'researcher', nav: 1, section: ['/vragenlijsten/'] },
  { path: '/vragenlijsten/nieuw', title: 'Nieuwe versie van een vragenlijst', component: QuestionnaireEditorPage, role: 'researcher' },
  { path: '/vragenlijsten/:ref/afdrukken', title: 'Vragenlijst afdrukken', component: QuestionnairePrintPage, role: 'researcher' },
  { path: '/respons', title: 'Respons', component: TrackingRoundsPage, role: 'researcher', nav: 1, section: ['/respons/'] },
  { path: '/respons/:roundId', title: 'Respons per meting', component: TrackingDashboardPage, role: 'researcher' },
  { path: '/mail', title: 'E-mail', component: MailRoundsPage, role: 'admin', nav: 1, section: ['/mail/'] },
  { path: '/schools', title: 'Scholen', component: SchoolsPage, role: 'researcher', nav: 2 },
  { path: '/imports', title: 'Adresbestanden', component: ImportsPage, role: 'admin', nav: 2 },
  { path: '/exports', title: 'Exporteren', component: ExportsPage, role: 'researcher', nav: 3, section: ['/exports/'] },
  { path: '/exports/:roundId', title: 'Tabellen', component: ReportTablesPage, role: 'researcher' },
  { path: '/compare', title: 'Vergelijken', component: ComparePage, role: 'researcher', nav: 3 },
  // Questionnaire preview as a school sees it (server/responses, GET /api/preview/:id).
  { path: '/voorbeeld', title: 'Voorbeeld', component: PreviewPage, role: 'researcher' },
  { path: '/users', title: 'Gebruikers', component: UsersPage, role: 'admin', nav: 'beheer' },
  { path: '/privacy', title: 'Privacy', component: PrivacyPage, role: 'admin', nav: 'beheer' },
  { path: '/audit', title: 'Logboek', component: AuditPage, role: 'admin', nav: 'beheer' },
  // Mail that came back: replies, auto-replies, bounces (server/inbound).
  { path: '/berichten', title: 'Berichten', component: MessagesPage, role: 'admin', nav: 'beheer' },
  { path: '/mail/outbox', title: 'Outbox', component: OutboxPage, role: 'admin', nav: 'beheer' },
  { path: '/mail/outbox/:messageId', title: 'Bericht', component: OutboxMessagePage, role: 'admin' },
  { path: '/mail/rounds/:roundId', title: 'E-mail van een meting', component: MailRoundPage, role: 'admin' },
  { path: '/mail/invitations/:invitationId', title: 'Berichtenlog', component: MailLogPage, role: 'admin' },
];
