// Package mgmtapi is the local cloud's stand-in for an API Gateway WebSocket
// API: a Gateway that accepts real WebSocket connections and invokes the
// WebSocket function with the exact $connect / message / $disconnect events
// API Gateway sends (route selection on the JSON "action" member, the 2-hour
// lifetime and 10-minute idle limits), a Registry of the live connections,
// and the server side of the API Gateway Management API
// (POST/GET/DELETE /@connections/{id}) in the wire format of the AWS SDK's
// apigatewaymanagementapi client, so the functions' own client — pointed at
// this server — reaches the connections unchanged.
package mgmtapi
