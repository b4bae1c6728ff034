import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/base.css';
import './respondent.css';
import { RespondentApp } from './RespondentApp';
import { prefetchLoad, tokenFromPath } from './respondent-api';

// The questionnaire request: the HTML preloads it (server/client-assets.ts), and this fetch of the
// same URL takes the preloaded response over; without the preload it goes out now, while React
// builds the page (issue 21).
prefetchLoad(tokenFromPath());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RespondentApp />
  </StrictMode>,
);
