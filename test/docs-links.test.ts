// The documentation's links: every relative link in README.md and docs/*.md (Markdown links and src/href
// attributes) names a file or directory that exists, and every #anchor names a heading of its target page; the
// README stays within 250 lines.
// External links (http:, https:, mailto:) are not followed: the tests run offline.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './helpers/cli.js';

/** The pages a reader starts from: the README and every page under docs/. */
function pages(): string[] {
  const docs = join(ROOT, 'docs');
  return [join(ROOT, 'README.md'), ...readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => join(docs, f))];
}

/** Markdown without its fenced code blocks and inline code, where link-like text is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Every link target of a page: [text](target), src="target" and href="target". */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const targets = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const headings = [...prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)].map((m) => anchorOf(m[1]));
  return new Set(headings);
}

test('the anchor of a heading is GitHub\'s', () => {
  assert.equal(anchorOf('Errors and exit codes'), 'errors-and-exit-codes');
  assert.equal(anchorOf('Threads and cross-origin isolation'), 'threads-and-cross-origin-isolation');
  assert.equal(anchorOf('`init(options)`'), 'initoptions');
});

test('link targets: Markdown links and src/href attributes, not code, not external links', () => {
  const md = '[a](docs/cli.md) <img src="x.svg"> [b](https://example.com) `[c](nope.md)`\n```\n[d](nope.md)\n```\n[e](#top)';
  assert.deepEqual(linkTargets(md), ['docs/cli.md', 'x.svg', '#top']);
});

test('every relative link in README.md and docs/*.md resolves, anchors included', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages()) {
    const markdown = readFileSync(page, 'utf8');
    for (const target of linkTargets(markdown)) {
      checked++;
      const [path, anchor] = target.split('#');
      const file = path === '' ? page : join(dirname(page), decodeURIComponent(path));
      const where = `${relative(ROOT, page)}: ${target}`;
      if (!existsSync(file)) {
        broken.push(`${where} (no such file)`);
        continue;
      }
      if (anchor !== undefined && statSync(file).isFile() && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${where} (no heading for #${anchor})`);
      }
    }
  }
  assert.ok(checked > 20, `only ${checked} links found`);
  assert.deepEqual(broken, []);
});

test('README.md stays a newcomer\'s five-minute read: at most 250 lines, depth in docs/', () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
  assert.ok(lines <= 250, `README.md has ${lines} lines`);
});
