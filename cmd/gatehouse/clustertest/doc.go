// Package clustertest runs a gatehouse deployment on loopback — a NATS
// cluster of in-process servers, gatehouse nodes as child processes of the
// real binary, haproxy in front — and clients that behave like client
// libraries behind a load balancer (reconnect on op 7 or a drop, resume,
// identify after op 9). The multi-node tests of issue 8 live beside it and
// bench/cmd/clusterbench drives the same harness. Test support: production
// code does not import it.
package clustertest
