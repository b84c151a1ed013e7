// Package publish posts run events to the WebSocket connections subscribed
// to a flow (see package live for the wire format and the connection
// handler): Publisher coalesces, orders, summarises and posts them through
// the API Gateway Management API; ForRuns wires one per run for the router,
// the runner and the local cloud. Each subscriber list read is checked
// against the tenant's members (SubscriberAccess), so a member removed after
// subscribing gets no more events.
package publish
