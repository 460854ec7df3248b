// The pipeline against a secured broker, as a bank's cluster or managed Kafka is: a SASL_SSL listener (TLS with a
// certificate for "kafka.test" signed by a test CA, client certificates required, SASL PLAIN and SCRAM-SHA-256/512
// users) on a real Apache Kafka 4 broker. The certificates are made here with openssl. The settings go through
// loadKafkaConfig, as the server's environment would: the processor connects with the right ones and scores each
// transaction once; with a wrong one it is refused with an error naming the setting to fix, and the worker process
// exits 2 with that message.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type TestKafka } from '../../test-support/kafka.js';
import { loadKafkaConfig } from '../config.js';
import { kafkaPublisher, startPipeline, TOPICS, type KafkaConnection, type ScoredMessage } from './index.js';
import { createStandaloneScoring } from './standalone.js';
import { KafkaProbe, rawTransactions, readCommitted } from './testing.js';

const WORKER = fileURLToPath(new URL('../../dist/kafka/worker.js', import.meta.url));
const USER = { name: 'fraudscore', password: 'correct-horse-battery' };

let dir: string;
let broker: TestKafka;
const file = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA: `<name>.pem` and `<name>.key`. */
function ca(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  );
}
/** A certificate `caName` signs for `subject` (with `san` as subjectAltName when given). */
function signed(caName: string, name: string, subject: string, san?: string): void {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  if (san) writeFileSync(file(`${name}.ext`), `subjectAltName=${san}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${caName}.pem`,
    '-CAkey',
    `${caName}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.pem`,
    ...(san ? ['-extfile', `${name}.ext`] : []),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fraudscore-kafka-tls-'));
  ca('ca');
  ca('rogue-ca');
  signed('ca', 'broker', '/CN=kafka.test', 'DNS:kafka.test');
  signed('ca', 'client', '/CN=fraudscore-processor');
  signed('rogue-ca', 'rogue-client', '/CN=fraudscore-processor');
  openssl(
    'pkcs12',
    '-export',
    '-in',
    'broker.pem',
    '-inkey',
    'broker.key',
    '-name',
    'broker',
    '-out',
    'broker.p12',
    '-passout',
    'pass:keystore-pass',
  );
  broker = await startKafka({
    secure: {
      keystore: file('broker.p12'),
      keystorePassword: 'keystore-pass',
      truststore: file('ca.pem'),
      users: [USER],
    },
  });
}, 180_000);

afterAll(async () => {
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The environment of a processor on the secure listener, with the right settings unless overridden. */
function secureEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    KAFKA_BROKERS: broker.secureBrokers.join(','),
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_TLS_CA: file('ca.pem'),
    KAFKA_TLS_CERT: file('client.pem'),
    KAFKA_TLS_KEY: file('client.key'),
    KAFKA_TLS_SERVER_NAME: 'kafka.test',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: USER.name,
    KAFKA_SASL_PASSWORD: USER.password,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

function pipelineConfig(env: Record<string, string>, groupId: string) {
  const config = loadKafkaConfig(env);
  return { ...config, clientId: 'test-secure', groupId, instanceId: groupId, replicationFactor: 1 };
}

describe('a SASL_SSL broker', () => {
  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])(
    'with the right settings (%s over TLS, client certificate): the processor scores each transaction once',
    async (mechanism) => {
      const env = secureEnv({ KAFKA_SASL_MECHANISM: mechanism });
      const config = pipelineConfig(env, `secure-${mechanism}`);
      const connection: KafkaConnection = { ...config, clientId: 'test-secure' };
      const scoring = await createStandaloneScoring();
      const pipeline = await startPipeline({ kafka: config, service: scoring.service, registry: scoring.registry });
      const records = [...rawTransactions(600, `secure-${mechanism}`)];
      const publisher = await kafkaPublisher(connection);
      await publisher.send(TOPICS.raw, records);
      await publisher.close();
      const probe = new KafkaProbe(connection);
      try {
        const end = Date.now() + 120_000;
        while ((await probe.committedTotal(config.groupId, TOPICS.raw)) < (await probe.endTotal(TOPICS.raw))) {
          if (Date.now() > end) throw new Error('the processor did not drain transactions_raw in time');
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        await probe.close();
        await pipeline.stop();
      }
      const want = new Set(records.map((r) => (JSON.parse(r.value) as { transaction: { id: string } }).transaction.id));
      const out = await readCommitted(connection, [TOPICS.scored], (o) => {
        const seen = new Set(o.get(TOPICS.scored)!.map((v) => (JSON.parse(v) as ScoredMessage).id));
        return [...want].every((id) => seen.has(id));
      });
      const ours = out
        .get(TOPICS.scored)!
        .map((v) => (JSON.parse(v) as ScoredMessage).id)
        .filter((id) => want.has(id));
      expect(ours.length).toBe(want.size);
      expect(new Set(ours).size).toBe(want.size);
    },
    180_000,
  );

  it.each([
    [
      'a wrong password',
      { KAFKA_SASL_PASSWORD: 'not-the-password' },
      'KAFKA_SASL_PASSWORD',
      /refused SASL SCRAM-SHA-512/,
    ],
    ['an unknown user', { KAFKA_SASL_USERNAME: 'mallory' }, 'KAFKA_SASL_PASSWORD', /user "mallory"/],
    ['a CA that did not sign the brokers', { KAFKA_TLS_CA: 'rogue-ca.pem' }, 'KAFKA_TLS_CA', /does not verify/],
    ['no CA (the public ones)', { KAFKA_TLS_CA: undefined }, 'KAFKA_TLS_CA', /does not verify/],
    ['no server name', { KAFKA_TLS_SERVER_NAME: undefined }, 'KAFKA_TLS_SERVER_NAME', /not valid for the name/],
    ['a wrong server name', { KAFKA_TLS_SERVER_NAME: 'kafka.example' }, 'KAFKA_TLS_SERVER_NAME', /"kafka.example"/],
    [
      'a client certificate of another CA',
      { KAFKA_TLS_CERT: 'rogue-client.pem', KAFKA_TLS_KEY: 'rogue-client.key' },
      'KAFKA_TLS_CERT',
      /refused this client's TLS certificate/,
    ],
    [
      'no client certificate',
      { KAFKA_TLS_CERT: undefined, KAFKA_TLS_KEY: undefined },
      'KAFKA_TLS_CERT',
      /refused this client's TLS certificate/,
    ],
  ] as const)(
    'with %s it is refused, naming %s',
    async (_, overrides, variable, message) => {
      const env = secureEnv(
        Object.fromEntries(
          Object.entries(overrides).map(([k, v]) => [k, v?.endsWith('.pem') || v?.endsWith('.key') ? file(v) : v]),
        ),
      );
      const scoring = await createStandaloneScoring();
      const started = Date.now();
      const error = await startPipeline({ kafka: pipelineConfig(env, 'refused'), service: scoring.service }).then(
        async (pipeline) => {
          await pipeline.stop();
          throw new Error('the pipeline started');
        },
        (error: unknown) => error,
      );
      expect(error).toMatchObject({ name: 'KafkaSettingError', variable });
      expect((error as Error).message).toMatch(new RegExp(`^${variable}: `));
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(USER.password);
      expect(Date.now() - started).toBeLessThan(30_000); // refused at once, not after minutes of retries
    },
    60_000,
  );

  it('the worker process exits 2 with the message naming the setting', async () => {
    const child = spawn(process.execPath, [WORKER], {
      env: { ...process.env, ...secureEnv({ KAFKA_SASL_PASSWORD: 'not-the-password' }), KAFKA_GROUP_ID: 'refused' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^configuration error: KAFKA_SASL_PASSWORD: the brokers \(127\.0\.0\.1:\d+\) refused SASL/m);
    expect(stderr).not.toContain('not-the-password');
  }, 60_000);
});
