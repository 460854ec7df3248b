// Starts a real Apache Kafka 4 broker for tests and the benchmark (server/test-support/kafka.ts re-exports it),
// without Docker: the jars come from Maven Central (kafka_2.13 with
// its runtime dependencies and an SLF4J binding, fetched once with Maven into ~/.cache/fraudscore/kafka-<version>/),
// KRaft storage is formatted in a temp dir, and one combined broker+controller listens on free loopback ports with a
// small heap. Ready when an admin client gets the cluster's metadata; stop() kills the JVM.
//
// `secure` adds a SASL_SSL listener as a bank's cluster has one: TLS with the given server keystore (and client
// certificates required when a truststore is given), SASL PLAIN with JAAS users, SCRAM-SHA-256/512 with credentials
// created when the storage is formatted (kafka-storage format --add-scram).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  createWriteStream,
  readFileSync,
} from 'node:fs';
import { freePort } from '../net.js';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';

const run = promisify(execFile);

export const KAFKA_VERSION = '4.0.1';
const SLF4J_VERSION = '1.7.36'; // the slf4j-api version kafka 4.0 depends on: its binding is slf4j-simple of the same line

export interface TestKafka {
  /** host:port of the broker (plaintext listener). */
  brokers: string[];
  /** host:port of the SASL_SSL listener, with `secure`. */
  secureBrokers: string[];
  /** Kills the broker (SIGKILL) and starts it again on the same ports and data: a broker restart. */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
  logFile: string;
}

/** The jar directory, fetched with Maven when missing. */
export async function kafkaJars(version = KAFKA_VERSION): Promise<string> {
  const dir = join(process.env.FRAUDSCORE_CACHE ?? join(homedir(), '.cache', 'fraudscore'), `kafka-${version}`);
  const libs = join(dir, 'libs');
  if (existsSync(join(libs, '.complete'))) return libs;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>fraudscore</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>
<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>${SLF4J_VERSION}</version></dependency>
</dependencies></project>
`,
  );
  rmSync(libs, { recursive: true, force: true });
  try {
    await run(
      'mvn',
      ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'],
      { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    throw new Error(
      `fetching Apache Kafka ${version} with Maven failed (is \`mvn\` installed?): ${(error as { stderr?: string }).stderr ?? String(error)}`,
      { cause: error },
    );
  }
  if (!readdirSync(libs).some((f) => f.startsWith(`kafka_2.13-${version}`)))
    throw new Error(`Maven fetched no kafka_2.13-${version} jar into ${libs}`);
  writeFileSync(join(libs, '.complete'), '');
  return libs;
}

export interface SecureListener {
  /** PKCS#12 keystore with the broker's certificate and key. */
  keystore: string;
  keystorePassword: string;
  /** PEM CA certificates client certificates must chain to; set: client certificates are required. */
  truststore?: string;
  /** Users for SASL PLAIN (JAAS) and SCRAM-SHA-256/512 (credentials formatted into the storage). */
  users: { name: string; password: string }[];
}

export interface StartKafkaOptions {
  /** How long to wait for readiness (default 60 s). */
  timeoutMs?: number;
  secure?: SecureListener;
}

/** A JAAS / kafka-storage value: no quotes, commas, brackets or backslashes (test passwords are plain). */
function plain(text: string): string {
  if (!/^[\w.@-]+$/.test(text)) throw new Error(`not a plain name or password for the test broker: ${text}`);
  return text;
}

export async function startKafka(options: StartKafkaOptions = {}): Promise<TestKafka> {
  const libs = await kafkaJars();
  const root = mkdtempSync(join(tmpdir(), 'fraudscore-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const { secure } = options;
  const securePort = secure ? await freePort() : undefined;
  const properties = join(root, 'server.properties');
  const secureListener = secure
    ? [
        'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
        `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${secure.users.map((u) => `user_${plain(u.name)}="${plain(u.password)}"`).join(' ')};`,
        'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        `listener.name.sasl_ssl.ssl.keystore.location=${secure.keystore}`,
        'listener.name.sasl_ssl.ssl.keystore.type=PKCS12',
        `listener.name.sasl_ssl.ssl.keystore.password=${secure.keystorePassword}`,
        ...(secure.truststore
          ? [
              `listener.name.sasl_ssl.ssl.truststore.location=${secure.truststore}`,
              'listener.name.sasl_ssl.ssl.truststore.type=PEM',
              'listener.name.sasl_ssl.ssl.client.auth=required',
            ]
          : []),
      ]
    : [];
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${secure ? `,SASL_SSL://127.0.0.1:${securePort}` : ''}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}${secure ? `,SASL_SSL://127.0.0.1:${securePort}` : ''}`,
      'controller.listener.names=CONTROLLER',
      `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL' : ''}`,
      'inter.broker.listener.name=PLAINTEXT',
      ...secureListener,
      `log.dirs=${join(root, 'data')}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=6',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=6',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      'num.partitions=1',
      'log.flush.interval.ms=60000',
      '',
    ].join('\n'),
  );
  const classpath = `${libs}/*`;
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const scram = (secure?.users ?? []).flatMap((u) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => [
      '--add-scram',
      `${m}=[name=${plain(u.name)},password=${plain(u.password)}]`,
    ]),
  );
  await run(
    java,
    ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', 'q1Sh-9_ISia_zwGINzRvyQ', '-c', properties, ...scram],
    { cwd: root },
  );
  const logFile = join(root, 'kafka.log');
  let child: ChildProcess | undefined;

  const launch = (): ChildProcess => {
    const out = createWriteStream(logFile, { flags: 'a' });
    const proc = spawn(
      java,
      [
        '-Xmx512m',
        '-Xms256m',
        '-XX:+UseSerialGC',
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.pipe(out);
    proc.stderr!.pipe(out);
    return proc;
  };

  const brokers = [`127.0.0.1:${port}`];
  const waitReady = async (proc: ChildProcess): Promise<void> => {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      if (proc.exitCode !== null)
        throw new Error(`Kafka exited with ${proc.exitCode}: ${readFileSync(logFile, 'utf8').slice(-3000)}`);
      const admin = new Admin({
        clientId: 'test-ready',
        bootstrapBrokers: brokers,
        retries: 0,
        connectTimeout: 1000,
        requestTimeout: 2000,
      });
      try {
        const metadata = await admin.metadata({ topics: [], forceUpdate: true });
        if (metadata.brokers.size > 0 && metadata.controllerId >= 0) return;
      } catch {
        // not yet
      } finally {
        await admin.close().catch(() => {});
      }
      if (Date.now() > deadline)
        throw new Error(`Kafka not ready in time: ${readFileSync(logFile, 'utf8').slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };

  child = launch();
  try {
    await waitReady(child);
  } catch (error) {
    await kill();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);
  return {
    brokers,
    secureBrokers: secure ? [`127.0.0.1:${securePort}`] : [],
    logFile,
    async restart({ downMs = 0 } = {}) {
      await kill();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      child = launch();
      await waitReady(child);
    },
    async stop() {
      process.off('exit', onExit);
      await kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
