import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE } from '../../src/cli/command-table.js';

describe('the command table behind steward --help', () => {
  it('lists each command once, with the name and summary of the module it loads', async () => {
    expect(new Set(COMMAND_TABLE.map((entry) => entry.name)).size).toBe(COMMAND_TABLE.length);
    for (const entry of COMMAND_TABLE) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({
        name: entry.name,
        summary: entry.summary,
      });
    }
  });
});
