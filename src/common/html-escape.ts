/**
 * Text for HTML text and attribute values, for every HTML page imh writes (conform and load
 * reports). Messages and traces come from a foreign server: everything on a page goes through here.
 * C0 controls other than tab and newlines become U+FFFD.
 */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no text in it can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}
