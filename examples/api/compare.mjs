// Compare two runs from a script: `node examples/api/compare.mjs before.json after.json comparison.html`.
import { readResults, compare, formatComparison, renderReport } from 'rookery';

const [beforeFile = 'before.json', afterFile = 'after.json', htmlFile = 'comparison.html'] = process.argv.slice(2);
const [before, after] = await Promise.all([readResults(beforeFile), readResults(afterFile)]);
const comparison = compare(before, after, { names: ['before', 'after'] });
console.log(formatComparison(comparison, { markdown: true })); // what `rookery compare --markdown` prints
renderReport([before, after], { out: htmlFile, names: ['before', 'after'] }); // the page `rookery compare --html` writes
