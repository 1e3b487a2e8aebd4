/** One line of a line diff. */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/**
 * A minimal line diff (longest common subsequence). Manifests are small, so the quadratic table
 * is cheap; beyond ~4M cells it falls back to "all removed, all added" rather than stall. Pure.
 */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  if (n * m > 4_000_000) {
    return [
      ...before.map((text) => ({ op: '-' as const, text })),
      ...after.map((text) => ({ op: '+' as const, text })),
    ];
  }
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = before[i] === after[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      lines.push({ op: ' ', text: before[i++] });
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      lines.push({ op: '-', text: before[i++] });
    } else {
      lines.push({ op: '+', text: after[j++] });
    }
  }
  return lines;
}

/**
 * Unified diff text (`--- a`, `+++ b`, `@@ -l,s +l,s @@` hunks with `context` lines around each
 * change); empty when the texts are equal. Pure.
 */
export function unifiedDiff(
  beforeName: string,
  afterName: string,
  before: string,
  after: string,
  context = 3,
): string {
  const split = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const lines = diffLines(split(before), split(after));
  if (lines.every((line) => line.op === ' ')) return '';
  const changed = lines.map((line, index) => (line.op === ' ' ? -1 : index)).filter((index) => index >= 0);
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(lines.length, index + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1]) last[1] = end;
    else hunks.push([start, end]);
  }
  const out = [`--- ${beforeName}`, `+++ ${afterName}`];
  for (const [start, end] of hunks) {
    const beforeStart = lines.slice(0, start).filter((line) => line.op !== '+').length;
    const afterStart = lines.slice(0, start).filter((line) => line.op !== '-').length;
    const hunk = lines.slice(start, end);
    const beforeCount = hunk.filter((line) => line.op !== '+').length;
    const afterCount = hunk.filter((line) => line.op !== '-').length;
    out.push(
      `@@ -${beforeStart + (beforeCount ? 1 : 0)},${beforeCount} +${afterStart + (afterCount ? 1 : 0)},${afterCount} @@`,
    );
    out.push(...hunk.map((line) => `${line.op}${line.text}`));
  }
  return `${out.join('\n')}\n`;
}
