// The README and docs/ link to each other and to the source: every relative link names a file that
// exists, and every #anchor a heading of that page (as GitHub makes anchors from headings).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoPath } from '../helpers/repoPath.js';

const PAGES = [
  'README.md',
  ...readdirSync(repoPath('docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Returns GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(page: string): Set<string> {
  const text = readFileSync(repoPath(page), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] as string)));
}

test('anchors as GitHub makes them', () => {
  assert.is(anchorOf('Built-in targets: `goon-probe serve`'), 'built-in-targets-goon-probe-serve');
  assert.is(
    anchorOf('A target slower than the ramp: the pace adapts'),
    'a-target-slower-than-the-ramp-the-pace-adapts',
  );
  assert.is(anchorOf('Diagnosis: whose limit, and why'), 'diagnosis-whose-limit-and-why');
});

test('every relative link of the README and docs/ resolves, anchors included', () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const text = readFileSync(repoPath(page), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^(https?:|mailto:)/.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? page : normalize(join(dirname(page), path));
      if (!existsSync(repoPath(file))) broken.push(`${page}: ${target} (no ${file})`);
      else if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor))
        broken.push(`${page}: ${target} (no heading)`);
    }
  }
  assert.equal(broken, []);
});

test.run();
