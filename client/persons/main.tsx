import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/base.css';
import './persons.css';
import { CoordinatorPage } from './CoordinatorPage';
import { ParentPage } from './ParentPage';
import { ParentSurveyPage } from './ParentSurveyPage';
import { ProfessionalPage } from './ProfessionalPage';
import { PupilPage } from './PupilPage';
import { TeacherPage } from './TeacherPage';

/** One entry for the pages of a person round: /c/<token>, /o/<token>, /l/<token>, /t/<token>, /ov/<token> (parents' questionnaire), /pr/<token> (professionals). */
function App() {
  const [, kind, token] = /^\/(ov|pr|[colt])\/([^/]+)$/.exec(window.location.pathname) ?? [];
  if (!token) return <main className="pp-main"><p>Deze link is niet compleet.</p></main>;
  if (kind === 'c') return <CoordinatorPage token={token} />;
  if (kind === 'o') return <ParentPage token={token} />;
  if (kind === 't') return <TeacherPage token={token} />;
  if (kind === 'ov') return <ParentSurveyPage token={token} />;
  if (kind === 'pr') return <ProfessionalPage token={token} />;
  return <PupilPage token={token} />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
