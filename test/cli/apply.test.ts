import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceYaml, runCli, useCliServer, writeTree } from './harness.js';

describe('steward apply and diff against a running server', () => {
  const suite = useCliServer();
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env: suite.env, stdin });

  it('applies a directory recursively, in file order, and prints one line per document', async () => {
    const root = writeTree({
      'fleet/a-devices.yaml': `${deviceYaml('dir-a', { team: 'infra' })}---\n${deviceYaml('dir-b')}`,
      'fleet/nested/c.yml': deviceYaml('dir-c'),
      'fleet/nested/d.json': JSON.stringify({
        apiVersion: 'steward.dev/v1',
        kind: 'Device',
        metadata: { name: 'dir-d' },
        spec: { platform: 'linux', permanentIdentifier: 'machine-dir-d' },
      }),
      'fleet/README.md': 'not a manifest',
    });
    const flat = await cli(['apply', '-f', join(root, 'fleet')]);
    expect(flat).toMatchObject({ code: 0, stdout: 'device/dir-a created\ndevice/dir-b created\n' });

    const recursive = await cli(['apply', '-f', join(root, 'fleet'), '-R']);
    expect(recursive.stdout.split('\n')).toEqual([
      'device/dir-a unchanged',
      'device/dir-b unchanged',
      'device/dir-c created',
      'device/dir-d created',
      '',
    ]);
  });

  it('reports configured for a changed document and marks dry runs', async () => {
    const root = writeTree({ 'one.yaml': deviceYaml('cfg-a') });
    await cli(['apply', '-f', join(root, 'one.yaml')]);
    const changed = writeTree({ 'one.yaml': deviceYaml('cfg-a', {}, '  displayName: Renamed') });
    const dry = await cli(['apply', '-f', join(changed, 'one.yaml'), '--dry-run']);
    expect(dry.stdout).toBe('device/cfg-a configured (dry run)\n');
    expect((await cli(['apply', '-f', join(changed, 'one.yaml')])).stdout).toBe('device/cfg-a configured\n');
    expect((await cli(['apply', '-f', join(changed, 'one.yaml')])).stdout).toBe('device/cfg-a unchanged\n');
  });

  it('reads manifests from stdin with -f -', async () => {
    const result = await cli(['apply', '-f', '-'], deviceYaml('stdin-a'));
    expect(result).toMatchObject({ code: 0, stdout: 'device/stdin-a created\n' });
  });

  it('points every invalid field at its file, line and column and applies nothing', async () => {
    const root = writeTree({
      'ok.yaml': deviceYaml('inv-ok'),
      'bad.yaml': [
        '# two broken devices',
        'apiVersion: steward.dev/v1',
        'kind: Device',
        'metadata:',
        '  name: inv-apple',
        'spec:',
        '  platform: apple',
        '  permanentIdentifier: lowercase',
        '---',
        'apiVersion: steward.dev/v1',
        'kind: Device',
        'metadata:',
        '  name: inv-missing',
        'spec:',
        '  platform: linux',
        '  bogus: true',
        '',
      ].join('\n'),
    });
    const result = await cli(['apply', '-f', root]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^Error from server \(Invalid\): .*nothing was applied/);
    const bad = join(root, 'bad.yaml');
    expect(lines).toContain(
      `${bad}:8:3: /spec/permanentIdentifier: must be an Apple serial number: 9 to 12 upper-case letters and digits`,
    );
    // A missing field points at its nearest present ancestor: the `spec:` key of the second document.
    expect(lines).toContain(
      `${bad}:14:1: /spec/permanentIdentifier: missing required field "permanentIdentifier"`,
    );
    expect(lines.some((line) => line.startsWith(`${bad}:16:3: /spec/bogus: `))).toBe(true);
    expect((await cli(['get', 'device', 'inv-ok'])).code).toBe(1);
  });

  it('reports YAML syntax errors locally with their positions and sends nothing', async () => {
    const root = writeTree({
      'broken.yaml':
        'apiVersion: steward.dev/v1\nkind: Device\nmetadata:\n  name: syn-a\n  name: syn-b\nspec: [oops\n',
    });
    const file = join(root, 'broken.yaml');
    const result = await cli(['apply', '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: 2 YAML syntax error\(s\); nothing was sent\n/);
    expect(result.stderr).toContain(`${file}:5:3: Map keys must be unique`);
    expect(result.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7:1: `));
    expect((await cli(['get', 'device', 'syn-a'])).code).toBe(1);
  });

  it('refuses a missing -f, an empty input and a missing path', async () => {
    expect((await cli(['apply'])).code).toBe(2);
    expect((await cli(['apply', '-f', '-'], '# nothing\n')).stderr).toMatch(/no objects passed/);
    const missing = await cli(['apply', '-f', '/nonexistent/steward/dir']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'error: the path "/nonexistent/steward/dir" does not exist\n',
    });
  });

  it('prunes an apply set: --prune needs --applyset; pruned resources are listed', async () => {
    expect((await cli(['apply', '-f', '-', '--prune'], deviceYaml('prune-a'))).code).toBe(2);
    const both = `${deviceYaml('prune-a')}---\n${deviceYaml('prune-b')}`;
    const first = await cli(['apply', '-f', '-', '--applyset', 'cli-set'], both);
    expect(first.code, first.stderr).toBe(0);
    const pruned = await cli(
      ['apply', '-f', '-', '--applyset', 'cli-set', '--prune', '--max-deletion-percent', '50'],
      deviceYaml('prune-a'),
    );
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('device/prune-a unchanged');
    expect(pruned.stdout).toContain('device/prune-b pruned');
    const refused = await cli(
      ['apply', '-f', '-', '--applyset', 'cli-set', '--prune'],
      deviceYaml('prune-c'),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('DeletionBudgetExceeded');
    expect(refused.stderr).toContain('Device/prune-a');
    const sets = await cli(['get', 'applysets']);
    expect(sets.code, sets.stderr).toBe(0);
    expect(sets.stdout).toMatch(/NAME +MEMBERS +DRIFTED/);
    expect(sets.stdout).toMatch(/cli-set +1 +0 /);
    const members = await cli(['get', 'applyset', 'cli-set']);
    expect(members.stdout).toMatch(/Device +prune-a +1 +1 +no/);
  });

  it('diffs an apply set with prune from the server dry run: text, markdown, json; exit 0, 1, 2', async () => {
    const both = `${deviceYaml('dset-a')}---\n${deviceYaml('dset-b')}`;
    expect((await cli(['apply', '-f', '-', '--applyset', 'diff-set'], both)).code).toBe(0);
    const same = await cli(['diff', '-f', '-', '--applyset', 'diff-set', '--prune'], both);
    expect(same.code, same.stderr).toBe(0);
    const args = ['diff', '-f', '-', '--applyset', 'diff-set', '--prune', '--max-deletion-percent', '50'];
    const text = await cli(args, deviceYaml('dset-a', { ring: 'beta' }));
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('+  labels:');
    expect(text.stdout).toContain('# device/dset-b: the server would report it pruned');
    const markdown = await cli([...args, '-o', 'markdown'], deviceYaml('dset-a', { ring: 'beta' }));
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toContain('### steward diff: 1 configured, 1 pruned');
    expect(markdown.stdout).toContain('| `device/dset-b` | pruned |');
    expect(markdown.stdout).toContain('```diff');
    const json = await cli([...args, '-o', 'json'], deviceYaml('dset-a', { ring: 'beta' }));
    expect(JSON.parse(json.stdout)).toMatchObject({
      changes: true,
      items: [
        { ref: 'device/dset-a', result: 'configured' },
        { ref: 'device/dset-b', result: 'pruned', diff: '' },
      ],
    });
    // Over the budget the server refuses the preview as it would the apply: an error, exit 2.
    const refused = await cli(['diff', '-f', '-', '--applyset', 'diff-set', '--prune'], deviceYaml('dset-c'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('DeletionBudgetExceeded');
    expect(await cli(['get', 'device', 'dset-b'])).toMatchObject({ code: 0 });
  });

  it('reports drift: a member changed outside the apply set, by whom, and that the apply reverts it', async () => {
    expect((await cli(['apply', '-f', '-', '--applyset', 'drift-set'], deviceYaml('drift-a'))).code).toBe(0);
    // Someone edits the member directly (not through the apply set).
    expect((await cli(['apply', '-f', '-'], deviceYaml('drift-a', { edited: 'by-hand' }))).code).toBe(0);
    const text = await cli(['diff', '-f', '-', '--applyset', 'drift-set'], deviceYaml('drift-a'));
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(
      /# device\/drift-a drifted: changed by user:admin at \S+ \(journal seq \d+\) since its apply set last applied it; this apply reverts it/,
    );
    expect(text.stdout).toContain('-    edited: by-hand');
    const markdown = await cli(
      ['diff', '-f', '-', '--applyset', 'drift-set', '-o', 'markdown'],
      deviceYaml('drift-a'),
    );
    expect(markdown.stdout).toContain('| resource | change | drift |');
    expect(markdown.stdout).toMatch(/\| `device\/drift-a` \| configured \| drifted: changed by user:admin/);
    const json = JSON.parse(
      (await cli(['diff', '-f', '-', '--applyset', 'drift-set', '-o', 'json'], deviceYaml('drift-a'))).stdout,
    );
    expect(json.items[0]).toMatchObject({ ref: 'device/drift-a', drift: { actor: 'user:admin' } });
    // Once the set applies again, the drift is gone.
    expect((await cli(['apply', '-f', '-', '--applyset', 'drift-set'], deviceYaml('drift-a'))).code).toBe(0);
    const clean = await cli(
      ['diff', '-f', '-', '--applyset', 'drift-set', '-o', 'json'],
      deviceYaml('drift-a'),
    );
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout).items[0]).not.toHaveProperty('drift');
  });

  it('diffs files against live resources: exit 0 when in sync, 1 with a unified diff when not', async () => {
    const root = writeTree({ 'd.yaml': deviceYaml('diff-a', { ring: 'canary' }, '  displayName: Gateway') });
    const file = join(root, 'd.yaml');
    const absent = await cli(['diff', '-f', file]);
    expect(absent.code).toBe(1);
    expect(absent.stdout).toContain('--- device/diff-a (absent)');
    expect(absent.stdout).toContain('+  displayName: Gateway');

    await cli(['apply', '-f', file]);
    expect(await cli(['diff', '-f', file])).toMatchObject({ code: 0, stdout: '' });

    const edited = writeTree({ 'd.yaml': deviceYaml('diff-a', { ring: 'broad' }, '  displayName: Gateway') });
    const changed = await cli(['diff', '-f', join(edited, 'd.yaml')]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('--- device/diff-a (live)\n');
    expect(changed.stdout).toMatch(/@@ -\d+,\d+ \+\d+,\d+ @@\n/);
    expect(changed.stdout).toContain('-    ring: canary\n+    ring: broad\n');
  });

  it('does not report defaults the server fills in as differences', async () => {
    const pki = readFileSync(new URL('../../manifests/pki.yaml', import.meta.url), 'utf8');
    await cli(['apply', '-f', '-'], pki);
    expect(await cli(['diff', '-f', '-'], pki)).toMatchObject({ code: 0, stdout: '' });
  });
});
