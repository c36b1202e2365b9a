// Tokenizes every policy and test file in policies/ (and the files named
// on the command line) with the extension's TextMate grammar, as VS Code
// does (vscode-textmate with the Oniguruma regex engine), and fails when
// a token where a keyword, name, number, text, regex, date or comment
// stands is left without a scope of the grammar's own.  Spot checks then
// say that the token classes are the right ones.
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.resolve(__dirname, '..', '..', '..');
const grammarPath = path.join(__dirname, '..', 'syntaxes', 'credo.tmLanguage.json');
const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm')).buffer;

const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));
const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async (scopeName) =>
    scopeName === 'source.credo'
      ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
      : null,
});

// What must carry a scope: anything but white space and punctuation.
const meaningful = /[A-Za-z0-9_"#\/]/;

function tokenize(grammar, text) {
  const out = [];
  let state = vsctm.INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      out.push({ line: i + 1, col: t.startIndex + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = r.ruleStack;
  });
  return out;
}

function scopeOf(tokens, line, text) {
  const t = tokens.find((k) => k.line === line && k.text === text);
  return t ? t.scopes.join(' ') : '(no such token)';
}

async function main() {
  const grammar = await registry.loadGrammar('source.credo');
  const dir = path.join(root, 'policies');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.credo')).map((f) => path.join(dir, f))
    .concat(process.argv.slice(2));
  let failures = 0, tokens = 0;
  for (const file of files) {
    const toks = tokenize(grammar, fs.readFileSync(file, 'utf8'));
    tokens += toks.length;
    for (const t of toks) {
      if (t.scopes.length === 1 && meaningful.test(t.text)) {
        if (failures++ < 20) console.log(`${path.relative(root, file)}:${t.line}:${t.col}: unscoped ${JSON.stringify(t.text)}`);
      }
    }
  }
  // The classes, on lines whose text is known.
  const sample = [
    'policy demo "A title" # a comment',
    '  effective 2026-12-01',
    'const FORMAT = /^[0-9]{4}$/',
    'let dti = monthly_debt / monthly_income * 1_000.50',
    '  reject AGE "young" when age < 18 and not (code matches FORMAT)',
    '  income: money?',
    'limit = floor_to(min(cap, 3000000), 1000)',
  ].join('\n');
  const s = tokenize(grammar, sample);
  const want = [
    [1, 'policy', 'storage.type.credo'], [1, '"', 'string.quoted.double.credo'],
    [1, '#', 'comment.line.number-sign.credo'], [1, ' a comment', 'comment.line.number-sign.credo'], [2, '2026-12-01', 'constant.other.date.credo'],
    [3, '^[0-9]{4}$', 'string.regexp.credo'], [3, 'FORMAT', 'constant.other.credo'],
    [4, ' / ', null], [4, '1_000.50', 'constant.numeric.credo'], [4, 'dti', 'variable.other.credo'],
    [5, 'reject', 'keyword.control.outcome.credo'], [5, 'when', 'keyword.control.credo'],
    [5, 'matches', 'keyword.operator.word.credo'], [6, 'money', 'support.type.credo'],
    [7, 'floor_to', 'entity.name.function.credo'], [7, 'limit', 'variable.other.credo'],
  ];
  for (const [line, text, scope] of want) {
    const got = scopeOf(s, line, text);
    if (scope === null) continue;
    if (!got.split(' ').includes(scope)) {
      failures++;
      console.log(`sample line ${line}: ${JSON.stringify(text)} has scopes "${got}", expected ${scope}`);
    }
  }
  const slash = s.find((k) => k.line === 4 && k.text.trim() === '/');
  if (!slash || slash.scopes.some((x) => x.startsWith('string.regexp'))) {
    failures++;
    console.log('sample line 4: the division was taken for a regular expression');
  }
  if (failures) {
    console.log(`FAIL: ${failures} problems`);
    process.exit(1);
  }
  console.log(`TextMate grammar: ${files.length} policy files, ${tokens} tokens, none unscoped; ${want.length} token classes checked`);
}

main().catch((e) => { console.log(`FAIL: ${e.stack || e}`); process.exit(1); });
