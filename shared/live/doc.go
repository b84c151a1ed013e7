// Package live streams run events to the editor over WebSockets. This
// package is the WebSocket API function's side: Handler takes $connect with a
// JWT, $disconnect, and the subscribe / unsubscribe / ping actions. The
// runs' side is package live/publish, whose Publisher implements
// engine.Publisher for one flow: it coalesces bursts of events into
// JSON-array messages (at most 128 KB, large data summarised), posts them to
// every connection subscribed to the flow through the API Gateway Management
// API, in parallel, and deletes connections that answer 410 Gone. The split
// keeps the flow engine out of the WebSocket function's binary.
//
// Wire format, server → client: every message is a JSON array of
// engine.Event objects (type, run_id, flow_id, seq, time, node, …, data),
// in seq order per run. A value of data too large to send is replaced by
// {"$summary":true,"bytes":N,"preview":"…","path":"/json/pointer"}; the
// full value is in the run's node results over REST.
//
// Client → server: {"action":"subscribe","tenant":…,"project":…,"flow":…}
// (tenant optional: without it the project is looked up among the caller's
// tenants), {"action":"unsubscribe",…} alike, {"action":"ping"}; an optional
// "id" (at most 128 bytes) is echoed in the reply.
//
// Each client message gets one reply, a single JSON object (Reply):
//
//	{"type":"pong","id"}
//	{"type":"subscribed","id","tenant","project","flow"}
//	{"type":"unsubscribed","id","tenant","project","flow"}
//	{"type":"error","id","action","tenant","project","flow","field","message"}
//
// subscribed and unsubscribed always name the tenant: the one given, else the
// one found. Unsubscribing is idempotent: a flow the connection does not
// follow (any more) is answered unsubscribed too, with the tenant of its
// project; a project none of the caller's tenants holds is an error.
// An error names in "field" what it is about — a member of the message
// (action, id, tenant, project, flow), "message" for a body that is not a
// JSON object, "connection" for a connection not registered (reconnect) —
// and "message" reads "field: reason"; an internal error has no field. An
// error about a well-formed subscribe or unsubscribe echoes the ids it names,
// as its success would.
package live
