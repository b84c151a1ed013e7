package aws

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// s3Object is one object the fake keeps.
type s3Object struct {
	body        []byte
	contentType string
	meta        http.Header
}

// s3Fake is an in-memory S3 speaking the REST XML protocol with path-style
// addressing: PUT/GET/DELETE /bucket/key and GET /bucket?list-type=2. Only the
// bucket "data" exists.
type s3Fake struct {
	mu      sync.Mutex
	objects map[string]s3Object
}

var s3Modified = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>r</RequestId></Error>`, code, msg)
}

func etag(b []byte) string {
	sum := md5.Sum(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func (s *s3Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != "data" {
		s3Error(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	switch {
	case r.Method == http.MethodPut && key != "":
		var b []byte
		buf := make([]byte, 512)
		for {
			n, err := r.Body.Read(buf)
			b = append(b, buf[:n]...)
			if err != nil {
				break
			}
		}
		meta := http.Header{}
		for k, v := range r.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-meta-") {
				meta[k] = v
			}
		}
		s.objects[key] = s3Object{body: b, contentType: r.Header.Get("Content-Type"), meta: meta}
		w.Header().Set("ETag", etag(b))
		w.Header().Set("x-amz-version-id", "v-"+strconv.Itoa(len(s.objects)))
	case r.Method == http.MethodGet && key == "" && r.URL.Query().Get("list-type") == "2":
		s.list(w, r.URL.Query())
	case r.Method == http.MethodGet:
		o, ok := s.objects[key]
		if !ok {
			s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		for k, v := range o.meta {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", o.contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(o.body)))
		w.Header().Set("ETag", etag(o.body))
		w.Header().Set("Last-Modified", s3Modified.Format(http.TimeFormat))
		_, _ = w.Write(o.body)
	case r.Method == http.MethodDelete && key != "":
		delete(s.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "not supported by the fake")
	}
}

func (s *s3Fake) list(w http.ResponseWriter, q url.Values) {
	type content struct {
		Key          string
		Size         int
		ETag         string
		LastModified string
	}
	type prefix struct{ Prefix string }
	type result struct {
		XMLName               xml.Name `xml:"ListBucketResult"`
		Name                  string
		Prefix                string
		KeyCount              int
		MaxKeys               int
		IsTruncated           bool
		NextContinuationToken string `xml:",omitempty"`
		Contents              []content
		CommonPrefixes        []prefix
	}
	maxKeys, _ := strconv.Atoi(q.Get("max-keys"))
	keys := make([]string, 0, len(s.objects))
	for k := range s.objects {
		if strings.HasPrefix(k, q.Get("prefix")) && k > q.Get("continuation-token") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	res := result{Name: "data", Prefix: q.Get("prefix"), MaxKeys: maxKeys}
	seen := map[string]bool{}
	for _, k := range keys {
		if d := q.Get("delimiter"); d != "" {
			if i := strings.Index(k[len(res.Prefix):], d); i >= 0 {
				p := k[:len(res.Prefix)+i+len(d)]
				if !seen[p] {
					seen[p] = true
					res.CommonPrefixes = append(res.CommonPrefixes, prefix{p})
				}
				continue
			}
		}
		if len(res.Contents) == maxKeys {
			res.IsTruncated = true
			res.NextContinuationToken = res.Contents[len(res.Contents)-1].Key
			break
		}
		b := s.objects[k].body
		res.Contents = append(res.Contents, content{Key: k, Size: len(b), ETag: etag(b), LastModified: s3Modified.Format(time.RFC3339)})
	}
	res.KeyCount = len(res.Contents)
	w.Header().Set("Content-Type", "application/xml")
	_ = xml.NewEncoder(w).Encode(res)
}

func request(method, path, query string) func(t *testing.T, req recorded) {
	return func(t *testing.T, req recorded) {
		t.Helper()
		if req.Method != method || req.Path != path {
			t.Errorf("request %s %s, want %s %s", req.Method, req.Path, method, path)
		}
		for _, kv := range strings.Split(query, "&") {
			if kv != "" && !strings.Contains("&"+req.Query+"&", "&"+kv+"&") {
				t.Errorf("query %q lacks %q", req.Query, kv)
			}
		}
	}
}

func TestS3(t *testing.T) {
	r := registry(t)
	s3 := &s3Fake{objects: map[string]s3Object{}}
	rec, endpoint := fake(t, s3.ServeHTTP)
	steps := []struct {
		name    string
		id      string
		in      map[string]any
		want    map[string]any
		wantErr string
		check   func(t *testing.T, req recorded) // nil: no request expected
	}{
		{name: "put text", id: "aws.s3_put", in: map[string]any{"bucket": "data", "key": "notes/a.txt", "body": "hello", "metadata": map[string]any{"owner": "ada"}},
			want: map[string]any{"etag": etag([]byte("hello")), "size": 5.0, "version_id": "v-1"},
			check: func(t *testing.T, req recorded) {
				request(http.MethodPut, "/data/notes/a.txt", "")(t, req)
				header("Content-Type", "text/plain; charset=utf-8")(t, req)
				header("X-Amz-Meta-Owner", "ada")(t, req)
				if string(req.Body) != "hello" {
					t.Errorf("body = %q", req.Body)
				}
			}},
		{name: "put json", id: "aws.s3_put", in: map[string]any{"bucket": "data", "key": "notes/b.json", "body": map[string]any{"n": 1.0}},
			want: map[string]any{"size": 7.0},
			check: func(t *testing.T, req recorded) {
				header("Content-Type", "application/json")(t, req)
				if string(req.Body) != `{"n":1}` {
					t.Errorf("body = %q", req.Body)
				}
			}},
		{name: "put base64 with type", id: "aws.s3_put", in: map[string]any{"bucket": "data", "key": "img/c.bin", "body": "//4=", "encoding": "base64", "content_type": "image/x-test"},
			want: map[string]any{"size": 2.0},
			check: func(t *testing.T, req recorded) {
				header("Content-Type", "image/x-test")(t, req)
				if string(req.Body) != "\xff\xfe" {
					t.Errorf("body = %q", req.Body)
				}
			}},
		{name: "put bad base64", id: "aws.s3_put", in: map[string]any{"bucket": "data", "key": "x", "body": "!!", "encoding": "base64"}, wantErr: `input "body": not valid base64`},
		{name: "put no body", id: "aws.s3_put", in: map[string]any{"bucket": "data", "key": "x"}, wantErr: `input "body": required`},
		{name: "put bad bucket", id: "aws.s3_put", in: map[string]any{"bucket": "a/b", "key": "x", "body": "y"}, wantErr: `input "bucket": a bucket name has no '/'`},
		{name: "get text", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "notes/a.txt"},
			want: map[string]any{"body": "hello", "content_type": "text/plain; charset=utf-8", "size": 5.0, "etag": etag([]byte("hello")),
				"last_modified": "2026-11-27T10:00:00Z", "metadata": map[string]any{"owner": "ada"}},
			check: request(http.MethodGet, "/data/notes/a.txt", "")},
		{name: "get json", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "notes/b.json", "as": "json"},
			want: map[string]any{"body": map[string]any{"n": 1.0}}, check: request(http.MethodGet, "/data/notes/b.json", "")},
		{name: "put a big id", id: "aws.s3_put", in: map[string]any{"bucket": "data", "key": "notes/big.json", "body": `{"id": 9007199254740993}`},
			want: map[string]any{"size": 24.0}, check: request(http.MethodPut, "/data/notes/big.json", "")},
		{name: "get json keeps whole numbers beyond 2^53 exact", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "notes/big.json", "as": "json"},
			want: map[string]any{"body": map[string]any{"id": int64(9007199254740993)}}, check: request(http.MethodGet, "/data/notes/big.json", "")},
		{name: "get base64", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "img/c.bin", "as": "base64"},
			want: map[string]any{"body": "//4=", "content_type": "image/x-test"}, check: request(http.MethodGet, "/data/img/c.bin", "")},
		{name: "get binary as text", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "img/c.bin", "as": "text"},
			wantErr: `input "as": object s3://data/img/c.bin is not UTF-8 text`, check: request(http.MethodGet, "/data/img/c.bin", "")},
		{name: "get too large", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "notes/a.txt", "max_bytes": 4.0},
			wantErr: `input "max_bytes": object s3://data/notes/a.txt has 5 bytes, more than 4`, check: request(http.MethodGet, "/data/notes/a.txt", "")},
		{name: "get text as json", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "notes/a.txt", "as": "json"},
			wantErr: `input "as": object s3://data/notes/a.txt is not JSON`, check: request(http.MethodGet, "/data/notes/a.txt", "")},
		{name: "get missing", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "nope"}, wantErr: "NoSuchKey", check: request(http.MethodGet, "/data/nope", "")},
		{name: "get bad as", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "x", "as": "xml"}, wantErr: `input "as": must be text, json or base64`},
		{name: "get no key", id: "aws.s3_get", in: map[string]any{"bucket": "data"}, wantErr: `input "key": required`},
		{name: "list with delimiter", id: "aws.s3_list", in: map[string]any{"bucket": "data", "delimiter": "/"},
			want:  map[string]any{"objects": []any{}, "prefixes": []any{"img/", "notes/"}, "truncated": false, "next_token": ""},
			check: request(http.MethodGet, "/data", "list-type=2&delimiter=%2F&max-keys=1000")},
		{name: "list prefix paged", id: "aws.s3_list", in: map[string]any{"bucket": "data", "prefix": "notes/", "max_keys": 1.0},
			want: map[string]any{"objects": []any{map[string]any{"key": "notes/a.txt", "size": 5.0, "etag": etag([]byte("hello")), "last_modified": "2026-11-27T10:00:00Z"}},
				"prefixes": []any{}, "truncated": true, "next_token": "notes/a.txt"},
			check: request(http.MethodGet, "/data", "list-type=2&prefix=notes%2F&max-keys=1")},
		{name: "list next page", id: "aws.s3_list", in: map[string]any{"bucket": "data", "prefix": "notes/", "continuation_token": "notes/a.txt"},
			want:  map[string]any{"truncated": false, "next_token": ""},
			check: request(http.MethodGet, "/data", "list-type=2&continuation-token=notes%2Fa.txt")},
		{name: "list bad max", id: "aws.s3_list", in: map[string]any{"bucket": "data", "max_keys": 0.0}, wantErr: `input "max_keys": must be between 1 and 1000`},
		{name: "list no bucket", id: "aws.s3_list", in: map[string]any{"bucket": "other"}, wantErr: "NoSuchBucket", check: request(http.MethodGet, "/other", "list-type=2")},
		{name: "delete", id: "aws.s3_delete", in: map[string]any{"bucket": "data", "key": "notes/a.txt"},
			want: map[string]any{"delete_marker": false, "version_id": ""}, check: request(http.MethodDelete, "/data/notes/a.txt", "")},
		{name: "get deleted", id: "aws.s3_get", in: map[string]any{"bucket": "data", "key": "notes/a.txt"}, wantErr: "NoSuchKey", check: request(http.MethodGet, "/data/notes/a.txt", "")},
		{name: "delete no bucket", id: "aws.s3_delete", in: map[string]any{"bucket": "other", "key": "k"}, wantErr: "bucket does not exist", check: request(http.MethodDelete, "/other/k", "")},
		{name: "presign bad method", id: "aws.s3_presign", in: map[string]any{"bucket": "data", "key": "k", "method": "POST"}, wantErr: `input "method": must be GET or PUT`},
		{name: "presign bad expiry", id: "aws.s3_presign", in: map[string]any{"bucket": "data", "key": "k", "expires_seconds": 604801.0}, wantErr: `input "expires_seconds": must be between 1 and 604800`},
		{name: "presign GET with type", id: "aws.s3_presign", in: map[string]any{"bucket": "data", "key": "k", "content_type": "a/b"}, wantErr: `input "content_type": only a PUT URL`},
	}
	for _, s := range steps {
		before := rec.count()
		out, err := run(t, lookup(t, r, s.id), endpoint, s.in)
		if !checkErr(t, err, s.wantErr) {
			subset(t, s.name, out, s.want)
		}
		if s.check == nil {
			if rec.count() != before {
				t.Errorf("%s: sent a request, want none", s.name)
			}
			continue
		}
		if rec.count() == before {
			t.Errorf("%s: sent no request", s.name)
			continue
		}
		s.check(t, rec.last(t))
	}
}

func TestS3Presign(t *testing.T) {
	r := registry(t)
	s3 := &s3Fake{objects: map[string]s3Object{"files/r.txt": {body: []byte("report"), contentType: "text/plain"}}}
	rec, endpoint := fake(t, s3.ServeHTTP)
	typ := lookup(t, r, "aws.s3_presign")
	cases := []struct {
		name    string
		in      map[string]any
		path    string
		query   map[string]string
		headers map[string]any
	}{
		{name: "get", in: map[string]any{"bucket": "data", "key": "files/r.txt", "expires_seconds": 300.0}, path: "/data/files/r.txt",
			query: map[string]string{"X-Amz-Expires": "300", "X-Amz-Algorithm": "AWS4-HMAC-SHA256"}, headers: map[string]any{}},
		{name: "put with type", in: map[string]any{"bucket": "data", "key": "up/a.png", "method": "put", "content_type": "image/png"}, path: "/data/up/a.png",
			query: map[string]string{"X-Amz-Expires": "900"}, headers: map[string]any{"Content-Type": "image/png"}},
	}
	for _, c := range cases {
		before := time.Now().UTC().Truncate(time.Second)
		out, err := run(t, typ, endpoint, c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if rec.count() != 0 {
			t.Fatalf("%s: presigning sent a request", c.name)
		}
		u, err := url.Parse(out["url"].(string))
		if err != nil || !strings.HasPrefix(out["url"].(string), endpoint+c.path+"?") {
			t.Fatalf("%s: url %q, want %s%s?…", c.name, out["url"], endpoint, c.path)
		}
		q := u.Query()
		for k, v := range c.query {
			if q.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", c.name, k, q.Get(k), v)
			}
		}
		if !strings.HasPrefix(q.Get("X-Amz-Credential"), "AKIDTEST/") || !strings.Contains(q.Get("X-Amz-Credential"), "/eu-west-1/s3/") || q.Get("X-Amz-Signature") == "" {
			t.Errorf("%s: credential %q signature %q", c.name, q.Get("X-Amz-Credential"), q.Get("X-Amz-Signature"))
		}
		subset(t, c.name, out, map[string]any{"method": strings.ToUpper(nodesStr(c.in["method"], "GET")), "headers": c.headers})
		exp, err := time.Parse(time.RFC3339, out["expires_at"].(string))
		secs := 900.0
		if v, ok := c.in["expires_seconds"].(float64); ok {
			secs = v
		}
		if err != nil || exp.Before(before.Add(time.Duration(secs)*time.Second)) || exp.After(before.Add(time.Duration(secs+60)*time.Second)) {
			t.Errorf("%s: expires_at %v, want about %v s from now", c.name, out["expires_at"], secs)
		}
	}
	// the GET URL works against the fake
	out, _ := run(t, typ, endpoint, map[string]any{"bucket": "data", "key": "files/r.txt"})
	resp, err := http.Get(out["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || rec.last(t).Path != "/data/files/r.txt" || rec.last(t).Query == "" {
		t.Fatalf("GET presigned: status %d, request %+v", resp.StatusCode, rec.last(t))
	}
}

func nodesStr(v any, def string) string {
	if s, ok := v.(string); ok {
		return s
	}
	return def
}
