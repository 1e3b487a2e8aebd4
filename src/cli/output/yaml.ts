import { stringify } from 'yaml';

/** YAML as the CLI prints it: block style, long strings unfolded, no aliases. Pure. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Several manifests as one multi-document stream that `apply -f -` takes back. Pure. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map(toYaml).join('---\n');
}

/** `text` with every line indented by `spaces`; empty lines stay empty. Pure. */
export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}
