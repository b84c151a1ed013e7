package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestNormLimit(t *testing.T) {
	for _, c := range []struct {
		in, want int
		bad      bool
	}{{0, DefaultLimit, false}, {1, 1, false}, {200, 200, false}, {201, MaxLimit, false}, {1 << 30, MaxLimit, false}, {-1, 0, true}} {
		got, err := normLimit(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("normLimit(%d) = %d, %v", c.in, got, err)
		}
	}
}

func TestCheckID(t *testing.T) {
	for _, c := range []struct {
		v  string
		ok bool
	}{
		{"01JN8S7QG128V1RDEG13H7C8AJ", true},
		{"L0SM9cOFvHcCIhw=", true},
		{"a3f0c9e2-1b2c-4d5e-8f90-0123456789ab", true},
		{"", false},
		{"a#b", false},
		{"a b", false},
		{"tab\there", false},
		{strings.Repeat("x", 129), false},
	} {
		err := checkID("id", c.v)
		if (err == nil) != c.ok {
			t.Errorf("checkID(%q) = %v", c.v, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "id: ") {
			t.Errorf("checkID(%q) error %q does not name the field", c.v, err)
		}
	}
}

func TestIsTransient(t *testing.T) {
	resp := func(code int, err error) error {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: err}}
	}
	code := func(c string) error { return &smithy.GenericAPIError{Code: c, Message: "m"} }
	reason := func(c string) error {
		return &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{{Code: &c}}}
	}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"throughput", &types.ProvisionedThroughputExceededException{}, true},
		{"request limit", &types.RequestLimitExceeded{}, true},
		{"throttling code", code("ThrottlingException"), true},
		{"internal", &types.InternalServerError{}, true},
		{"http 500", resp(500, errors.New("boom")), true},
		{"http 503", resp(503, errors.New("boom")), true},
		{"http 400", resp(400, errors.New("bad")), false},
		{"send error", &smithyhttp.RequestSendError{Err: errors.New("dial")}, true},
		{"net error", &net.OpError{Op: "dial", Err: errors.New("refused")}, true},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"tx conflict", reason("TransactionConflict"), true},
		{"tx throttled", reason("ThrottlingError"), true},
		{"tx condition", reason("ConditionalCheckFailed"), false},
		{"condition", &types.ConditionalCheckFailedException{}, false},
		{"validation", code("ValidationException"), false},
		{"canceled", &smithyhttp.RequestSendError{Err: context.Canceled}, false},
		{"deadline", &smithyhttp.RequestSendError{Err: context.DeadlineExceeded}, false},
		{"nil", nil, false},
	} {
		if got := isTransient(c.err); got != c.want {
			t.Errorf("%s: isTransient = %v, want %v", c.name, got, c.want)
		}
		if c.err == nil {
			continue
		}
		w := wrap("do thing", c.err)
		if errors.Is(w, ErrUnavailable) != c.want || !errors.Is(w, c.err) || !strings.HasPrefix(w.Error(), "do thing: ") {
			t.Errorf("%s: wrap = %v", c.name, w)
		}
	}
}

func TestBlobEncoding(t *testing.T) {
	s := &Store{compressAbove: 100}
	small := []byte(`{"a":1}`)
	av, err := s.encodeBlob("doc", small)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := av.(*types.AttributeValueMemberS); !ok || v.Value != string(small) {
		t.Fatalf("small blob stored as %#v", av)
	}
	notUTF8 := []byte{'"', 0xff, '"'}
	if av, _ := s.encodeBlob("doc", notUTF8); func() bool { _, ok := av.(*types.AttributeValueMemberB); return !ok }() {
		t.Fatalf("invalid UTF-8 stored as %#v", av)
	}
	large := bytes.Repeat([]byte(`{"k":"value"},`), 100)
	av, err = s.encodeBlob("doc", large)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := av.(*types.AttributeValueMemberB)
	if !ok || !bytes.HasPrefix(b.Value, gzipMagic) || len(b.Value) >= len(large) {
		t.Fatalf("large blob stored as %T (%d bytes)", av, len(b.Value))
	}
	for _, in := range [][]byte{small, notUTF8, large} {
		av, _ := s.encodeBlob("doc", in)
		out, err := decodeBlob("doc", av)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("round trip of %d bytes: %v", len(in), err)
		}
	}
	if _, err := decodeBlob("doc", &types.AttributeValueMemberB{Value: []byte{0x1f, 0x8b, 0, 1}}); err == nil {
		t.Fatal("corrupt gzip decoded without error")
	}
	if _, err := decodeBlob("doc", &types.AttributeValueMemberN{Value: "1"}); err == nil {
		t.Fatal("number attribute decoded as blob")
	}
}

func FuzzBlobRoundTrip(f *testing.F) {
	f.Add([]byte(`{"nodes":[]}`))
	f.Add(bytes.Repeat([]byte("abc"), 100))
	f.Add([]byte{0x1f, 0x8b, 0x08})
	f.Add([]byte{})
	s := &Store{compressAbove: 64}
	f.Fuzz(func(t *testing.T, in []byte) {
		av, err := s.encodeBlob("doc", in)
		if err != nil {
			t.Fatalf("encode %d bytes: %v", len(in), err)
		}
		// Raw bytes that happen to start like gzip are ambiguous; the store
		// only stores JSON, which never does.
		if len(in) <= s.compressAbove && bytes.HasPrefix(in, gzipMagic) {
			return
		}
		out, err := decodeBlob("doc", av)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("round trip of %q: %q, %v", in, out, err)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	q := query{index: IndexGSI1, pk: "T#a#P#b#F#c#RUNS"}
	attrs := q.cursorAttrs()
	good := encodeCursor(item{"GSI1PK": avS(q.pk), "GSI1SK": avS("01J"), "PK": avS("T#a#P#b#R#01J"), "SK": avS("RUN")}, attrs)
	f.Add(good)
	f.Add("")
	f.Add("!!!")
	f.Add("e30")
	f.Add(encodeCursor(item{"GSI1PK": avS("T#x#P#b#F#c#RUNS"), "GSI1SK": avS("1"), "PK": avS("p"), "SK": avS("s")}, attrs))
	f.Fuzz(func(t *testing.T, c string) {
		esk, err := decodeCursor(c, attrs, q)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "cursor" {
				t.Fatalf("error %v does not name the cursor", err)
			}
			return
		}
		if c == "" {
			if esk != nil {
				t.Fatal("empty cursor decoded to a key")
			}
			return
		}
		if len(esk) != len(attrs) || getS(esk, attrGSI1PK) != q.pk {
			t.Fatalf("accepted cursor %q decodes to %v", c, esk)
		}
		if again := encodeCursor(esk, attrs); again != c {
			if _, err := decodeCursor(again, attrs, q); err != nil {
				t.Fatalf("re-encoded cursor rejected: %v", err)
			}
		}
	})
}

func FuzzValidateSlug(f *testing.F) {
	for _, s := range []string{"shop", "my-shop-2", "-x", "x-", "a--b", "UPPER", strings.Repeat("a", 41), "ünï", "a.b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := ValidateSlug(s); err != nil {
			if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "slug: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(s) == 0 || len(s) > MaxSlugLen || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("accepted %q with %q", s, r)
			}
		}
	})
}

// FuzzNodeOrders: a run item's list of node result orders is read back exactly as
// written, and anything else makes retention read the run's partition instead.
func FuzzNodeOrders(f *testing.F) {
	for _, s := range []string{"0,1,2", "none", "", "7", "1,,2", "-1", "x", "0,99999999", "3,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p := partsOf(item{"run": &types.AttributeValueMemberS{Value: "r1"}, attrNodeOrders: &types.AttributeValueMemberS{Value: v}})
		if p.run != "r1" {
			t.Fatalf("run id %q", p.run)
		}
		if !p.known {
			if p.orders != nil {
				t.Fatalf("orders %v for an unknown partition", p.orders)
			}
			return
		}
		if v == noNodeOrders {
			if len(p.orders) != 0 {
				t.Fatalf("%q gave orders %v", v, p.orders)
			}
			return
		}
		back := make([]string, len(p.orders))
		for i, o := range p.orders {
			if o < 0 {
				t.Fatalf("negative order %d from %q", o, v)
			}
			back[i] = fmt.Sprint(o)
		}
		// nodeSK must be able to name every order it accepted
		for _, o := range p.orders {
			if !strings.HasPrefix(nodeSK(o), preNode) {
				t.Fatalf("order %d has no node key", o)
			}
		}
		if len(back) == 0 {
			t.Fatalf("%q: known with no orders but not %q", v, noNodeOrders)
		}
	})
}
