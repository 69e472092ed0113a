/**
 * Text from the network (a peer's frame, its name, a parse error quoting its bytes) is escaped before it reaches
 * a log: control characters would otherwise reach the operator's terminal (an ESC sequence can clear the screen,
 * rewrite earlier lines or set the window title) and CI logs.
 */

/** C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides that reorder text. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One printable line: every unsafe character shown as an escape (`\x1b`, `\n`, `\u202e`). */
export function escapeForLog(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
