import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from './config.js';
import { isStewardError } from './errors.js';
import { startServer } from './server.js';

const logger = new Logger('steward');
try {
  const config = loadConfig();
  const server = await startServer(config);
  const database = config.databaseUrl.startsWith('sqlite:')
    ? config.databaseUrl
    : config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@');
  logger.log(
    `Steward listening on ${server.url} (database ${database}, queue ${config.redisUrl ? 'BullMQ' : 'in-process'})`,
  );
} catch (error) {
  // Configuration mistakes are the operator's to fix: say which variable, without a stack trace.
  if (isStewardError(error)) {
    logger.error(error.message);
    process.exit(1);
  }
  throw error;
}
