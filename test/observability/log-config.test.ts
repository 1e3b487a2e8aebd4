import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('STEWARD_LOG_LEVEL', () => {
  it.each(['silent', 'error', 'warn', 'info', 'debug'])('takes %s, a level Steward logs at', (level) => {
    expect(loadConfig({ STEWARD_LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it('refuses any other value, naming the variable and the levels', () => {
    expect(() => loadConfig({ STEWARD_LOG_LEVEL: 'verbose' })).toThrow(ConfigError);
    expect(() => loadConfig({ STEWARD_LOG_LEVEL: 'verbose' })).toThrow(
      'STEWARD_LOG_LEVEL must be one of silent, error, warn, info, debug; got "verbose"',
    );
  });
});
