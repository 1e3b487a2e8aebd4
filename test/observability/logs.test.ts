import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, setProcessLogger } from '../../src/observability/log.js';
import { PinoNestLogger } from '../../src/observability/nest-logger.js';
import { gadget } from '../engine/fixtures/test-kinds.js';
import { gadgetManifest, startEngine } from '../engine/harness.js';
import { freshSqlite } from '../support/databases.js';
import { call, useServer } from '../support/server.js';

/** A pino destination keeping every line, each parsed as JSON (a line that is not fails the test). */
function capture() {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write(line: string) {
      for (const text of line.split('\n').filter(Boolean)) lines.push(JSON.parse(text));
    },
  };
}

describe('STEWARD_LOG_FORMAT', () => {
  it('defaults to pretty on a terminal and to json otherwise, and refuses anything else by name', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ STEWARD_LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(() => loadConfig({ STEWARD_LOG_FORMAT: 'yaml' })).toThrow(
      'STEWARD_LOG_FORMAT must be json or pretty; got "yaml"',
    );
  });
});

describe('the server’s log', () => {
  const log = capture();
  const suite = useServer({ env: { STEWARD_LOG_LEVEL: 'info' }, options: { logDestination: log } });

  it('has one access line per request, with request id, tenant, principal, route template, status and duration', async () => {
    const response = await call(suite.server, 'GET', '/api/v1/devices/absent', {
      headers: { 'x-request-id': 'req-access' },
    });
    expect(response.status).toBe(404);
    const lines = log.lines.filter((line) => line.requestId === 'req-access');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'GET',
      route: '/api/v1/:plural/:name',
      status: 404,
      tenant: 'default',
      principal: 'user:admin',
    });
    expect(lines[0].durationMs).toBeTypeOf('number');
    expect(lines[0].time).toBeTypeOf('number');
  });

  it('puts the request id on every line written while serving the request', async () => {
    const failing = vi
      .spyOn(suite.server.services.queries, 'list')
      .mockRejectedValueOnce(new Error('disk on fire'));
    const response = await call(suite.server, 'GET', '/api/v1/devices', {
      headers: { 'x-request-id': 'req-fails' },
    });
    failing.mockRestore();
    expect(response.status).toBe(500);
    const lines = log.lines.filter((line) => line.requestId === 'req-fails');
    // The error filter's line (the error's stack, for the operator) and the access line.
    expect(lines.map((line) => line.level)).toEqual(['error', 'info']);
    expect(String(lines[0].msg)).toContain('disk on fire');
  });

  it('keeps Nest’s route-mapping narration out of the info level', () => {
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.lines.filter((line) => String(line.msg).startsWith('Mapped {'))).toEqual([]);
  });
});

describe('Nest’s logger through pino', () => {
  it('writes the route-mapping narration at debug, and other lines at their level with their component', () => {
    const log = capture();
    setProcessLogger(createLogger({ logLevel: 'debug', logFormat: 'json' }, log));
    const nest = new PinoNestLogger();
    nest.log('Mapped {/api/v1/apply, POST} route', 'RouterExplorer');
    nest.warn('queue is slow', 'engine');
    nest.error('it broke', 'Error: it broke\n    at somewhere', 'api');
    expect(log.lines.map(({ level, component, msg }) => ({ level, component, msg }))).toEqual([
      { level: 'debug', component: 'RouterExplorer', msg: 'Mapped {/api/v1/apply, POST} route' },
      { level: 'warn', component: 'engine', msg: 'queue is slow' },
      { level: 'error', component: 'api', msg: 'it broke' },
    ]);
    expect(log.lines[2].stack).toContain('at somewhere');
  });
});

describe('reconcile log lines', () => {
  it('carry the key, kind and generation', async () => {
    const log = capture();
    setProcessLogger(createLogger({ logLevel: 'info', logFormat: 'json' }, log));
    const database = freshSqlite();
    const engine = await startEngine(database, 'in-process');
    try {
      gadget.reset();
      gadget.behaviour = async (resource, toolbox) => {
        toolbox.log.info(`looking at ${resource.name}`);
        return { conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok' }] };
      };
      await engine.apply([gadgetManifest('logged')]);
      await engine.waitFor('Gadget', 'logged', (resource) => resource?.status.observedGeneration === 1);
      const line = log.lines.find((entry) => String(entry.msg).includes('looking at logged'));
      expect(line).toMatchObject({ key: 'acme/Gadget/logged', kind: 'Gadget', generation: 1, level: 'info' });
      expect(line).not.toHaveProperty('requestId');
    } finally {
      gadget.reset();
      await engine.close();
      await database.drop();
    }
  });
});
