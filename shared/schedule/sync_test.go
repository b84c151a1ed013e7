package schedule

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

const (
	testTarget = "arn:aws:lambda:eu-west-1:123456789012:function:polysynergy-runner"
	testRole   = "arn:aws:iam::123456789012:role/polysynergy-scheduler"
	testGroup  = "polysynergy-prod"
)

func testSpec(t *testing.T) ScheduleSpec {
	// a start in the future: EventBridge refuses one more than 5 minutes ago
	start := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	end := start.AddDate(1, 0, 0)
	return ScheduleSpec{
		Name:      Name("01JTENANT", "01JPROJECT", "01JFLOW", "prod"),
		Cron:      "*/15 9-17 * * 1-5",
		TimeZone:  "Europe/Amsterdam",
		Start:     &start,
		End:       &end,
		Enabled:   true,
		TargetARN: testTarget,
		RoleARN:   testRole,
		Input:     `{"kind":"schedule","tenant":"01JTENANT","project":"01JPROJECT","flow":"01JFLOW","stage":"prod"}`,
	}
}

func TestSyncerUpsertCreates(t *testing.T) {
	fake := newFakeScheduler(t)
	s := NewSyncer(fake.client(), testGroup, nil)
	spec := testSpec(t)
	if err := s.Upsert(context.Background(), spec); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	reqs := fake.recorded()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1 CreateSchedule: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/schedules/"+spec.Name || r.Status != http.StatusOK {
		t.Fatalf("request = %s %s → %d, want POST /schedules/%s → 200", r.Method, r.Path, r.Status, spec.Name)
	}
	want := map[string]any{
		"GroupName":                  testGroup,
		"ScheduleExpression":         "cron(*/15 9-17 ? * 2-6 *)",
		"ScheduleExpressionTimezone": "Europe/Amsterdam",
		"State":                      "ENABLED",
		"StartDate":                  float64(spec.Start.Unix()),
		"EndDate":                    float64(spec.End.Unix()),
		"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
		"Description":                "PolySynergy: Every 15 minutes between 09:00 and 17:59 on Monday through Friday (Europe/Amsterdam)",
		"Target": map[string]any{
			"Arn":     testTarget,
			"RoleArn": testRole,
			"Input":   spec.Input,
		},
	}
	body := r.Body
	token, _ := body["ClientToken"].(string)
	if token == "" {
		t.Errorf("CreateSchedule body has no ClientToken: %v", body)
	}
	delete(body, "ClientToken")
	if !reflect.DeepEqual(body, want) {
		t.Errorf("CreateSchedule body\n got %#v\nwant %#v", body, want)
	}
	if _, ok := fake.stored(testGroup, spec.Name); !ok {
		t.Errorf("schedule %s/%s not stored by the fake", testGroup, spec.Name)
	}
}

func TestSyncerUpsertUpdatesOnConflict(t *testing.T) {
	fake := newFakeScheduler(t)
	s := NewSyncer(fake.client(), testGroup, nil)
	ctx := context.Background()
	spec := testSpec(t)
	if err := s.Upsert(ctx, spec); err != nil {
		t.Fatalf("first Upsert: %v", err)
	}
	spec.Cron = "@weekly"
	spec.TimeZone = "America/New_York"
	spec.Enabled = false
	spec.Start, spec.End = nil, nil
	spec.Input = `{"kind":"schedule","v":2}`
	if err := s.Upsert(ctx, spec); err != nil {
		t.Fatalf("second Upsert: %v", err)
	}
	reqs := fake.recorded()
	var got []string
	for _, r := range reqs {
		got = append(got, r.Method+" "+r.Path+" "+http.StatusText(r.Status))
	}
	path := "/schedules/" + spec.Name
	want := []string{"POST " + path + " OK", "POST " + path + " Conflict", "PUT " + path + " OK"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("requests = %v, want %v", got, want)
	}
	if h := reqs[1].Header.Get("Content-Type"); h != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", h)
	}
	upd := reqs[2].Body
	checks := map[string]any{
		"GroupName":                  testGroup,
		"ScheduleExpression":         "cron(0 0 ? * 1 *)",
		"ScheduleExpressionTimezone": "America/New_York",
		"State":                      "DISABLED",
		"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
		"Target":                     map[string]any{"Arn": testTarget, "RoleArn": testRole, "Input": `{"kind":"schedule","v":2}`},
	}
	for k, v := range checks {
		if !reflect.DeepEqual(upd[k], v) {
			t.Errorf("UpdateSchedule %s = %#v, want %#v", k, upd[k], v)
		}
	}
	for _, k := range []string{"StartDate", "EndDate"} {
		if _, ok := upd[k]; ok {
			t.Errorf("UpdateSchedule sent %s = %v for a spec without it", k, upd[k])
		}
	}
	stored, _ := fake.stored(testGroup, spec.Name)
	if stored["ScheduleExpression"] != "cron(0 0 ? * 1 *)" || stored["State"] != "DISABLED" {
		t.Errorf("stored schedule = %v, want the updated one", stored)
	}
}

func TestSyncerUpsertRecreatesWhenDeletedDuringUpdate(t *testing.T) {
	fake := newFakeScheduler(t)
	spec := testSpec(t)
	fake.put(testGroup, spec.Name, map[string]any{"ScheduleExpression": "cron(0 0 * * ? *)"})
	// Someone deletes the schedule between our conflicting create and the update.
	fake.before = func(f *fakeScheduler, method, group, name string) {
		if method == http.MethodPut {
			delete(f.schedules, group+"/"+name)
		}
	}
	if err := NewSyncer(fake.client(), testGroup, nil).Upsert(context.Background(), spec); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	var got []string
	for _, r := range fake.recorded() {
		got = append(got, r.Method+" "+http.StatusText(r.Status))
	}
	if want := []string{"POST Conflict", "PUT Not Found", "POST OK"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("requests = %v, want %v", got, want)
	}
	stored, ok := fake.stored(testGroup, spec.Name)
	if !ok || stored["ScheduleExpression"] != "cron(*/15 9-17 ? * 2-6 *)" {
		t.Errorf("stored = %v, want the recreated schedule", stored)
	}
}

func TestSyncerUpsertGroups(t *testing.T) {
	fake := newFakeScheduler(t)
	spec := testSpec(t)
	spec.GroupName = "other-group"
	if err := NewSyncer(fake.client(), testGroup, nil).Upsert(context.Background(), spec); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	spec.GroupName = ""
	spec.TimeZone = ""
	spec.Input = ""
	if err := NewSyncer(fake.client(), "", nil).Upsert(context.Background(), spec); err != nil {
		t.Fatalf("Upsert without group: %v", err)
	}
	reqs := fake.recorded()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if g := reqs[0].Body["GroupName"]; g != "other-group" {
		t.Errorf("GroupName = %v, want the spec's other-group", g)
	}
	if g, ok := reqs[1].Body["GroupName"]; ok {
		t.Errorf("GroupName = %v sent, want none (the default group)", g)
	}
	if z := reqs[1].Body["ScheduleExpressionTimezone"]; z != "UTC" {
		t.Errorf("ScheduleExpressionTimezone = %v, want UTC for an empty zone", z)
	}
	if in, ok := reqs[1].Body["Target"].(map[string]any)["Input"]; ok {
		t.Errorf("Target.Input = %v sent for an empty input", in)
	}
	for _, g := range []string{"other-group", "default"} {
		if _, ok := fake.stored(g, spec.Name); !ok {
			t.Errorf("no schedule stored in group %s", g)
		}
	}
}

func TestSyncerUpsertRejectsInvalidSpecs(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*ScheduleSpec)
		field  string
		text   string
	}{
		{"empty name", func(s *ScheduleSpec) { s.Name = "" }, "Name", `Name field ""`},
		{"name with a slash", func(s *ScheduleSpec) { s.Name = "a/b" }, "Name", "must be 1-64 characters"},
		{"name too long", func(s *ScheduleSpec) { s.Name = strings.Repeat("a", 65) }, "Name", "must be 1-64 characters"},
		{"bad group", func(s *ScheduleSpec) { s.GroupName = "my group" }, "GroupName", `GroupName field "my group"`},
		{"bad cron", func(s *ScheduleSpec) { s.Cron = "0 25 * * *" }, FieldHour, `hour field "25": value 25 is out of range 0-23`},
		{"bad zone", func(s *ScheduleSpec) { s.TimeZone = "Europe/Atlantis" }, FieldTimeZone, `time zone "Europe/Atlantis"`},
		{"end before start", func(s *ScheduleSpec) { s.End = new(s.Start.Add(-time.Hour)) }, "End", "must be after Start"},
		{"no target", func(s *ScheduleSpec) { s.TargetARN = "" }, "TargetARN", `TargetARN field "": is required`},
		{"no role", func(s *ScheduleSpec) { s.RoleARN = "" }, "RoleARN", `RoleARN field "": is required`},
		{"input not JSON", func(s *ScheduleSpec) { s.Input = "{kind: schedule}" }, "Input", `Input field "{kind: schedule}": is not valid JSON`},
		{"both days restricted", func(s *ScheduleSpec) { s.Cron = "0 9 1 * MON" }, "", "cannot be expressed as an EventBridge Scheduler cron expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeScheduler(t)
			spec := testSpec(t)
			tt.modify(&spec)
			err := NewSyncer(fake.client(), testGroup, nil).Upsert(context.Background(), spec)
			if err == nil {
				t.Fatal("Upsert succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.text) || !strings.HasPrefix(err.Error(), "upsert schedule ") {
				t.Errorf("error %q does not start with \"upsert schedule\" and mention %q", err, tt.text)
			}
			var pe *Error
			switch {
			case tt.field == "":
				if !errors.Is(err, ErrNotExpressible) {
					t.Errorf("error %v does not wrap ErrNotExpressible", err)
				}
			case !errors.As(err, &pe) || pe.Field != tt.field:
				t.Errorf("error %v is not an *Error for field %s", err, tt.field)
			}
			if n := len(fake.recorded()); n != 0 {
				t.Errorf("%d requests sent for an invalid spec, want 0", n)
			}
		})
	}
}

func TestSyncerUpsertReportsServiceErrors(t *testing.T) {
	fake := newFakeScheduler(t)
	fake.inject[http.MethodPost] = []fakeError{{http.StatusBadRequest, "ValidationException"}}
	err := NewSyncer(fake.client(), testGroup, nil).Upsert(context.Background(), testSpec(t))
	if _, ok := errors.AsType[*types.ValidationException](err); !ok {
		t.Fatalf("Upsert error = %v, want a wrapped ValidationException", err)
	}
	if !strings.HasPrefix(err.Error(), `create schedule "`) || !strings.Contains(err.Error(), `in group "`+testGroup+`"`) {
		t.Errorf("error %q does not say what was being done", err)
	}

	fake.inject[http.MethodPost] = []fakeError{{http.StatusConflict, "ConflictException"}}
	fake.inject[http.MethodPut] = []fakeError{{http.StatusTooManyRequests, "ThrottlingException"}}
	err = NewSyncer(fake.client(), testGroup, nil).Upsert(context.Background(), testSpec(t))
	if _, ok := errors.AsType[*types.ThrottlingException](err); !ok || !strings.HasPrefix(err.Error(), `update schedule "`) {
		t.Fatalf("Upsert error = %v, want a wrapped ThrottlingException from the update", err)
	}
}

func TestSyncerDelete(t *testing.T) {
	fake := newFakeScheduler(t)
	ctx := context.Background()
	s := NewSyncer(fake.client(), testGroup, nil)
	spec := testSpec(t)
	if err := s.Upsert(ctx, spec); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if err := s.Delete(ctx, spec.Name); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok := fake.stored(testGroup, spec.Name); ok {
		t.Fatal("schedule still stored after Delete")
	}
	if err := s.Delete(ctx, spec.Name); err != nil {
		t.Fatalf("Delete of a missing schedule: %v, want nil", err)
	}
	if err := s.DeleteFromGroup(ctx, "", "never-created"); err != nil {
		t.Fatalf("DeleteFromGroup(default) of a missing schedule: %v, want nil", err)
	}
	reqs := fake.recorded()
	if len(reqs) != 4 {
		t.Fatalf("got %d requests, want 4", len(reqs))
	}
	for i, want := range []struct {
		path, group string
		status      int
	}{
		{"/schedules/" + spec.Name, testGroup, http.StatusOK},
		{"/schedules/" + spec.Name, testGroup, http.StatusNotFound},
		{"/schedules/never-created", "", http.StatusNotFound},
	} {
		r := reqs[i+1]
		if r.Method != http.MethodDelete || r.Path != want.path || r.Query.Get("groupName") != want.group || r.Status != want.status {
			t.Errorf("request %d = %s %s?%s → %d, want DELETE %s?groupName=%s → %d",
				i+1, r.Method, r.Path, r.Query.Encode(), r.Status, want.path, want.group, want.status)
		}
	}
}

func TestSyncerDeleteErrors(t *testing.T) {
	fake := newFakeScheduler(t)
	s := NewSyncer(fake.client(), testGroup, nil)
	if err := s.Delete(context.Background(), "bad name"); err == nil || !strings.Contains(err.Error(), `Name field "bad name"`) {
		t.Errorf("Delete(bad name) = %v, want a Name error", err)
	}
	fake.inject[http.MethodDelete] = []fakeError{{http.StatusConflict, "ConflictException"}}
	err := s.Delete(context.Background(), "busy")
	if _, ok := errors.AsType[*types.ConflictException](err); !ok || !strings.HasPrefix(err.Error(), `delete schedule "busy" in group "`+testGroup+`"`) {
		t.Errorf("Delete error = %v, want a wrapped ConflictException saying what was deleted", err)
	}
	if n := len(fake.recorded()); n != 1 {
		t.Errorf("%d requests, want 1 (the invalid name is rejected locally)", n)
	}
}

func TestSyncerHonoursContext(t *testing.T) {
	fake := newFakeScheduler(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := NewSyncer(fake.client(), testGroup, nil).Upsert(ctx, testSpec(t))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Upsert with a cancelled context = %v, want context.Canceled", err)
	}
}

// A schedule whose start date has passed is synced without it: EventBridge refuses a
// StartDate more than 5 minutes ago, so once the start had passed every publish or edit of
// the schedule failed in AWS (the local cloud, which does not sync, never showed it).
func TestSyncerLeavesOutAStartThatHasPassed(t *testing.T) {
	fake := newFakeScheduler(t)
	s := NewSyncer(fake.client(), testGroup, nil)
	spec := testSpec(t)
	past := time.Now().Add(-30 * 24 * time.Hour)
	spec.Start = &past
	for range 2 { // create, then update
		if err := s.Upsert(context.Background(), spec); err != nil {
			t.Fatalf("Upsert with a start a month ago: %v", err)
		}
	}
	body, _ := fake.stored(testGroup, spec.Name)
	if _, ok := body["StartDate"]; ok {
		t.Errorf("StartDate sent: %v", body["StartDate"])
	}
	if body["EndDate"] != float64(spec.End.Unix()) {
		t.Errorf("EndDate = %v, want %d", body["EndDate"], spec.End.Unix())
	}
}
