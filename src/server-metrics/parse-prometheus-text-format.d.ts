/** The package ships no types; this is the part Rookery uses (see parse.ts for how its output is read). */
declare module 'parse-prometheus-text-format' {
  function parsePrometheusTextFormat(text: string): unknown[];
  export default parsePrometheusTextFormat;
}
