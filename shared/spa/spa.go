// Package spa holds the one rule by which the editor's hosts tell its files from its pages:
// a request for a file of the build gets the file, or a 404 when the build lacks it (an
// old page asking for a script a newer build replaced), and any other path is a page of the
// single-page app and gets index.html. The local cloud applies it in Go (StaticFile); the
// CloudFront distribution runs ViewerRequestFunction, the same rule in JavaScript.
package spa

import (
	"path"
	"slices"
	"strings"
)

// AssetsPrefix is where the build puts its hashed scripts and styles.
const AssetsPrefix = "/assets/"

// staticExtensions are the file extensions that name files rather than pages.
var staticExtensions = []string{"css", "gif", "ico", "jpeg", "jpg", "js", "json", "map", "mjs", "png", "svg",
	"ttf", "txt", "wasm", "webmanifest", "webp", "woff", "woff2", "xml"}

// StaticFile reports whether a request path names a file of the editor's build rather
// than a page of the app: anything under AssetsPrefix, or a name with a static file's
// extension.
func StaticFile(p string) bool {
	if strings.HasPrefix(p, AssetsPrefix) {
		return true
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(p)), ".")
	return ext != "" && slices.Contains(staticExtensions, ext)
}

// ViewerRequestFunction is StaticFile as a CloudFront Function (cloudfront-js-2.0) for the
// viewer-request event: it sends every page path to /index.html and leaves files alone.
func ViewerRequestFunction() string {
	exts := make([]string, len(staticExtensions))
	for i, e := range staticExtensions {
		exts[i] = "'" + e + "': true"
	}
	return `var staticExtensions = {` + strings.Join(exts, ", ") + `};
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('` + AssetsPrefix + `') === 0) {
    return request;
  }
  var name = uri.substring(uri.lastIndexOf('/') + 1);
  var dot = name.lastIndexOf('.');
  if (dot >= 0 && staticExtensions[name.substring(dot + 1).toLowerCase()] === true) {
    return request;
  }
  request.uri = '/index.html';
  return request;
}
`
}
