// A real Apache Kafka 4 broker for tests: see server/src/kafka/local-broker.ts (also used by bench/kafka.mjs).
export {
  KAFKA_VERSION,
  kafkaJars,
  startKafka,
  type StartKafkaOptions,
  type TestKafka,
} from '../src/kafka/local-broker.js';
