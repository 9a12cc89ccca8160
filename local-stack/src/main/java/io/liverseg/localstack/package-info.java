/**
 * Real infrastructure for integration tests without a Docker engine: an Apache Kafka broker (KRaft, combined
 * mode) and an S3-compatible server (S3Proxy), each in a child JVM on loopback. Start with
 * {@link io.liverseg.localstack.LocalStack#start}; JUnit tests use {@link io.liverseg.localstack.LocalStackExtension},
 * Quarkus tests {@link io.liverseg.localstack.LocalStackResource}; {@link io.liverseg.localstack.LocalStackMain}
 * runs it from the command line.
 */
package io.liverseg.localstack;
