import sanitizeHtml from 'sanitize-html';
import { QUESTIONNAIRE_HTML_ATTRIBUTES, QUESTIONNAIRE_HTML_TAGS, QUESTIONNAIRE_LINK_SCHEMES } from '../../contract/questionnaire-html';

/** An image source the CSP allows and that tracks nobody: this site (a path) or inline data. */
export function isLocalImageSource(src: string): boolean {
  const s = src.trim().toLowerCase();
  if (s.startsWith('data:image/') && !s.startsWith('data:image/svg')) return true;
  return s.startsWith('/') && !s.startsWith('//');
}

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...QUESTIONNAIRE_HTML_TAGS],
  allowedAttributes: { '*': [...QUESTIONNAIRE_HTML_ATTRIBUTES] },
  allowedSchemes: [...QUESTIONNAIRE_LINK_SCHEMES],
  allowedSchemesByTag: { img: ['data'] },
  allowProtocolRelative: false,
  // Script and style contents go with their element, not as text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'iframe', 'object'],
  exclusiveFilter: (frame) => frame.tag === 'img' && !isLocalImageSource(frame.attribs.src ?? ''),
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer' } }),
  },
};

/**
 * Questionnaire HTML made safe to show on the server's own pages (printable version, codebook):
 * the allowlist in contract/questionnaire-html.ts, as the browser applies it with DOMPurify.
 */
export function sanitizeQuestionnaireHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

/** The text of questionnaire HTML, for plain-text places (codebook labels, CSV). */
export function questionnaireHtmlToText(html: string): string {
  if (!html.includes('<') && !html.includes('&')) return html;
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {}, nonTextTags: OPTIONS.nonTextTags });
  return text.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim();
}
