import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Pointers from code into the documentation stay inside the repository and stay valid: no file under
 * src/, scripts/ or test/ refers to the sibling `../shared` directory (a clone never has it), every
 * `<name>.md` it cites exists in docs/ or at the repository root, and every `docs/….md#anchor` or
 * `docs/….md §N.M` names a heading the target page has (docs/README.md, "Citing these documents").
 */
const ROOT = resolve(import.meta.dirname, '..');
const SELF = resolve(import.meta.filename);
const SCANNED = ['src', 'scripts', 'test'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(p);
    return e.isFile() ? [p] : [];
  });
}

/** GitHub's heading anchor: inline markup dropped, lower-cased, punctuation other than - and _ removed, spaces → -. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

interface Headings {
  anchors: Set<string>;
  /** section numbers a heading starts with: "2.3" for "### 2.3 Record values", "0" for "## 0. Responses" */
  numbers: Set<string>;
}

const headingCache = new Map<string, Headings>();
function headingsOf(file: string): Headings {
  let h = headingCache.get(file);
  if (h) return h;
  h = { anchors: new Set(), numbers: new Set() };
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = githubSlug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    h.anchors.add(n === 0 ? base : `${base}-${n}`);
    const num = /^(\d+(?:\.\d+)*)\.?\s/.exec(m[1]!);
    if (num) h.numbers.add(num[1]!);
  }
  headingCache.set(file, h);
  return h;
}

const DOC_FILES = filesUnder(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
const ROOT_MD = readdirSync(ROOT)
  .filter((n) => n.endsWith('.md'))
  .map((n) => join(ROOT, n));

/** The markdown file a citation names: a path from the repository root, or a bare name found in docs/ or at the root. */
function resolveDoc(name: string): string | undefined {
  if (name.includes('/')) {
    const p = resolve(ROOT, name);
    return existsSync(p) && statSync(p).isFile() ? p : undefined;
  }
  return [...ROOT_MD, ...DOC_FILES].find((f) => basename(f) === name);
}

const OUTSIDE = [/\.\.\/shared\b/, /\bshared\/(docs|seeds)\b/, /\bseed 0\d\d\b/];
const MD_CITATION = /(?<![\w./-])((?:[\w-]+\/)*[\w-]+\.md)(?![\w])(#[\p{L}\p{M}\p{N}_-]+)?/gu;
const SECTION_LIST = /^\s*(§\d+(?:\.\d+)?(?:\s*[–-]\s*\d+(?:\.\d+)?)?(?:(?:\s*,\s*|\s+and\s+)§\d+(?:\.\d+)?(?:\s*[–-]\s*\d+(?:\.\d+)?)?)*)/u;

/** Every problem with the documentation pointers in one file's text. */
function problemsIn(text: string): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    const at = `line ${i + 1}`;
    const outside = OUTSIDE.find((re) => re.test(line));
    if (outside) problems.push(`${at}: points outside the repository (${outside.source}): ${line.trim()}`);
    for (const m of line.matchAll(MD_CITATION)) {
      const [, name, anchor] = m;
      const file = resolveDoc(name!);
      if (!file) {
        problems.push(`${at}: cites ${name}, which is neither in docs/ nor at the repository root`);
        continue;
      }
      const h = headingsOf(file);
      if (anchor && !h.anchors.has(anchor.slice(1))) problems.push(`${at}: ${name} has no heading with anchor ${anchor}`);
      const sections = SECTION_LIST.exec(line.slice(m.index! + m[0].length));
      if (!anchor && sections) {
        for (const n of sections[1]!.match(/\d+(?:\.\d+)?/g) ?? []) {
          if (!h.numbers.has(n)) problems.push(`${at}: ${name} has no section ${n}`);
        }
      }
    }
  });
  return problems;
}

describe('documentation pointers', () => {
  it('computes GitHub anchors', () => {
    expect(githubSlug('2.3 Record values')).toBe('23-record-values');
    expect(githubSlug('Scoring (线索评分)')).toBe('scoring-线索评分');
    expect(githubSlug("6. Undocumented behaviour and the emulator's switches")).toBe('6-undocumented-behaviour-and-the-emulators-switches');
    expect(githubSlug('Card JSON `2.0`')).toBe('card-json-20');
  });

  it('catches what it should', () => {
    expect(problemsIn('// see ../shared/docs/x')).toHaveLength(1);
    expect(problemsIn('// see feishu-api' + '.md §2.3')).toHaveLength(1);
    expect(problemsIn('// docs/platform/feishu.md#no-such-heading')).toHaveLength(1);
    expect(problemsIn('// docs/platform/feishu.md §9.9')).toHaveLength(1);
    expect(problemsIn('// docs/platform/feishu.md §2.3–2.4, §3.6 and §0')).toEqual([]);
    expect(problemsIn('// docs/domain.md#scoring-线索评分; README.md')).toEqual([]);
  });

  const files = SCANNED.flatMap((d) => filesUnder(join(ROOT, d))).filter((f) => resolve(f) !== SELF);

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(DOC_FILES.length).toBeGreaterThan(3);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s points only at docs in the repository', (_name, file) => {
    expect(problemsIn(readFileSync(file, 'utf8'))).toEqual([]);
  });
});

/**
 * Links between the Markdown pages (the READMEs, CHANGELOG, docs/, the template's README): a relative
 * link reaches a file of the repository, and its #anchor a heading that file has — so moving a section
 * from the README into docs/ cannot leave a link pointing at nothing.
 */
const MD_PAGES = [...ROOT_MD, ...DOC_FILES, join(ROOT, 'bitable-templates/README.md')];
const MD_LINK = /(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)/g;

function linkProblems(page: string, text: string): string[] {
  const problems: string[] = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) return;
    for (const m of line.matchAll(MD_LINK)) {
      const target = (m[1] ?? m[2])!;
      if (/^(https?:|mailto:)/.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path ? resolve(join(page, '..'), decodeURIComponent(path)) : page;
      if (!existsSync(file)) {
        problems.push(`line ${i + 1}: ${target} — no such file`);
        continue;
      }
      if (anchor && file.endsWith('.md') && !headingsOf(file).anchors.has(decodeURIComponent(anchor))) problems.push(`line ${i + 1}: ${target} — no such heading`);
    }
  });
  return problems;
}

describe('links between the Markdown pages', () => {
  it('catches a missing file and a missing heading', () => {
    const readme = join(ROOT, 'README.md');
    expect(linkProblems(readme, '[a](docs/no-such.md) [b](docs/operations.md#no-such-heading) [c](#快速开始) ![d](docs/images/none.png)')).toHaveLength(3);
  });

  it.each(MD_PAGES.map((f) => [relative(ROOT, f), f]))('%s links only to files and headings that exist', (_name, file) => {
    expect(linkProblems(file, readFileSync(file, 'utf8'))).toEqual([]);
  });
});
