import { describe, expect, it } from 'vitest';
import { printable, printableLines } from '../../src/cli/output/printable.js';
import { renderTable } from '../../src/cli/output/table.js';

describe('printable', () => {
  it.each([
    ['plain text stays', 'CN=dev-1,O=Acme Zürich \u{1F680}', 'CN=dev-1,O=Acme Zürich \u{1F680}'],
    ['a newline cannot forge a row', 'a\nb', 'a\\nb'],
    ['a tab cannot forge a column', 'a\tb', 'a\\tb'],
    ['an ANSI escape is shown, not run', '\u001b[31mred', '\\e[31mred'],
    ['NUL, CR, DEL and a C1 control', '\u0000\r\u007f\u009b', '\\x00\\r\\x7f\\x9b'],
    ['a bidi override (Trojan Source)', 'abc\u202edcba', 'abc\\u202edcba'],
    ['a lone surrogate', 'bad\ud800x', 'bad\\ud800x'],
  ])('%s', (_name, text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it('keeps the lines of multi-line output, escaping the rest', () => {
    expect(printableLines('line 1\n\tline 2 \u001b[2J')).toBe('line 1\n\tline 2 \\e[2J');
  });

  it('renders a table whose cells came from a hostile server as one row each, aligned', () => {
    const table = renderTable(
      ['SERIAL', 'SUBJECT', 'STATUS'],
      [
        ['01', 'CN=x\nfake-serial   CN=forged   valid', 'revoked'],
        ['02', '\u001b[32mCN=green', 'valid'],
      ],
    );
    expect(table.split('\n')).toEqual([
      'SERIAL   SUBJECT                                 STATUS',
      '01       CN=x\\nfake-serial   CN=forged   valid   revoked',
      '02       \\e[32mCN=green                          valid',
      '',
    ]);
    expect(table.includes(String.fromCharCode(0x1b))).toBe(false);
  });
});
