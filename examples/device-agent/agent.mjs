#!/usr/bin/env node
// A minimal Steward device agent: nothing but Node's standard library and the openssl binary.
// It speaks the device API's Connect JSON form (HTTP/1.1 + JSON over mutual TLS), the same calls
// the reference agent (src/device-agent/agent.ts) makes over gRPC.
//
//   STEWARD_DEVICE_API=https://127.0.0.1:8443 STEWARD_TRUST=device-api.pem \
//   STEWARD_ENROLL_TOKEN=stw_enroll_... node agent.mjs host-1
//
// It keeps its key and certificate in ./state-<identifier>/ and, once enrolled, checks in every
// STEWARD_CHECKIN_SECONDS (default: what the server answers), uploads a log bundle when asked and
// renews its certificate when told to. Ctrl-C stops it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { hostname } from 'node:os';
import { join } from 'node:path';

const identifier = process.argv[2] ?? hostname();
const baseUrl = required('STEWARD_DEVICE_API');
const trustPem = readFileSync(required('STEWARD_TRUST'), 'utf8');
const dir = `state-${identifier.replace(/[^A-Za-z0-9._-]/g, '_')}`;
const files = { key: join(dir, 'device.key'), csr: join(dir, 'device.csr'), cert: join(dir, 'device.crt') };

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`set ${name} (see README.md)`);
    process.exit(2);
  }
  return value;
}

/** A new P-256 key and a CSR for it; the key never leaves the device. */
function newKey(keyFile, csrFile) {
  execFileSync('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-subj', `/CN=${identifier.slice(0, 64)}`, '-out', csrFile,
  ], { stdio: 'ignore' });
}

/**
 * One Connect unary call: POST /steward.device.v1.DeviceService/<Method> with a JSON body.
 * Answers the JSON message, or throws the Connect error ({code, message}).
 */
function call(method, body, agent) {
  return new Promise((resolve, reject) => {
    const url = new URL(`/steward.device.v1.DeviceService/${method}`, baseUrl);
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        const answer = text ? JSON.parse(text) : {};
        if (res.statusCode === 200) resolve(answer);
        else reject(Object.assign(new Error(`${method}: ${answer.code}: ${answer.message}`), answer));
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The connection of an enrolled device: its certificate and key, kept alive between check-ins. */
const authenticated = () =>
  new Agent({ keepAlive: true, ca: trustPem, cert: readFileSync(files.cert), key: readFileSync(files.key) });

function saveIdentity(identity) {
  writeFileSync(files.cert, identity.certificatePem + identity.chainPem.join(''));
  console.log(`certificate ${identity.serial}, valid until ${identity.notAfter}, renew after ${identity.renewAfter}`);
}

async function enroll() {
  const token = required('STEWARD_ENROLL_TOKEN');
  const anonymous = new Agent({ ca: trustPem });
  for (;;) {
    const answer = await call('Enroll', {
      token,
      csrPem: readFileSync(files.csr, 'utf8'),
      platform: 'linux',
      permanentIdentifier: identifier,
    }, anonymous);
    if (answer.state === 'ENROLLMENT_STATE_ENROLLED') {
      console.log(`enrolled as ${answer.deviceName}`);
      return saveIdentity(answer.identity);
    }
    // Manual approval: ask again (same token, identifier and CSR) until an operator approves.
    console.log(`${answer.deviceName}: ${answer.message || 'waiting for approval'}`);
    await sleep(10_000);
  }
}

async function renew(agent) {
  const key = `${files.key}.next`;
  const csr = `${files.csr}.next`;
  newKey(key, csr);
  const answer = await call('Renew', { csrPem: readFileSync(csr, 'utf8') }, agent);
  writeFileSync(files.key, readFileSync(key));
  saveIdentity(answer.identity);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

mkdirSync(dir, { recursive: true, mode: 0o700 });
if (!existsSync(files.key)) newKey(files.key, files.csr);
if (!existsSync(files.cert)) await enroll();

let agent = authenticated();
let stopped = false;
process.once('SIGINT', () => (stopped = true));
const installed = { artifact: 'os', version: process.env.STEWARD_INSTALLED_VERSION ?? '1.0.0' };
while (!stopped) {
  try {
    const answer = await call('CheckIn', { installed }, agent);
    console.log(`${new Date().toISOString()} checked in as ${answer.deviceName}`);
    for (const logRequest of answer.logRequests ?? []) {
      // bytes travel as base64 in Connect JSON.
      const content = Buffer.from(`log bundle of ${identifier} at ${new Date().toISOString()}\n`).toString('base64');
      const uploaded = await call('UploadLogs', { requestId: logRequest.id, contentType: 'text/plain', content }, agent);
      console.log(`uploaded log bundle ${uploaded.logId} for request ${logRequest.id}`);
    }
    if (answer.renew) {
      await renew(agent);
      agent.destroy();
      agent = authenticated();
    }
    await sleep(1000 * Number(process.env.STEWARD_CHECKIN_SECONDS ?? answer.nextCheckInSeconds ?? 60));
  } catch (error) {
    console.error(error.message);
    await sleep(10_000);
  }
}
agent.destroy();
