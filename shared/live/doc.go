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
// full value is in the run's node results over REST. Replies to client
// messages are single objects: {"type":"subscribed"|"unsubscribed"|"pong"|
// "error", "id", "action", "tenant", "project", "flow", "message"}.
//
// Client → server: {"action":"subscribe","tenant":…,"project":…,"flow":…}
// (tenant optional), {"action":"unsubscribe",…}, {"action":"ping"}; an
// optional "id" is echoed in the reply.
package live
