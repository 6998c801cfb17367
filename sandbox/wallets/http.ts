// The shared sandbox HTTP helpers (sandbox/shared/http.ts).
export { bodyBytesMax, mediaTypeOf, readBody, redirectSeeOther, sendHtml, sendText } from '../shared/http.js';
