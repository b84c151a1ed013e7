// Package live streams run events to the editor over WebSockets. This
// package is the WebSocket API function's side: Handler takes $connect with a
// JWT (see below), $disconnect, and the subscribe / unsubscribe / ping actions. The
// runs' side is package live/publish, whose Publisher implements
// engine.Publisher for one flow: it coalesces bursts of events into
// JSON-array messages (at most 128 KB, large data summarised), posts them to
// every connection subscribed to the flow through the API Gateway Management
// API, in parallel, and deletes connections that answer 410 Gone. The split
// keeps the flow engine out of the WebSocket function's binary.
//
// The $connect handshake carries the caller's access token in a header, never
// in the URL: URLs end up in browser console errors and in proxy, CloudFront and
// API Gateway logs. Browsers can set no header on a WebSocket request but
// Sec-WebSocket-Protocol, so the editor offers two subprotocols,
// new WebSocket(url, ["polysynergy.v1", "bearer." + token]) (a JWT's characters
// are all valid in a subprotocol name); API Gateway passes the request headers to
// the $connect function in headers / multiValueHeaders, and sends the
// Sec-WebSocket-Protocol header of the function's answer back in the handshake.
// Handler selects Protocol ("polysynergy.v1"), never the bearer one, so the token
// does not come back; a browser closes a connection whose offered subprotocols
// get no answer. Clients that can set headers may send Authorization: Bearer
// instead. A token in the query string (?token=, the old form) is refused with
// 401, even beside a good one, as are a missing, doubled or bad token; the log
// says why, never the token.
//
// The alternative, a short-lived single-use ticket fetched from the REST API and
// put in the URL, would need a ticket store and an API route, one more round trip
// before every (re)connect, and still leaves a credential in logged URLs (if one
// that is spent); the subprotocol needs neither and keeps the one token the
// editor already has and refreshes.
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
