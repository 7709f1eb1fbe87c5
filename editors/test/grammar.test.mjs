// Tokenizes every shipped topology and every input of the diagnostics
// corpus with editors/vscode/syntaxes/ztopo.tmLanguage.json, using the
// engine VS Code itself uses (vscode-textmate on vscode-oniguruma), and
// compares the scopes of each token with golden files. A token of any
// file that has no scope but the file's own (source.ztopo) fails the
// test: every character that is not blank belongs to something.
//
// UPDATE_GOLDEN=1 node --test rewrites the golden files; review the diff.
// A new .ztopo under topologies/ or a new case in golden/diagnostics needs
// its golden file made that way (go test ./editors -update does the same).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const grammarPath = path.join(repo, 'editors', 'vscode', 'syntaxes', 'ztopo.tmLanguage.json');
const goldenDir = path.join(here, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.ztopo') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
    },
  });
  return registry.loadGrammar('source.ztopo');
}

// txtarFiles returns the files of a txtar archive as [name, text] pairs.
function txtarFiles(text) {
  const out = [];
  let cur = null;
  for (const line of text.split('\n')) {
    const m = /^-- (.+) --$/.exec(line);
    if (m) {
      cur = [m[1], []];
      out.push(cur);
    } else if (cur) {
      cur[1].push(line);
    }
  }
  return out.map(([name, lines]) => [name, lines.join('\n')]);
}

// inputs lists [golden name, source] for every shipped topology and every
// corpus case.
function inputs() {
  const out = [];
  const topo = path.join(repo, 'topologies');
  for (const dir of fs.readdirSync(topo).sort()) {
    const d = path.join(topo, dir);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d).sort()) {
      if (f.endsWith('.ztopo')) out.push([`topologies/${dir}/${f}`, fs.readFileSync(path.join(d, f), 'utf8')]);
    }
  }
  const corpus = path.join(repo, 'golden', 'diagnostics');
  for (const f of fs.readdirSync(corpus).sort()) {
    if (!f.endsWith('.txtar')) continue;
    for (const [name, text] of txtarFiles(fs.readFileSync(path.join(corpus, f), 'utf8'))) {
      if (name.endsWith('.ztopo')) out.push([`diagnostics/${f.replace(/\.txtar$/, '')}`, text]);
    }
  }
  return out;
}

// scopes renders the tokens of src, line by line, as the golden form: the
// line, then one line per token that is not blank with its text and its
// scopes (the root scope left out). It also returns the tokens left with
// the root scope alone.
function scopes(grammar, src) {
  let state = vsctm.INITIAL;
  const out = [];
  const unscoped = [];
  src.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    if (line.trim() === '') return;
    out.push(`${i + 1}: ${line}`);
    for (const t of r.tokens) {
      const text = line.slice(t.startIndex, t.endIndex);
      if (text.trim() === '') continue;
      const s = t.scopes.filter((x) => x !== 'source.ztopo');
      if (s.length === 0) unscoped.push(`${i + 1}:${t.startIndex + 1}: ${JSON.stringify(text)}`);
      out.push(`\t${JSON.stringify(text)} ${s.join(' ')}`);
    }
  });
  return { text: out.join('\n') + '\n', unscoped };
}

const grammar = await loadGrammar();
const all = inputs();

test('there are shipped topologies and corpus cases to tokenize', () => {
  assert.ok(all.filter(([n]) => n.startsWith('topologies/')).length >= 9);
  assert.ok(all.filter(([n]) => n.startsWith('diagnostics/')).length >= 100);
});

for (const [name, src] of all) {
  test(`${name}: golden scopes, nothing unscoped`, () => {
    const got = scopes(grammar, src);
    assert.deepEqual(got.unscoped, [], `tokens with no scope in ${name}`);
    const file = path.join(goldenDir, `${name}.scopes`);
    if (update) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, got.text);
      return;
    }
    assert.ok(fs.existsSync(file), `no golden file ${path.relative(repo, file)}: run UPDATE_GOLDEN=1 node --test in editors/test and review it`);
    assert.equal(got.text, fs.readFileSync(file, 'utf8'), `scopes of ${name} differ from ${path.relative(repo, file)}`);
  });
}

test('golden files all belong to an input', () => {
  const want = new Set(all.map(([n]) => `${n}.scopes`));
  const walk = (d, rel) => fs.existsSync(d) ? fs.readdirSync(d).flatMap((f) => {
    const p = path.join(d, f);
    return fs.statSync(p).isDirectory() ? walk(p, `${rel}${f}/`) : [`${rel}${f}`];
  }) : [];
  for (const f of walk(goldenDir, '')) {
    if (!update) assert.ok(want.has(f), `golden file ${f} has no input`);
    else if (!want.has(f)) fs.rmSync(path.join(goldenDir, f));
  }
});

test('the VS Code extension wires the grammar and the language', () => {
  const ext = path.join(repo, 'editors', 'vscode');
  const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
  const [lang] = pkg.contributes.languages;
  const [gram] = pkg.contributes.grammars;
  assert.deepEqual(lang.extensions, ['.ztopo']);
  assert.equal(gram.language, lang.id);
  assert.equal(gram.scopeName, JSON.parse(fs.readFileSync(grammarPath, 'utf8')).scopeName);
  assert.equal(path.resolve(ext, gram.path), grammarPath);
  JSON.parse(fs.readFileSync(path.resolve(ext, lang.configuration), 'utf8'));
  const main = fs.readFileSync(path.resolve(ext, pkg.main), 'utf8');
  assert.match(main, /args: \['lsp'\]/);
});
