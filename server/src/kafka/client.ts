// Connecting to Kafka (@platformatic/kafka): the connection settings (brokers, TLS, SASL) as client options, errors
// that name the setting to fix, the pipeline's topics created idempotently, and an idempotent publisher.
import {
  Admin,
  ProduceAcks,
  Producer,
  stringSerializers,
  type BaseOptions,
  type SASLMechanismValue,
} from '@platformatic/kafka';
import { TOPIC_SPECS } from './messages.js';
import type { Publisher } from './transport.js';

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaTls {
  /** PEM certificates the brokers' certificates must chain to; undefined: Node's default (public) CAs. */
  ca?: string | undefined;
  /** Client certificate and its key (PEM), for brokers that require TLS client authentication. */
  cert?: string | undefined;
  key?: string | undefined;
  keyPassword?: string | undefined;
  /** The name the brokers' certificates must carry (and SNI), when it is not the host in KAFKA_BROKERS. */
  serverName?: string | undefined;
}

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface KafkaConnection {
  /** host:port bootstrap brokers. */
  brokers: string[];
  clientId: string;
  /** TLS to the brokers (security protocol SSL or SASL_SSL); undefined: plaintext. */
  tls?: KafkaTls | undefined;
  /** SASL authentication (SASL_PLAINTEXT or SASL_SSL); undefined: none. */
  sasl?: KafkaSasl | undefined;
}

/** Base options of every client (admin, producer, consumer) of a connection. */
export function clientOptions(connection: KafkaConnection): BaseOptions {
  const { tls, sasl } = connection;
  return {
    clientId: connection.clientId,
    bootstrapBrokers: connection.brokers,
    connectTimeout: 5000,
    requestTimeout: 30_000,
    // Retries with a growing pause (100 ms … 2 s, about 20 s in all): a broker restart or a leader election passes
    // unnoticed; anything longer surfaces to the caller, who retries on its own terms.
    retries: 12,
    retryDelay: (_client, _operation, attempt) => Math.min(2000, 100 * 2 ** (attempt - 1)),
    metadataMaxAge: 30_000,
    ...(tls
      ? {
          tls: {
            ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
            ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
            ...(tls.key !== undefined ? { key: tls.key } : {}),
            ...(tls.keyPassword !== undefined ? { passphrase: tls.keyPassword } : {}),
          },
          ...(tls.serverName !== undefined ? { tlsServerName: tls.serverName } : {}),
        }
      : {}),
    ...(sasl
      ? { sasl: { mechanism: sasl.mechanism as SASLMechanismValue, username: sasl.username, password: sasl.password } }
      : {}),
  };
}

/** A connection failure the configuration explains: `variable` names the setting to fix. */
export class KafkaSettingError extends Error {
  constructor(
    readonly variable: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${variable}: ${message}`, options);
    this.name = 'KafkaSettingError';
  }
}

/** Every error in a chain: causes and the errors of aggregates (the client wraps retries and responses in both). */
function* errorChain(error: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (depth > 8 || typeof error !== 'object' || error === null) return;
  const e = error as Record<string, unknown>;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* errorChain(inner, depth + 1);
  if (e.cause !== undefined) yield* errorChain(e.cause, depth + 1);
}

// Node's codes for a server certificate that does not verify.
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/**
 * The setting behind a connection failure, as a KafkaSettingError naming it (the broker's refusal of the credentials,
 * a certificate that does not verify, a name that does not match, a client certificate the broker refuses, a broker
 * that is not there); undefined when the error is something else. Never quotes a secret.
 */
export function settingError(error: unknown, connection: KafkaConnection): KafkaSettingError | undefined {
  if (error instanceof KafkaSettingError) return error;
  const chain = [...errorChain(error)];
  const codes = chain.map((e) => String(e.code ?? ''));
  const texts = chain.map((e) => String(e.message ?? '')).join(' | ');
  const brokers = connection.brokers.join(',');
  const make = (variable: string, message: string) => new KafkaSettingError(variable, message, { cause: error });
  if (chain.some((e) => e.name === 'AuthenticationError' || e.apiId === 'SASL_AUTHENTICATION_FAILED')) {
    if (/suitable SASL mechanism|UNSUPPORTED_SASL_MECHANISM/i.test(texts))
      return make(
        'KAFKA_SASL_MECHANISM',
        `the brokers (${brokers}) do not accept SASL ${connection.sasl?.mechanism ?? '(none)'} on this listener`,
      );
    return make(
      'KAFKA_SASL_PASSWORD',
      `the brokers (${brokers}) refused SASL ${connection.sasl?.mechanism ?? ''} authentication of user "${connection.sasl?.username ?? ''}": check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM`,
    );
  }
  if (codes.includes('ERR_TLS_CERT_ALTNAME_INVALID'))
    return make(
      'KAFKA_TLS_SERVER_NAME',
      `the brokers' certificate is not valid for the name ${connection.tls?.serverName ? `"${connection.tls.serverName}"` : `in KAFKA_BROKERS (${brokers})`}: set KAFKA_TLS_SERVER_NAME to a name the certificate carries`,
    );
  const untrusted = codes.find((c) => UNTRUSTED.has(c));
  if (untrusted)
    return make(
      'KAFKA_TLS_CA',
      `the brokers' certificate does not verify (${untrusted}): set KAFKA_TLS_CA to the PEM file of the CA that signed it`,
    );
  if (/alert (certificate required|bad certificate|unknown ca|certificate unknown|handshake failure)/i.test(texts))
    return make(
      'KAFKA_TLS_CERT',
      `the brokers refused this client's TLS certificate (${/alert [a-z ]+/i.exec(texts)![0]}): check KAFKA_TLS_CERT and KAFKA_TLS_KEY`,
    );
  if (/wrong version number|packet length too long|unexpected eof|EPROTO/i.test(texts) && connection.tls)
    return make(
      'KAFKA_SECURITY_PROTOCOL',
      `the brokers (${brokers}) did not answer TLS: is this listener plaintext (PLAINTEXT or SASL_PLAINTEXT)?`,
    );
  if (codes.some((c) => c === 'ECONNREFUSED' || c === 'ENOTFOUND' || c === 'EAI_AGAIN'))
    return make('KAFKA_BROKERS', `cannot connect to ${brokers} (${codes.find((c) => c.startsWith('E'))})`);
  return undefined;
}

/** The error to report: a KafkaSettingError when a setting explains it, else the error itself. */
export const explainKafkaError = (error: unknown, connection: KafkaConnection): unknown =>
  settingError(error, connection) ?? error;

/** A producer or consumer may never finish connecting to a listener it does not speak to: bounded by `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects once, without retries: a wrong setting (credentials, certificates, names) fails at once with an error that
 * names it. Anything else, such as brokers not up yet, is left to the retrying clients.
 */
export async function checkSettings(connection: KafkaConnection): Promise<void> {
  const admin = new Admin({ ...clientOptions(connection), retries: 0 });
  try {
    await admin.metadata({ topics: [] });
  } catch (error) {
    const explained = settingError(error, connection);
    if (explained && explained.variable !== 'KAFKA_BROKERS') throw explained;
  } finally {
    await admin.close().catch(() => {});
  }
}

/** Creates the pipeline's topics that are missing (partitions, retention); existing ones are left as they are. */
export async function ensureTopics(connection: KafkaConnection, replicationFactor: number): Promise<string[]> {
  await checkSettings(connection);
  const admin = new Admin(clientOptions(connection));
  try {
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_SPECS.filter((t) => !existing.has(t.topic));
    for (const spec of missing) {
      try {
        await admin.createTopics({
          topics: [spec.topic],
          partitions: spec.partitions,
          replicas: replicationFactor,
          configs: [{ name: 'retention.ms', value: String(spec.retentionMs) }],
        });
      } catch (error) {
        // Another instance created it meanwhile.
        if (![...errorChain(error)].some((e) => e.apiId === 'TOPIC_ALREADY_EXISTS')) throw error;
      }
    }
    // Created topics have leaders a moment later; producing before then fails.
    const topics = missing.map((t) => t.topic);
    for (let attempt = 0; topics.length > 0; attempt++) {
      const metadata = await admin.metadata({ topics, forceUpdate: true });
      const ready = topics.every((topic) => {
        const partitions = metadata.topics.get(topic)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((p) => p !== undefined && p.leader >= 0);
      });
      if (ready) break;
      if (attempt >= 100) throw new Error(`the created topics have no leaders after 10 s: ${topics.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return topics;
  } catch (error) {
    throw explainKafkaError(error, connection);
  } finally {
    await admin.close().catch(() => {});
  }
}

/** An idempotent producer for publishing (acks=all). */
export async function kafkaPublisher(connection: KafkaConnection): Promise<Publisher> {
  const producer = new Producer({
    ...clientOptions(connection),
    idempotent: true,
    acks: ProduceAcks.ALL,
    serializers: stringSerializers,
  });
  return {
    async send(topic, messages) {
      if (messages.length === 0) return;
      try {
        await producer.send({
          messages: messages.map((m) => ({
            topic,
            ...(m.key !== null ? { key: m.key } : {}),
            value: m.value,
            ...(m.timestamp !== undefined ? { timestamp: BigInt(m.timestamp) } : {}),
          })),
        });
      } catch (error) {
        throw explainKafkaError(error, connection);
      }
    },
    close: () => producer.close(),
  };
}
