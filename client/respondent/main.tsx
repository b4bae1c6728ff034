import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/base.css';
import './respondent.css';
import { RespondentApp } from './RespondentApp';
import { prefetchLoad, tokenFromPath } from './respondent-api';

// The questionnaire request goes out now, while React builds the page (issue 21).
prefetchLoad(tokenFromPath());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RespondentApp />
  </StrictMode>,
);
