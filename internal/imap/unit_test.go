package imap

import (
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestTracker(t *testing.T) {
	tr := newTracker(10)
	todo := tr.list([]uint32{14, 9, 10, 11, 12, 11})
	if !slices.Equal(todo, []uint32{11, 12, 14}) {
		t.Fatalf("list = %v, want [11 12 14]: UIDs at or below the base are dropped", todo)
	}
	if m := tr.markFor(12); m != 10 {
		t.Errorf("markFor(12) with 11 pending = %d, want 10", m)
	}
	if m := tr.markFor(11); m != 11 {
		t.Errorf("markFor(11) = %d, want 11", m)
	}
	if base := tr.settle(12); base != 10 {
		t.Errorf("base after settling 12 = %d, want 10 (11 pending)", base)
	}
	if m := tr.markFor(11); m != 12 {
		t.Errorf("markFor(11) with 12 settled = %d, want 12", m)
	}
	if base := tr.settle(11); base != 12 {
		t.Errorf("base after settling 11 = %d, want 12", base)
	}

	// 14 failed and is listed again with a new message; 13 never existed.
	todo = tr.list([]uint32{12, 14, 15})
	if !slices.Equal(todo, []uint32{14, 15}) {
		t.Fatalf("list = %v, want [14 15]", todo)
	}
	tr.settle(15)
	if base := tr.current(); base != 12 {
		t.Errorf("base = %d, want 12 while 14 is pending", base)
	}
	// 14 is expunged by another client: it no longer holds the base.
	todo = tr.list([]uint32{15})
	if len(todo) != 0 {
		t.Errorf("list = %v, want nothing to do", todo)
	}
	if base := tr.current(); base != 15 {
		t.Errorf("base = %d, want 15 once 14 is gone", base)
	}
}

func TestEnvelopeSender(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"return path", "Return-Path: <jeanne@example.org>\r\nFrom: Autre <autre@example.org>\r\n\r\nx", "jeanne@example.org"},
		{"null return path", "Return-Path: <>\r\nFrom: MAILER-DAEMON@example.org\r\n\r\nx", ""},
		{"from only", "Subject: x\r\nFrom: Jeanne Martin <jeanne@example.org>\r\n\r\nx", "jeanne@example.org"},
		{"folded from", "From: \"Martin, Jeanne\"\r\n <jeanne@example.org>\r\n\r\nx", "jeanne@example.org"},
		{"lower-case name and LF", "from: jeanne@example.org\n\nx", "jeanne@example.org"},
		{"unparsable from kept", "From: jeanne at example\r\n\r\nx", "jeanne at example"},
		{"first of a list", "From: a@example.org, b@example.org\r\n\r\nx", "a@example.org"},
		{"no sender", "Subject: x\r\n\r\nFrom: body@example.org\r\n", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := envelopeSender([]byte(tc.raw)); got != tc.want {
				t.Errorf("envelopeSender = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzEnvelopeSender(f *testing.F) {
	f.Add([]byte("Return-Path: <a@example.org>\r\nFrom: b@example.org\r\n\r\nbody"))
	f.Add([]byte("From: \"x\" <\r\n y@example.org>\n\n"))
	f.Add([]byte(" continuation first\r\nFrom:\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		envelopeSender(raw)
	})
}

func TestRangesWithout(t *testing.T) {
	tests := []struct {
		first, last uint32
		skip        []uint32
		want        string
	}{
		{1, 5, nil, "1:5"},
		{1, 5, []uint32{3}, "1:2,4:5"},
		{1, 5, []uint32{5, 1}, "2:4"},
		{3, 3, []uint32{3}, ""},
		{4, 9, []uint32{2, 12, 6, 7}, "4:5,8:9"},
	}
	for _, tc := range tests {
		got := rangesWithout(tc.first, tc.last, tc.skip)
		if got.String() != tc.want {
			t.Errorf("rangesWithout(%d, %d, %v) = %q, want %q", tc.first, tc.last, tc.skip, got, tc.want)
		}
	}
	var empty imap.UIDSet
	if got := rangesWithout(2, 1, nil); len(got) != len(empty) {
		t.Errorf("rangesWithout(2, 1) = %v, want empty", got)
	}
}

func TestBackoffBounds(t *testing.T) {
	for n := 1; n <= 40; n++ {
		full := maxBackoff
		if n < 20 {
			full = min(minBackoff<<(n-1), maxBackoff)
		}
		for range 20 {
			d := backoff(n)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %s, want between %s and %s", n, d, full/2, full)
			}
		}
	}
	if backoff(1) > time.Second {
		t.Errorf("first delay above a second")
	}
}
