/**
 * liverseg's contracts: protobuf messages (generated into {@code io.liverseg.proto.events.v1}), the topics
 * they travel on and their CloudEvents types.
 */
package io.liverseg.proto;
