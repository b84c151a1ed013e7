// Package routing parses trigger hosts and paths into a project and stage, and
// matches request paths against a project stage's published routes.
//
// A trigger request addresses a project stage either by host,
// "{project}-{stage}.<base domain>" (the first label splits at its last hyphen),
// or by path, "/{project}/{stage}/…". [ParseHost] and [ParsePath] return a
// [Target] or a typed error ([*HostError], [*PathError]) whose Reason sentence
// can be sent back with a 400.
//
// A [Route] is a method and an ordered list of [Segment]s, each static ("users")
// or a typed variable ("{id:uuid}"). [ParsePattern] and [Pattern.String] convert
// between the text form and segments; [Pattern.Key] and [Route.Key] give the
// canonical form (variable names dropped) used to refuse duplicate routes.
//
// A [Table] holds the routes of one project stage in a segment trie. [Table.Match]
// prefers static segments over variables and, among variables, uuid over number
// over string over any, backtracking when a preferred branch dead-ends. It
// returns [ErrNotFound] (404) or a [*MethodNotAllowedError] (405) when no route
// fits. A Table is immutable after [NewTable] and safe for concurrent use.
package routing
