// Package publish posts run events to the WebSocket connections subscribed
// to a flow (see package live for the wire format and the connection
// handler): Publisher coalesces, orders, summarises and posts them through
// the API Gateway Management API; ForRuns wires one per run for the router,
// the runner and the local cloud.
package publish
