/**
 * What HTML a questionnaire text may hold (issue 27): the one allowlist that the browser's
 * sanitiser (DOMPurify, client/shared/survey/sanitize.ts) and the server's (sanitize-html,
 * server/questionnaires/sanitize.ts) both apply, so the preview, the respondent page, the printable
 * version and the codebook show the same thing. No scripts, no event handlers, no styles, no
 * forms or frames, and images only from this site or inline (data:), which is also what the CSP
 * allows. Plain data: no imports.
 */
export const QUESTIONNAIRE_HTML_TAGS = [
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'code', 'details', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'li',
  'ol', 'p', 'pre', 'small', 'span', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
] as const;

export const QUESTIONNAIRE_HTML_ATTRIBUTES = ['href', 'title', 'target', 'rel', 'src', 'alt', 'width', 'height', 'class', 'colspan', 'rowspan', 'lang'] as const;

/** Link targets: web and mail links only (no javascript:, data: or other schemes). */
export const QUESTIONNAIRE_LINK_SCHEMES = ['http', 'https', 'mailto'] as const;
