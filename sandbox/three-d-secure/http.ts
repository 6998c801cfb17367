// The shared sandbox HTTP helpers (sandbox/shared/http.ts).
export { bodyBytesMax, mediaTypeOf, readBody, redirectSeeOther, sendHtml, sendJson } from '../shared/http.js';
