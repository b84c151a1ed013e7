package schedule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
)

// fakeScheduler is an httptest server speaking the EventBridge Scheduler
// REST-JSON API for schedules, as the SDK's serializers call it:
//
//	POST   /schedules/{Name}                  CreateSchedule (JSON body, GroupName inside)
//	PUT    /schedules/{Name}                  UpdateSchedule (JSON body, GroupName inside)
//	DELETE /schedules/{Name}?groupName=...     DeleteSchedule
//	GET    /schedules/{Name}?groupName=...     GetSchedule
//
// Errors are answered like the service: status code, X-Amzn-ErrorType header
// and a {"Message": ...} body. Every request is recorded.
type fakeScheduler struct {
	t      *testing.T
	server *httptest.Server

	mu        sync.Mutex
	schedules map[string]map[string]any // "group/name" → last accepted body
	requests  []recordedRequest
	// before, when set, runs under the lock before each request is handled.
	before func(f *fakeScheduler, method, group, name string)
	// inject answers the next requests of a method with an error instead.
	inject map[string][]fakeError
}

type recordedRequest struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   map[string]any
	Status int
}

type fakeError struct {
	status int
	code   string
}

const (
	fakeRegion    = "eu-west-1"
	fakeAccessKey = "AKIDSCHEDULETEST"
)

func newFakeScheduler(t *testing.T) *fakeScheduler {
	f := &fakeScheduler{t: t, schedules: map[string]map[string]any{}, inject: map[string][]fakeError{}}
	f.server = httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.server.Close)
	return f
}

// client returns a real SDK client pointed at the fake.
func (f *fakeScheduler) client() *scheduler.Client {
	return scheduler.New(scheduler.Options{
		Region:           fakeRegion,
		BaseEndpoint:     aws.String(f.server.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(fakeAccessKey, "secret", ""),
		HTTPClient:       f.server.Client(),
		RetryMaxAttempts: 1,
	})
}

var (
	fakeNamePattern = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)
	fakeCronPattern = regexp.MustCompile(`^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$`)
)

func (f *fakeScheduler) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec := recordedRequest{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone()}
	status, resp := f.serve(r, &rec)
	rec.Status = status
	f.requests = append(f.requests, rec)
	w.Header().Set("Content-Type", "application/json")
	if e, ok := resp.(fakeError); ok {
		w.Header().Set("X-Amzn-ErrorType", e.code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"Message":%q}`, e.code+" from fake scheduler")
		return
	}
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		f.t.Errorf("fake scheduler: encode response: %v", err)
	}
}

func (f *fakeScheduler) serve(r *http.Request, rec *recordedRequest) (int, any) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+fakeAccessKey+"/") ||
		!strings.Contains(auth, "/"+fakeRegion+"/scheduler/aws4_request") {
		return http.StatusForbidden, fakeError{http.StatusForbidden, "UnrecognizedClientException"}
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/schedules/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return http.StatusNotFound, fakeError{http.StatusNotFound, "UnknownOperationException"}
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			return http.StatusBadRequest, fakeError{http.StatusBadRequest, "ValidationException"}
		}
		raw, err := io.ReadAll(r.Body)
		if err != nil || json.Unmarshal(raw, &rec.Body) != nil {
			return http.StatusBadRequest, fakeError{http.StatusBadRequest, "ValidationException"}
		}
	}
	group := "default"
	switch r.Method {
	case http.MethodPost, http.MethodPut:
		if g, ok := rec.Body["GroupName"].(string); ok {
			group = g
		}
	default:
		if g := r.URL.Query().Get("groupName"); g != "" {
			group = g
		}
	}
	if f.before != nil {
		f.before(f, r.Method, group, name)
	}
	if q := f.inject[r.Method]; len(q) > 0 {
		f.inject[r.Method] = q[1:]
		return q[0].status, q[0]
	}
	if !fakeNamePattern.MatchString(name) || !fakeNamePattern.MatchString(group) {
		return http.StatusBadRequest, fakeError{http.StatusBadRequest, "ValidationException"}
	}
	key := group + "/" + name
	arn := fmt.Sprintf("arn:aws:scheduler:%s:123456789012:schedule/%s/%s", fakeRegion, group, name)
	switch r.Method {
	case http.MethodPost, http.MethodPut:
		if !validFakeBody(rec.Body) {
			return http.StatusBadRequest, fakeError{http.StatusBadRequest, "ValidationException"}
		}
		// "The StartDate you specify cannot be earlier than 5 minutes ago."
		if start, ok := rec.Body["StartDate"].(float64); ok && time.Unix(int64(start), 0).Before(time.Now().Add(-5*time.Minute)) {
			return http.StatusBadRequest, fakeError{http.StatusBadRequest, "ValidationException"}
		}
		_, exists := f.schedules[key]
		if r.Method == http.MethodPost && exists {
			return http.StatusConflict, fakeError{http.StatusConflict, "ConflictException"}
		}
		if r.Method == http.MethodPut && !exists {
			return http.StatusNotFound, fakeError{http.StatusNotFound, "ResourceNotFoundException"}
		}
		f.schedules[key] = rec.Body
		return http.StatusOK, map[string]string{"ScheduleArn": arn}
	case http.MethodDelete:
		if _, exists := f.schedules[key]; !exists {
			return http.StatusNotFound, fakeError{http.StatusNotFound, "ResourceNotFoundException"}
		}
		delete(f.schedules, key)
		return http.StatusOK, map[string]string{}
	case http.MethodGet:
		body, exists := f.schedules[key]
		if !exists {
			return http.StatusNotFound, fakeError{http.StatusNotFound, "ResourceNotFoundException"}
		}
		out := map[string]any{"Arn": arn, "Name": name}
		for k, v := range body {
			out[k] = v
		}
		return http.StatusOK, out
	}
	return http.StatusMethodNotAllowed, fakeError{http.StatusMethodNotAllowed, "UnknownOperationException"}
}

// validFakeBody checks the members the service requires on create and update.
func validFakeBody(b map[string]any) bool {
	expr, _ := b["ScheduleExpression"].(string)
	ftw, _ := b["FlexibleTimeWindow"].(map[string]any)
	target, _ := b["Target"].(map[string]any)
	return fakeCronPattern.MatchString(expr) && ftw["Mode"] != nil && target["Arn"] != nil && target["RoleArn"] != nil
}

func (f *fakeScheduler) recorded() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.requests...)
}

func (f *fakeScheduler) stored(group, name string) (map[string]any, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.schedules[group+"/"+name]
	return b, ok
}

func (f *fakeScheduler) put(group, name string, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schedules[group+"/"+name] = body
}
